"""The completion pipeline: document + cursor → window → FIM request → stream → suggestion.

Pure steps (window, decision, post-processing) around one streamed model call.
The stream is read only as far as needed: single-line requests end at the first
line break, multi-line requests end where the cursor's block ends. A request is
answered without the model where it can be (type-through, cache), by a
generation already in flight where that agrees with the typing (``flight.py``),
and by a new generation otherwise.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..backends.base import Backend, GenerationRequest
from ..config import Config
from .fim import FimTemplate
from .flight import InFlight
from .postprocess import Completion, postprocess
from .ranking import rank
from .reuse import Anchor, Generation, LRUCache, TypingRhythm
from .samples import Candidate, Enough, block_ended, draw, past, plan, wrote_code
from .syntax import before_code, decide_multiline, empty_body, misplaced_line
from .window import Window, cached_window, cold_window, split_typed, window

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
    #: When (event loop time) the samples must be in: the answer then holds those finished.
    deadline: float | None = None


@dataclass(frozen=True)
class Suggestion:
    text: str
    #: Characters after the cursor that ``text`` replaces (auto-closed brackets).
    replace_suffix: int = 0
    finish_reason: str | None = None


@dataclass(frozen=True)
class Place:
    """Where one request asks: its window, the anchor of its cursor, single or multi-line."""

    uri: str
    win: Window
    anchor: Anchor
    multiline: bool

    @property
    def key(self) -> tuple[str, str, bool]:
        return (self.win.prefix, self.win.suffix, self.multiline)


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
        #: How each request was answered (model, type_through, cache, reused, debounced, ...)
        #: and why streams were closed (closed_*).
        self.counts: Counter[str] = Counter()
        self.flight = InFlight(self.rhythm, self.counts, self._finished_unwaited)

    def request_for(
        self,
        win: Window,
        multiline: bool,
        samples: int = 1,
        files: tuple[tuple[str, str], ...] = (),
        large: bool = False,
    ) -> GenerationRequest:
        c = self.config.completion
        stop = self.template.stop if multiline else ("\n", *self.template.stop)
        return GenerationRequest(
            prefix=win.prefix,
            suffix=win.suffix,
            prompt=self.prompt_for(win, files),
            extra=files,
            stop=stop,
            max_tokens=c.multiline_max_tokens if multiline else c.max_tokens,
            temperature=c.tuning.sample_temperature if samples > 1 else c.tuning.temperature,
            n=samples,
            logprobs=samples > 1 or c.tuning.min_mean_logprob is not None,
            large=large,
        )

    def window_at(self, text: str, offset: int) -> Window:
        c = self.config.completion
        budget = int(c.context_tokens * c.tuning.chars_per_token)
        if (layout := self.backend.cache_layout) is None:
            return window(text, offset, budget, c.tuning.prefix_ratio)
        return cached_window(text, offset, budget, c.tuning.prefix_ratio, layout.suffix_chars)

    def prompt_for(self, win: Window, files: tuple[tuple[str, str], ...] = ()) -> str:
        """The FIM prompt; for a backend with a KV cache, the cursor line's typed part goes last,
        after the middle marker, so the cached head and suffix serve every keystroke on the line."""
        layout = self.backend.cache_layout
        if layout is None or not layout.typed_last:
            return self.template.render(win.prefix, win.suffix, files)
        head, typed = split_typed(win.prefix)
        return self.template.render(head, win.suffix, files) + typed

    def cold_prompt(self, win: Window) -> str:
        """For a backend with a KV cache, the prompt of the cursor's surroundings alone
        (``model.tuning.coldTokens``, no snippets), to answer from where the model has not been."""
        layout, c = self.backend.cache_layout, self.config.completion
        if layout is None or not layout.cold_tokens:
            return ""
        cold = cold_window(win, int(layout.cold_tokens * c.tuning.chars_per_token), c.tuning.prefix_ratio)
        return self.prompt_for(cold) if cold is not None else ""

    def warm_prompts(
        self, text: str, files: tuple[tuple[str, str], ...] = (), offset: int | None = None
    ) -> tuple[str, ...]:
        """For a backend with a KV cache, what to evaluate before the next keystroke: at ``offset``
        (the cursor rests) its cold prompt, then the whole one; else how the prompt at any
        cursor in the first window of ``text`` starts (the lines above the cursor)."""
        if self.backend.cache_layout is None:
            return ()
        if offset is not None:
            win = self.window_at(text, offset)
            return tuple(filter(None, (self.cold_prompt(win), self.prompt_for(win, files))))
        c = self.config.completion
        head = text[: text.rfind("\n", 0, int(c.context_tokens * c.tuning.chars_per_token * c.tuning.prefix_ratio)) + 1]
        return tuple(filter(None, (self.template.head(head, files),)))

    @staticmethod
    def wants_large(manual: bool, win: Window, multiline: bool) -> bool:
        """Where the larger model of a cascade answers: the user asked and waits, or a whole
        body is to be written. Typing elsewhere stays on the small model."""
        return manual or (multiline and empty_body(win.prefix, win.suffix))

    async def complete(self, ctx: CompletionContext) -> Outcome:
        c = self.config.completion
        win = self.window_at(ctx.text, ctx.offset)
        anchor = Anchor.of(win.prefix, win.suffix, ctx.offset)
        interval = self.rhythm.keystroke(ctx.uri)
        outran = self.flight.take_outran(ctx.uri)
        multiline = decide_multiline(ctx.language_id, win.prefix, win.suffix)
        if ctx.manual and multiline is False and before_code(win.prefix, win.suffix):
            # Lines to insert above code: asked for, the model may write as many as it
            # needs, ended where it repeats the code below or leaves the block.
            multiline = True
        if multiline is None:
            self.flight.drop(ctx.uri)
            log.debug("completion at %d: mid-word, nothing", ctx.offset)
            return Outcome([], win, False)
        place = Place(ctx.uri, win, anchor, multiline)
        reuse = c.tuning.reuse and not ctx.manual
        if reuse and (served := self._serve_without_model(place)) is not None:
            self.flight.keep_if_it_serves(ctx.uri, anchor)
            log.debug("completion at %d: served without a model call", ctx.offset)
            return Outcome(served, win, multiline)
        if reuse and (generation := self.flight.reusable(ctx.uri, anchor)) is not None:
            if (outcome := await self._adopt(place, generation)) is not None:
                return outcome
        elif (self.flight.drop(ctx.uri) or outran) and c.tuning.debounce and not ctx.manual:
            # Typing faster than the model answers: wait for a pause in the typing
            # (a newer keystroke cancels this wait) instead of starting a
            # generation per keystroke.
            self.counts["debounced"] += 1
            log.debug("completion at %d: waits %.0f ms for a pause", ctx.offset, 1000 * min(interval, 0.15))
            await asyncio.sleep(min(interval, 0.15))
        generation = self._start(ctx, anchor, win, multiline)
        log.debug("completion at %d: asks the model (%s)", ctx.offset, "multi-line" if multiline else "one line")
        waited = await self.flight.wait(ctx.uri, generation)
        if not isinstance(waited, tuple):
            return Outcome([], win, multiline)
        return self._answer(place, waited[0], waited[1])

    async def _adopt(self, place: Place, generation: Generation) -> Outcome | None:
        """This request's answer from a generation begun earlier; ``None`` to ask the model again.

        When the user typed on while a multi-line generation streams, the lines it
        has completed are shown at once rather than after the whole block: the
        next keystroke would otherwise come before anything does.
        """
        self.counts["reused"] += 1
        self.counts["adopted_after_cancel"] += generation.abandoned
        typed = generation.anchor.typed_since(place.anchor) or ""
        generation.typed = typed
        log.debug("completion at %d: takes over the stream begun %d back", place.anchor.offset, len(typed))
        early = typed and generation.multiline
        waited = await self.flight.wait(
            place.uri, generation, (lambda: generation.lines_beyond(typed)) if early else None
        )
        if isinstance(waited, str):
            return self._early_answer(place, waited)
        if waited is None:
            if generation.typed != typed:
                return Outcome([], place.win, place.multiline)  # closed by newer typing: this request is stale
        elif (result := advance(waited[0], typed)) or not (waited[0] or typed):
            return self._answer(place, result, waited[1])
        # The stream went another way than the typing, or had nothing for the place it
        # began at: ask again for this one.
        self.counts["reused_disagreed"] += 1
        return None

    def _early_answer(self, place: Place, lines: str) -> Outcome:
        self.counts["early_lines"] += 1
        result = postprocess(place.win.prefix, place.win.suffix, lines, multiline=True, stop_tokens=self.template.stop)
        suggestions = [] if result is None else [Suggestion(result.text, result.replace_suffix)]
        # Shown, not cached: the same place later deserves the whole answer.
        self.shown[place.uri] = (place.anchor, suggestions)
        return Outcome(suggestions, place.win, place.multiline)

    def _answer(self, place: Place, suggestions: list[Suggestion], elapsed: float) -> Outcome:
        self.shown[place.uri] = (place.anchor, suggestions)
        self.cache.put(place.key, suggestions)
        return Outcome(suggestions, place.win, place.multiline, elapsed)

    def _serve_without_model(self, place: Place) -> list[Suggestion] | None:
        uri, anchor = place.uri, place.anchor
        shown = self.shown.get(uri)
        if shown is not None:
            typed = shown[0].typed_since(anchor)
            if typed is not None and (rest := advance(shown[1], typed)):
                self.counts["type_through"] += 1
                self.shown[uri] = (anchor, rest)
                # Kept for this window too: a wrong key and its backspace come back here.
                self.cache.put(place.key, rest)
                return rest
            if typed and shown[1] and shown[1][0].text == typed and shown[1][0].finish_reason == "stop":
                # The whole suggestion was typed, and the model had stopped there: asked
                # again at this point, it would answer with the same line break.
                self.counts["typed_to_its_end"] += 1
                self.shown[uri] = (anchor, [])
                return []
        cached: list[Suggestion] | None = self.cache.get(place.key)
        if cached:
            self.counts["cache"] += 1
            self.shown[uri] = (anchor, cached)
        return cached or None

    def _start(self, ctx: CompletionContext, anchor: Anchor, win: Window, multiline: bool) -> Generation:
        self.counts["model"] += 1
        samples, enough = plan(self.backend, self.config.completion.samples, multiline, ctx.manual)
        large = self.wants_large(ctx.manual, win, multiline)
        request = self.request_for(win, multiline, samples, ctx.neighbours, large)
        if not (multiline or ctx.manual):
            request = replace(request, cold_prompt=self.cold_prompt(win))
        generation = Generation(anchor, multiline=multiline, until=ctx.deadline)
        work = self._generate(ctx.uri, generation, request, ctx.language_id, win, enough)
        return self.flight.start(ctx.uri, generation, work)

    def _finished_unwaited(self, uri: str, generation: Generation, answer: tuple[list[Suggestion], float]) -> None:
        # Finished during its grace: the next keystroke types through its answer.
        self.shown[uri] = (generation.anchor, answer[0])

    def watching(self, uri: str) -> bool:
        """Whether an edit of ``uri`` matters to a generation in flight."""
        return self.flight.watching(uri)

    def edited(self, uri: str, text: str, offset: int) -> None:
        """The document changed and the cursor is now at ``offset``: close what the typing contradicts."""
        self.flight.edited(uri, text, offset)

    def forget(self, uri: str) -> None:
        """The document closed: close its generation and drop what was kept for it."""
        self.flight.forget(uri)
        self.shown.pop(uri, None)
        self.rhythm.forget(uri)

    def close_all(self) -> None:
        self.flight.close_all()

    async def _generate(
        self,
        uri: str,
        generation: Generation,
        request: GenerationRequest,
        language_id: str,
        win: Window,
        enough: Enough | None,
    ) -> tuple[list[Suggestion], float]:
        started, multiline = time.perf_counter(), generation.multiline
        candidates = await draw(
            lambda r: self.flight.watched(uri, generation, self.backend.stream(r)),
            request,
            ended=block_ended(win.prefix, win.suffix) if multiline else None,
            first=generation.streamed,
            enough=enough,
            retry=request.n > 1 and enough is not wrote_code,
            until=generation.until,
        )
        suggestions = self._suggestions(win, candidates, language_id, multiline)
        # The line shown, or the model's own when nothing was left of it (it repeated the code below).
        line = suggestions[0].text if suggestions else candidates[0].text.split("\n", 1)[0] if candidates else ""
        misplaced = line.strip() and not past(generation.until)
        if misplaced and (indent := misplaced_line(language_id, win.prefix, win.suffix, line)) is not None:
            again = await self._reindented(uri, generation, request, win, language_id, indent, multiline)
            suggestions = again or suggestions
        elapsed = time.perf_counter() - started
        log.debug("completion: %d samples, %d shown, %.0f ms", len(candidates), len(suggestions), elapsed * 1000)
        if log.isEnabledFor(logging.DEBUG):
            for index, candidate in enumerate(candidates):
                log.debug("candidate %d: finish=%s raw=%s", index, candidate.finish, json.dumps(candidate.text))
        return suggestions, elapsed

    def _suggestions(
        self, win: Window, candidates: list[Candidate], language_id: str, multiline: bool
    ) -> list[Suggestion]:
        """The samples post-processed, without repeats, ranked best first."""
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
            self.config.completion.tuning.min_mean_logprob,
        )
        return [Suggestion(text, processed[text][0].replace_suffix, candidate.finish) for text, candidate in ranked]

    async def _reindented(
        self,
        uri: str,
        generation: Generation,
        request: GenerationRequest,
        win: Window,
        language_id: str,
        indent: str,
        multiline: bool,
    ) -> list[Suggestion]:
        """The line once more, its indentation given: the one the model chose does not compile where it goes.

        Asked at column 0 in front of code, the small model often indents a line for
        another block than the cursor's; given the indentation an editor's Enter
        would give, it writes a line for this one.
        """
        self.counts["reindented"] += 1
        moved = replace(win, prefix=win.prefix + indent)
        prompt, cold = self.prompt_for(moved, request.extra), self.cold_prompt(moved) if request.cold_prompt else ""
        again = replace(request, prefix=moved.prefix, prompt=prompt, n=1, cold_prompt=cold)
        candidates = await draw(
            lambda r: self.flight.watched(uri, generation, self.backend.stream(r)),
            again,
            ended=block_ended(moved.prefix, win.suffix) if multiline else None,
            retry=False,
            until=generation.until,
        )
        indented = [Candidate([indent, *c.parts], c.finish, c.logprob, c.tokens, c.scored_tokens) for c in candidates]
        log.debug("completion: the line did not compile at its indentation; asked again at %d", len(indent))
        return self._suggestions(win, indented, language_id, multiline)


def advance(suggestions: list[Suggestion], typed: str) -> list[Suggestion]:
    """The suggestions that start with what was typed, without it."""
    if not typed:
        return suggestions
    return [
        Suggestion(s.text[len(typed) :], s.replace_suffix, s.finish_reason)
        for s in suggestions
        if s.text.startswith(typed) and len(s.text) > len(typed)
    ]
