"""The generation in flight for one document: adopted, superseded, started, waited for, closed.

A request that no suggestion shown or cached serves comes here once
(:meth:`InFlight.answer`), and is answered in order by:

* in flight: the generation streaming for the document agrees with the typing and is adopted;
* debounced: the typing outran the model, so the request waits for a pause first
  (``debounce.py``, told of this request's keystroke here);
* model: a new generation (its work is ``generate.py``'s), its stream watched here.

A generation outlives the request that started it. When that request is
cancelled (``$/cancelRequest``) or superseded by a newer keystroke, the
generation stays open for a grace of about two keystrokes, so that the next
request can take it over if what it streams agrees with the typing. It is closed
as soon as a request comes that it cannot serve, an edit or its own output
contradicts the typing, the document closes, or the grace runs out; the backend
then sees its connection close. Closing goes through ``tasks.cancel_once``.

Only this module changes a :class:`Generation`; its work writes only the text it streams.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncGenerator, Callable, Coroutine
from contextlib import aclosing
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ..backends.base import Delta
from ..tasks import cancel_once
from .debounce import Debouncer
from .request import Place
from .reuse import AFTER, BEFORE, Anchor, Typing
from .suggestions import Early, Suggestion, advance, early, ended_at
from .syntax import Extent

log = logging.getLogger(__name__)

#: The grace of an orphaned generation: twice the typing interval, within these bounds (s).
#: Editors wait before they send the next request (VS Code 50 ms, the Neovim plugin
#: its debounce), and a busy server reads it later still: the floor covers both.
GRACE_MIN = 0.15
GRACE_MAX = 0.3
#: The grace of a generation whose first lines are shown (s): time to read them and take
#: them with Tab. Past it, with no request taking it over, the user looked elsewhere.
READ_GRACE = 4.0
#: A generation's whole lines are an early answer only once it has run this long (s): a
#: model that writes the whole block by then shows it whole, its last line included.
EARLY_AFTER = 0.25


@dataclass(frozen=True)
class Finished:
    """The generation's answer: its suggestions at the place it began."""

    suggestions: list[Suggestion]


@dataclass(frozen=True)
class EarlyLines:
    """Whole lines the stream holds past what was typed, before it finished, as suggestions."""

    suggestions: list[Suggestion]


@dataclass(frozen=True)
class Closed:
    """The generation was closed before it had an answer."""


Waited = Finished | EarlyLines | Closed
#: What a stream becomes once watched against the typing.
Watch = Callable[[AsyncGenerator[Delta, None]], AsyncGenerator[Delta, None]]
#: A generation's work: its samples at the place, drawn from streams it watches, made into suggestions.
Work = Callable[[Place, "Generation", Watch], Coroutine[Any, Any, Finished]]


@dataclass(eq=False)
class Generation:
    """A model call in flight for one document."""

    anchor: Anchor
    #: When (event loop time) it began.
    began: float = field(default_factory=lambda: asyncio.get_running_loop().time())
    #: Raw text of the first sample streamed so far, for deciding whether the typing agrees with it.
    streamed: list[str] = field(default_factory=list)
    task: asyncio.Task[Finished] = field(init=False)
    #: The requests' tasks awaiting it now; with none it is an orphan, kept only for its grace.
    waiters: set[asyncio.Task[Any]] = field(default_factory=set)
    #: What the user has typed since ``anchor``, as far as the server knows;
    #: ``None`` once an edit went anywhere else.
    typed: str | None = ""
    #: Closes it when no request has taken it over in time.
    grace: asyncio.TimerHandle | None = None
    #: A request whose own request was cancelled or superseded left it at least once.
    orphaned: bool = False
    #: Asked for one line or a whole block.
    extent: Extent = Extent.LINE
    #: A request was answered with its first lines while it streams on: it is shown, and
    #: kept for a reading grace until the typing leaves it, it ends, or another request comes.
    answered_early: bool = False
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
        than the model answers, restarting would never let an answer arrive. A
        one-line stream stops at its line's end, so a line break typed since it
        began (Enter) is past anything it can say.
        """
        if typed is None or (self.extent is Extent.LINE and "\n" in typed):
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


class InFlight:
    """The document's generation in flight, if any, from its start to its answer or its close."""

    def __init__(
        self,
        counts: Counter[str],
        debouncer: Debouncer,
        clock: Callable[[], float],
        finished: Callable[[Generation, Finished], None],
    ) -> None:
        self.counts = counts
        #: The document's typing rhythm: told of each request's keystroke, it says how long the request waits;
        #: its interval sets the grace.
        self.debouncer = debouncer
        self._clock = clock
        #: Told of a generation that finished with nobody waiting for it.
        self._finished = finished
        self.generation: Generation | None = None
        #: When (by ``clock``) a generation was last closed unanswered, until the next keystroke hears of it.
        self._closed_at: float | None = None

    def _keystroke(self, place: Place, *, superseding: bool = False) -> float | None:
        """Tell the debounce of this request; how long it waits before asking the model."""
        closed_at, self._closed_at = self._closed_at, None
        return self.debouncer.keystroke(superseding=superseding, manual=place.ctx.manual, closed_at=closed_at).pause

    def served(self, place: Place) -> None:
        """A request was answered without a model call (shown, cache): keep the generation in
        flight only if it still agrees with the typing, for the keystrokes after this one."""
        self._keystroke(place)
        self.keep_if_it_serves(place.anchor)

    def mid_word(self, place: Place) -> None:
        """A request inside a word, which the model is not asked: the generation in flight is closed."""
        self._keystroke(place)
        self.drop()

    async def answer(self, place: Place, work: Work) -> Waited:
        """The request's answer from the generation in flight, or else from a new one, begun
        after a pause where the typing outruns the model."""
        generation = self.reusable(place.anchor) if place.reuse else None
        pause = self._keystroke(place, superseding=generation is None and self.streaming is not None)
        if generation is not None:
            if (waited := await self._adopt(place, generation)) is not None:
                return waited
            # The stream went another way than the typing, or had nothing for the place
            # it began at: ask again for this one, at once.
            self.counts["reused_disagreed"] += 1
        else:
            self.drop()
            if pause is not None:
                # Typing faster than the model answers: wait for a pause in the typing (a
                # newer keystroke cancels this wait) instead of a generation per keystroke.
                self.counts["debounced"] += 1
                log.debug("completion at %d: waits %.0f ms for a pause", place.anchor.offset, 1000 * pause)
                await asyncio.sleep(pause)
        return await self._ask(place, work)

    async def _adopt(self, place: Place, generation: Generation) -> Waited | None:
        """This request's answer from a generation begun earlier; ``None`` to ask the model again.

        When the user typed on (or took the lines shown) while a multi-line generation
        streams, the lines it has completed since are shown at once rather than after
        the whole block: the next keystroke would otherwise come before anything does.
        """
        self.counts["reused"] += 1
        self.counts["adopted_after_cancel"] += generation.abandoned
        typing = self.adopt(generation, place.anchor)
        typed = typing.text
        log.debug("completion at %d: takes over the stream begun %d back", place.anchor.offset, len(typed))
        shown = self._early(place, typed) if typed and generation.extent is Extent.BLOCK else None
        match waited := await self.wait(generation, shown):
            case EarlyLines():
                return waited
            case Closed() if generation.typed != typed:
                return waited  # closed by newer typing: this request is stale
            case Finished(answered) if (result := advance(answered, typing)) or ended_at(answered, typed):
                return Finished(result)
        return None

    async def _ask(self, place: Place, work: Work) -> Waited:
        """A new generation's answer. A block typed as it comes is answered with its first
        lines as soon as they are written; the generation streams on, for the requests
        that follow the user taking them."""
        self.counts["model"] += 1
        generation = Generation(place.anchor, extent=place.extent, until=place.ctx.deadline)
        self.start(generation, work(place, generation, partial(self.watched, generation)))
        lines = "multi-line" if place.extent is Extent.BLOCK else "one line"
        log.debug("completion at %d: asks the model (%s)", place.anchor.offset, lines)
        shown = self._early(place, "") if place.extent is Extent.BLOCK and place.reuse else None
        return await self.wait(generation, shown)

    @staticmethod
    def _early(place: Place, typed: str) -> Early:
        return early(place.win, typed, place.stop_tokens, place.ctx.language_id)

    def start(self, generation: Generation, work: Coroutine[Any, Any, Finished]) -> Generation:
        generation.task = asyncio.ensure_future(work)
        self.generation = generation
        generation.task.add_done_callback(lambda task: self._ended(generation, task))
        return generation

    def _ended(self, generation: Generation, task: asyncio.Task[Finished]) -> None:
        generation.end_grace()
        if self.generation is generation:
            self.generation = None
        if not generation.waiters and not task.cancelled() and task.exception() is None:
            self._finished(generation, task.result())

    @property
    def streaming(self) -> Generation | None:
        """The generation in flight, if it has not ended."""
        generation = self.generation
        return None if generation is None or generation.task.done() else generation

    def reusable(self, anchor: Anchor) -> Generation | None:
        """The generation in flight, if what it streamed agrees with the typing since it began."""
        generation = self.streaming
        if generation is None:
            return None
        typed = generation.anchor.typed_since(anchor)
        return generation if typed is not None and generation.agrees_with(typed) else None

    def adopt(self, generation: Generation, anchor: Anchor) -> Typing:
        """A request at ``anchor`` takes ``generation`` over: what was typed since it began."""
        typing = generation.anchor.typing_since(anchor) or Typing("")
        generation.typed = typing.text
        return typing

    def keep_if_it_serves(self, anchor: Anchor) -> None:
        """After an answer without a model call: keep the generation in flight only if it
        still agrees with the typing, for the keystrokes after this one."""
        generation = self.reusable(anchor)
        if generation is None:
            self.drop()
        elif not generation.waiters:
            generation.typed = generation.anchor.typed_since(anchor)
            generation.end_grace()
            self._orphan(generation)

    def drop(self) -> bool:
        """Close the generation in flight; True if there was one."""
        generation = self.streaming
        if generation is None:
            return False
        self.close(generation, "superseded")
        return True

    def close(self, generation: Generation, reason: str) -> None:
        """Stop ``generation`` unanswered: the backend sees the connection close."""
        generation.end_grace()
        if self.generation is generation:
            self.generation = None
        if not generation.task.done():
            log.debug("stream closed: %s", reason)
            self.counts[f"closed_{reason}"] += 1
            self._closed_at = self._clock()
            cancel_once(generation.task)

    def close_current(self, reason: str) -> None:
        """Close the generation in flight, if any (the document closed, or shutdown)."""
        if self.generation is not None:
            self.close(self.generation, reason)

    async def wait(self, generation: Generation, early: Early | None = None) -> Waited:
        """The generation's answer; with ``early``, its whole lines past that typing as soon as
        they make suggestions; :class:`Closed` if it was closed before it had an answer.

        When this request is cancelled or superseded, the generation is left to
        its grace rather than closed: the next keystroke may take it over.
        """
        current = asyncio.current_task()
        assert current is not None
        generation.waiters.add(current)
        generation.end_grace()
        try:
            tried: str | None = None
            loop = asyncio.get_running_loop()
            while early is not None and not generation.task.done():
                wait = generation.began + EARLY_AFTER - loop.time()
                lines = generation.lines_beyond(early.after) if wait <= 0 else None
                if lines is not None and lines != tried and (found := early.shape(lines)):
                    generation.answered_early = True
                    return EarlyLines(found)
                tried = lines
                either: set[asyncio.Future[Any]] = {generation.task, generation.next_delta()}
                await asyncio.wait(either, timeout=wait if wait > 0 else None, return_when=asyncio.FIRST_COMPLETED)
            return await asyncio.shield(generation.task)
        except asyncio.CancelledError:
            if generation.task.cancelled() and not current.cancelling():
                return Closed()
            raise
        finally:
            generation.waiters.discard(current)
            if not generation.waiters and not generation.task.done():
                self._orphan(generation)

    def _orphan(self, generation: Generation) -> None:
        if self.generation is not generation:
            return
        generation.orphaned = True
        if not generation.agrees_with(generation.typed):
            self.close(generation, "contradicted")
            return
        keystrokes = min(GRACE_MAX, max(GRACE_MIN, 2 * self.debouncer.interval))
        # Lines shown: the user reads them, and may take them and the next.
        grace = READ_GRACE if generation.answered_early else keystrokes
        generation.grace = asyncio.get_running_loop().call_later(grace, self._expire, generation)

    def _expire(self, generation: Generation) -> None:
        generation.grace = None
        if not generation.waiters:
            self.close(generation, "grace")

    @property
    def watching(self) -> bool:
        """Whether an edit of the document matters to a generation in flight."""
        return self.generation is not None

    def edited(self, text: str, offset: int) -> None:
        """The document changed and the cursor is now at ``offset``: close what the typing contradicts."""
        generation = self.streaming
        if generation is None:
            return
        later = Anchor(offset, text[max(0, offset - BEFORE) : offset], text[offset : offset + AFTER])
        generation.typed = generation.anchor.typed_since(later)
        if not generation.agrees_with(generation.typed):
            self.close(generation, "contradicted")

    async def watched(self, generation: Generation, deltas: AsyncGenerator[Delta, None]) -> AsyncGenerator[Delta, None]:
        """``deltas``, closed as soon as what they say contradicts the latest typing."""
        async with aclosing(deltas):
            async for delta in deltas:
                yield delta
                if not generation.agrees_with(generation.typed):
                    self.close(generation, "contradicted")
                generation.delta_arrived()
