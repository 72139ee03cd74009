"""What a model writes when nothing stops it: the same lines again, a loop that counts, a
statement the token limit cut in half. Filters (:mod:`.filters`) that cut a sample back to
what it meant before it ran away.
"""

from __future__ import annotations

import re

from .cursor import CursorContext
from .lexer import OPENERS, brackets, closers
from .lines import join_lines, trivial

_RUN = re.compile(r"(.{4,40}?)\1{3,}")
_PERIODIC = re.compile(r"(.+?)\1+")
_DIGITS = re.compile(r"\d+")
#: How a line ends that leaves its statement open: a block, a bracket, an operator, a list.
_OPEN_ENDS = (":", "{", "(", "[", ",", "\\", "=", "&&", "||", "?", " +", " -", " *", " /", " and", " or")


def cut_repeated_lines(text: str, cursor: CursorContext) -> str:
    """One copy of a group of one to three lines repeated three or more times in a row: a model in a loop."""
    lines = text.split("\n")
    keys = [line.strip() for line in lines]
    for i in range(len(lines)):
        for period in (1, 2, 3):
            group = keys[i : i + period]
            if len(group) < period or all(trivial(key) for key in group):
                continue
            copies = 1
            while keys[i + copies * period : i + (copies + 1) * period] == group:
                copies += 1
            if copies >= 3:
                return join_lines(lines[: i + period])
    return text


def cut_repeated_run(text: str, cursor: CursorContext) -> str:
    """One copy of 4-40 characters repeated four or more times back to back up to the line's end.

    Only a run that lasts to the end of its line counts: that is a model that
    would not stop, whereas ``[0x00, 0x00, 0x00, 0x00, 0x01]`` is data.
    """
    offset = 0
    for line in text.split("\n"):
        at = 0
        while (run := _RUN.search(line, at)) is not None:
            unit = run.group(1)
            if not _PERIODIC.fullmatch(unit) and unit.startswith(line[run.end() :].rstrip()):
                return text[: offset + run.start() + len(unit)].rstrip(" \t")
            at = run.start() + 1
        offset += len(line) + 1
    return text


def cut_loop(text: str, cursor: CursorContext) -> str:
    """Without a run of one to three lines of one shape (alike but for their numbers) repeated
    four or more times up to the end: a model in a loop (``dm = 10;``, ``dm2 = 100;`` …) that
    only the token limit stopped. The last line may be a copy cut short.

    A run that stops before the end, or a sample that stopped by itself, is code the model
    finished (a table, a row of asserts); it stays.
    """
    if not cursor.cut_short:
        return text
    lines = text.split("\n")
    shapes = [_DIGITS.sub("0", line.strip()) for line in lines]
    while shapes and not shapes[-1]:
        shapes.pop()
    starts = [start for period in (1, 2, 3) if (start := _looping_from(shapes, period)) is not None]
    return join_lines(lines[: min(starts)]) if starts else text


def _looping_from(shapes: list[str], period: int) -> int | None:
    """Where a run of four or more copies of ``period`` shapes starts that lasts to the end of ``shapes``."""
    tail = len(shapes)
    if tail > period and shapes[-1] != shapes[-1 - period] and shapes[-1 - period].startswith(shapes[-1]):
        tail -= 1  # a last copy cut short
    start = tail - period
    group = shapes[start:tail]
    if start < 0 or all(trivial(shape) for shape in group):
        return None
    while start >= period and shapes[start - period : start] == group:
        start -= period
    return start if tail - start >= 4 * period else None


def end_complete(text: str, cursor: CursorContext) -> str:
    """Where the token limit cut the sample: up to its last complete statement, or nothing.

    Its last line is where the limit cut; then lines go from the end until every bracket
    the text opens is closed and the last line does not leave a statement open (``if
    (x) {``, ``def f():``, ``a +``, ``f(a,``).
    """
    if not cursor.cut_short:
        return text
    lines = text.split("\n")[:-1]
    while lines:
        kept = join_lines(lines)
        ends = kept.rstrip()
        if ends and not ends.endswith(_OPEN_ENDS) and not _unclosed(cursor.line, kept):
            return kept
        lines.pop()
    return ""


def _unclosed(before: str, text: str) -> bool:
    """Whether ``text`` opens a bracket it does not close."""
    opened = sum(1 for at, bracket in brackets(before + text) if at >= len(before) and bracket in OPENERS)
    return opened > sum(1 for closer in closers(before, text) if closer.opener >= 0)
