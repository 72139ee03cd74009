"""Generations in flight, one per document: who waits for them, and when they are closed.

A generation outlives the request that started it. When that request is
cancelled (``$/cancelRequest``) or superseded by a newer keystroke, the
generation stays open for a grace of about two keystrokes, so that the next
request can take it over if what it streams agrees with the typing. It is closed
as soon as a request comes that it cannot serve, an edit or its own output
contradicts the typing, the document closes, or the grace runs out; the backend
then sees its connection close. Closing goes through ``tasks.cancel_once``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncGenerator, Callable, Coroutine
from contextlib import aclosing
from typing import Any

from ..backends.base import Delta
from ..tasks import cancel_once
from .reuse import CONTEXT, Anchor, Generation, TypingRhythm

log = logging.getLogger(__name__)

#: The grace of an orphaned generation: twice the typing interval, within these bounds (s).
#: Editors wait before they send the next request (VS Code 50 ms, the Neovim plugin
#: its debounce), and a busy server reads it later still: the floor covers both.
GRACE_MIN = 0.15
GRACE_MAX = 0.3
#: A generation closed unanswered this recently (s) makes the next request wait for a pause.
OUTRAN_WINDOW = 1.0

#: What a generation's task returns: the suggestions and the seconds the backend took.
Answer = tuple[list[Any], float]


class InFlight:
    def __init__(
        self,
        rhythm: TypingRhythm,
        counts: Counter[str],
        finished: Callable[[str, Generation, Answer], None],
    ) -> None:
        self.rhythm = rhythm
        self.counts = counts
        #: Told of a generation that finished with nobody waiting for it.
        self._finished = finished
        self.generations: dict[str, Generation] = {}
        #: When a generation of each document was last closed unanswered.
        self.outran: dict[str, float] = {}

    def start(self, uri: str, generation: Generation, work: Coroutine[Any, Any, Answer]) -> Generation:
        generation.task = asyncio.ensure_future(work)
        self.generations[uri] = generation
        generation.task.add_done_callback(lambda task: self._ended(uri, generation, task))
        return generation

    def _ended(self, uri: str, generation: Generation, task: asyncio.Task[Answer]) -> None:
        generation.end_grace()
        if self.generations.get(uri) is generation:
            del self.generations[uri]
        if not generation.waiters and not task.cancelled() and task.exception() is None:
            self._finished(uri, generation, task.result())

    def reusable(self, uri: str, anchor: Anchor) -> Generation | None:
        """The document's generation in flight, if what it streamed agrees with the typing since it began."""
        generation = self.generations.get(uri)
        if generation is None or generation.task.done():
            return None
        typed = generation.anchor.typed_since(anchor)
        return generation if typed is not None and generation.agrees_with(typed) else None

    def keep_if_it_serves(self, uri: str, anchor: Anchor) -> None:
        """After an answer without a model call: keep the generation in flight only if it
        still agrees with the typing, for the keystrokes after this one."""
        generation = self.reusable(uri, anchor)
        if generation is None:
            self.drop(uri)
        elif not generation.waiters:
            generation.typed = generation.anchor.typed_since(anchor)
            generation.end_grace()
            self._orphan(uri, generation)

    def drop(self, uri: str) -> bool:
        """Close the document's generation in flight; True if there was one."""
        generation = self.generations.get(uri)
        if generation is None or generation.task.done():
            return False
        self.close(uri, generation, "superseded")
        return True

    def close(self, uri: str, generation: Generation, reason: str) -> None:
        """Stop ``generation`` unanswered: the backend sees the connection close."""
        generation.end_grace()
        if self.generations.get(uri) is generation:
            del self.generations[uri]
        if not generation.task.done():
            log.debug("stream closed: %s", reason)
            self.counts[f"closed_{reason}"] += 1
            self.outran[uri] = self.rhythm.now()
            cancel_once(generation.task)

    def take_outran(self, uri: str) -> bool:
        """Whether a generation of ``uri`` was closed unanswered just before this request."""
        closed = self.outran.pop(uri, None)
        return closed is not None and self.rhythm.now() - closed < OUTRAN_WINDOW

    async def wait(
        self, uri: str, generation: Generation, early: Callable[[], str | None] | None = None
    ) -> Answer | str | None:
        """The generation's answer; what ``early`` returns as soon as it returns
        something; ``None`` if it was closed before it had an answer.

        When this request is cancelled or superseded, the generation is left to
        its grace rather than closed: the next keystroke may take it over.
        """
        current = asyncio.current_task()
        assert current is not None
        generation.waiters.add(current)
        generation.end_grace()
        try:
            while early is not None and not generation.task.done():
                if (lines := early()) is not None:
                    return lines
                await asyncio.wait({generation.task, generation.next_delta()}, return_when=asyncio.FIRST_COMPLETED)
            result: Answer = await asyncio.shield(generation.task)
            return result
        except asyncio.CancelledError:
            if generation.task.cancelled() and not current.cancelling():
                return None
            raise
        finally:
            generation.waiters.discard(current)
            if not generation.waiters and not generation.task.done():
                self._orphan(uri, generation)

    def _orphan(self, uri: str, generation: Generation) -> None:
        if self.generations.get(uri) is not generation:
            return
        generation.orphaned = True
        if not generation.agrees_with(generation.typed):
            self.close(uri, generation, "contradicted")
            return
        grace = min(GRACE_MAX, max(GRACE_MIN, 2 * self.rhythm.interval(uri)))
        generation.grace = asyncio.get_running_loop().call_later(grace, self._expire, uri, generation)

    def _expire(self, uri: str, generation: Generation) -> None:
        generation.grace = None
        if not generation.waiters:
            self.close(uri, generation, "grace")

    def watching(self, uri: str) -> bool:
        """Whether an edit of ``uri`` matters to a generation in flight."""
        return uri in self.generations

    def edited(self, uri: str, text: str, offset: int) -> None:
        """The document changed and the cursor is now at ``offset``: close what the typing contradicts."""
        generation = self.generations.get(uri)
        if generation is None or generation.task.done():
            return
        later = Anchor(offset, text[max(0, offset - CONTEXT) : offset], text[offset : offset + CONTEXT])
        generation.typed = generation.anchor.typed_since(later)
        if not generation.agrees_with(generation.typed):
            self.close(uri, generation, "contradicted")

    def forget(self, uri: str) -> None:
        generation = self.generations.get(uri)
        if generation is not None:
            self.close(uri, generation, "document_closed")
        self.outran.pop(uri, None)

    def close_all(self) -> None:
        for uri, generation in list(self.generations.items()):
            self.close(uri, generation, "shutdown")

    async def watched(
        self, uri: str, generation: Generation, deltas: AsyncGenerator[Delta, None]
    ) -> AsyncGenerator[Delta, None]:
        """``deltas``, closed as soon as what they say contradicts the latest typing."""
        async with aclosing(deltas):
            async for delta in deltas:
                yield delta
                if not generation.agrees_with(generation.typed):
                    self.close(uri, generation, "contradicted")
                generation.delta_arrived()
