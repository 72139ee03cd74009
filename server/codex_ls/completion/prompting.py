"""How the prompt is laid out for one backend: plainly, or for a backend that keeps its evaluated prompt.

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
from .syntax import Extent
from .window import Window, cached_window, cold_window, split_typed, window


class Prompting:
    """The window and the prompt for a backend that evaluates each prompt afresh."""

    #: Whether evaluating prompts ahead of a keystroke pays (a prompt cache keeps them).
    warms = False

    def __init__(self, config: CompletionConfig, template: FimTemplate) -> None:
        self.config = config
        self.template = template

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

    def __init__(self, config: CompletionConfig, template: FimTemplate, layout: CacheLayout) -> None:
        super().__init__(config, template)
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


def prompting_for(backend: Backend, config: CompletionConfig, template: FimTemplate) -> Prompting:
    """The prompting ``backend`` needs: laid out for its KV cache where it keeps one."""
    layout = backend.cache_layout
    return Prompting(config, template) if layout is None else CachedPrompting(config, template, layout)
