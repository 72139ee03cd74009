"""The completion pipeline: document + cursor → window → FIM request → stream → suggestion.

Pure steps (window, decision, post-processing) around one streamed model call.
The stream is read only as far as needed: single-line requests end at the first
line break, multi-line requests end where the cursor's block ends.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from .backends.base import Backend, GenerationRequest
from .config import Config
from .context.fim import FimTemplate
from .context.syntax import decide_multiline
from .context.window import Window, window
from .postprocess import Completion, postprocess
from .ranking import Candidate, rank, read_candidates
from .reuse import Anchor, Generation, LRUCache, TypingRhythm
from .scheduler import SUPERSEDED
from .tasks import cancel_once

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompletionContext:
    uri: str
    text: str
    offset: int
    language_id: str = ""
    path: str = ""
    version: int | None = None
    manual: bool = False
    #: Snippets of other open documents as ``(relative path, text)``.
    neighbours: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Suggestion:
    text: str
    #: Characters after the cursor that ``text`` replaces (auto-closed brackets).
    replace_suffix: int = 0
    finish_reason: str | None = None


@dataclass(frozen=True)
class Outcome:
    suggestions: list[Suggestion]
    window: Window
    multiline: bool
    backend_seconds: float = 0.0


class CompletionEngine:
    """Completions for every document, with as few model calls as the typing allows."""

    def __init__(
        self, config: Config, backend: Backend, template: FimTemplate, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self.backend = backend
        self.template = template
        self.cache = LRUCache()
        self.rhythm = TypingRhythm(clock)
        self.shown: dict[str, tuple[Anchor, list[Suggestion]]] = {}
        self.inflight: dict[str, Generation] = {}
        #: How each request was answered: model, type_through, cache, reused, debounced.
        self.counts: Counter[str] = Counter()

    def request_for(
        self, win: Window, multiline: bool, samples: int = 1, files: tuple[tuple[str, str], ...] = ()
    ) -> GenerationRequest:
        c = self.config.completion
        stop = self.template.stop if multiline else ("\n", *self.template.stop)
        return GenerationRequest(
            prefix=win.prefix,
            suffix=win.suffix,
            prompt=self.template.render(win.prefix, win.suffix, files),
            extra=files,
            stop=stop,
            max_tokens=c.multiline_max_tokens if multiline else c.max_tokens,
            temperature=c.sample_temperature if samples > 1 else c.temperature,
            n=samples,
            logprobs=samples > 1 or c.min_mean_logprob is not None,
        )

    def samples_for(self, multiline: bool, manual: bool) -> int:
        """Several samples where they pay: multi-line insertion and manual triggers.

        Where samples come one after another, typing does not wait for them: only a
        manual trigger, where the user asked and waits, draws several.
        """
        if not (multiline or manual) or (self.backend.samples_in_sequence and not manual):
            return 1
        return max(1, min(self.config.completion.samples, self.backend.max_samples))

    async def complete(self, ctx: CompletionContext) -> Outcome:
        c = self.config.completion
        win = window(ctx.text, ctx.offset, int(c.context_tokens * c.chars_per_token), c.prefix_ratio)
        anchor = Anchor.of(win.prefix, win.suffix, ctx.offset)
        interval = self.rhythm.keystroke(ctx.uri)
        multiline = decide_multiline(ctx.language_id, win.prefix, win.suffix)
        if multiline is None:
            self._drop_inflight(ctx.uri)
            return Outcome([], win, False)
        reuse = c.reuse and not ctx.manual
        key = (win.prefix, win.suffix, multiline)
        if reuse and (served := self._serve_without_model(ctx.uri, anchor, key)) is not None:
            self._drop_inflight(ctx.uri)
            return Outcome(served, win, multiline)
        generation = self._reusable(ctx.uri, anchor) if reuse else None
        if generation is not None:
            self.counts["reused"] += 1
            suggestions, elapsed = await self._wait(generation)
            result = advance(suggestions, generation.anchor.typed_since(anchor) or "")
            if result or not suggestions:
                return self._answer(ctx.uri, anchor, key, result, win, multiline, elapsed)
            # The stream went another way than the typing: ask again for this place.
            self.counts["reused_disagreed"] += 1
        elif self._drop_inflight(ctx.uri) and c.debounce and not ctx.manual:
            # Typing faster than the model answers: wait for a pause in the typing
            # (a newer keystroke cancels this wait) instead of starting a
            # generation per keystroke.
            self.counts["debounced"] += 1
            await asyncio.sleep(min(interval, 0.15))
        generation = self._start(ctx, anchor, win, multiline)
        suggestions, elapsed = await self._wait(generation)
        return self._answer(ctx.uri, anchor, key, suggestions, win, multiline, elapsed)

    def _answer(
        self,
        uri: str,
        anchor: Anchor,
        key: tuple[str, str, bool],
        suggestions: list[Suggestion],
        win: Window,
        multiline: bool,
        elapsed: float,
    ) -> Outcome:
        self.shown[uri] = (anchor, suggestions)
        self.cache.put(key, suggestions)
        return Outcome(suggestions, win, multiline, elapsed)

    def _serve_without_model(self, uri: str, anchor: Anchor, key: tuple[str, str, bool]) -> list[Suggestion] | None:
        shown = self.shown.get(uri)
        if shown is not None:
            typed = shown[0].typed_since(anchor)
            if typed is not None and (rest := advance(shown[1], typed)):
                self.counts["type_through"] += 1
                self.shown[uri] = (anchor, rest)
                return rest
        cached: list[Suggestion] | None = self.cache.get(key)
        if cached:
            self.counts["cache"] += 1
            self.shown[uri] = (anchor, cached)
        return cached or None

    def _reusable(self, uri: str, anchor: Anchor) -> Generation | None:
        generation = self.inflight.get(uri)
        if generation is None or generation.task.done():
            return None
        typed = generation.anchor.typed_since(anchor)
        return generation if typed is not None and generation.agrees_with(typed) else None

    def _drop_inflight(self, uri: str) -> bool:
        """Cancel the document's generation in flight; True if there was one."""
        generation = self.inflight.pop(uri, None)
        if generation is None or generation.task.done():
            return False
        cancel_once(generation.task)
        return True

    def _start(self, ctx: CompletionContext, anchor: Anchor, win: Window, multiline: bool) -> Generation:
        self.counts["model"] += 1
        uri = ctx.uri
        streamed: list[str] = []
        samples = self.samples_for(multiline, ctx.manual)
        request = self.request_for(win, multiline, samples, ctx.neighbours)
        task = asyncio.ensure_future(self._generate(request, ctx.language_id, win, multiline, streamed))
        generation = Generation(anchor, task, streamed)
        self.inflight[uri] = generation
        task.add_done_callback(lambda _: self.inflight.pop(uri, None) if self.inflight.get(uri) is generation else None)
        return generation

    async def _wait(self, generation: Generation) -> tuple[list[Suggestion], float]:
        generation.waiters += 1
        try:
            result: tuple[list[Suggestion], float] = await asyncio.shield(generation.task)
            return result
        except asyncio.CancelledError as exc:
            # A superseding request decides itself whether to reuse or cancel the
            # generation; any other cancellation ($/cancelRequest) stops it if
            # nobody else is waiting for it.
            if SUPERSEDED not in exc.args and generation.waiters == 1:
                cancel_once(generation.task)
            raise
        finally:
            generation.waiters -= 1

    async def _generate(
        self, request: GenerationRequest, language_id: str, win: Window, multiline: bool, streamed: list[str]
    ) -> tuple[list[Suggestion], float]:
        samples = request.n
        started = time.perf_counter()
        candidates = await read_candidates(self.backend.stream(request), samples, win.prefix, multiline, streamed)
        if samples > 1 and all(c.finish == "length" for c in candidates):
            # Every sample ran out of tokens: the answer is longer than allowed.
            request = replace(request, max_tokens=request.max_tokens * 2)
            candidates = await read_candidates(self.backend.stream(request), samples, win.prefix, multiline)
        elapsed = time.perf_counter() - started
        processed: dict[str, tuple[Completion, Candidate]] = {}
        for candidate in candidates:
            result = postprocess(
                win.prefix, win.suffix, candidate.text, multiline=multiline, stop_tokens=self.template.stop
            )
            if result is not None and result.text not in processed:
                processed[result.text] = (result, candidate)
        ranked = rank(
            [(text, candidate) for text, (_, candidate) in processed.items()],
            language_id,
            win.prefix,
            win.suffix,
            self.config.completion.min_mean_logprob,
        )
        log.debug("completion: %d samples, %d shown, %.0f ms", len(candidates), len(ranked), elapsed * 1000)
        if log.isEnabledFor(logging.DEBUG):
            for index, candidate in enumerate(candidates):
                log.debug("candidate %d: finish=%s raw=%s", index, candidate.finish, json.dumps(candidate.text))
        return [
            Suggestion(text, processed[text][0].replace_suffix, candidate.finish) for text, candidate in ranked
        ], elapsed


def advance(suggestions: list[Suggestion], typed: str) -> list[Suggestion]:
    """The suggestions that start with what was typed, without it."""
    if not typed:
        return suggestions
    return [
        Suggestion(s.text[len(typed) :], s.replace_suffix, s.finish_reason)
        for s in suggestions
        if s.text.startswith(typed) and len(s.text) > len(typed)
    ]
