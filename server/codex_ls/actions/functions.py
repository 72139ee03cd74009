"""The function under the cursor: where it is, its docstring, and whether it is only a stub.

Python is read with ``ast`` (the whole file when it parses; otherwise the
function's own lines, with ``pass`` added when its body is empty, which is a
syntax error); brace languages are read by ``braces.py``. Everything here is
pure: text in, offsets out.
"""

from __future__ import annotations

import ast
import functools
import re
import textwrap

from .braces import brace_function
from .source import Function, Lines, indent_of, indent_unit

PYTHON = frozenset({"python", "py"})


def function_at(text: str, line: int, language: str) -> Function | None:
    """The innermost function whose lines contain ``line`` (0-based), if any."""
    lines = Lines(text)
    if not 0 <= line < len(lines):
        return None
    if language.lower() in PYTHON:
        return _python_function(text, lines, line)
    return brace_function(lines, line)


# -- Python --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _parse(text: str) -> ast.Module | None:
    """The module's tree (never mutated), cached: one code-action listing asks several times."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _python_function(text: str, lines: Lines, line: int) -> Function | None:
    tree = _parse(text)
    if tree is None:
        return _python_fallback(lines, line)
    best: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and _first_line(node) <= line + 1 <= (node.end_lineno or node.lineno)
            and (best is None or node.lineno > best.lineno)
        ):
            best = node
    return None if best is None else _describe(best, lines, 0, None)


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def _describe(
    node: ast.FunctionDef | ast.AsyncFunctionDef, lines: Lines, offset: int, last_line: int | None
) -> Function:
    """A Function from its AST node; ``offset`` shifts snippet line numbers to the file's."""

    def file_line(lineno: int) -> int:
        line = lineno - 1 + offset
        return min(line, last_line) if last_line is not None else line

    body = node.body
    docstring = ast.get_docstring(node, clean=True)
    header_line, end_line = file_line(node.lineno), file_line(node.end_lineno or node.lineno)
    body_line = body[0].lineno - 1 + offset
    body_line = header_line + 1 if body_line > end_line else body_line
    span = None
    if docstring is not None:
        keep_line = file_line(body[0].end_lineno or body[0].lineno)
        span = (lines.start(body_line), lines.end(keep_line))
    else:
        # Comments between the signature and the first statement are kept.
        keep_line = file_line(max(node.lineno, body[0].lineno - 1))
    signature_line = max(header_line, min(_signature_end_line(lines, header_line), end_line))
    rest = body[1:] if docstring is not None else body
    return Function(
        name=node.name,
        start=lines.start(file_line(_first_line(node))),
        end=lines.end(end_line),
        keep_end=lines.end(keep_line),
        indent=indent_of(lines.get(header_line)) + indent_unit(lines, header_line, body_line, end_line),
        docstring=docstring,
        is_stub=all(_is_placeholder(s) for s in rest) and body[0].lineno != node.lineno,
        header=lines.start(header_line),
        signature_end=lines.end(signature_line),
        docstring_span=span,
    )


def _signature_end_line(lines: Lines, header: int) -> int:
    """The line whose ``:`` ends a ``def`` signature (brackets balanced)."""
    depth = 0
    for number in range(header, len(lines)):
        code = lines.get(number).split("#", 1)[0].rstrip()
        depth += sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")
        if depth <= 0 and code.endswith(":"):
            return number
    return header


def _is_placeholder(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and statement.value.value is Ellipsis
    )


_PY_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+\w+")


def _python_fallback(lines: Lines, line: int) -> Function | None:
    """The file does not parse: read the enclosing ``def`` block on its own."""
    for header in range(line, -1, -1):
        match = _PY_DEF.match(lines.get(header))
        if match is None:
            continue
        last = _python_block_end(lines, header, len(match.group(1)))
        if last < line:
            return None
        return _parse_block(lines, header, last)
    return None


def _python_block_end(lines: Lines, header: int, indent: int) -> int:
    last, depth = header, 0
    for number in range(header, len(lines)):
        text = lines.get(number)
        if number > header and depth == 0 and text.strip() and len(indent_of(text)) <= indent:
            break
        depth += sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")
        if text.strip():
            last = number
    return last


def _parse_block(lines: Lines, header: int, last: int) -> Function | None:
    block = "\n".join(lines.get(n) for n in range(header, last + 1))
    snippet = textwrap.dedent(block)
    for attempt in (snippet, snippet + "\n" + indent_of(snippet.split("\n")[-1] or "") + "    pass"):
        try:
            tree = ast.parse(attempt)
        except (SyntaxError, ValueError):
            continue
        node = tree.body[0] if tree.body else None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return _describe(node, lines, header, last)
    return None
