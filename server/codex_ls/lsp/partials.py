"""Partial results: the text of an answer sent to the client while the model writes it.

A request whose params carry ``partialResultToken`` (``codex/explain``,
``codex/translate``) gets ``$/progress {token, value}`` notifications before
its response; each value holds the next piece of the text, and the pieces join
into the text of the response. The first piece goes out at once; later ones are gathered and sent at
most every :data:`INTERVAL` seconds (or once :data:`MOST_CHARS` are waiting), so
a fast model does not flood the editor. What is still waiting when the answer is
complete goes out just before the response; when the work fails or is cancelled,
it is dropped, and nothing more is sent.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Seconds between two partial results.
INTERVAL = 0.1
#: Characters waiting that are sent without waiting for the interval.
MOST_CHARS = 4096


class PartialText:
    """Pieces of text for ``send``, gathered so that it is called at most every ``interval`` seconds."""

    def __init__(self, send: Callable[[str], None], *, interval: float = INTERVAL, most: int = MOST_CHARS) -> None:
        self._send = send
        self._interval = interval
        self._most = most
        self._loop = asyncio.get_running_loop()
        self._pending: list[str] = []
        self._size = 0
        self._last = -math.inf
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False

    def write(self, piece: str) -> None:
        if self._closed or not piece:
            return
        self._pending.append(piece)
        self._size += len(piece)
        wait = self._last + self._interval - self._loop.time()
        if wait <= 0 or self._size >= self._most:
            self.flush()
        elif self._timer is None:
            self._timer = self._loop.call_later(wait, self.flush)

    def flush(self) -> None:
        """Send what is waiting now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._closed or not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        self._size = 0
        self._last = self._loop.time()
        self._send(text)

    def close(self) -> None:
        """Drop what is waiting; nothing is sent after this."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pending.clear()
        self._closed = True


@contextmanager
def partial_text(send: Callable[[str], None] | None) -> Iterator[Callable[[str], None]]:
    """A writer of partial results for the block: flushed if the block completes, closed in any case.

    Without ``send`` (the client asked for no partial results) the writer does nothing.
    """
    if send is None:
        yield lambda _: None
        return
    text = PartialText(send)
    try:
        yield text.write
        text.flush()
    finally:
        text.close()
