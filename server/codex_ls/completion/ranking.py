"""Ranking the samples of one completion.

Code beats a placeholder (``pass``); a sample that stopped by itself beats one
cut at ``max_tokens``; one that leaves the code with no more syntax errors than
before beats one that adds errors; then the model's own confidence (mean token
log-probability) decides.
Samples below the confidence floor are not shown at all.
"""

from __future__ import annotations

from collections.abc import Callable

from ..backends.base import Finish
from .samples import Sample, placeholder
from .syntax import error_count


def rank(
    texts: list[tuple[str, Sample]],
    language_id: str,
    prefix: str,
    suffix: str,
    floor: float | None = None,
    errors: Callable[[str, str], int | None] = error_count,
) -> list[tuple[str, Sample]]:
    """Order post-processed samples best first; drop duplicates and doubted ones."""
    base = errors(language_id, prefix + suffix) if len(texts) > 1 else None
    seen: set[str] = set()
    scored = []
    for text, sample in texts:
        mean = sample.mean_logprob
        if text in seen or (floor is not None and mean is not None and mean < floor):
            continue
        seen.add(text)
        new_errors = 0
        if base is not None:
            after = errors(language_id, prefix + text + suffix)
            new_errors = 0 if after is None else max(0, after - base)
        confidence = mean if mean is not None else -99.0
        scored.append(((placeholder(text), sample.finish != Finish.STOP, new_errors, -confidence), text, sample))
    scored.sort(key=lambda item: item[0])
    return [(text, sample) for _, text, sample in scored]
