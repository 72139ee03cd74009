"""The one sampling pipeline: the samples of one request, read together, cut where their block ends.

Completions and *Implement function* draw samples the same way: one request with
``n`` (each backend knows how: several choices in one stream, several requests at
once, or one after another in-process), read until each sample stopped by itself,
left its block, or ran out of tokens. A reader that has enough stops early and
closes the stream. When every sample ran out of tokens, the answer is longer than
allowed: the whole draw is tried once more with twice the budget. A draw with a
deadline answers at the deadline with the samples finished by then.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field, replace

from ..backends.base import Delta, Finish, GenerationRequest
from .nextline import repeated_next_line
from .postprocess import trim_block

Stream = Callable[[GenerationRequest], AsyncGenerator[Delta, None]]


@dataclass
class Sample:
    """One sample of a draw as it streamed: its text, why it ended, how confident the model was."""

    parts: list[str] = field(default_factory=list)
    finish: str | None = None
    logprob: float = 0.0
    tokens: int = 0
    scored_tokens: int = 0

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def mean_logprob(self) -> float | None:
        return self.logprob / self.scored_tokens if self.scored_tokens else None

    def add(self, delta: Delta) -> None:
        self.parts.append(delta.text)
        if delta.logprob is not None:
            self.logprob += delta.logprob
            self.scored_tokens += max(delta.tokens, 1)


#: Whether the samples found so far are enough to stop a draw one after another.
Enough = Callable[[list[Sample]], bool]


async def read_samples(
    deltas: AsyncGenerator[Delta, None],
    n: int,
    ended: Callable[[str], bool] | None = None,
    first: list[str] | None = None,
    enough: Enough | None = None,
    until: float | None = None,
) -> list[Sample]:
    """Collect ``n`` choices; close the stream once each has finished or ``ended``, or there is ``enough``.

    ``ended`` says from a sample's text, once it holds a line break, that its block is over.
    ``first`` receives choice 0's text as it streams (for in-flight reuse).
    At ``until`` (event loop time) the stream is closed and the samples still open are
    left without a ``finish``.
    """
    samples = [Sample(parts=first if (i == 0 and first is not None) else []) for i in range(n)]
    open_choices = set(range(n))
    async with aclosing(deltas):
        try:
            async with asyncio.timeout_at(until):
                async for delta in deltas:
                    if delta.index not in open_choices:
                        continue
                    sample = samples[delta.index]
                    sample.add(delta)
                    if delta.finish_reason is not None:
                        sample.finish = delta.finish_reason
                    elif ended is not None and "\n" in sample.text and ended(sample.text):
                        # Asked at every piece once a line is complete: a line still arriving
                        # shows by its indentation that the block is over.
                        sample.finish = Finish.STOP
                    if sample.finish is not None:
                        open_choices.discard(delta.index)
                        if not open_choices or (enough is not None and enough(samples)):
                            break
        except TimeoutError:
            if until is None or asyncio.get_running_loop().time() < until:
                raise  # a timeout of the backend's own, not the deadline
    return samples


async def draw(
    stream: Stream,
    request: GenerationRequest,
    *,
    ended: Callable[[str], bool] | None = None,
    first: list[str] | None = None,
    enough: Enough | None = None,
    retry: bool = True,
    again: Callable[[], None] | None = None,
    until: float | None = None,
) -> list[Sample]:
    """``request.n`` samples; with ``retry``, if every one ran out of tokens, all again with twice
    ``max_tokens`` (``again`` is told first).

    At ``until`` (event loop time) the draw answers with the samples finished by then. If
    none has, and ``ended`` marks a multi-line draw, the first sample's complete lines are
    kept as a sample that ran out of tokens: lines the user may take, never half a line.
    """
    samples = await read_samples(stream(request), request.n, ended, first, enough, until)
    if retry and not past(until) and samples and all(s.finish == Finish.LENGTH for s in samples):
        if again is not None:
            again()
        request = replace(request, max_tokens=request.max_tokens * 2)
        samples = await read_samples(stream(request), request.n, ended, None, enough, until)
    if past(until):
        return finished_by_deadline(samples, multiline=ended is not None)
    return samples


def first_stopped(found: list[Sample]) -> bool:
    """An ``enough`` for samples drawn one after another: the first that stopped by itself
    with code, not a placeholder.

    The first is the greedy one; the others, at a higher temperature, are for when it
    ran out of tokens. Where it stopped, ranking three samples chose it on every stdlib
    hole and HumanEval line of bench/results/humaneval.md, for both embedded models,
    and the other two tripled the wait."""
    return any(c.finish == Finish.STOP and not placeholder(c.text) for c in found)


def wrote_code(found: list[Sample]) -> bool:
    """An ``enough`` for an automatic trigger's samples drawn one after another: the first
    that finished with code, not a placeholder. The user did not ask and the next keystroke
    may come, so the greedy sample is the answer wherever it wrote code, even unfinished;
    a second one is drawn only where the greedy sample wrote ``pass``, which nobody takes."""
    return any(c.finish is not None and not placeholder(c.text) for c in found)


#: Statements that stand for code not written yet.
_PLACEHOLDERS = ("pass", "...", "raise NotImplementedError", "raise NotImplementedError()")


#: How the comment lines of the languages start, for telling code from comments.
_COMMENTS = ("#", "//", "/*", "*")


def _code(text: str) -> list[str]:
    """The lines of ``text`` that are code, until it leaves the block (a line at column 0)."""
    lines = text.split("\n")
    body = lines[:1] + list(itertools.takewhile(lambda line: line[:1] in " \t", lines[1:]))  # "" is in it too
    return [line.strip() for line in body if line.strip() and not line.strip().startswith(_COMMENTS)]


def placeholder(text: str) -> bool:
    """Whether ``text`` writes no code: until it leaves the block (a line at column 0), only
    ``pass``, ``...`` or ``raise NotImplementedError``, and comments."""
    code = _code(text)
    return bool(code) and all(line in _PLACEHOLDERS for line in code)


def writes_code(text: str) -> bool:
    """Whether ``text`` holds a line of code that is not a placeholder: comments alone
    (``# Your code here``) may still lead to a placeholder."""
    return any(line not in _PLACEHOLDERS for line in _code(text))


def past(until: float | None) -> bool:
    """Whether the event loop's clock has reached ``until``."""
    return until is not None and asyncio.get_running_loop().time() >= until


def finished_by_deadline(samples: list[Sample], *, multiline: bool) -> list[Sample]:
    """The samples that finished; else the first one's whole lines, each with its line break, so
    that post-processing knows that no line of them is half written (multi-line only)."""
    finished = [s for s in samples if s.finish is not None]
    if finished or not multiline or not samples:
        return finished
    first = samples[0]
    text = first.text
    lines = text[: text.rfind("\n") + 1]
    if not lines.strip():
        return []
    return [Sample([lines], Finish.LENGTH, first.logprob, first.tokens, first.scored_tokens)]


def block_closed(prefix: str, language_id: str = "") -> Callable[[str], bool]:
    """An ``ended`` for completions: true once a completed line of the text left the cursor's block."""

    def ended(text: str) -> bool:
        complete = text[: text.rfind("\n")]
        return len(trim_block(prefix, complete, language_id)) < len(complete.rstrip("\n"))

    return ended


def block_ended(prefix: str, suffix: str, language_id: str = "") -> Callable[[str], bool]:
    """An ``ended`` for multi-line completions: the block closed, or a whole line repeats the code after the cursor."""
    closed = block_closed(prefix, language_id)

    def ended(text: str) -> bool:
        complete = text[: text.rfind("\n")].split("\n")
        return closed(text) or repeated_next_line(prefix, suffix, complete) is not None

    return ended
