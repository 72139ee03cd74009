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

#: A generation closed unanswered this recently (s) makes the next request wait for a pause.
OUTRAN_WINDOW = 1.0
#: The longest pause a request waits for (s).
LONGEST_PAUSE = 0.15


class Debouncer:
    """One document's time between keystrokes (an exponential average) and whether its
    typing outran the model; from both, whether and how long a request waits."""

    def __init__(self, clock: Callable[[], float], *, enabled: bool = True) -> None:
        self._clock = clock
        self.enabled = enabled
        self._last: float | None = None
        self._interval: float | None = None
        self._outran_at: float | None = None

    def now(self) -> float:
        return self._clock()

    @property
    def interval(self) -> float:
        """The average interval so far (one second before the second keystroke)."""
        return 1.0 if self._interval is None else self._interval

    def keystroke(self) -> float:
        """Record a request; return the average interval (seconds) so far."""
        now = self._clock()
        last, self._last = self._last, now
        if last is None:
            return 1.0
        gap = min(now - last, 1.0)
        average = 0.7 * (gap if self._interval is None else self._interval) + 0.3 * gap
        self._interval = average
        return average

    def outran(self) -> None:
        """A generation of the document was closed unanswered just now."""
        self._outran_at = self._clock()

    def take_outran(self) -> bool:
        """Whether a generation was closed unanswered just before this request; asked once per request."""
        closed, self._outran_at = self._outran_at, None
        return closed is not None and self._clock() - closed < OUTRAN_WINDOW

    def pause(self, interval: float, *, superseded: bool, outran: bool, manual: bool) -> float | None:
        """How long a request waits before it asks the model; ``None``: it does not wait.

        ``interval`` is what :meth:`keystroke` said for this request, ``superseded`` whether it
        closed a generation still in flight, ``outran`` what :meth:`take_outran` said.
        """
        if not (superseded or outran) or not self.enabled or manual:
            return None
        return min(interval, LONGEST_PAUSE)
