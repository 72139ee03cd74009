"""Several samples of one completion, read together and ranked.

A candidate that stopped by itself beats one cut at ``max_tokens``; one that
leaves the code with no more syntax errors than before beats one that adds
errors; then the model's own confidence (mean token log-probability) decides.
Candidates below the confidence floor are not shown at all.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field

from ..backends.base import Delta
from .postprocess import trim_block
from .syntax import error_count


@dataclass
class Candidate:
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


async def read_candidates(
    deltas: AsyncGenerator[Delta, None],
    n: int,
    prefix: str,
    multiline: bool,
    first: list[str] | None = None,
) -> list[Candidate]:
    """Collect ``n`` choices; close the stream once each has finished or left the block.

    ``first`` receives choice 0's text as it streams (for in-flight reuse).
    """
    candidates = [Candidate(parts=first if (i == 0 and first is not None) else []) for i in range(n)]
    open_choices = set(range(n))
    async with aclosing(deltas):
        async for delta in deltas:
            if delta.index not in open_choices:
                continue
            candidate = candidates[delta.index]
            candidate.add(delta)
            if delta.finish_reason is not None:
                candidate.finish = delta.finish_reason
            elif multiline and "\n" in delta.text and block_closed(prefix, candidate.text):
                candidate.finish = "stop"
            if candidate.finish is not None:
                open_choices.discard(delta.index)
                if not open_choices:
                    break
    return candidates


def block_closed(prefix: str, text: str) -> bool:
    """True when a completed line of ``text`` already left the cursor's block."""
    complete = text[: text.rfind("\n")]
    return len(trim_block(prefix, complete)) < len(complete.rstrip("\n"))


def rank(
    texts: list[tuple[str, Candidate]],
    language_id: str,
    prefix: str,
    suffix: str,
    floor: float | None = None,
    errors: Callable[[str, str], int | None] = error_count,
) -> list[tuple[str, Candidate]]:
    """Order post-processed candidates best first; drop duplicates and doubted ones."""
    base = errors(language_id, prefix + suffix) if len(texts) > 1 else None
    seen: set[str] = set()
    scored = []
    for text, candidate in texts:
        mean = candidate.mean_logprob
        if text in seen or (floor is not None and mean is not None and mean < floor):
            continue
        seen.add(text)
        new_errors = 0
        if base is not None:
            after = errors(language_id, prefix + text + suffix)
            new_errors = 0 if after is None else max(0, after - base)
        confidence = mean if mean is not None else -99.0
        scored.append(((candidate.finish != "stop", new_errors, -confidence), text, candidate))
    scored.sort(key=lambda item: item[0])
    return [(text, candidate) for _, text, candidate in scored]
