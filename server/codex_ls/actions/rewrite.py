"""Actions that rewrite code in place: *Edit with instruction*, *Add docstring*, *Add comments*.

Each replaces only the code it concerns, indented like the code it replaces.
For Python the answer must parse; *Add comments* must also leave the code's
syntax tree unchanged, and *Add docstring* inserts only the docstring the model
wrote, so the function's code is never touched. In other languages *Add
docstring* replaces the function, with the comment block and annotations above
it, by the model's answer, which must hold a new doc comment in the language's
style (``styles.py``) and parse (tree-sitter) no worse than the code it replaces.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Callable

from ..completion.syntax import error_count
from .edits import replace
from .inputs import ask_checked, is_python, prompt_input, python_parses, require_target
from .job import ActionFailedError, EditResult, Job
from .prompts import line_comment, strip_echo
from .source import Function
from .styles import doc_style
from .target import Target, indentation, instruction_at, reindent, target_at


async def edit(job: Job) -> EditResult:
    """Rewrite the selection (or the function at the cursor) as the instruction says.

    Without an instruction, or with the one a ``codex:`` comment above the code
    gives, the comment names the instruction and the edit removes it.
    """
    snapshot, args = job.snapshot, job.args
    comment = instruction_at(snapshot, args.range)
    instruction = (args.instruction or "").strip()
    if comment is not None and instruction in ("", comment.instruction):
        instruction, target = comment.instruction, comment.target
        start = snapshot.lines.start(comment.line)
    else:
        target = target_at(snapshot, args.range) or _cursor_line(job)
        start = target.start
    if not instruction:
        raise ActionFailedError("no instruction: pass one, or write a `codex: <instruction>` comment above the code")
    data = prompt_input(job, target, instruction=instruction)
    check = _python_check(job, target)
    code = await ask_checked(job, "edit", data, lambda c: check(strip_echo(c, data.before, data.after)))
    code = strip_echo(code, data.before, data.after)
    return _replace(job, start, target, code, f"Codex: {instruction}")


def _cursor_line(job: Job) -> Target:
    line = job.args.range.start.line
    lines = job.snapshot.lines
    if line >= len(lines):
        raise ActionFailedError("the position is past the end of the document")
    return Target(lines.start(line), lines.end(line), None, "This code")


async def add_comments(job: Job) -> EditResult:
    target = require_target(job)
    original = target.code(job.snapshot.text)

    def check(code: str) -> str | None:
        if _comment_lines(code, job) <= _comment_lines(original, job):
            return "the model added no comments"
        if is_python(job) and not python_parses(code):
            return "the commented code does not parse"
        if is_python(job) and python_parses(original) and _tree(code) != _tree(original):
            return "the model changed the code, not only its comments"
        return None

    data = prompt_input(job, target, context=False)
    code = await ask_checked(job, "addComments", data, check)
    return _replace(job, target.start, target, code, "Add comments")


async def add_docstring(job: Job) -> EditResult:
    target = require_target(job)
    function = target.function
    data = prompt_input(job, target, context=False)
    if not is_python(job):
        code = await ask_checked(job, "addDocstring", data, _doc_comment_check(job, target))
        return _replace(job, target.start, target, code, "Add docstring")
    if function is None or function.signature_end >= function.end:
        code = await ask_checked(job, "addDocstring", data, _python_check(job, target))
        return _replace(job, target.start, target, code, "Add docstring")
    code = await ask_checked(job, "addDocstring", data, _docstring_check)
    return _insert_docstring(job, function, _docstring_lines(code))


_DEFINES = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)", re.MULTILINE)


def _python_check(job: Job, target: Target) -> Callable[[str], str | None]:
    """Python answers must parse, still define the function, and define nothing the rest of the file has."""
    text = job.snapshot.text
    own = set(_DEFINES.findall(target.code(text)))
    elsewhere = set(_DEFINES.findall(text[: target.start] + text[target.end :])) - own

    def check(code: str) -> str | None:
        if not is_python(job):
            return None
        if not python_parses(code):
            return "the model's code does not parse"
        defined = set(_DEFINES.findall(code))
        if target.function is not None and target.function.name not in defined:
            return f"the model's answer does not define {target.function.name}"
        if repeated := sorted(defined & elsewhere):
            return f"the model rewrote more than the code in question ({', '.join(repeated)})"
        return None

    return check


def _doc_comment_check(job: Job, target: Target) -> Callable[[str], str | None]:
    """Other languages' answers must add a doc comment in the language's style, keep the function and
    parse (tree-sitter) no worse than the code they replace."""
    language = job.snapshot.language
    original = target.code(job.snapshot.text)
    marker = doc_style(language).marker

    def doc_lines(code: str) -> int:
        return sum(line.strip().startswith(marker) for line in code.split("\n"))

    def check(code: str) -> str | None:
        if doc_lines(code) <= doc_lines(original):
            return f"the answer has no new {doc_style(language).name}"
        if target.function is not None and target.function.name not in code:
            return f"the model's answer does not define {target.function.name}"
        errors = error_count(language, code)
        if errors and errors > (error_count(language, original) or 0):
            return "the model's code does not parse"
        return None

    return check


def _comment_lines(code: str, job: Job) -> int:
    marker = line_comment(job.snapshot.language)
    return sum(marker in line for line in code.split("\n"))


def _replace(job: Job, start: int, target: Target, code: str, label: str) -> EditResult:
    snapshot = job.snapshot
    original = snapshot.text[target.start : target.end]
    lines = snapshot.lines
    if "\n" in original or "\n" in code or target.start == lines.start(lines.line_of(target.start)):
        code = reindent(code, indentation(original))
    where = snapshot.range(start, target.end)
    return EditResult(replace(snapshot.uri, snapshot.version, where, code), label)


# -- docstrings -------------------------------------------------------------------------------


def _first_function(code: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    try:
        tree = ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node
    return None


def _docstring_check(code: str) -> str | None:
    node = _first_function(code)
    if node is None:
        return "the model's answer is not a function that parses"
    if ast.get_docstring(node) is None:
        return "the model's answer has no docstring"
    return None


def _docstring_lines(code: str) -> list[str]:
    """The docstring's source lines as the model wrote them, dedented."""
    dedented = textwrap.dedent(code)
    node = _first_function(dedented)
    assert node is not None  # checked by _docstring_check
    first = node.body[0]
    lines = dedented.split("\n")[first.lineno - 1 : first.end_lineno]
    return textwrap.dedent("\n".join(lines)).split("\n")


def _insert_docstring(job: Job, function: Function, docstring: list[str]) -> EditResult:
    snapshot = job.snapshot
    text = "\n".join(function.indent + line if line.strip() else "" for line in docstring)
    if function.docstring_span is not None:
        start, end = function.docstring_span
        new_text = text
    else:
        start = end = function.signature_end
        new_text = "\n" + text
    where = snapshot.range(start, end)
    return EditResult(replace(snapshot.uri, snapshot.version, where, new_text), f"Add docstring to {function.name}")


def _tree(code: str) -> str:
    """The code's syntax tree without docstrings (comments are not in it)."""
    tree = ast.parse(textwrap.dedent(code))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)
        if isinstance(node, kinds) and body and _is_docstring(body[0]):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def _is_docstring(statement: ast.stmt) -> bool:
    value = statement.value if isinstance(statement, ast.Expr) else None
    return isinstance(value, ast.Constant) and isinstance(value.value, str)
