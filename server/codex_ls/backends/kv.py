"""Who holds the model (its turns) and whose evaluated tokens its KV cache holds.

llama.cpp keeps one sequence of evaluated tokens per context. When an action
gives its turn to a completion (or a completion's turn ends and an action
resumes), the outgoing sequence is copied out (``llama_state_seq_get_data``,
12 KiB a token on the 0.5B model) and copied back when its owner returns, so
neither pays its prompt again. What ``llama_cpp.Llama`` tracks of the sequence
(token ids, count, sampler) goes with it.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .turns import Turns


class Abandoned(Exception):
    """The generation was stopped while it waited for its turn at the model."""


@dataclass
class Parked:
    data: Any
    size: int
    ids: Any
    n_tokens: int
    sampler: Any


def common_start(evaluated: list[int], tokens: list[int]) -> int:
    """How many of ``tokens`` (all but the last, which the sampler evaluates) ``evaluated`` starts with."""
    count = 0
    for a, b in zip(evaluated, tokens[:-1], strict=False):
        if a != b:
            break
        count += 1
    return count


def cached_count(llm: Any, tokens: list[int]) -> int:
    """How many of ``tokens`` the KV cache holds."""
    return common_start(llm.input_ids[: llm.n_tokens].tolist(), tokens)


def held(parked: Parked | None, tokens: list[int]) -> int:
    """How many of ``tokens`` ``parked`` holds."""
    return 0 if parked is None else common_start(parked.ids.tolist(), tokens)


def completions_lane(lane: str) -> bool:
    """Whether ``lane`` uses the completions' cache: typing and its warm-ups share one."""
    return lane in ("typing", "warm")


class Aside:
    """A second evaluated sequence for the completions, kept aside.

    Where the model has not been, a completion answers from the cursor's surroundings
    alone (the cold prompt), and a warm-up evaluates the whole window there, bit by bit
    between keystrokes. The two share no start: each would evaluate the other away.
    The one not in use waits here, so each resumes where it was, until the whole
    window is evaluated and answers the keys from then on.
    """

    #: Evaluated tokens worth keeping aside rather than evaluating over them.
    KEEP = 64
    #: The fewest prompt tokens the cold prompt must save (1.3 s on the 0.5B on 2 cores):
    #: where the two windows differ by a few lines of suffix, the whole one answers.
    SAVING = 128

    def __init__(self, llm: Any) -> None:
        self.llm = llm
        self.parked: Parked | None = None

    def held(self, tokens: list[int]) -> int:
        """How many of ``tokens`` the cache or the sequence aside holds."""
        return max(cached_count(self.llm, tokens), held(self.parked, tokens))

    def cheaper(self, tokens: list[int], cold: list[int]) -> tuple[list[int], bool]:
        """``cold`` (a shorter prompt), with ``True``, where ``tokens`` would evaluate more
        tokens than ``cold`` holds in all, and at least ``SAVING`` more than ``cold``
        would; else ``tokens``, ``False``."""
        todo = len(tokens) - self.held(tokens)
        if todo <= len(cold) or len(cold) - self.held(cold) + self.SAVING > todo:
            return tokens, False
        return cold, True

    def bring(self, tokens: list[int]) -> int:
        """Make the live sequence the one holding more of ``tokens``, keeping the other aside
        when ``tokens`` would evaluate over most of it; return the count held."""
        live, aside = cached_count(self.llm, tokens), held(self.parked, tokens)
        if aside > live:
            current = park(self.llm)
            restore(self.llm, self.parked)
            self.parked = current
            return aside
        if self.llm.n_tokens - live > self.KEEP and live < self.llm.n_tokens // 2:
            self.parked = park(self.llm)
        return live


def park(llm: Any) -> Parked | None:
    """A copy of the model's evaluated tokens; ``None`` if it holds none."""
    import llama_cpp

    if llm.n_tokens == 0:
        return None
    ctx = llm._ctx.ctx
    size = int(llama_cpp.llama_state_seq_get_size(ctx, 0))
    data = (ctypes.c_uint8 * size)()
    written = int(llama_cpp.llama_state_seq_get_data(ctx, data, size, 0))
    if written == 0:
        return None
    return Parked(data, written, llm.input_ids[: llm.n_tokens].copy(), llm.n_tokens, llm._sampler)


def restore(llm: Any, parked: Parked | None) -> None:
    """Put ``parked`` back as the model's evaluated tokens; with ``None``, the model holds none."""
    import llama_cpp

    llm._ctx.kv_cache_seq_rm(-1, 0, -1)
    llm.n_tokens = 0
    llm._requires_eval = True
    if parked is None or not llama_cpp.llama_state_seq_set_data(llm._ctx.ctx, parked.data, parked.size, 0):
        return
    llm.input_ids[: parked.n_tokens] = parked.ids
    llm.n_tokens = parked.n_tokens
    llm._sampler = parked.sampler


class Seat:
    """The model's one seat: one generation at a time, in turns, each with its own cache."""

    def __init__(self, llm: Any, turns: Turns) -> None:
        self.llm = llm
        self.turns = turns
        #: Whose tokens the KV cache holds (``None``: nobody's worth keeping), and the others'.
        self._owner: str | None = None
        self._parked: dict[str, Parked] = {}
        self._keys = itertools.count()

    @contextlib.contextmanager
    def turn(self, lane: str, stopped: Callable[[], bool]) -> Iterator[Callable[[], None]]:
        """The model for one generation in ``lane``; blocks the worker thread until its turn.

        Completions share one cache (``typing`` and ``warm``); each action has its own.
        The context gives a pause point, to call between tokens: it gives the turn to a
        waiter that outranks this lane and takes it back, with this generation's cache.
        Raises :class:`Abandoned` if ``stopped`` comes while it waits.
        """
        key = "typing" if completions_lane(lane) else f"action-{next(self._keys)}"
        ticket = self.turns.acquire(lane, stopped)
        if ticket is None:
            raise Abandoned
        held = True
        self._hand_to(key)

        def pause() -> None:
            nonlocal held
            if self.turns.outranked(lane):
                if self.turns.pause(ticket, stopped) is None:
                    held = False
                    raise Abandoned
                self._hand_to(key)

        try:
            yield pause
        finally:
            if key != "typing":
                self._parked.pop(key, None)
                if held and self._owner == key:
                    self._owner = None
            if held:
                self.turns.release()

    def _hand_to(self, key: str) -> None:
        if self._owner == key:
            return
        if self._owner is not None and (parked := park(self.llm)) is not None:
            self._parked[self._owner] = parked
        restore(self.llm, self._parked.pop(key, None))
        self._owner = key
