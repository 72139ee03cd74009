"""Names a Python function body reads but nothing defines: a cheap check of generated code.

Small models often write a plausible body with the wrong variable (``values``
for ``s``). A name is defined if the enclosing functions bind it (parameters,
assignments, imports, nested definitions), the module binds it at its top
level, or it is a builtin. Class bodies are not a scope for their methods, as
in Python itself. The check leans towards leniency (a comprehension's variable
counts as bound in its function): it must never reject correct code.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Iterator

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def undefined_names(tree: ast.Module, first_line: int, last_line: int) -> set[str]:
    """Names read on lines ``first_line..last_line`` (1-based) that no visible scope binds."""
    chain = _enclosing_functions(tree.body, first_line, last_line)
    if not chain:
        return set()
    bound = set(dir(builtins)) | _bindings(tree.body)
    for function in chain:
        bound |= _parameters(function) | _bindings(function.body)
    read = {
        node.id
        for node in ast.walk(chain[-1])
        if isinstance(node, ast.Name)
        and isinstance(node.ctx, ast.Load)
        and first_line <= node.lineno <= last_line
        and not _inside_nested_scope(chain[-1], node)
    }
    return read - bound


def _enclosing_functions(body: list[ast.stmt], first: int, last: int) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions (outermost first) whose lines contain ``first..last``."""
    for node in body:
        end = node.end_lineno or node.lineno
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef)) and node.lineno <= first and last <= end:
            inner = _enclosing_functions(node.body, first, last)
            return [node, *inner] if isinstance(node, _FUNCTIONS) else inner
    return []


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    arguments = function.args
    names = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    names += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return {a.arg for a in names}


def _bindings(body: Iterable[ast.stmt]) -> set[str]:
    """Names bound directly in a scope's statements (not in nested scopes, except comprehensions)."""
    names: set[str] = set()
    for node in _walk_scope(body):
        if isinstance(node, _SCOPES) and not isinstance(node, ast.Lambda):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names |= set(node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)  # lambda parameters used in the same expression
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
    return names


def _walk_scope(body: Iterable[ast.AST]) -> Iterator[ast.AST]:
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPES) or isinstance(node, ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))


def _inside_nested_scope(function: ast.AST, target: ast.Name) -> bool:
    """True if ``target`` lies in a function or class nested inside ``function``."""
    nested = (n for n in ast.walk(function) if n is not function and isinstance(n, (*_FUNCTIONS, ast.ClassDef)))
    return any(child is target for node in nested for child in ast.walk(node))
