"""Cancelling work that may hold a backend stream: at most once per task.

The first cancellation of a task reading a stream interrupts the read, and the
HTTP client closes the connection. It shields that close from anyio's
cancellation, not from asyncio's: a second ``Task.cancel()`` that lands while
the close is under way interrupts it, and the socket stays open, the backend
keeps generating, and the connection pool keeps the connection as busy.
A ``$/cancelRequest`` and a newer keystroke often cancel the same work within a
few loop turns, so every cancel of such work goes through here.

A cancellation reaches the socket only once the task runs again and its stream
has unwound (several loop turns, milliseconds on a busy machine); meanwhile the
backend goes on generating. Work that holds a connection registers a hang-up
(``hang_up_on_cancel``), which ``cancel_once`` calls at once, before it cancels.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)

#: What to do at once when a task is cancelled, per task: hang up its connections.
_HANG_UPS: weakref.WeakKeyDictionary[asyncio.Task[Any], list[Callable[[], None]]] = weakref.WeakKeyDictionary()


def cancel_once(task: asyncio.Task[Any], msg: str | None = None) -> None:
    """Cancel ``task`` unless it has ended or a cancellation is already on its way;
    its hang-ups run first."""
    if not task.done() and not task.cancelling():
        for hang_up in list(_HANG_UPS.get(task, ())):
            try:
                hang_up()
            except Exception as exc:  # a hang-up is an early close: the task's own close still follows
                log.debug("hang-up failed: %r", exc)
        task.cancel(msg)


@contextlib.contextmanager
def hang_up_on_cancel(hang_up: Callable[[], None]) -> Iterator[None]:
    """While the block runs, ``cancel_once`` of the current task calls ``hang_up`` before it cancels."""
    task = asyncio.current_task()
    if task is None:
        yield
        return
    hang_ups = _HANG_UPS.setdefault(task, [])
    hang_ups.append(hang_up)
    try:
        yield
    finally:
        hang_ups.remove(hang_up)
        if not hang_ups:
            _HANG_UPS.pop(task, None)


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
