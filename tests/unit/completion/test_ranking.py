"""Ranking samples: stopped beats cut, parses beats breaks, then the model's confidence."""

from __future__ import annotations

import pytest

from codex_ls.completion.ranking import rank
from codex_ls.completion.samples import Sample

PREFIX = "def double(x):\n    return "
SUFFIX = "\n\nprint(double(2))\n"


def cand(finish: str, logprob: float | None = None) -> Sample:
    c = Sample(finish=finish)
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
        pytest.param(
            [("pass", cand("stop", -0.1)), ("x * 2\n    return y", cand("length", -2.0))],
            "x * 2\n    return y",
            id="code-beats-pass",
        ),
    ],
)
def test_best_candidate_first(candidates: list[tuple[str, Sample]], best: str) -> None:
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
