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
