"""Where a multi-line completion starts writing the code that follows the cursor.

A model that does not stop by itself (the embedded 0.5B) writes the missing lines
and goes on with the ones after them. The first whole line that repeats the next
line of code after the cursor marks the end of the insertion; a lone bracket or a
short keyword repeats too often to count.
"""

from __future__ import annotations

from collections.abc import Sequence

from .lines import current_line, join_lines, trivial


def next_code_line(prefix: str, suffix: str) -> str | None:
    """The next line of code after the cursor, stripped, when the cursor starts a line (or is on a blank one)."""
    line = current_line(prefix)
    if line.strip():
        return None
    rows = suffix.split("\n")
    if rows[0].strip():
        return (line + rows[0]).strip()
    return next((row.strip() for row in rows[1:] if row.strip()), None)


def repeated_next_line(prefix: str, suffix: str, lines: Sequence[str]) -> int | None:
    """The index of the first of ``lines`` (the completion's, read at the cursor) that repeats the code after it."""
    target = next_code_line(prefix, suffix)
    if target is None or trivial(target):
        return None
    for i, line in enumerate(lines):
        if (current_line(prefix) + line if i == 0 else line).strip() == target:
            return i
    return None


def trim_at_next_line(prefix: str, text: str, suffix: str) -> str:
    """``text`` up to the line where it starts writing the code that follows the cursor.

    A model that does not stop by itself writes the missing lines and then goes on
    with the ones after them; the first repeated line (not a lone bracket) marks the end.
    """
    lines = text.split("\n")
    at = repeated_next_line(prefix, suffix, lines)
    return text if at is None else join_lines(lines[:at]) if at else ""
