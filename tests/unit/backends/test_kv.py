"""What the KV cache holds of a prompt, and when the cold prompt is the cheaper one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from codex_ls.backends.kv import Aside, Parked, cached_count


@dataclass
class Holding:
    """What ``llama_cpp.Llama`` exposes of its evaluated tokens."""

    input_ids: np.ndarray
    n_tokens: int


def holding(tokens: list[int]) -> Holding:
    ids = np.zeros(4096, dtype=np.intc)
    ids[: len(tokens)] = tokens
    return Holding(ids, len(tokens))


WHOLE = list(range(1000, 1600))  # a 600-token prompt: snippets, then the window
COLD = list(range(5000, 5200))  # the cursor's surroundings: 200 tokens


def test_the_cache_counts_the_common_start_but_never_the_last_token() -> None:
    llm = holding([1, 2, 3, 4])
    assert cached_count(llm, [1, 2, 9, 4]) == 2
    assert cached_count(llm, [1, 2, 3, 4]) == 3
    assert cached_count(holding([]), [1, 2]) == 0


def aside(live: list[int], parked: list[int] | None = None) -> Aside:
    kept = Aside(holding(live))
    if parked is not None:
        kept.parked = Parked(None, 0, np.array(parked, dtype=np.intc), len(parked), None)
    return kept


def test_an_unseen_place_is_answered_from_the_cold_prompt() -> None:
    assert aside([7, 8, 9]).cheaper(WHOLE, COLD) == (COLD, True)


def test_a_key_typed_after_a_cold_answer_takes_the_cold_prompt_again() -> None:
    assert aside(COLD).cheaper([*WHOLE, 42], [*COLD, 42]) == ([*COLD, 42], True)


def test_once_the_whole_prompt_is_cached_it_is_the_one_used() -> None:
    assert aside(WHOLE).cheaper([*WHOLE, 42], [*COLD, 42]) == ([*WHOLE, 42], False)


def test_a_whole_prompt_that_evaluates_no_more_than_the_cold_one_holds_is_used() -> None:
    # 150 tokens left to evaluate, fewer than the cold prompt's 200
    assert aside(WHOLE[:450]).cheaper(WHOLE, COLD) == (WHOLE, False)


def test_a_cold_prompt_that_saves_little_is_not_used() -> None:
    # A small file: the cold window is the whole one with a shorter suffix.
    assert aside([]).cheaper(WHOLE[:155], WHOLE[:130]) == (WHOLE[:155], False)


def test_the_sequence_aside_counts_as_held() -> None:
    # A warm-up evaluated the whole window while the cold prompt waited aside: the key
    # typed next is answered from the whole window.
    assert aside(WHOLE, parked=COLD).cheaper([*WHOLE, 42], [*COLD, 42]) == ([*WHOLE, 42], False)
    # The warm-up had done a third of it when the key came: the cold prompt, aside, answers.
    kept = aside(WHOLE[:200], parked=COLD)
    assert kept.held([*COLD, 42]) == len(COLD)
    assert kept.cheaper([*WHOLE, 42], [*COLD, 42]) == ([*COLD, 42], True)
