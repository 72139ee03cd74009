"""Small facts about the lines around the cursor, shared by the post-processing steps."""

from __future__ import annotations


def trivial(line: str) -> bool:
    """Too short or without a letter or digit to mean anything when repeated (``}``, ``);``, ``end``)."""
    return len(line) < 4 or not any(c.isalnum() for c in line)


def current_line(prefix: str) -> str:
    return prefix.rsplit("\n", 1)[-1]


def rest_of_line(suffix: str) -> str:
    return suffix.split("\n", 1)[0].rstrip("\r")


def join_lines(lines: list[str]) -> str:
    """Lines joined back without trailing blank lines or a dangling carriage return."""
    while len(lines) > 1 and not lines[-1].strip():
        lines = lines[:-1]
    return "\n".join(lines).rstrip("\r")


def indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def line_start_indent(prefix: str, suffix: str) -> str | None:
    """The indentation of a new line written at column 0 (in front of code, or on a blank line), or ``None``.

    What an editor's Enter would give: one level deeper after a line that opens a
    block (the depth of the code below if that is deeper still), else the depth of
    the line above (the new line ends that block, or opens one for the code below).
    """
    rows = suffix.split("\n")
    if current_line(prefix) or (rows[0].strip() and rows[0][:1] not in " \t"):
        return None
    above = next((line for line in reversed(prefix.split("\n")[:-1]) if line.strip()), None)
    if above is None:
        return None
    depth, below = indentation(above), indentation(next((row for row in rows if row.strip()), ""))
    if above.rstrip().endswith(":"):
        return below if len(below) > len(depth) else depth + "    "
    return depth
