"""One document's scheduling: the latest request wins.

A newer completion request for a document cancels the older one's work; the
cancellation reaches the backend stream, which closes its connection. The
superseded request still gets an answer (an empty one), so clients never wait on
a request nobody is working on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from ..tasks import cancel_once, join

T = TypeVar("T")

#: The cancellation message of a superseded request.
SUPERSEDED = "superseded"


class LatestWins:
    """The one job of a document: a new one supersedes it."""

    def __init__(self) -> None:
        self._running: asyncio.Task[Any] | None = None

    def cancel(self) -> None:
        task, self._running = self._running, None
        if task is not None:
            cancel_once(task, SUPERSEDED)

    async def run(self, work: Coroutine[Any, Any, T]) -> T | None:
        """Run ``work`` as the only job; ``None`` if a newer job superseded it.

        If the caller itself is cancelled (``$/cancelRequest``), the work is
        cancelled with it and the cancellation propagates.
        """
        self.cancel()
        task = asyncio.ensure_future(work)
        self._running = task
        try:
            return await join(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            return None
        finally:
            if self._running is task:
                self._running = None
