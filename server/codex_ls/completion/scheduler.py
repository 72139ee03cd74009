"""Per-document scheduling: the latest request wins.

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
    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[Any]] = {}

    def cancel(self, key: str) -> None:
        task = self._running.pop(key, None)
        if task is not None:
            cancel_once(task, SUPERSEDED)

    def cancel_all(self) -> None:
        for key in list(self._running):
            self.cancel(key)

    @property
    def running(self) -> int:
        return sum(not t.done() for t in self._running.values())

    async def run(self, key: str, work: Coroutine[Any, Any, T]) -> T | None:
        """Run ``work`` as the only job for ``key``; ``None`` if a newer job superseded it.

        If the caller itself is cancelled (``$/cancelRequest``), the work is
        cancelled with it and the cancellation propagates.
        """
        self.cancel(key)
        task = asyncio.ensure_future(work)
        self._running[key] = task
        try:
            return await join(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            return None
        finally:
            if self._running.get(key) is task:
                del self._running[key]
