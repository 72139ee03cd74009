"""Context beyond the file: the snippets of other open documents most like the code at the cursor.

Each open document is cut into overlapping windows of lines; the window whose
identifiers overlap most (Jaccard) with the lines before the cursor is that
document's candidate, and the best few candidates go into the prompt. Windows
are tokenized once per document version, so a keystroke costs set comparisons,
not a re-read of every open file.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
WINDOW_LINES = 20
STEP_LINES = 10
#: Larger documents are skipped: their windows would cost more than they help.
MAX_DOCUMENT_CHARS = 400_000


@dataclass(frozen=True)
class Snippet:
    path: str
    text: str
    score: float


def words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


class NeighbourIndex:
    """Tokenized line windows of open documents, cached by (uri, version)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._windows: OrderedDict[tuple[str, int | None], list[tuple[str, frozenset[str]]]] = OrderedDict()

    def windows(self, uri: str, version: int | None, text: str) -> list[tuple[str, frozenset[str]]]:
        key = (uri, version)
        cached = self._windows.get(key)
        if cached is None:
            lines = text.splitlines(keepends=True)
            starts = range(0, max(len(lines) - WINDOW_LINES, 0) + 1, STEP_LINES)
            texts = ["".join(lines[s : s + WINDOW_LINES]) for s in starts]
            cached = [(text, words(text)) for text in texts]
            self._windows[key] = cached
            while len(self._windows) > self.size:
                self._windows.popitem(last=False)
        self._windows.move_to_end(key)
        return cached

    def best(
        self,
        query: str,
        documents: Iterable[tuple[str, str, int | None, str]],
        *,
        limit: int = 3,
        min_score: float = 0.05,
        budget_chars: int = 2000,
    ) -> list[Snippet]:
        """Up to ``limit`` snippets from ``(uri, path, version, text)`` documents, best first."""
        wanted = words(query)
        found: list[Snippet] = []
        for uri, path, version, text in documents:
            if len(text) > MAX_DOCUMENT_CHARS:
                continue
            scored = [(jaccard(wanted, bag), window) for window, bag in self.windows(uri, version, text)]
            if scored:
                score, window = max(scored, key=lambda item: item[0])
                if score >= min_score:
                    found.append(Snippet(path, window, score))
        found.sort(key=lambda s: -s.score)
        chosen: list[Snippet] = []
        used = 0
        for snippet in found[:limit]:
            if used + len(snippet.text) > budget_chars:
                break
            chosen.append(snippet)
            used += len(snippet.text)
        return chosen
