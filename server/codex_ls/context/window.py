"""Cursor positions and the prefix/suffix window shown to the model.

Positions arrive in the client's units (UTF-16 unless negotiated otherwise) and
are converted as pygls' position codec converts them, but at C speed (the codec
visits a line one character at a time in Python). Lines end where the LSP says
they do: at ``\r\n``, ``\n`` or a lone ``\r`` (not at the other breaks ``str.splitlines``
knows, such as form feed or U+2028). Only the lines up to the cursor are visited,
and the window around it is bounded, so a keystroke in a huge file costs the size
of the window, not of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace.position_codec import PositionCodec


class PositionOutOfRangeError(ValueError):
    """The position names a line the document does not have."""


@dataclass(frozen=True)
class Window:
    prefix: str
    suffix: str
    #: Offsets (code points) of the window in the document.
    start: int
    end: int


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


def offset_at(text: str, position: types.Position, codec: PositionCodec) -> int:
    """The code-point offset of a client position; a column past the line end means the end."""
    if position.line < 0 or position.character < 0:
        raise PositionOutOfRangeError(f"negative position {position.line}:{position.character}")
    return _column(text, _line_bounds(text, position.line), position.character, codec)


def client_units(text: str, codec: PositionCodec) -> int:
    """The length of ``text`` in the client's position units."""
    if _one_unit_per_character(text, codec):
        return len(text)
    if codec.encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # pygls' choice for any other


def _one_unit_per_character(text: str, codec: PositionCodec) -> bool:
    return (
        text.isascii()
        or codec.encoding == types.PositionEncodingKind.Utf32
        # UTF-16, and pygls' choice for an unknown encoding: astral characters take two.
        or (codec.encoding != types.PositionEncodingKind.Utf8 and max(text) <= "\uffff")
    )


def _column(text: str, bounds: tuple[int, int], character: int, codec: PositionCodec) -> int:
    start, end = bounds
    line = text[start:end]
    if character >= client_units(line, codec):
        return end
    if _one_unit_per_character(line, codec):
        return start + character
    # A column inside a character counts as after it, as pygls has it.
    return start + codec.position_from_client_units([line], types.Position(0, character)).character


def clamped_offset(text: str, position: types.Position, codec: PositionCodec) -> int:
    """``offset_at``, with a line past the last meaning the end of the document (for edits)."""
    try:
        return offset_at(text, position, codec)
    except PositionOutOfRangeError:
        return len(text)


def splice(text: str, change: types.Range, new: str, codec: PositionCodec) -> str:
    """``text`` with ``change`` replaced by ``new``, positions clamped as the LSP says."""
    first, last = change.start, change.end
    if first.line == last.line and first.line >= 0 and first.character >= 0 and last.character >= 0:
        # The usual keystroke: one line, looked up once.
        try:
            bounds = _line_bounds(text, first.line)
        except PositionOutOfRangeError:
            start = end = len(text)
        else:
            start, end = _column(text, bounds, first.character, codec), _column(text, bounds, last.character, codec)
    else:
        start, end = clamped_offset(text, first, codec), clamped_offset(text, last, codec)
    if start > end:
        start, end = end, start
    return text[:start] + new + text[end:]


def position_at(text: str, offset: int, codec: PositionCodec) -> types.Position:
    """The client position of a code-point offset."""
    lone_returns = text.count("\r", 0, offset) - text.count("\r\n", 0, offset)
    line = text.count("\n", 0, offset) + lone_returns
    start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    return types.Position(line=line, character=client_units(text[start:offset], codec))


def _prefix_start(text: str, offset: int, budget: int) -> int:
    start = text.rfind("\n", 0, offset) + 1
    if offset - start > budget:
        return offset - budget
    while start > 0:
        previous = text.rfind("\n", 0, start - 1) + 1
        if offset - previous > budget:
            break
        start = previous
    return start


def _suffix_end(text: str, offset: int, budget: int) -> int:
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end + 1
    if end - offset > budget:
        return offset + budget
    while end < len(text):
        following = text.find("\n", end)
        following = len(text) if following < 0 else following + 1
        if following - offset > budget:
            break
        end = following
    return end


def window(text: str, offset: int, budget_chars: int, prefix_ratio: float = 0.75) -> Window:
    """Whole lines around ``offset``: about ``prefix_ratio`` of the budget before it.

    Budget the other side cannot use (near the top or the end of the file) is
    given to the side that can.
    """
    prefix_budget = int(budget_chars * prefix_ratio)
    suffix_budget = budget_chars - prefix_budget
    end = _suffix_end(text, offset, suffix_budget)
    start = _prefix_start(text, offset, prefix_budget + suffix_budget - (end - offset))
    end = _suffix_end(text, offset, budget_chars - (offset - start))
    return Window(prefix=text[start:offset], suffix=text[offset:end], start=start, end=end)


def relative_path(uri: str, roots: list[str]) -> str:
    """The document's path relative to the workspace folder holding it, else its name."""
    path = to_fs_path(uri) or uri
    pure = PurePosixPath(path.replace("\\", "/"))
    for root in roots:
        root_path = to_fs_path(root) or root
        try:
            return str(pure.relative_to(PurePosixPath(root_path.replace("\\", "/"))))
        except ValueError:
            continue
    return pure.name
