"""One completion request, answered by the first answerer that can: shown, cache, in flight, debounced, model.

The request's place is cut once (the window from ``prompting.py``, single or
multi-line from ``syntax.py``); then, in order:

* shown: the user typed into the suggestion shown, and the rest of it is served;
* cache: the same window was answered before;
* in flight: a generation streaming for the document agrees with the typing and is adopted;
* debounced: the typing outran the model, so the request waits for a pause first;
* model: a new generation, its samples made into ranked suggestions.

What is kept between requests lives in the document's ``DocumentSession``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable

from ..backends.base import Backend
from ..config import Config
from .fim import FimTemplate
from .flight import Closed, Early, EarlyLines, Finished, Generation
from .generate import Generator
from .prompting import Prompting, prompting_for
from .request import Answer, CompletionContext, Place
from .reuse import Anchor, LRUCache
from .samples import writes_code
from .session import DocumentSession
from .suggestions import Suggestion, advance, early_lines, ended_at
from .syntax import Extent, before_code, decide_extent, misplaced_line

log = logging.getLogger(__name__)

Answerer = Callable[[Place, DocumentSession], Awaitable[Answer | None]]


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
        #: Asked in this order; the first answer is the request's.
        self.answerers: tuple[Answerer, ...] = (
            self._shown,
            self._cached,
            self._in_flight,
            self._debounced,
            self._model,
        )

    def session(self, uri: str) -> DocumentSession:
        """A new session for the document ``uri``."""
        return DocumentSession(uri, self.counts, self.clock, debounce=self.config.completion.tuning.debounce)

    async def complete(self, ctx: CompletionContext, session: DocumentSession) -> Answer:
        win = self.prompting.window(ctx.text, ctx.offset)
        interval = session.debouncer.keystroke()
        outran = session.debouncer.take_outran()
        extent = decide_extent(ctx.language_id, win.prefix, win.suffix)
        if ctx.manual and extent is Extent.LINE and before_code(win.prefix, win.suffix):
            # Lines to insert above code: asked for, the model may write as many as it
            # needs, ended where it repeats the code below or leaves the block.
            extent = Extent.BLOCK
        anchor = Anchor.of(win.prefix, win.suffix, ctx.offset)
        reuse = self.config.completion.tuning.reuse and not ctx.manual
        place = Place(ctx, win, anchor, extent, interval, outran, reuse)
        if extent is Extent.NONE:
            # Inside a word the model is not asked; a suggestion typed through goes on
            # (``c,`` shown at ``f(a, |b)``, then ``c`` typed).
            if (answer := await self._shown(place, session)) is not None:
                return answer
            session.flight.drop()
            log.debug("completion at %d: mid-word, nothing", ctx.offset)
            return Answer([], win)
        for answerer in self.answerers:
            if (answer := await answerer(place, session)) is not None:
                return answer
        raise AssertionError("the model answers every request")

    async def _shown(self, place: Place, session: DocumentSession) -> Answer | None:
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
            return self._served(place, session, rest)
        if typing is not None and typing.text and ended_at(shown.suggestions, typing.text):
            self.counts["typed_to_its_end"] += 1
            session.show(place.anchor, [])
            return self._served(place, session, [])
        return None

    async def _cached(self, place: Place, session: DocumentSession) -> Answer | None:
        """The answer of the same window before."""
        cached: list[Suggestion] | None = self.cache.get(place.key) if place.reuse else None
        if not cached:
            return None
        self.counts["cache"] += 1
        session.show(place.anchor, cached)
        return self._served(place, session, cached)

    def _served(self, place: Place, session: DocumentSession, found: list[Suggestion]) -> Answer:
        session.flight.keep_if_it_serves(place.anchor)
        log.debug("completion at %d: served without a model call", place.anchor.offset)
        return place.answer(found)

    async def _in_flight(self, place: Place, session: DocumentSession) -> Answer | None:
        """The answer of a generation begun earlier that agrees with the typing; where its
        stream went another way, a new generation's, at once."""
        generation = session.flight.reusable(place.anchor) if place.reuse else None
        if generation is None:
            return None
        if (answer := await self._adopt(place, session, generation)) is not None:
            return answer
        return await self._model(place, session)

    async def _adopt(self, place: Place, session: DocumentSession, generation: Generation) -> Answer | None:
        """This request's answer from a generation begun earlier; ``None`` to ask the model again.

        When the user typed on (or took the lines shown) while a multi-line generation
        streams, the lines it has completed since are shown at once rather than after
        the whole block: the next keystroke would otherwise come before anything does.
        """
        self.counts["reused"] += 1
        self.counts["adopted_after_cancel"] += generation.abandoned
        typing = session.flight.adopt(generation, place.anchor)
        typed = typing.text
        log.debug("completion at %d: takes over the stream begun %d back", place.anchor.offset, len(typed))
        early = self._early(place, typed) if typed and generation.extent is Extent.BLOCK else None
        match await session.flight.wait(generation, early):
            case EarlyLines(found):
                return self._shown_early(place, session, found)
            case Closed() if generation.typed != typed:
                return place.answer([])  # closed by newer typing: this request is stale
            case Finished(answered) if (result := advance(answered, typing)) or ended_at(answered, typed):
                return self._answer(place, session, result)
        # The stream went another way than the typing, or had nothing for the place it
        # began at: ask again for this one.
        self.counts["reused_disagreed"] += 1
        return None

    def _early(self, place: Place, typed: str) -> Early:
        """The lines a multi-line generation has completed past ``typed``, as suggestions at
        this place: none while they hold no code (comments, a placeholder), or a first line
        that the generator would ask for again at another indentation."""
        win, language_id = place.win, place.ctx.language_id

        def shape(lines: str) -> list[Suggestion]:
            if not writes_code(lines):
                return []
            if not typed and misplaced_line(language_id, win.prefix, win.suffix, lines.split("\n", 1)[0]) is not None:
                return []
            return early_lines(win, lines, self.template.stop, language_id)

        return Early(typed, shape)

    def _shown_early(self, place: Place, session: DocumentSession, found: list[Suggestion]) -> Answer:
        self.counts["early_lines"] += 1
        # Shown, not cached: the same place later deserves the whole answer.
        session.show(place.anchor, found)
        return place.answer(found)

    async def _debounced(self, place: Place, session: DocumentSession) -> None:
        """Typing faster than the model answers: wait for a pause in the typing (a newer
        keystroke cancels this wait) instead of starting a generation per keystroke."""
        superseded = session.flight.drop()
        pause = session.debouncer.pause(
            place.interval, superseded=superseded, outran=place.outran, manual=place.ctx.manual
        )
        if pause is not None:
            self.counts["debounced"] += 1
            log.debug("completion at %d: waits %.0f ms for a pause", place.anchor.offset, 1000 * pause)
            await asyncio.sleep(pause)

    async def _model(self, place: Place, session: DocumentSession) -> Answer:
        """A new generation's answer. A block typed as it comes is answered with its first
        lines as soon as they are written; the generation streams on, for the requests
        that follow the user taking them."""
        generation = self.generator.start(place, session.flight)
        lines = "multi-line" if place.extent is Extent.BLOCK else "one line"
        log.debug("completion at %d: asks the model (%s)", place.anchor.offset, lines)
        early = self._early(place, "") if place.extent is Extent.BLOCK and place.reuse else None
        match await session.flight.wait(generation, early):
            case EarlyLines(found):
                return self._shown_early(place, session, found)
            case Finished(found):
                return self._answer(place, session, found)
        return place.answer([])

    def _answer(self, place: Place, session: DocumentSession, found: list[Suggestion]) -> Answer:
        session.show(place.anchor, found)
        self.cache.put(place.key, found)
        return place.answer(found)

    async def aclose(self) -> None:
        """Close the backend (the engine is replaced, or the server shuts down)."""
        await self.backend.aclose()
