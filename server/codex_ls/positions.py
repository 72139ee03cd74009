"""LSP positions and offsets into a document's text, and edits spliced by the LSP's rules.

Positions arrive in the client's units: UTF-16 unless the client negotiated UTF-8
or UTF-32 (``encoding`` below is the negotiated ``PositionEncodingKind``, ``None``
meaning the default). They are
converted as pygls' position codec converts them, but at C speed where the text
allows (the codec visits a line one character at a time in Python). Lines end
where the LSP says they do: at ``\r\n``, ``\n`` or a lone ``\r`` (not at the other
breaks ``str.splitlines`` knows, such as form feed or U+2028). Only the lines up
to the cursor are visited, so a keystroke in a huge file costs the length of the
lines above it, not of the file.
"""

from __future__ import annotations

import re

from lsprotocol import types


class PositionOutOfRangeError(ValueError):
    """The position names a line the document does not have."""


#: A line break as the LSP defines it.
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _line_bounds(text: str, line: int) -> tuple[int, int]:
    """Start and end offsets (end excludes the line break) of ``line``."""
    if "\r" not in text:  # the common case, at C speed: the last piece starts the line
        pieces = text.split("\n", line)
        if len(pieces) <= line:
            raise PositionOutOfRangeError(f"line {line} is past the end of the document")
        start = len(text) - len(pieces[-1])
        end = text.find("\n", start)
        return start, len(text) if end < 0 else end
    start = 0
    for _ in range(line):
        found = LINE_BREAK.search(text, start)
        if found is None:
            raise PositionOutOfRangeError(f"line {line} is past the end of the document")
        start = found.end()
    found = LINE_BREAK.search(text, start)
    return start, len(text) if found is None else found.start()


def offset_at(text: str, position: types.Position, encoding: str | None) -> int:
    """The code-point offset of a client position; a column past the line end means the end."""
    if position.line < 0 or position.character < 0:
        raise PositionOutOfRangeError(f"negative position {position.line}:{position.character}")
    return _column(text, _line_bounds(text, position.line), position.character, encoding)


def client_units(text: str, encoding: str | None) -> int:
    """The length of ``text`` in the client's position units."""
    if _one_unit_per_character(text, encoding):
        return len(text)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # UTF-16, and pygls' choice for any other


def _one_unit_per_character(text: str, encoding: str | None) -> bool:
    return (
        text.isascii()
        or encoding == types.PositionEncodingKind.Utf32
        # UTF-16, and pygls' choice for an unknown encoding: astral characters take two.
        or (encoding != types.PositionEncodingKind.Utf8 and max(text) <= "\uffff")
    )


def _column(text: str, bounds: tuple[int, int], character: int, encoding: str | None) -> int:
    start, end = bounds
    line = text[start:end]
    if character >= client_units(line, encoding):
        return end
    if _one_unit_per_character(line, encoding):
        return start + character
    # A column inside a character counts as after it, as pygls has it.
    units = 0
    for index, char in enumerate(line):
        if units >= character:
            return start + index
        units += client_units(char, encoding)
    return end


def clamped_offset(text: str, position: types.Position, encoding: str | None) -> int:
    """``offset_at``, with a line past the last meaning the end of the document (for edits)."""
    try:
        return offset_at(text, position, encoding)
    except PositionOutOfRangeError:
        return len(text)


def splice(text: str, change: types.Range, new: str, encoding: str | None) -> str:
    """``text`` with ``change`` replaced by ``new``, positions clamped as the LSP says."""
    first, last = change.start, change.end
    if first.line == last.line and first.line >= 0 and first.character >= 0 and last.character >= 0:
        # The usual keystroke: one line, looked up once.
        try:
            bounds = _line_bounds(text, first.line)
        except PositionOutOfRangeError:
            start = end = len(text)
        else:
            start, end = (
                _column(text, bounds, first.character, encoding),
                _column(text, bounds, last.character, encoding),
            )
    else:
        start, end = clamped_offset(text, first, encoding), clamped_offset(text, last, encoding)
    if start > end:
        start, end = end, start
    return text[:start] + new + text[end:]


def position_at(text: str, offset: int, encoding: str | None) -> types.Position:
    """The client position of a code-point offset."""
    lone_returns = text.count("\r", 0, offset) - text.count("\r\n", 0, offset)
    line = text.count("\n", 0, offset) + lone_returns
    start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    return types.Position(line=line, character=client_units(text[start:offset], encoding))
