"""Functions in brace languages (JavaScript, TypeScript, Go, Rust, C-like): a header pattern and bracket matching.

A header is a line that looks like a function signature with its ``{`` at the
end of the line (or alone on the next one); the body runs to the matching
``}``, skipping strings and comments. A body with only comments or a
placeholder (``todo!()``, ``throw new Error(…)``) is a stub.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .source import Function, Lines, indent_of, indent_unit

_BRACE_HEADERS = re.compile(
    r"^\s*(?:"
    r"(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*(?P<js>\w+)"
    r"|func\s+(?:\([^)]*\)\s*)?(?P<go>\w+)\s*[(\[]"
    r"|(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(?P<rs>\w+)"
    r"|(?:export\s+)?(?:const|let|var)\s+(?P<arrow>\w+)\s*(?::[^=]+)?=\s*(?:async\s*)?\([^)]*\)[^=]*=>\s*\{"
    r"|(?:(?:public|private|protected|static|async|override|readonly|final)\s+)*"
    r"(?:[\w<>\[\],.*&:]+\s+)*?(?P<c>(?!if\b|for\b|while\b|switch\b|catch\b|return\b|else\b)\w+)\s*\([^;{}]*\)"
    r"[^;{}=]*\{?\s*$"
    r")"
)
_PLACEHOLDER = re.compile(
    r"^(?:todo!\(.*\)|unimplemented!\(.*\)|panic\(.*\)|throw new Error\(.*\)|pass|return)?;?$", re.DOTALL
)
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/|#[^\n]*", re.DOTALL)


def brace_function(lines: Lines, line: int) -> Function | None:
    best: Function | None = None
    for found in _brace_functions(lines, line):
        contains = lines.line_of(found.start) <= line <= lines.line_of(found.end)
        if contains and (best is None or found.start > best.start):
            best = found
    return best


def _brace_functions(lines: Lines, line: int) -> Iterator[Function]:
    for header in range(line, -1, -1):
        match = _BRACE_HEADERS.match(lines.get(header))
        if match is None:
            continue
        name = next(v for v in match.groupdict().values() if v)
        found = _brace_block(lines, header, name)
        if found is not None:
            yield found


def _brace_block(lines: Lines, header: int, name: str) -> Function | None:
    text = lines.text
    opening = text.find("{", lines.start(header))
    if opening < 0 or lines.line_of(opening) > header + 3:
        return None
    between = text[lines.start(header) : opening]
    if ";" in between or "}" in between or text[opening + 1 : lines.end(lines.line_of(opening))].strip():
        return None  # a statement or a literal, not a function header
    closing = matching_brace(text, opening)
    if closing is None:
        return None
    inside = text[opening + 1 : closing]
    code = _COMMENT.sub("", inside).strip()
    first = lines.line_of(opening)
    close_line = lines.line_of(closing)
    base = indent_of(lines.get(header))
    above = _leading_lines(lines, header)
    comments = "\n".join(line for line in above if not _ANNOTATION.match(line))
    return Function(
        name=name,
        start=lines.start(header - len(above)),
        end=lines.end(close_line),
        keep_end=lines.end(first),
        indent=base + indent_unit(lines, header, first + 1, close_line),
        docstring=comments or (_COMMENT.findall(inside)[0] if _COMMENT.search(inside) else None),
        is_stub=close_line > first and bool(_PLACEHOLDER.match(code)),
        header=lines.start(header),
        signature_end=lines.end(first),
    )


#: Java annotations and TypeScript decorators (``@Override``), C# attributes (``[Fact]``).
_ANNOTATION = re.compile(r"^\s*(?:@[\w.]+(?:\(.*\))?|\[[\w.]+(?:\(.*\))?(?:,\s*[\w.]+(?:\(.*\))?)*\])\s*$")


def _leading_lines(lines: Lines, header: int) -> list[str]:
    """The comment block (JSDoc, ``///``, ``//``) and annotations right above the header: they belong to
    the function, so that a rewrite (*Add docstring*) replaces them with it and puts a doc comment above them."""
    block: list[str] = []
    for number in range(header - 1, -1, -1):
        line = lines.get(number)
        if not (line.strip().startswith(("//", "/*", "*", "#")) or _ANNOTATION.match(line)):
            break
        block.insert(0, line)
    return block


def matching_brace(text: str, opening: int) -> int | None:
    """The offset of the ``}`` closing the ``{`` at ``opening``, skipping strings and comments."""
    depth, i = 0, opening
    while i < len(text):
        char = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
        elif text.startswith("/*", i):
            i = text.find("*/", i + 2)
            i = len(text) if i < 0 else i + 1
        elif char in "\"'`":
            i = _string_end(text, i)
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _string_end(text: str, start: int) -> int:
    quote, i = text[start], start + 1
    while i < len(text) and text[i] != quote:
        if text[i] == "\\":
            i += 1
        elif text[i] == "\n" and quote != "`":
            return i  # an apostrophe in a comment-like context (Rust lifetimes): not a string
        i += 1
    return i
