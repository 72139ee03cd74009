"""Where a request asks and what the model is asked there: laid out plainly, or for a backend with a prompt cache.

:meth:`Prompting.place` cuts a request's place once: the window, one line or a
block, the anchor of its cursor, and the whole request the model gets there (the
prompt, stop sequences, the number of samples and when they are enough, which model
of a cascade). Nothing after it asks for a prompt again, but a line asked once more
at another indentation (:meth:`Prompting.again`).

Chosen once, when the engine is made for a backend (:func:`prompting_for`):

* :class:`Prompting`, for every backend without a prompt cache of its own: the
  window shares a budget around the cursor, the prompt is the FIM template's;
* :class:`CachedPrompting`, for a backend with a KV cache (``Backend.cache_layout``):
  the window's head stays put while the user types, the cursor line's typed part goes
  after the middle marker, a keystroke carries a cold prompt of the cursor's
  surroundings alone, and a cursor at rest is worth evaluating ahead (warm prompts).
"""

from __future__ import annotations

from dataclasses import replace

from ..backends.base import Backend, CacheLayout, GenerationRequest
from ..config import CompletionConfig
from .fim import Files, FimTemplate
from .request import CompletionContext, Place
from .reuse import Anchor
from .samples import Enough, first_stopped, wrote_code
from .syntax import Extent, before_code, decide_extent, empty_body
from .window import Window, cached_window, cold_window, split_typed, window


class Prompting:
    """The window and the prompt for a backend that evaluates each prompt afresh."""

    #: Whether evaluating prompts ahead of a keystroke pays (a prompt cache keeps them).
    warms = False

    def __init__(self, config: CompletionConfig, template: FimTemplate, backend: Backend) -> None:
        self.config = config
        self.template = template
        #: Read at each request: how many samples it draws at once may change (an engine refused ``n``).
        self.backend = backend

    def place(self, ctx: CompletionContext) -> Place:
        """Where ``ctx`` asks, and the request the model would get there."""
        win = self.window(ctx.text, ctx.offset)
        extent = decide_extent(ctx.language_id, win.prefix, win.suffix)
        if ctx.manual and extent is Extent.LINE and before_code(win.prefix, win.suffix):
            # Lines to insert above code: asked for, the model may write as many as it
            # needs, ended where it repeats the code below or leaves the block.
            extent = Extent.BLOCK
        samples, enough = self.plan(extent, ctx.manual)
        request = self.request(
            win,
            extent,
            samples=samples,
            files=(*ctx.neighbours, *ctx.repository),
            large=wants_large(ctx.manual, win, extent),
            typing=extent is Extent.LINE and not ctx.manual,
        )
        anchor = Anchor.of(win.prefix, win.suffix, ctx.offset)
        reuse = self.config.tuning.reuse and not ctx.manual
        return Place(ctx, win, anchor, extent, reuse, request, self.template.stop, enough)

    def plan(self, extent: Extent, manual: bool) -> tuple[int, Enough | None]:
        """How many samples a completion draws, and when a draw one after another has enough.

        Several samples where they pay: multi-line insertion and manual triggers; a single line
        never. Where samples come one after another, typing does not wait for them: an automatic
        multi-line trigger draws a second only after a placeholder (``samples.wrote_code``), a manual
        one stops at the first that stopped with code (``samples.first_stopped``). Samples drawn
        together are all read."""
        if extent is Extent.LINE and not manual:
            return 1, None
        backend = self.backend
        most = 2 if backend.samples_in_sequence and not manual else self.config.tuning.samples
        n = max(1, min(most, backend.max_samples))
        if not backend.samples_in_sequence:
            return n, None
        return n, first_stopped if manual else wrote_code

    @property
    def budget(self) -> int:
        """The window's characters."""
        return int(self.config.context_tokens * self.config.tuning.chars_per_token)

    def window(self, text: str, offset: int) -> Window:
        return window(text, offset, self.budget, self.config.tuning.prefix_ratio)

    def prompt(self, win: Window, files: Files = ()) -> str:
        """The FIM prompt."""
        return self.template.render(win.prefix, win.suffix, files)

    def warm_prompts(self, text: str, files: Files = (), offset: int | None = None) -> tuple[str, ...]:
        """What to evaluate before the next keystroke: nothing, without a prompt cache."""
        return ()

    def request(
        self, win: Window, extent: Extent, *, samples: int = 1, files: Files = (), large: bool = False, typing: bool
    ) -> GenerationRequest:
        """The request at ``win``; ``typing``: an automatic single-line request."""
        c = self.config
        stop = self.template.stop if extent is Extent.BLOCK else ("\n", *self.template.stop)
        return GenerationRequest(
            prefix=win.prefix,
            suffix=win.suffix,
            prompt=self.prompt(win, files),
            extra=files,
            stop=stop,
            max_tokens=c.multiline_max_tokens if extent is Extent.BLOCK else c.max_tokens,
            temperature=c.tuning.sample_temperature if samples > 1 else c.tuning.temperature,
            n=samples,
            logprobs=samples > 1 or c.tuning.min_mean_logprob is not None,
            large=large,
        )

    def again(self, request: GenerationRequest, moved: Window) -> GenerationRequest:
        """``request`` once more, one sample, at the window ``moved`` (its prefix changed)."""
        return replace(request, prefix=moved.prefix, prompt=self.prompt(moved, request.extra), n=1)


class CachedPrompting(Prompting):
    """The window and the prompt for a backend that keeps its evaluated prompt (a KV cache)."""

    warms = True

    def __init__(self, config: CompletionConfig, template: FimTemplate, backend: Backend, layout: CacheLayout) -> None:
        super().__init__(config, template, backend)
        self.layout = layout

    def window(self, text: str, offset: int) -> Window:
        c = self.config
        return cached_window(text, offset, self.budget, c.tuning.prefix_ratio, self.layout.suffix_chars)

    def prompt(self, win: Window, files: Files = ()) -> str:
        """The FIM prompt with the cursor line's typed part last, after the middle marker, so
        the cached head and suffix serve every keystroke on the line."""
        if not self.layout.typed_last:
            return super().prompt(win, files)
        head, typed = split_typed(win.prefix)
        return self.template.render(head, win.suffix, files) + typed

    def cold_prompt(self, win: Window) -> str:
        """The prompt of the cursor's surroundings alone (``model.tuning.coldTokens``, no snippets),
        to answer from where the model has not been; ``""``: none."""
        c = self.config
        if not self.layout.cold_tokens:
            return ""
        cold = cold_window(win, int(self.layout.cold_tokens * c.tuning.chars_per_token), c.tuning.prefix_ratio)
        return self.prompt(cold) if cold is not None else ""

    def warm_prompts(self, text: str, files: Files = (), offset: int | None = None) -> tuple[str, ...]:
        """At ``offset`` (the cursor rests) its cold prompt, then the whole one; else how the
        prompt at any cursor in the first window of ``text`` starts (the lines above the cursor)."""
        if offset is not None:
            win = self.window(text, offset)
            return tuple(filter(None, (self.cold_prompt(win), self.prompt(win, files))))
        c = self.config
        head = text[: text.rfind("\n", 0, int(c.context_tokens * c.tuning.chars_per_token * c.tuning.prefix_ratio)) + 1]
        return tuple(filter(None, (self.template.head(head, files),)))

    def request(
        self, win: Window, extent: Extent, *, samples: int = 1, files: Files = (), large: bool = False, typing: bool
    ) -> GenerationRequest:
        plain = super().request(win, extent, samples=samples, files=files, large=large, typing=typing)
        return replace(plain, cold_prompt=self.cold_prompt(win)) if typing else plain

    def again(self, request: GenerationRequest, moved: Window) -> GenerationRequest:
        cold = self.cold_prompt(moved) if request.cold_prompt else ""
        return replace(super().again(request, moved), cold_prompt=cold)


def wants_large(manual: bool, win: Window, extent: Extent) -> bool:
    """Where the larger model of a cascade answers: the user asked and waits, or a whole
    body is to be written. Typing elsewhere stays on the small model."""
    return manual or (extent is Extent.BLOCK and empty_body(win.prefix, win.suffix))


def prompting_for(backend: Backend, config: CompletionConfig, template: FimTemplate) -> Prompting:
    """The prompting ``backend`` needs: laid out for its KV cache where it keeps one."""
    layout = backend.cache_layout
    if layout is None:
        return Prompting(config, template, backend)
    return CachedPrompting(config, template, backend, layout)
