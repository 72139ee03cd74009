"""One completion request, answered by the first that can: shown, cache, then the flight (in flight, debounced, model).

The request's place is cut once (``prompting.py``: the window, one line or a block,
the request the model would get); then, in order:

* shown: the user typed into the suggestion shown, and the rest of it is served;
* cache: the same window was answered before;
* the document's flight (``flight.py``): a generation streaming for the document that
  agrees with the typing is adopted; else, where the typing outran the model, the
  request waits for a pause, then a new generation's samples become ranked suggestions.

What is kept between requests lives in the document's ``DocumentSession``.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

from ..backends.base import Backend
from ..config import Config
from .fim import FimTemplate
from .flight import Closed, EarlyLines, Finished
from .generate import Generator
from .prompting import Prompting, prompting_for
from .request import Answer, CompletionContext, Place
from .reuse import LRUCache
from .session import DocumentSession
from .suggestions import Suggestion, advance, ended_at
from .syntax import Extent

log = logging.getLogger(__name__)


class CompletionEngine:
    """Completions for every document, with as few model calls as the typing allows."""

    def __init__(
        self, config: Config, backend: Backend, template: FimTemplate, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self.backend = backend
        self.template = template
        self.prompting: Prompting = prompting_for(backend, config.completion, template)
        self.cache = LRUCache()
        self.clock = clock
        #: How each request was answered (model, type_through, cache, reused, debounced, ...)
        #: and why streams were closed (closed_*).
        self.counts: Counter[str] = Counter()
        self.generator = Generator(config.completion, backend, template, self.prompting, self.counts)

    def session(self, uri: str) -> DocumentSession:
        """A new session for the document ``uri``."""
        return DocumentSession(uri, self.counts, self.clock, debounce=self.config.completion.tuning.debounce)

    async def complete(self, ctx: CompletionContext, session: DocumentSession) -> Answer:
        place = self.prompting.place(ctx)
        if (found := self._shown(place, session)) is None and place.extent is not Extent.NONE:
            found = self._cached(place, session)
        if found is not None:
            session.flight.served(place)
            log.debug("completion at %d: served without a model call", place.anchor.offset)
            return place.answer(found)
        if place.extent is Extent.NONE:
            # Inside a word the model is not asked; a suggestion typed through goes on
            # (``c,`` shown at ``f(a, |b)``, then ``c`` typed).
            session.flight.mid_word(place)
            log.debug("completion at %d: mid-word, nothing", ctx.offset)
            return place.answer([])
        match await session.flight.answer(place, self.generator.generate):
            case EarlyLines(found):
                self.counts["early_lines"] += 1
                # Shown, not cached: the same place later deserves the whole answer.
                session.show(place.anchor, found)
                return place.answer(found)
            case Finished(found):
                session.show(place.anchor, found)
                self.cache.put(place.key, found)
                return place.answer(found)
            case Closed():
                return place.answer([])
        raise AssertionError("the flight answers every request")

    def _shown(self, place: Place, session: DocumentSession) -> list[Suggestion] | None:
        """The rest of the suggestion shown, where the user typed its start."""
        shown = session.shown
        if not place.reuse or shown is None:
            return None
        typing = shown.anchor.typing_since(place.anchor)
        if typing is not None and (rest := advance(shown.suggestions, typing)):
            self.counts["type_through"] += 1
            session.show(place.anchor, rest)
            # Kept for this window too: a wrong key and its backspace come back here.
            self.cache.put(place.key, rest)
            return rest
        if typing is not None and typing.text and ended_at(shown.suggestions, typing.text):
            self.counts["typed_to_its_end"] += 1
            session.show(place.anchor, [])
            return []
        return None

    def _cached(self, place: Place, session: DocumentSession) -> list[Suggestion] | None:
        """The answer of the same window before."""
        cached: list[Suggestion] | None = self.cache.get(place.key) if place.reuse else None
        if not cached:
            return None
        self.counts["cache"] += 1
        session.show(place.anchor, cached)
        return cached

    async def aclose(self) -> None:
        """Close the backend (the engine is replaced, or the server shuts down)."""
        await self.backend.aclose()
