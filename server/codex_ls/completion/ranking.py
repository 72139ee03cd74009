"""Ranking the samples of one completion.

Code beats a placeholder (``pass``); a candidate that stopped by itself beats one
cut at ``max_tokens``; one that leaves the code with no more syntax errors than
before beats one that adds errors; then the model's own confidence (mean token
log-probability) decides.
Candidates below the confidence floor are not shown at all.
"""

from __future__ import annotations

from collections.abc import Callable

from .samples import Candidate, placeholder
from .syntax import error_count


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
        scored.append(((placeholder(text), candidate.finish != "stop", new_errors, -confidence), text, candidate))
    scored.sort(key=lambda item: item[0])
    return [(text, candidate) for _, text, candidate in scored]
