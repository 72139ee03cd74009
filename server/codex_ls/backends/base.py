"""The backend protocol: a request in, an async stream of text deltas out.

Every backend returns the same stream shape, so the completion pipeline never
knows which wire protocol (or in-process model) produced the text. Stop sequences
are enforced here, client-side, as well as being sent to the backend: some servers
ignore ``stop``, and the stream must end the moment the answer is complete.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from ..tasks import cancel_once


class Lane(StrEnum):
    """Who waits for a generation, where one model serves several: typing goes first,
    then actions, then warming (evaluating a prompt ahead of time)."""

    TYPING = "typing"
    ACTION = "action"
    WARM = "warm"


class Finish(StrEnum):
    """Why a sample ended, as the client side decides it: a stop (the model's own, a stop
    sequence, the end of its block) or its token budget."""

    STOP = "stop"
    LENGTH = "length"


@dataclass(frozen=True)
class GenerationRequest:
    prefix: str
    suffix: str
    #: The rendered FIM prompt (template mode), or the prefix (suffix mode).
    prompt: str
    stop: tuple[str, ...]
    max_tokens: int
    temperature: float
    n: int = 1
    #: Other files as ``(path, text)``, for backends that take them separately.
    extra: tuple[tuple[str, str], ...] = ()
    logprobs: bool = False
    #: Who waits for it, where one model serves completions and actions.
    lane: Lane = Lane.TYPING
    #: Worth the larger model where there is one (``model.large``): the user waits for the
    #: answer, or the small model is wrong most often here. Backends with one model ignore it.
    large: bool = False
    #: A shorter prompt (the cursor's surroundings alone) for a backend with a KV cache to
    #: answer from when the model has not seen this place; ``""``: none.
    cold_prompt: str = ""


@dataclass(frozen=True)
class CacheLayout:
    """How a backend that keeps its evaluated prompt wants the prompt laid out."""

    #: Characters of suffix at most (whole lines); 0: the window's own share.
    suffix_chars: int = 0
    #: The cursor line's typed part after the FIM middle marker, so that a keystroke on a
    #: line only appends to the prompt; else the template's own layout.
    typed_last: bool = True
    #: Tokens of the shorter prompt for a place the model has not seen (0: none).
    cold_tokens: int = 0


@dataclass(frozen=True)
class Delta:
    """A piece of text for one choice; the last delta of a choice has ``finish_reason``."""

    text: str
    index: int = 0
    finish_reason: str | None = None
    #: Sum of the token log-probabilities in ``text`` and their count, if known.
    logprob: float | None = None
    tokens: int = 0


class Backend(Protocol):
    """A model behind one wire protocol."""

    name: str
    #: Most samples one request can return.
    max_samples: int
    #: Whether samples come one after another (one local model) rather than side by side,
    #: so that each costs a whole generation of waiting.
    samples_in_sequence: bool

    @property
    def cache_layout(self) -> CacheLayout | None:
        """Set where the backend keeps its evaluated prompt between calls (a KV cache):
        the prompt is then laid out so that a keystroke re-evaluates little."""
        ...

    def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        """Stream the answer; closing the iterator must close the connection."""
        ...

    async def prepare(self, *prompts: str) -> None:
        """Get ready ahead of the first request: load what must be loaded and, where the
        backend keeps a prompt cache, evaluate ``prompts`` in turn when nothing else wants
        the model. Best effort: failures are for the requests to report."""
        ...

    async def check(self) -> str:
        """Say what is reachable (for ``codex-ls doctor``); raise BackendError if not."""
        ...

    async def aclose(self) -> None: ...


class StopMatcher:
    """Finds stop sequences in streamed text, even when split across deltas.

    ``feed`` returns the text that is safe to emit now: text that might be the start
    of a stop sequence is held back until the next delta decides it.
    """

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = tuple(s for s in stops if s)
        self._longest = max((len(s) for s in self._stops), default=0)
        self._pending = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        if self.stopped:
            return ""
        buffer = self._pending + text
        cut = min((i for i in (buffer.find(s) for s in self._stops) if i >= 0), default=-1)
        if cut >= 0:
            self.stopped = True
            self._pending = ""
            return buffer[:cut]
        keep = self._held_back(buffer)
        self._pending = buffer[len(buffer) - keep :] if keep else ""
        return buffer[: len(buffer) - keep]

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return "" if self.stopped else text

    def _held_back(self, buffer: str) -> int:
        for size in range(min(self._longest - 1, len(buffer)), 0, -1):
            tail = buffer[-size:]
            if any(s.startswith(tail) for s in self._stops):
                return size
        return 0


#: Characters that count as one token where the backend does not say how many it sent.
#: Generous on purpose: the cap is a guard against a backend that ignores ``max_tokens``,
#: and must not cut an answer such a backend would have ended by itself.
CHARS_PER_TOKEN_CAP = 8.0


class TokenCap:
    """How much of ``max_tokens`` one choice has used.

    Counts the backend's own token counts where it reports them (``Delta.tokens``:
    llama.cpp and Ollama send one token per event, OpenAI-compatible servers report
    them with ``logprobs``), else ``CHARS_PER_TOKEN_CAP`` characters per token.
    """

    def __init__(self, max_tokens: int | None) -> None:
        self.max_tokens = max_tokens
        self.used = 0.0

    def spend(self, delta: Delta) -> bool:
        """Count ``delta``; True once the choice has gone past ``max_tokens``."""
        if self.max_tokens is None:
            return False
        self.used += delta.tokens if delta.tokens else len(delta.text) / CHARS_PER_TOKEN_CAP
        return self.used > self.max_tokens


async def with_stops(
    deltas: AsyncGenerator[Delta, None], stops: Sequence[str], n: int = 1, max_tokens: int | None = None
) -> AsyncGenerator[Delta, None]:
    """Cut each choice at its first stop sequence or past ``max_tokens``; end the stream once all choices end.

    A backend that ignores ``max_tokens`` (or a broken one that never stops) is cut
    where it should have stopped, as if it had ended with ``finish_reason: length``.
    Leaving the ``async for`` early closes ``deltas``, which closes the connection.
    """
    matchers = [StopMatcher(stops) for _ in range(n)]
    caps = [TokenCap(max_tokens) for _ in range(n)]
    finished: set[int] = set()
    try:
        async for delta in deltas:
            if delta.index >= n or delta.index in finished:
                continue
            matcher = matchers[delta.index]
            text = matcher.feed(delta.text)
            if matcher.stopped:
                finished.add(delta.index)
                yield Delta(text, delta.index, Finish.STOP, delta.logprob, delta.tokens)
            elif delta.finish_reason is not None:
                finished.add(delta.index)
                yield Delta(text + matcher.flush(), delta.index, delta.finish_reason, delta.logprob, delta.tokens)
            elif caps[delta.index].spend(delta):
                finished.add(delta.index)
                yield Delta(text + matcher.flush(), delta.index, Finish.LENGTH, delta.logprob, delta.tokens)
            elif text or delta.tokens:
                yield Delta(text, delta.index, None, delta.logprob, delta.tokens)
            if len(finished) == n:
                return
        for index in range(n):
            if index not in finished:
                # The stream ended without saying why: treat it like a length cut
                # so the caller does not mistake a truncated answer for a complete one.
                yield Delta(matchers[index].flush(), index, Finish.LENGTH)
    finally:
        aclose = getattr(deltas, "aclose", None)
        if aclose is not None:
            await aclose()


async def fan_out(
    one: Callable[[GenerationRequest], AsyncGenerator[Delta, None]], request: GenerationRequest, most: int = 1
) -> AsyncGenerator[Delta, None]:
    """``request.n`` samples from requests of at most ``most`` samples each, all at once, merged by index:
    one request per sample for a protocol without ``n``, or as many as a server that caps ``n`` needs.

    The first error ends the whole stream; closing it closes every request still open.
    """
    queue: asyncio.Queue[tuple[int, Delta | Exception | None]] = asyncio.Queue()

    async def pump(first: int) -> None:
        part = replace(request, n=min(most, request.n - first))
        try:
            async with aclosing(one(part)) as deltas:
                async for delta in deltas:
                    queue.put_nowait((first, replace(delta, index=first + delta.index)))
        except Exception as exc:
            queue.put_nowait((first, exc))
        finally:
            queue.put_nowait((first, None))

    tasks = [asyncio.create_task(pump(first)) for first in range(0, request.n, max(1, most))]
    try:
        running = len(tasks)
        while running:
            _, item = await queue.get()
            if item is None:
                running -= 1
            elif isinstance(item, Exception):
                raise item
            else:
                yield item
    finally:
        for task in tasks:
            cancel_once(task)
        # Shielded: a cancellation of this reader must not reach the requests twice.
        await asyncio.shield(asyncio.gather(*tasks, return_exceptions=True))
