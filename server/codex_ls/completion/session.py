"""Everything kept for one open document between its requests: the ``DocumentSession``.

The suggestion shown, the generation in flight, the typing rhythm and the
document's one job live here and nowhere else, so closing the document drops one
object. The completion service holds the sessions; the engine answers a request
within one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from .debounce import Debouncer
from .flight import Finished, Generation, InFlight
from .reuse import Anchor
from .scheduler import LatestWins
from .suggestions import Suggestion


@dataclass(frozen=True)
class Shown:
    """The suggestions shown at ``anchor``, for the next keystrokes to type through."""

    anchor: Anchor
    suggestions: list[Suggestion]


class DocumentSession:
    def __init__(self, uri: str, counts: Counter[str], clock: Callable[[], float], *, debounce: bool) -> None:
        self.uri = uri
        self.shown: Shown | None = None
        self.debouncer = Debouncer(clock, enabled=debounce)
        self.flight = InFlight(counts, self.debouncer, clock, self._finished_unwaited)
        #: The document's request being answered now; a newer one supersedes it.
        self.job = LatestWins()

    def show(self, anchor: Anchor, suggestions: list[Suggestion]) -> None:
        self.shown = Shown(anchor, suggestions)

    def _finished_unwaited(self, generation: Generation, finished: Finished) -> None:
        # Finished during its grace: the next keystroke types through its answer.
        self.show(generation.anchor, finished.suggestions)

    def close(self) -> None:
        """The document closed: its generation is closed and its job cancelled."""
        self.flight.close_current("document_closed")
        self.job.cancel()
