"""Ranking samples: stopped beats cut, parses beats breaks, then the model's confidence."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import pytest

from codex_ls.backends.base import Delta
from codex_ls.completion.ranking import rank
from codex_ls.completion.samples import Candidate, read_candidates

PREFIX = "def double(x):\n    return "
SUFFIX = "\n\nprint(double(2))\n"


def cand(finish: str, logprob: float | None = None) -> Candidate:
    c = Candidate(finish=finish)
    if logprob is not None:
        c.logprob, c.scored_tokens = logprob, 1
    return c


@pytest.mark.parametrize(
    ("candidates", "best"),
    [
        pytest.param([("x * 2", cand("length")), ("2 * x", cand("stop"))], "2 * x", id="stop-beats-length"),
        pytest.param([("(x * 2", cand("stop")), ("x + x", cand("stop"))], "x + x", id="parses-beats-breaks"),
        pytest.param(
            [("x + x", cand("stop", -2.0)), ("x * 2", cand("stop", -0.1))], "x * 2", id="confident-beats-doubtful"
        ),
    ],
)
def test_best_candidate_first(candidates: list[tuple[str, Candidate]], best: str) -> None:
    assert rank(candidates, "python", PREFIX, SUFFIX)[0][0] == best


def test_duplicates_are_dropped() -> None:
    ranked = rank([("x * 2", cand("stop")), ("x * 2", cand("stop"))], "python", PREFIX, SUFFIX)
    assert [t for t, _ in ranked] == ["x * 2"]


def test_the_confidence_floor_hides_doubted_candidates() -> None:
    ranked = rank([("x * 2", cand("stop", -3.0)), ("x + x", cand("stop", -0.2))], "python", PREFIX, SUFFIX, -1.0)
    assert [t for t, _ in ranked] == ["x + x"]


def test_unknown_language_ranks_without_parsing() -> None:
    ranked = rank([("a", cand("length")), ("b", cand("stop"))], "no-such-language", "x", "y")
    assert [t for t, _ in ranked] == ["b", "a"]


async def interleaved(closed: list[bool]) -> AsyncGenerator[Delta, None]:
    try:
        for text in ["a", "b", "c"]:
            for index in range(3):
                yield Delta(f"{text}{index}", index, logprob=-0.5, tokens=1)
        yield Delta("", 0, "stop")
        yield Delta("", 1, "length")
        yield Delta("", 2, "stop")
        yield Delta("never", 0)
    finally:
        closed.append(True)


async def test_choices_are_collected_apart_and_the_stream_closed_when_all_finish() -> None:
    closed: list[bool] = []
    first: list[str] = []
    candidates = await read_candidates(interleaved(closed), 3, first=first)
    assert [c.text for c in candidates] == ["a0b0c0", "a1b1c1", "a2b2c2"]
    assert [c.finish for c in candidates] == ["stop", "length", "stop"]
    assert candidates[0].mean_logprob == -0.5
    assert "".join(first) == "a0b0c0"
    assert closed == [True]
