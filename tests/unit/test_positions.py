"""LSP positions ↔ offsets (UTF-16, UTF-8, UTF-32), line breaks as the LSP counts them, and splicing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from codex_ls.positions import PositionOutOfRangeError, client_units, offset_at, position_at, splice

UTF16 = types.PositionEncodingKind.Utf16
UTF32 = types.PositionEncodingKind.Utf32


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
        pytest.param("a\rbc", 1, 1, 3, id="lone-cr-ends-a-line"),
        pytest.param("a\x0cb\u2028c\nd", 0, 9, 5, id="form-feed-and-u2028-do-not"),
        pytest.param("a\r\n\rb", 2, 1, 5, id="crlf-then-cr"),
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


@pytest.mark.parametrize(
    ("text", "start", "end", "new", "result"),
    [
        pytest.param("ab\ncd", (0, 1), (1, 1), "X", "aXd", id="across-lines"),
        pytest.param("ab\ncd", (0, 9), (0, 9), "X", "abX\ncd", id="column-past-line-end-is-before-the-break"),
        pytest.param("ab\r\ncd", (0, 9), (1, 0), "", "abcd", id="join-crlf-lines"),
        pytest.param("ab\ncd", (7, 0), (9, 3), "!", "ab\ncd!", id="lines-past-the-end-append"),
        pytest.param("ab\ncd", (1, 1), (0, 1), "-", "a-d", id="reversed-range"),
        pytest.param("a\rb\u2028c", (1, 1), (1, 2), "X", "a\rbXc", id="u2028-inside-a-line"),
        pytest.param("😀😀", (0, 2), (0, 4), "x", "😀x", id="surrogate-pairs"),
    ],
)
def test_splice_follows_the_lsp_rules(
    text: str, start: tuple[int, int], end: tuple[int, int], new: str, result: str
) -> None:
    span = types.Range(types.Position(*start), types.Position(*end))
    assert splice(text, span, new, UTF16) == result


@pytest.mark.parametrize(
    ("text", "offset", "position"),
    [
        pytest.param("a\rb", 3, (1, 1), id="lone-cr"),
        pytest.param("a\r\nb", 4, (1, 1), id="crlf"),
        pytest.param("a\u2028b", 3, (0, 3), id="u2028-is-not-a-break"),
    ],
)
def test_position_at_counts_lsp_line_breaks(text: str, offset: int, position: tuple[int, int]) -> None:
    assert position_at(text, offset, UTF16) == types.Position(*position)


ENCODINGS = [PositionCodec(kind) for kind in types.PositionEncodingKind] + [PositionCodec("utf-7")]
# ASCII, two- and three-byte UTF-8, astral characters, and lone surrogates (JSON can carry them).
LINE_TEXT = st.text(st.sampled_from("ab \té中\U0001f600\ud83d\ude0b"), max_size=12)


@given(line=LINE_TEXT, character=st.integers(0, 40), codec=st.sampled_from(ENCODINGS))
def test_units_and_columns_agree_with_pygls(line: str, character: int, codec: PositionCodec) -> None:
    """The C-speed conversions give what pygls' per-character codec gives."""
    assert client_units(line, codec.encoding) == codec.client_num_units(line)
    expected = (
        len(line)
        if character >= codec.client_num_units(line)
        else codec.position_from_client_units([line], types.Position(0, character)).character
    )
    assert offset_at(line + "\nnext", types.Position(0, character), codec.encoding) == expected
