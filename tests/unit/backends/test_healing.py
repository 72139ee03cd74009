"""Token healing without a model: which tokens may come next, where the prompt is cut, what is sent."""

from __future__ import annotations

import pytest

from codex_ls.backends.healing import ForcedStart, Vocabulary, back_off

#: Token id → text; the empty ones stand for the FIM markers and other control tokens.
PIECES = [
    b"",  # 0 <|fim_prefix|>
    b"",  # 1 <|fim_suffix|>
    b"",  # 2 <|fim_middle|>
    b"",  # 3 <|im_start|>
    b" for",  # 4
    b" i",  # 5
    b" in",  # 6
    b" e",  # 7
    b" en",  # 8
    b" enumerate",  # 9
    b"e",  # 10
    b"numerate",  # 11
    b" ",  # 12
    b"max",  # 13
    b"_de",  # 14
    b"_depth",  # 15
    b"max_depth",  # 16
    b"\xc3",  # 17: the first byte of "é"
    b"\xa9",  # 18: its second
    b"\xc3\xa9t\xc3\xa9",  # 19: "été"
    b"\xff",  # 20
    b"\xff\xfe",  # 21
    b"\n",  # 22
    b"assistant",  # 23
    b"    ",  # 24
    b"ret",  # 25
    b"ur",  # 26
    b"return",  # 27
    b"urn",  # 28
    b"(",  # 29
    b"(\n",  # 30
    b"()",  # 31
    b"(\r\n",  # 32
    b"\r",  # 33
]
PREFIX, SUFFIX, MIDDLE, IM_START = 0, 1, 2, 3
VOCABULARY = Vocabulary(PIECES)


def texts(tokens: list[int]) -> set[bytes]:
    return {PIECES[t] for t in tokens}


@pytest.mark.parametrize(
    ("rest", "expected"),
    [
        pytest.param(b" e", {b" e", b" en", b" enumerate", b" "}, id="starts-with-it-or-begins-it"),
        pytest.param(b" enu", {b" enumerate", b" ", b" e", b" en"}, id="longer-rest-only-its-beginnings"),
        pytest.param(b"e", {b"e"}, id="one-character"),
        pytest.param(b"_d", {b"_de", b"_depth"}, id="no-token-is-a-beginning"),
        pytest.param(b"max_de", {b"max", b"max_depth"}, id="a-token-that-is-longer-than-the-rest"),
        pytest.param(b"\xc3", {b"\xc3", b"\xc3\xa9t\xc3\xa9"}, id="part-of-a-utf8-character"),
        pytest.param(b"\xff", {b"\xff", b"\xff\xfe"}, id="0xff-has-no-upper-bound"),
        pytest.param(b"zz", set(), id="nothing-agrees"),
    ],
)
def test_the_tokens_allowed_start_with_the_rest_or_are_a_non_empty_beginning_of_it(
    rest: bytes, expected: set[bytes]
) -> None:
    allowed = VOCABULARY.allowed(rest)
    assert texts(allowed) == expected
    assert len(allowed) == len(set(allowed))


def test_in_one_line_no_token_breaks_the_line_right_after_the_rest() -> None:
    """``Style(`` healed to ``Style``: ``(\n`` would end a one-line answer with nothing written."""
    assert texts(VOCABULARY.allowed(b"(")) == {b"(", b"(\n", b"()", b"(\r\n"}
    assert texts(VOCABULARY.allowed(b"(", line=True)) == {b"(", b"()"}
    # A line break that is part of the rest itself is no choice of the model's: it stays.
    assert texts(VOCABULARY.allowed(b"\r", line=True)) == {b"\r"}


def test_control_tokens_are_never_allowed() -> None:
    assert not {PREFIX, SUFFIX, MIDDLE, IM_START} & set(VOCABULARY.allowed(b" "))


@pytest.mark.parametrize(
    ("tokens", "most", "expected"),
    [
        pytest.param(
            [PREFIX, 13, SUFFIX, MIDDLE, 4, 5, 6, 7], 4, ([PREFIX, 13, SUFFIX, MIDDLE, 4, 5, 6], b" e"), id="one-word"
        ),
        pytest.param(
            [PREFIX, SUFFIX, MIDDLE, 24, 25, 26], 4, ([PREFIX, SUFFIX, MIDDLE, 24], b"retur"), id="a-word-split-in-two"
        ),
        pytest.param([PREFIX, SUFFIX, MIDDLE, 13, 14], 4, ([PREFIX, SUFFIX, MIDDLE], b"max_de"), id="all-the-text"),
        pytest.param([PREFIX, SUFFIX, MIDDLE, 24, 25, 26], 1, ([PREFIX, SUFFIX, MIDDLE, 24, 25], b"ur"), id="at-most"),
        pytest.param([PREFIX, 13, SUFFIX, MIDDLE], 4, None, id="ends-with-the-middle-marker"),
        pytest.param([PREFIX, 13, SUFFIX, 14], 4, None, id="text-after-another-marker"),
        pytest.param([IM_START, 23, 22], 4, None, id="a-chat-prompt"),
        pytest.param([13, 14], 4, None, id="no-marker-at-all"),
        pytest.param([], 4, None, id="empty"),
        pytest.param([PREFIX, SUFFIX, MIDDLE, 13], 0, None, id="none-at-most"),
    ],
)
def test_a_fim_prompt_that_ends_with_text_loses_the_tokens_of_its_last_word(
    tokens: list[int], most: int, expected: tuple[list[int], bytes] | None
) -> None:
    healed = back_off(tokens, VOCABULARY, MIDDLE, most)
    assert (None if healed is None else (healed.tokens, healed.removed)) == expected


@pytest.mark.parametrize(
    ("removed", "pieces", "sent"),
    [
        pytest.param(b" e", [b" enumerate", b"(", b"l"], [b"numerate", b"(", b"l"], id="the-first-token-goes-beyond"),
        pytest.param(b" e", [b" e", b"numerate"], [b"", b"numerate"], id="the-removed-token-again"),
        pytest.param(b" en", [b" ", b"e", b"numerate"], [b"", b"", b"umerate"], id="in-pieces"),
        pytest.param(b"\xa9", [b"\xa9t\xc3", b"\xa9"], [b"t\xc3", b"\xa9"], id="the-rest-of-a-character"),
        pytest.param(b"", [b"x"], [b"x"], id="nothing-removed"),
    ],
)
def test_the_removed_text_is_cut_from_what_is_sent(removed: bytes, pieces: list[bytes], sent: list[bytes]) -> None:
    forced = ForcedStart(removed)
    assert [forced.take(p) for p in pieces] == sent
    assert forced.rest == b""


def test_a_token_that_disagrees_with_the_removed_text_is_an_error() -> None:
    forced = ForcedStart(b" e")
    with pytest.raises(ValueError, match="does not continue"):
        forced.take(b" x")


@pytest.mark.parametrize(
    ("tokens", "preferred", "answer"),
    [
        pytest.param([PREFIX, SUFFIX, MIDDLE, 4, 5, 6, 7], [9], b"numerate", id="enumerate"),
        pytest.param([PREFIX, SUFFIX, MIDDLE, 13, 14], [16], b"pth", id="max-depth"),
        pytest.param([PREFIX, SUFFIX, MIDDLE, 24, 25, 26], [27, 12], b"n ", id="return"),
        pytest.param([PREFIX, SUFFIX, MIDDLE, 6, 7], [10, 12, 10, 11], b"numerate", id="a-refused-token-then-pieces"),
    ],
)
def test_a_constrained_walk_sends_only_what_follows_the_prompt(
    tokens: list[int], preferred: list[int], answer: bytes
) -> None:
    """A model that wants ``preferred`` in turn, held to what the constraint allows."""
    healed = back_off(tokens, VOCABULARY, MIDDLE)
    assert healed is not None
    forced = ForcedStart(healed.removed)
    generated, sent = b"", b""
    wants = iter(preferred)
    while forced.rest:
        allowed = VOCABULARY.allowed(forced.rest)
        token = next(t for t in wants if t in allowed)
        generated += PIECES[token]
        sent += forced.take(PIECES[token])
    sent += b"".join(PIECES[t] for t in wants)
    assert sent == answer
    assert generated.startswith(healed.removed)
