"""Cancelling work that may hold a backend stream: at most once per task.

The first cancellation of a task reading a stream interrupts the read, and the
HTTP client closes the connection. It shields that close from anyio's
cancellation, not from asyncio's: a second ``Task.cancel()`` that lands while
the close is under way interrupts it, and the socket stays open, the backend
keeps generating, and the connection pool keeps the connection as busy.
A ``$/cancelRequest`` and a newer keystroke often cancel the same work within a
few loop turns, so every cancel of such work goes through here.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

T = TypeVar("T")


def cancel_once(task: asyncio.Task[Any], msg: str | None = None) -> None:
    """Cancel ``task`` unless it has ended or a cancellation is already on its way."""
    if not task.done() and not task.cancelling():
        task.cancel(msg)


async def join(task: asyncio.Task[T]) -> T:
    """Await ``task`` as ``await task`` would, except that cancelling the caller
    cancels ``task`` once, however many times the caller is cancelled."""
    return await _Joined(task)


class _Joined(asyncio.Future[T]):
    """Stands for ``task`` to the task awaiting it; its ``cancel`` is ``cancel_once``.

    A task passes each of its cancellations on to the future it awaits, at once;
    awaiting ``task`` itself would cancel it as many times. Like ``task``, this
    ends only when ``task`` ends, with its outcome.
    """

    def __init__(self, task: asyncio.Task[T]) -> None:
        super().__init__(loop=task.get_loop())
        self._task = task
        task.add_done_callback(self._settle)

    def cancel(self, msg: Any | None = None) -> bool:
        if self._task.done():
            return False
        cancel_once(self._task, msg)
        return True

    def _settle(self, task: asyncio.Task[T]) -> None:
        if self.done():
            return
        if task.cancelled():
            super().cancel()
        elif (exc := task.exception()) is not None:
            self.set_exception(exc)
        else:
            self.set_result(task.result())
