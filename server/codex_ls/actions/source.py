"""Source text as the actions see it: line arithmetic and the description of a function."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Function:
    name: str
    #: Offsets (code points) of the first line's start (decorators included) and the last line's end.
    start: int
    end: int
    #: End of the line that ends the signature, or the docstring when there is one.
    keep_end: int
    #: Indentation of the body's lines.
    indent: str
    docstring: str | None
    #: Only a signature, a docstring or comments, and ``pass`` / ``...`` / nothing.
    is_stub: bool
    #: Start of the ``def``/header line itself (after decorators).
    header: int = -1
    #: End of the line on which the signature ends (its ``:`` or ``{``).
    signature_end: int = -1
    #: Offsets of the docstring's lines (whole lines), if the function has one.
    docstring_span: tuple[int, int] | None = None


class Lines:
    """Line starts of a text, for offset arithmetic."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(i + 1 for i, c in enumerate(text) if c == "\n")]

    def __len__(self) -> int:
        return len(self.starts)

    def start(self, line: int) -> int:
        return self.starts[line]

    def end(self, line: int) -> int:
        """End of ``line`` without its line break."""
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        return end - 1 if end > self.starts[line] and self.text[end - 1] == "\r" else end

    def get(self, line: int) -> str:
        return self.text[self.start(line) : self.end(line)]

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset)


def indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def indent_unit(lines: Lines, header: int, body: int, end: int) -> str:
    """One level of indentation as the file writes it (from the body's first line)."""
    base = indent_of(lines.get(header))
    for number in range(body, end + 1):
        text = lines.get(number)
        if text.strip() and len(indent_of(text)) > len(base):
            return indent_of(text)[len(base) :]
    return "\t" if base.startswith("\t") else "    "
