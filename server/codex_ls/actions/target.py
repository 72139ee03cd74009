"""Which code an action concerns: the selection, else the function at the cursor.

A selection over several lines is widened to whole lines, so the model sees
(and the edit replaces) complete lines with their indentation. An instruction
comment (``# codex: make it async``) directly above the selection or cursor
line names an *Edit with instruction* for clients that cannot prompt.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from lsprotocol import types

from .functions import function_at
from .job import Snapshot
from .source import Function


@dataclass(frozen=True)
class Target:
    #: Offsets of the code in question (whole lines unless a part of one line is selected).
    start: int
    end: int
    function: Function | None
    #: "This function" or "This code", to start an explanation with.
    subject: str

    def code(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True)
class InstructionComment:
    line: int
    instruction: str
    #: The code the instruction is about (below the comment).
    target: Target


_INSTRUCTION = re.compile(r"^\s*(?:#|//|--|;)\s*codex:\s*(?P<text>\S.*?)\s*(?:\*/)?\s*$", re.IGNORECASE)


def target_at(snapshot: Snapshot, where: types.Range) -> Target | None:
    """The selection (widened to whole lines if it spans several), else the function at the cursor."""
    lines = snapshot.lines
    start, end = snapshot.offset(where.start), snapshot.offset(where.end)
    if start == end or not snapshot.text[start:end].strip():
        function = function_at(snapshot.text, where.start.line, snapshot.language)
        if function is None:
            return None
        return Target(function.start, function.end, function, "This function")
    if where.start.line != where.end.line:
        last = lines.line_of(end) - (1 if end == lines.start(lines.line_of(end)) else 0)
        start, end = lines.start(lines.line_of(start)), lines.end(last)
    function = function_at(snapshot.text, lines.line_of(start), snapshot.language)
    whole = function is not None and start <= function.start and function.end <= end
    return Target(start, end, function if whole else None, "This function" if whole else "This code")


def line_target(snapshot: Snapshot, line: int) -> Target:
    lines = snapshot.lines
    return Target(lines.start(line), lines.end(line), None, "This code")


def instruction_at(snapshot: Snapshot, where: types.Range) -> InstructionComment | None:
    """A ``codex: <instruction>`` comment on the line above the selection or cursor (or under the cursor)."""
    lines = snapshot.lines
    first = where.start.line
    if first >= len(lines):
        return None
    own = _INSTRUCTION.match(lines.get(first))
    match: re.Match[str] | None
    if own is not None and where.start == where.end and first + 1 < len(lines):
        first += 1  # the cursor is on the comment itself: it is about the next line
        comment_line, match = first - 1, own
    else:
        comment_line = first - 1
        match = _INSTRUCTION.match(lines.get(comment_line)) if comment_line >= 0 else None
    if match is None:
        return None
    cursor = types.Position(first, 0)
    selection = where if where.start != where.end and where.start.line == first else types.Range(cursor, cursor)
    target = _code_below(snapshot, first, selection)
    return InstructionComment(comment_line, match.group("text"), target)


def _code_below(snapshot: Snapshot, line: int, selection: types.Range) -> Target:
    """The selection, the function starting (or running) at ``line``, else that line."""
    if selection.start != selection.end:
        found = target_at(snapshot, selection)
        if found is not None:
            return found
    function = function_at(snapshot.text, line, snapshot.language)
    if function is not None and snapshot.lines.line_of(function.start) == line:
        return Target(function.start, function.end, function, "This function")
    return line_target(snapshot, line)


def indentation(code: str) -> str:
    """The common leading whitespace of the non-blank lines of ``code``."""
    prefixes = [line[: len(line) - len(line.lstrip(" \t"))] for line in code.split("\n") if line.strip()]
    if not prefixes:
        return ""
    common = prefixes[0]
    for prefix in prefixes[1:]:
        while not prefix.startswith(common):
            common = common[:-1]
    return common


def reindent(code: str, indent: str) -> str:
    """``code`` dedented, then indented by ``indent`` (blank lines stay empty)."""
    dedented = textwrap.dedent(code)
    return "\n".join(indent + line if line.strip() else "" for line in dedented.split("\n"))
