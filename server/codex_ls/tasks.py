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
    """Await ``task``; if the caller is cancelled, cancel ``task`` once and re-raise.

    A plain ``await task`` would pass each of the caller's cancellations on to
    ``task``, however many there are.
    """
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        cancel_once(task)
        raise
