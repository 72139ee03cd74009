"""Python's import statements, as ``merging.py`` joins generated tests to a test file: read by ``ast``.

Only the module's own top-level imports count: an import inside a function or an
``if TYPE_CHECKING:`` block binds nothing for the tests, and a line that starts with
``import`` inside a docstring is no import at all. Text that does not parse has none.
"""

from __future__ import annotations

import ast
import functools

#: What an import binds: the module (with its leading dots), the name, and the name it is bound to.
Binding = tuple[str, str, str]


@functools.lru_cache(maxsize=16)
def _module(text: str) -> ast.Module | None:
    """``text`` parsed (once: one joining asks about the same file and statements several times);
    ``None`` if it does not parse. The trees are only read."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def parses(text: str) -> bool:
    return _module(text) is not None


def _docstring_end(tree: ast.Module) -> int:
    """The line count of the module's docstring (0 without one)."""
    first = tree.body[0] if tree.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first.end_lineno or first.lineno
    return 0


def spans(text: str) -> list[tuple[int, int]]:
    """The top-level import statements of ``text`` as (first, last) line numbers, from 0."""
    tree = _module(text)
    if tree is None:
        return []
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    return [(n.lineno - 1, (n.end_lineno or n.lineno) - 1) for n in imports]


def _leading(tree: ast.Module) -> list[ast.stmt]:
    """The import statements the module begins with, after its docstring."""
    found: list[ast.stmt] = []
    for node in tree.body[1 if _docstring_end(tree) else 0 :]:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            break
        found.append(node)
    return found


def leading(code: str) -> tuple[list[str], str]:
    """The import statements ``code`` begins with (after its docstring), and the code after them;
    the docstring of generated tests is left out, since it would not open the file they join."""
    tree = _module(code)
    if tree is None:
        return [], code
    lines = code.split("\n")
    nodes = _leading(tree)
    heads = ["\n".join(lines[n.lineno - 1 : n.end_lineno or n.lineno]) for n in nodes]
    after = (nodes[-1].end_lineno or nodes[-1].lineno) if nodes else _docstring_end(tree)
    return heads, "\n".join(lines[after:])


def leading_end(code: str) -> int | None:
    """The line after the import statements ``code`` begins with; ``None`` without any."""
    tree = _module(code)
    nodes = _leading(tree) if tree is not None else []
    return (nodes[-1].end_lineno or nodes[-1].lineno) if nodes else None


def bindings(text: str) -> set[Binding]:
    """What the top-level imports of ``text`` bind."""
    tree = _module(text)
    found: set[Binding] = set()
    for node in tree.body if tree is not None else []:
        if isinstance(node, ast.Import):
            found |= {("", a.name, a.asname or a.name) for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found |= {(module, a.name, a.asname or a.name) for a in node.names}
    return found


def _future(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "__future__"


def is_future(statement: str) -> bool:
    """Whether ``statement`` is a ``from __future__`` import, which must come first in a file."""
    tree = _module(statement)
    return tree is not None and any(_future(n) for n in tree.body)


def top(text: str) -> int:
    """The line where an import goes that must come first: after the comments that open the
    file, its docstring, and its ``from __future__`` imports."""
    lines = text.split("\n")
    at = 0
    while at < len(lines) and lines[at].lstrip().startswith("#"):
        at += 1
    tree = _module(text)
    if tree is not None:
        at = max([at, _docstring_end(tree), *((n.end_lineno or n.lineno) for n in tree.body if _future(n))])
    return at
