"""Turns at one model shared by typing, actions and warming, in worker threads.

One llama.cpp model serves every request, one generation at a time. Who goes
next is decided here, not by arrival:

* ``typing`` (an inline completion) goes first, and among completions the latest
  keystroke first: an older one waits, as its answer is likely stale by then;
* ``action`` (Explain, Add tests, Implement…) next, first come first served;
* ``warm`` (evaluating a prompt ahead of time) last.

A holder looks at :meth:`Turns.outranked` between tokens and, when a waiter
outranks it, pauses: it gives its turn away and queues again at its own rank.
With ``completions_first`` off, turns go first come first served and nobody pauses.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable

RANKS = {"typing": 0, "action": 1, "warm": 2}
#: How often a waiter looks at its stop flag.
STOP_POLL_SECONDS = 0.02


class Turns:
    def __init__(self, completions_first: bool = True) -> None:
        self.completions_first = completions_first
        self._cond = threading.Condition()
        self._held = False
        self._queue: list[tuple[int, int]] = []
        self._order = itertools.count()

    def _ticket(self, lane: str) -> tuple[int, int]:
        order = next(self._order)
        if not self.completions_first:
            return (0, order)
        rank = RANKS[lane]
        return (rank, -order if rank == RANKS["typing"] else order)

    def acquire(self, lane: str, stopped: Callable[[], bool] = lambda: False) -> tuple[int, int] | None:
        """Wait for the model's turn; blocks the calling (worker) thread. Returns the
        ticket, or ``None`` if ``stopped`` came first: a cancelled request leaves the
        queue rather than holding a worker thread until its turn."""
        with self._cond:
            return self._wait(self._ticket(lane), stopped)

    def pause(self, ticket: tuple[int, int], stopped: Callable[[], bool] = lambda: False) -> tuple[int, int] | None:
        """Give the turn to whoever outranks the holder, and queue again with the same
        ticket, in one step: the holder keeps its place ahead of later ones in its lane."""
        with self._cond:
            self._held = False
            self._cond.notify_all()
            return self._wait(ticket, stopped)

    def _wait(self, ticket: tuple[int, int], stopped: Callable[[], bool]) -> tuple[int, int] | None:
        heapq.heappush(self._queue, ticket)
        while self._held or self._queue[0] != ticket:
            if stopped():
                self._queue.remove(ticket)
                heapq.heapify(self._queue)
                self._cond.notify_all()
                return None
            self._cond.wait(STOP_POLL_SECONDS)
        heapq.heappop(self._queue)
        self._held = True
        return ticket

    def release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()

    def outranked(self, lane: str) -> bool:
        """Whether someone waiting outranks a holder in ``lane``, which should then pause."""
        if not self.completions_first:
            return False
        with self._cond:
            return bool(self._queue) and self._queue[0][0] < RANKS[lane]

    def waiting(self) -> int:
        with self._cond:
            return len(self._queue)
