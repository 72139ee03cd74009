"""What a completion's samples become: suggestions, post-processed, without repeats, ranked best first.

A suggestion is also what the next keystrokes type through: :func:`advance`
shortens it by what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from .postprocess import Completion, postprocess
from .ranking import rank
from .samples import Sample
from .syntax import Extent
from .window import Window


@dataclass(frozen=True)
class Suggestion:
    text: str
    #: Characters after the cursor that ``text`` replaces (auto-closed brackets).
    replace_suffix: int = 0
    finish_reason: str | None = None


@dataclass(frozen=True)
class Shaping:
    """How one request's samples are made into suggestions."""

    language_id: str
    extent: Extent
    #: The FIM template's stop tokens, cut wherever they occur.
    stop_tokens: tuple[str, ...]
    #: Samples below this mean log-probability are not shown (``None``: all are).
    floor: float | None = None


def suggestions(win: Window, samples: list[Sample], shaping: Shaping) -> list[Suggestion]:
    """The samples post-processed, without repeats, ranked best first."""
    processed: dict[str, tuple[Completion, Sample]] = {}
    for sample in samples:
        result = postprocess(
            win.prefix, win.suffix, sample.text, extent=shaping.extent, stop_tokens=shaping.stop_tokens
        )
        if result is not None and result.text not in processed:
            processed[result.text] = (result, sample)
    ranked = rank(
        [(text, sample) for text, (_, sample) in processed.items()],
        shaping.language_id,
        win.prefix,
        win.suffix,
        shaping.floor,
    )
    return [Suggestion(text, processed[text][0].replace_suffix, sample.finish) for text, sample in ranked]


def early_lines(win: Window, lines: str, stop_tokens: tuple[str, ...]) -> list[Suggestion]:
    """The whole lines a multi-line stream holds so far, post-processed as a block."""
    result = postprocess(win.prefix, win.suffix, lines, extent=Extent.BLOCK, stop_tokens=stop_tokens)
    return [] if result is None else [Suggestion(result.text, result.replace_suffix)]


def advance(found: list[Suggestion], typed: str) -> list[Suggestion]:
    """The suggestions that start with what was typed, without it."""
    if not typed:
        return found
    return [
        Suggestion(s.text[len(typed) :], s.replace_suffix, s.finish_reason)
        for s in found
        if s.text.startswith(typed) and len(s.text) > len(typed)
    ]
