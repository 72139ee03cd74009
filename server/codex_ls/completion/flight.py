"""The generation in flight for one document: who waits for it, its grace, what closes it.

A generation outlives the request that started it. When that request is
cancelled (``$/cancelRequest``) or superseded by a newer keystroke, the
generation stays open for a grace of about two keystrokes, so that the next
request can take it over if what it streams agrees with the typing. It is closed
as soon as a request comes that it cannot serve, an edit or its own output
contradicts the typing, the document closes, or the grace runs out; the backend
then sees its connection close. Closing goes through ``tasks.cancel_once``.

Only this module changes a :class:`Generation`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncGenerator, Callable, Coroutine
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from ..backends.base import Delta, GenerationRequest
from ..tasks import cancel_once
from .debounce import Debouncer
from .reuse import AFTER, BEFORE, Anchor, Typing
from .samples import Enough, Sample, Stream, draw
from .suggestions import Suggestion
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
class Early:
    """What a request may take before the generation ends: the whole lines streamed past
    ``after``, as ``shape`` makes them into suggestions (none: it waits on)."""

    after: str
    shape: Callable[[str], list[Suggestion]]


@dataclass(frozen=True)
class Closed:
    """The generation was closed before it had an answer."""


Waited = Finished | EarlyLines | Closed


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
        self, counts: Counter[str], debouncer: Debouncer, finished: Callable[[Generation, Finished], None]
    ) -> None:
        self.counts = counts
        #: The document's typing rhythm (the grace) and where a close unanswered is noted.
        self.debouncer = debouncer
        #: Told of a generation that finished with nobody waiting for it.
        self._finished = finished
        self.generation: Generation | None = None

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

    def reusable(self, anchor: Anchor) -> Generation | None:
        """The generation in flight, if what it streamed agrees with the typing since it began."""
        generation = self.generation
        if generation is None or generation.task.done():
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
        generation = self.generation
        if generation is None or generation.task.done():
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
            self.debouncer.outran()
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
        generation = self.generation
        if generation is None or generation.task.done():
            return
        later = Anchor(offset, text[max(0, offset - BEFORE) : offset], text[offset : offset + AFTER])
        generation.typed = generation.anchor.typed_since(later)
        if not generation.agrees_with(generation.typed):
            self.close(generation, "contradicted")

    async def draw(
        self,
        generation: Generation,
        stream: Stream,
        request: GenerationRequest,
        *,
        ended: Callable[[str], bool] | None,
        enough: Enough | None = None,
        retry: bool,
        first: bool,
    ) -> list[Sample]:
        """``samples.draw`` for ``generation``, its streams watched; with ``first``, the first
        sample's text is what the generation has streamed, for the typing to agree with."""
        return await draw(
            lambda r: self.watched(generation, stream(r)),
            request,
            ended=ended,
            first=generation.streamed if first else None,
            enough=enough,
            retry=retry,
            until=generation.until,
        )

    async def watched(self, generation: Generation, deltas: AsyncGenerator[Delta, None]) -> AsyncGenerator[Delta, None]:
        """``deltas``, closed as soon as what they say contradicts the latest typing."""
        async with aclosing(deltas):
            async for delta in deltas:
                yield delta
                if not generation.agrees_with(generation.typed):
                    self.close(generation, "contradicted")
                generation.delta_arrived()
