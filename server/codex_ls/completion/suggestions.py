"""What a completion's samples become: suggestions, post-processed, without repeats, ranked best first.

Post-processing (``postprocess.py``) makes one :class:`Suggestion` of one sample's
text; here each keeps why its sample ended, for ranking and type-through. A
suggestion is also what the next keystrokes type through: :func:`advance` shortens
it by what was typed, and follows the closers an auto-closing editor inserted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..backends.base import Finish
from .autoclose import closes
from .cursor import cursor_at
from .postprocess import Suggestion as Suggestion
from .postprocess import postprocess
from .ranking import rank
from .reuse import Typing
from .runaway import cut_loop
from .samples import Sample, writes_code
from .syntax import Extent, misplaced_line
from .window import Window


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
    found: dict[str, tuple[Suggestion, Sample]] = {}
    for sample in samples:
        suggestion = postprocess(
            win.prefix,
            win.suffix,
            sample.text,
            extent=shaping.extent,
            stop_tokens=shaping.stop_tokens,
            language_id=shaping.language_id,
            cut_short=sample.finish == Finish.LENGTH,
        )
        if suggestion is not None and suggestion.text not in found:
            found[suggestion.text] = (suggestion, sample)
    ranked = rank(
        [(text, sample) for text, (_, sample) in found.items()],
        shaping.language_id,
        win.prefix,
        win.suffix,
        shaping.floor,
    )
    return [replace(found[text][0], finish_reason=sample.finish) for text, sample in ranked]


def early_lines(win: Window, lines: str, stop_tokens: tuple[str, ...], language_id: str = "") -> list[Suggestion]:
    """The whole lines a multi-line stream holds so far, post-processed as a block. The model
    has not stopped yet, so lines of one shape repeated up to the last one are a loop until
    the stream shows otherwise: they are not shown."""
    looping = cursor_at(win.prefix, win.suffix, extent=Extent.BLOCK, cut_short=True)
    lines = cut_loop(lines, looping)
    found = postprocess(
        win.prefix, win.suffix, lines, extent=Extent.BLOCK, stop_tokens=stop_tokens, language_id=language_id
    )
    return [] if found is None else [found]


@dataclass(frozen=True)
class Early:
    """What a request may take before the generation ends: the whole lines streamed past
    ``after``, as ``shape`` makes them into suggestions (none: it waits on)."""

    after: str
    shape: Callable[[str], list[Suggestion]]


def early(win: Window, typed: str, stop_tokens: tuple[str, ...], language_id: str = "") -> Early:
    """The lines a multi-line generation has completed past ``typed``, as suggestions at
    ``win``: none while they hold no code (comments, a placeholder), or a first line that
    the generator would ask for again at another indentation."""

    def shape(lines: str) -> list[Suggestion]:
        if not writes_code(lines):
            return []
        if not typed and misplaced_line(language_id, win.prefix, win.suffix, lines.split("\n", 1)[0]) is not None:
            return []
        return early_lines(win, lines, stop_tokens, language_id)

    return Early(typed, shape)


#: A line whose code ends with one of these goes on: a call's or a literal's arguments, a
#: member, the value of an assignment.
_OPEN_ENDS = tuple("([{,.=")


def ended_at(found: list[Suggestion], typed: str) -> bool:
    """Whether what was typed is the whole of the best suggestion, where the model stopped by
    itself: asked again at this point, it would answer with the same line break. A model
    that had nothing to say at its place (no suggestion, nothing typed) ended there too.

    Not where the line typed is left open (``Measurement(``): the model broke it to write
    the rest on the next lines, and the user, still on this one, waits for that rest here.
    """
    if not found:
        return not typed
    open_end = typed.rstrip(" \t").endswith(_OPEN_ENDS) and "\n" not in typed
    return found[0].text == typed and found[0].finish_reason == Finish.STOP and not open_end


def advance(found: list[Suggestion], typing: Typing) -> list[Suggestion]:
    """The suggestions that start with what was typed, without it.

    Each replaces what is after the cursor now and its rest types: the closers an
    auto-closing editor inserted, which it must type (else it is dropped), and what
    it replaced before, less what was typed over (which it must have replaced).
    """
    typed = typing.text
    if not typed:
        return found
    return [
        Suggestion(s.text[len(typed) :], s.replace_suffix - typing.over + len(typing.closed), s.finish_reason)
        for s in found
        if s.text.startswith(typed)
        and len(s.text) > len(typed)
        and typing.over <= s.replace_suffix
        and closes(s.text[len(typed) :], typing.closed)
    ]
