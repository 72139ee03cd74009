"""``Trimmed``: pieces passed on as they come, joining into the stripped whole."""

from __future__ import annotations

import pytest

from codex_ls.actions.ask import Trimmed


@pytest.mark.parametrize(
    "pieces",
    [
        pytest.param(["This ", "function ", "adds."], id="plain"),
        pytest.param(["\n\n  ", " This", " adds.\n"], id="leading-whitespace-alone"),
        pytest.param(["This adds.", "\n\n", "It is pure.\n  "], id="whitespace-between-held-then-sent"),
        pytest.param(["   ", "\n"], id="only-whitespace"),
        pytest.param([], id="nothing"),
    ],
)
def test_the_pieces_join_into_the_stripped_answer(pieces: list[str]) -> None:
    written: list[str] = []
    write = Trimmed(written.append)
    for piece in pieces:
        write(piece)
    assert "".join(written) == "".join(pieces).strip()
    assert all(written)


def test_words_go_out_as_they_come_and_whitespace_waits_for_what_follows() -> None:
    written: list[str] = []
    write = Trimmed(written.append)
    write("\nThis ")
    assert written == ["This"]
    write("adds")
    assert written == ["This", " adds"]
