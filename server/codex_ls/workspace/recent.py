"""The lines the user edited lately: a small ring of chunks, one per place edited, newest last.

Fed from ``didChange`` (``record``), read by the context (``snippets``) for the files
other than the one being completed. An edit near the last chunk of the same file moves
that chunk instead of adding another, so typing a paragraph takes one place, not fifty.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Chunk:
    path: str
    line: int
    text: str


class RecentEdits:
    def __init__(self, size: int = 16, radius: int = 5) -> None:
        self.radius = radius
        self._chunks: deque[Chunk] = deque(maxlen=size)

    def record(self, path: str, text: str, offset: int) -> None:
        """The document ``path`` (relative) was edited at ``offset`` of its new ``text``."""
        line = text.count("\n", 0, offset)
        start = offset
        for _ in range(self.radius + 1):
            start = text.rfind("\n", 0, start - 1) + 1 if start > 0 else 0
        end = offset
        for _ in range(self.radius + 1):
            found = text.find("\n", end)
            end = len(text) if found == -1 else found + 1
        chunk = Chunk(path, line, text[start:end].rstrip("\n"))
        near = [c for c in self._chunks if c.path == path and abs(c.line - line) <= self.radius]
        for old in near:
            self._chunks.remove(old)
        self._chunks.append(chunk)

    def forget(self, path: str) -> None:
        for old in [c for c in self._chunks if c.path == path]:
            self._chunks.remove(old)

    def snippets(self, exclude: str, limit: int = 3) -> list[tuple[str, str]]:
        """Up to ``limit`` chunks of files other than ``exclude``, the newest first."""
        found = [(c.path, c.text) for c in reversed(self._chunks) if c.path != exclude and c.text.strip()]
        return found[:limit]
