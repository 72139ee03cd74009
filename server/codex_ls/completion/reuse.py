"""Answers without a new model call: type-through, an LRU cache, in-flight reuse.

* Type-through: the user typed the first characters of the suggestion being
  shown; the rest of it is still right, so it is served again, shortened.
* LRU cache: the same window was completed before (backspace, then retype).
* In-flight reuse: a generation still streaming for this document began at a
  point the cursor has since typed through, and what it has streamed so far
  agrees with what was typed; it is awaited instead of restarted. A generation
  whose request was cancelled or superseded is kept for a short grace so that
  the next keystroke's request can take it over.

Positions are compared through the document offset of the cursor plus a short
stretch of text on either side, so nothing here copies the document.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Characters of context before and after the cursor that must be unchanged.
CONTEXT = 256


@dataclass(frozen=True)
class Anchor:
    """Where a suggestion was made: the cursor's offset and the text around it."""

    offset: int
    before: str
    after: str

    @classmethod
    def of(cls, prefix: str, suffix: str, offset: int) -> Anchor:
        return cls(offset, prefix[-CONTEXT:], suffix[:CONTEXT])

    def typed_since(self, later: Anchor) -> str | None:
        """What was typed between this anchor and ``later``, if only typing happened."""
        typed = later.offset - self.offset
        if typed < 0 or later.after != self.after:
            return None
        if typed == 0:
            return "" if later.before == self.before else None
        head, text = later.before[:-typed], later.before[-typed:]
        if len(text) != typed or not self.before.endswith(head):
            return None
        return text


@dataclass(eq=False)
class Generation:
    """A model call in flight for one document."""

    anchor: Anchor
    #: Raw text streamed so far, for deciding whether the typing agrees with it.
    streamed: list[str] = field(default_factory=list)
    task: asyncio.Task[Any] = field(init=False)
    #: The requests' tasks awaiting it now; with none it is an orphan, kept only for its grace.
    waiters: set[asyncio.Task[Any]] = field(default_factory=set)
    #: What the user has typed since ``anchor``, as far as the server knows;
    #: ``None`` once an edit went anywhere else.
    typed: str | None = ""
    #: Closes it when no request has taken it over in time.
    grace: asyncio.TimerHandle | None = None
    #: A request whose own request was cancelled or superseded left it at least once.
    orphaned: bool = False
    #: Asked for a whole block rather than one line.
    multiline: bool = False
    #: When (event loop time) its samples are due: the answer then holds those finished.
    until: float | None = None
    #: Resolved when the next piece of the stream arrives.
    _next: asyncio.Future[None] | None = None

    def lines_beyond(self, typed: str) -> str | None:
        """The whole lines streamed past what was typed, if any."""
        streamed = "".join(self.streamed)
        if not streamed.startswith(typed):
            return None
        rest = streamed[len(typed) :]
        end = rest.rfind("\n")
        return rest[:end] if end > 0 and rest[:end].strip() else None

    def agrees_with(self, typed: str | None) -> bool:
        """Nothing the stream produced so far contradicts what was typed since it began.

        A stream that has produced nothing yet is kept: while keys arrive faster
        than the model answers, restarting would never let an answer arrive.
        """
        if typed is None:
            return False
        so_far = "".join(self.streamed)
        return so_far.startswith(typed) or typed.startswith(so_far)

    @property
    def abandoned(self) -> bool:
        """Every request that awaited it was cancelled or superseded."""
        return self.orphaned or (bool(self.waiters) and all(t.cancelling() for t in self.waiters))

    def next_delta(self) -> asyncio.Future[None]:
        """A future resolved when the stream says more."""
        if self._next is None or self._next.done():
            self._next = asyncio.get_running_loop().create_future()
        return self._next

    def delta_arrived(self) -> None:
        if self._next is not None and not self._next.done():
            self._next.set_result(None)

    def end_grace(self) -> None:
        if self.grace is not None:
            self.grace.cancel()
            self.grace = None


class LRUCache:
    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str, bool], Any] = OrderedDict()

    def get(self, key: tuple[str, str, bool]) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: tuple[str, str, bool], value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


class TypingRhythm:
    """The user's recent time between keystrokes, per document (an exponential average)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._last: dict[str, float] = {}
        self._interval: dict[str, float] = {}

    def now(self) -> float:
        return self._clock()

    def interval(self, key: str) -> float:
        """The average interval so far (one second before the second keystroke)."""
        return self._interval.get(key, 1.0)

    def forget(self, key: str) -> None:
        self._last.pop(key, None)
        self._interval.pop(key, None)

    def keystroke(self, key: str) -> float:
        """Record a request; return the average interval (seconds) so far."""
        now = self._clock()
        last = self._last.get(key)
        self._last[key] = now
        if last is None:
            return 1.0
        gap = min(now - last, 1.0)
        average = 0.7 * self._interval.get(key, gap) + 0.3 * gap
        self._interval[key] = average
        return average
