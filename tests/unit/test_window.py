"""Cursor positions (UTF-16) and the prefix/suffix window."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from codex_ls.context.window import PositionOutOfRangeError, offset_at, position_at, relative_path, window

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)
UTF32 = PositionCodec(types.PositionEncodingKind.Utf32)


@pytest.mark.parametrize(
    ("text", "line", "character", "offset"),
    [
        pytest.param("abc\ndef", 1, 2, 6, id="ascii"),
        pytest.param("x = '😀' + y", 0, 8, 7, id="emoji-two-units"),
        pytest.param("s = '中文'\nt", 0, 7, 7, id="cjk-one-unit"),
        pytest.param("a\r\nbc", 1, 1, 4, id="crlf"),
        pytest.param("abc\n", 0, 99, 3, id="past-line-end-clamps"),
        pytest.param("abc", 0, 99, 3, id="past-end-of-last-line"),
        pytest.param("abc\n", 1, 0, 4, id="empty-last-line"),
        pytest.param("", 0, 0, 0, id="empty-document"),
    ],
)
def test_offset_at_utf16(text: str, line: int, character: int, offset: int) -> None:
    assert offset_at(text, types.Position(line, character), UTF16) == offset


def test_offset_at_utf32_counts_code_points() -> None:
    assert offset_at("x = '😀' + y", types.Position(0, 7), UTF32) == 7


def test_a_line_past_the_end_is_an_error() -> None:
    with pytest.raises(PositionOutOfRangeError):
        offset_at("one\ntwo", types.Position(5, 0), UTF16)


def test_position_at_is_the_inverse() -> None:
    text = "a😀b\n中c😀d"
    for offset in range(len(text) + 1):
        if text[offset - 1 : offset] == "\n":
            continue
        assert offset_at(text, position_at(text, offset, UTF16), UTF16) == offset


def test_small_file_fits_whole() -> None:
    text = "def f():\n    return 1\n\nprint(f())\n"
    w = window(text, text.index("return") + 6, 1000)
    assert w.prefix + w.suffix == text
    assert (w.start, w.end) == (0, len(text))


def test_window_takes_whole_lines_about_three_quarters_before() -> None:
    lines = [f"line_{i:03d} = {i}\n" for i in range(200)]
    text = "".join(lines)
    cursor = text.index("line_100")
    w = window(text, cursor, 400, 0.75)
    assert w.prefix.startswith("line_")
    assert w.prefix.endswith("\n")
    assert w.suffix.endswith("\n")
    assert len(w.prefix) + len(w.suffix) <= 400
    assert 280 <= len(w.prefix) <= 310  # 300 plus what whole suffix lines left over
    assert 80 <= len(w.suffix) <= 100
    assert text[w.start : w.end] == w.prefix + w.suffix


def test_unused_suffix_budget_goes_to_the_prefix_at_end_of_file() -> None:
    text = "".join(f"x{i} = {i}\n" for i in range(100))
    w = window(text, len(text), 300, 0.75)
    assert w.suffix == ""
    assert len(w.prefix) > 250


def test_a_huge_single_line_is_cut_at_the_budget() -> None:
    text = "x" * 100_000
    w = window(text, 50_000, 1000, 0.75)
    assert len(w.prefix) == 750
    assert len(w.suffix) == 250


def test_relative_path_inside_a_workspace_folder() -> None:
    assert relative_path("file:///home/u/proj/src/a.py", ["file:///home/u/proj"]) == "src/a.py"
    assert relative_path("file:///elsewhere/b.py", ["file:///home/u/proj"]) == "b.py"
