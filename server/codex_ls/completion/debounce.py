"""The debounce of one document: its typing rhythm, and the pause a request takes when the typing outruns the model.

An isolated request (the first keystroke after a pause) goes to the model at once.
A request waits for a pause in the typing only where keystrokes come faster than
the model answers: it superseded a generation still in flight, or one was closed
unanswered within the last second. The pause is the document's recent interval
between keystrokes, at most ``LONGEST_PAUSE``; a newer keystroke cancels the wait
(latest wins). A manual trigger never waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: A generation closed unanswered this recently (s) makes the next request wait for a pause.
OUTRAN_WINDOW = 1.0
#: The longest pause a request waits for (s).
LONGEST_PAUSE = 0.15


@dataclass(frozen=True)
class Beat:
    """What one request's keystroke says about the typing."""

    #: The document's average time between keystrokes so far (s).
    interval: float
    #: How long the request waits before it asks the model; ``None``: it does not wait.
    pause: float | None


class Debouncer:
    """One document's time between keystrokes (an exponential average); from it and whether
    the typing outran the model, whether and how long a request waits."""

    def __init__(self, clock: Callable[[], float], *, enabled: bool = True) -> None:
        self._clock = clock
        self.enabled = enabled
        self._last: float | None = None
        self._interval: float | None = None

    @property
    def interval(self) -> float:
        """The average interval so far (one second before the second keystroke)."""
        return 1.0 if self._interval is None else self._interval

    def keystroke(self, *, superseding: bool, manual: bool, closed_at: float | None = None) -> Beat:
        """Record a request, asked once per request, and say how long it waits before it asks the model.

        ``superseding``: it closes a generation still in flight; ``closed_at``: when (by the
        clock) the last generation closed unanswered before it, if one did.
        """
        interval = self._record()
        outran = closed_at is not None and self._clock() - closed_at < OUTRAN_WINDOW
        if not (superseding or outran) or not self.enabled or manual:
            return Beat(interval, None)
        return Beat(interval, min(interval, LONGEST_PAUSE))

    def _record(self) -> float:
        now = self._clock()
        last, self._last = self._last, now
        if last is None:
            return 1.0
        gap = min(now - last, 1.0)
        self._interval = 0.7 * (gap if self._interval is None else self._interval) + 0.3 * gap
        return self._interval
