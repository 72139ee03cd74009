"""Lines around the cursor and their indentation: the one rule for a line's depth and for the depth after Enter."""

from __future__ import annotations

#: One level of indentation, as an editor's Enter adds it after a line that opens a block.
LEVEL = "    "
#: Columns of a tab when depths are compared: the indentation of mixed tabs and spaces is read as an editor shows it.
TAB_WIDTH = 4
#: Line endings after which Enter indents one level deeper: a block (``:``, ``{``) or a bracket left open.
OPENERS = (":", "{", "(", "[")


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
    """The spaces and tabs that start ``line``."""
    return line[: len(line) - len(line.lstrip(" \t"))]


def indent_width(line: str) -> int:
    """The depth of ``line``: the columns of its indentation, a tab reaching the next multiple of :data:`TAB_WIDTH`."""
    return len(indentation(line).expandtabs(TAB_WIDTH))


def code_line_above(prefix: str) -> str | None:
    """The nearest line above the cursor's line that is not blank, or ``None`` at the top of ``prefix``."""
    return next((line for line in reversed(prefix.split("\n")[:-1]) if line.strip()), None)


def indent_after(above: str, below: str = "") -> str:
    """The indentation an editor's Enter gives a new line written after ``above`` (and before ``below``).

    The depth of ``above``; after a line that opens a block or a bracket, one level
    deeper, or the depth of the code below when that is deeper than ``above``.
    """
    depth = indentation(above)
    if not above.rstrip().endswith(OPENERS):
        return depth
    if indent_width(below) > indent_width(depth):
        return indentation(below)
    return depth + LEVEL


def line_start_indent(prefix: str, suffix: str) -> str | None:
    """The indentation of a new line written at column 0 (in front of code, or on a blank line), or ``None``.

    What an editor's Enter would give after the code line above (:func:`indent_after`),
    with the next code line below as the body it leads into.
    """
    rows = suffix.split("\n")
    if current_line(prefix) or (rows[0].strip() and rows[0][:1] not in " \t"):
        return None
    above = code_line_above(prefix)
    if above is None:
        return None
    return indent_after(above, next((row for row in rows if row.strip()), ""))
