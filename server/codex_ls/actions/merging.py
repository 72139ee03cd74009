"""Generated tests joined to the file they go in, in every language.

The lines the tests begin with (``import``, ``package``, ``using``,
``#include``, bats' ``load``/``source``) that the file already has are left out;
the others go after the file's own, where the language wants them. A test class
(Java, C#) or ``mod tests`` (Rust) the file already has takes the new tests
inside it, since a second one of the same name would not compile; the rest is
appended at the end. Everything here is pure text: offsets in, offsets out.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from ..completion.syntax import error_count
from . import python_imports
from .braces import matching_brace
from .frameworks import TestFile
from .source import Lines

_JS = r"^\s*import\s.*[\"'][^\"']+[\"'];?\s*$|^\s*(?:const|let|var)\s.*=\s*require\(.*\);?\s*$"
_C = r"^\s*#\s*include\b"
HEADERS: dict[str, re.Pattern[str]] = {
    "java": re.compile(r"^\s*(?:package|import)\s[\w.*\s]+;\s*$"),
    "csharp": re.compile(r"^\s*using\s+[\w.=\s]+;\s*$"),
    "go": re.compile(r"^package\s+\w+\s*$|^import\s+(?:[\w.]+\s+)?\"[^\"]+\"\s*$"),
    "c": re.compile(_C),
    "cpp": re.compile(_C),
    "shellscript": re.compile(r"^\s*(?:load|source|bats_load_library)\s|^setup\(\)\s*\{.*\}\s*$"),
    **{language: re.compile(_JS) for language in ("javascript", "javascriptreact", "typescript", "typescriptreact")},
}
#: The block that holds the tests, where a second one would not compile.
CONTAINERS: dict[str, re.Pattern[str]] = {
    "java": re.compile(r"\bclass\s+\w+[^{;]*\{"),
    "csharp": re.compile(r"\bclass\s+\w+[^{;]*\{"),
    "rust": re.compile(r"\bmod\s+tests\s*\{"),
}
#: Blank lines between top-level blocks where the language's style wants more than one.
BLANK_LINES = {"python": 2}
_GO_BLOCK = re.compile(r"^import\s*\(\s*\n(.*?)^\)", re.M | re.S)
_PACKAGE = re.compile(r"^\s*package\s")


@dataclass(frozen=True)
class Insert:
    offset: int
    text: str


def with_import(code: str, tests: TestFile) -> str:
    """The tests with the line that reaches the code under test, which small models often leave out."""
    line, lines = tests.import_line, code.split("\n")
    if not line or line in code:
        return code
    if tests.in_source:
        opening = CONTAINERS["rust"]
        at = next((i + 1 for i, text in enumerate(lines) if opening.search(text)), None)
        if at is None:
            return code
        indent = _indent(lines[at]) if at < len(lines) and lines[at].strip() else "    "
        return "\n".join([*lines[:at], indent + line, *lines[at:]])
    if _PACKAGE.match(line):
        # The source's package, not the one the model guessed.
        kept = [text for text in lines if not _PACKAGE.match(text)]
        return "\n".join([line, *([""] if kept and kept[0].strip() else []), *kept])
    if tests.language == "python":
        end = python_imports.leading_end(code)
        if end is not None:
            return "\n".join([*lines[:end], line, *lines[end:]])
        at = python_imports.top(code)
        gap = [""] * BLANK_LINES["python"] if at < len(lines) and lines[at].strip() else []
        return "\n".join([*lines[:at], line, *gap, *lines[at:]])
    at = max((n + 1 for n in _headers(lines, tests.language)), default=0)
    gap = [""] if at == 0 and lines[0].strip() else []
    return "\n".join([*lines[:at], line, *gap, *lines[at:]])


def join(existing: str, code: str, tests: TestFile) -> list[Insert]:
    """Where the tests go in ``existing``: their new header lines, then the tests themselves,
    with the file's line breaks."""
    inserts = _join(existing, code.replace("\r\n", "\n"), tests)
    if "\r\n" not in existing:
        return inserts
    return [Insert(i.offset, i.text.replace("\n", "\r\n")) for i in inserts]


def _join(existing: str, code: str, tests: TestFile) -> list[Insert]:
    language = tests.language
    if not existing.strip():
        return [Insert(len(existing), code.strip("\n") + "\n")]
    if language == "python":
        heads, body = python_imports.leading(code)
        bound = python_imports.bindings(existing)
        heads = [h for h in heads if not python_imports.bindings(h) <= bound]
        return [*_python_header_inserts(existing, heads), _body_insert(existing, body, language)]
    heads, body = _split(_flat_go_imports(code) if language == "go" else code, language)
    have = {line.strip() for line in (_flat_go_imports(existing) if language == "go" else existing).split("\n")}
    packaged = any(_PACKAGE.match(line) for line in existing.split("\n"))
    heads = [h for h in heads if h.strip() not in have and not (packaged and _PACKAGE.match(h))]
    inserts = [_header_insert(existing, heads, language)] if heads else []
    return [*inserts, _body_insert(existing, body, language)]


def applied(existing: str, inserts: list[Insert]) -> str:
    for insert in sorted(inserts, key=lambda i: i.offset, reverse=True):
        existing = existing[: insert.offset] + insert.text + existing[insert.offset :]
    return existing


def check(code: str, existing: str | None, tests: TestFile) -> str | None:
    """What is wrong with the generated tests, alone or joined to the file; ``None`` if nothing.
    Python's must parse (``ast``), joined as well; the others' tree-sitter errors may not grow."""
    if tests.language == "python":
        if not python_imports.parses(textwrap.dedent(code)):
            return "the generated tests do not parse"
        if existing is not None and not python_imports.parses(applied(existing, join(existing, code, tests))):
            return "the generated tests do not fit the existing test file"
        return None
    if error_count(tests.language, code):
        return "the generated tests do not parse"
    if existing is None:
        return None
    joined = applied(existing, join(existing, code, tests))
    errors, before = error_count(tests.language, joined), error_count(tests.language, existing)
    if errors and errors > (before or 0):
        return "the generated tests do not fit the existing test file"
    return None


def _headers(lines: list[str], language: str) -> list[int]:
    """The numbers of the header lines among ``lines``."""
    pattern = HEADERS.get(language)
    return [n for n, line in enumerate(lines) if pattern is not None and pattern.match(line)]


def _split(code: str, language: str) -> tuple[list[str], str]:
    """The header lines the code begins with (blank lines and comments between them skipped), and the rest."""
    pattern = HEADERS.get(language)
    lines = code.split("\n")
    heads: list[str] = []
    for number, line in enumerate(lines):
        if pattern is not None and pattern.match(line):
            heads.append(line)
        elif line.strip() and not line.lstrip().startswith(("//", "#!", "/*", "*")):
            return heads, "\n".join(lines[number:])
    return heads, ""


def _flat_go_imports(code: str) -> str:
    """Go's ``import ( … )`` blocks as one ``import "path"`` line per package, to compare and insert."""
    return _GO_BLOCK.sub(lambda m: "".join(f"import {s.strip()}\n" for s in m.group(1).split("\n") if s.strip()), code)


def _header_insert(existing: str, heads: list[str], language: str) -> Insert:
    lines = Lines(existing)
    block = _GO_BLOCK.search(existing) if language == "go" else None
    if block is not None:  # into the file's own import block, before its ")"
        return Insert(block.end() - 1, "".join(f"\t{h.strip().removeprefix('import ').strip()}\n" for h in heads))
    last = max(_headers([lines.get(n) for n in range(len(lines))], language), default=None)
    if last is None:
        return Insert(0, "\n".join(heads) + "\n")
    return Insert(lines.end(last), "\n" + "\n".join(heads))


def _python_header_inserts(existing: str, heads: list[str]) -> list[Insert]:
    """Python's new imports: ``from __future__`` ones where the file's first statements go, the others
    after the file's own imports, or there too when it has none (two blank lines before its code)."""
    lines = Lines(existing)
    first = python_imports.top(existing)
    futures = [h for h in heads if python_imports.is_future(h)]
    others = [h for h in heads if not python_imports.is_future(h)]
    last = max((end for _, end in python_imports.spans(existing)), default=None)
    inserts = []
    if futures:
        inserts.append(_before_line(existing, lines, first, "\n".join(futures) + "\n"))
    if others and last is not None:
        inserts.append(Insert(lines.end(last), "\n" + "\n".join(others)))
    elif others:
        blank = 0
        while first + blank < len(lines) and not lines.get(first + blank).strip():
            blank += 1
        gap = "\n" * max(0, BLANK_LINES["python"] - blank)
        inserts.append(_before_line(existing, lines, first, "\n".join(others) + "\n" + gap))
    return inserts


def _before_line(existing: str, lines: Lines, number: int, text: str) -> Insert:
    """``text`` (whole lines) inserted before line ``number``, or after the last line."""
    if number < len(lines):
        return Insert(lines.start(number), text)
    return Insert(len(existing), ("" if existing.endswith("\n") else "\n") + text)


def _body_insert(existing: str, body: str, language: str) -> Insert:
    inside = _inside_container(existing, body, language)
    if inside is not None:
        return inside
    trailing = len(existing) - len(existing.rstrip("\n"))
    breaks = 1 + BLANK_LINES.get(language, 1)
    return Insert(len(existing), "\n" * max(0, breaks - trailing) + body.strip("\n") + "\n")


def _inside_container(existing: str, body: str, language: str) -> Insert | None:
    """The new tests inside the file's own test class or module, before its closing brace."""
    pattern = CONTAINERS.get(language)
    ours = pattern.search(existing) if pattern else None
    theirs = pattern.search(body) if pattern else None
    if ours is None or theirs is None:
        return None
    our_end, their_end = matching_brace(existing, ours.end() - 1), matching_brace(body, theirs.end() - 1)
    if our_end is None or their_end is None:
        return None
    have = {line.strip() for line in existing[ours.end() : our_end].split("\n") if line.strip().startswith("use ")}
    lines = body[theirs.end() : their_end].split("\n")
    new = "\n".join(line for line in lines if line.strip() not in have).strip("\n")
    line_start = existing.rfind("\n", 0, our_end) + 1
    if existing[line_start:our_end].strip():  # "}" after code on its line: a new line before it
        return Insert(our_end, "\n" + new + "\n")
    return Insert(line_start, "\n" + new + "\n")


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]
