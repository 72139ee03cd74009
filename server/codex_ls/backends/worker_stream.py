"""A blocking generation run on a worker thread and read as an async stream that hangs up on cancel.

llama.cpp cannot be interrupted mid-call, and it must never run on the event loop.
So the work runs on a worker thread, handed two things: ``emit``, which delivers
an item to the reader, and ``stopped``, the stop flag it looks at between prompt
batches and between tokens. The reader gets the items in order, and the work's
failure as a :class:`~codex_ls.errors.BackendError`.

The flag is set the moment the reader's task is cancelled (``tasks.cancel_once``
calls the hang-up before the reader has unwound), and again when the reader
stops reading for any reason (``aclose``). The worker then lets go of the model
within one token or one prompt batch. The reader does not wait for that: its
cancellation stays immediate, and the model's queue of turns (``turns.py``)
keeps the next generation off the model until the worker has let go.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Callable
from typing import TypeVar

from ..errors import BackendError
from ..tasks import hang_up_on_cancel

T = TypeVar("T")
R = TypeVar("R")

#: The blocking work: it sends items through ``emit`` and stops soon after ``stopped()`` turns true.
Work = Callable[[Callable[[T], None], Callable[[], bool]], R]


async def worker_stream(work: Work[T, R], ended: Callable[[R], None] = lambda _: None) -> AsyncGenerator[T, None]:
    """The items ``work`` emits on a worker thread; ``ended`` gets its result, on the event
    loop, once the worker is done (unless it failed: the reader has the failure then)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[T | _Failed | _End] = asyncio.Queue()
    stop = threading.Event()

    def put(item: T | _Failed | _End) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody will read, so stop
            stop.set()

    def run() -> R | _Failed:
        try:
            return work(put, stop.is_set)
        except BaseException as exc:
            put(failed := _Failed(exc))
            return failed
        finally:
            put(_End())

    def done(future: asyncio.Future[R | _Failed]) -> None:
        if not future.cancelled() and not isinstance(result := future.result(), _Failed):
            ended(result)

    worker = loop.run_in_executor(None, run)
    try:
        with hang_up_on_cancel(stop.set):
            while not isinstance(item := await queue.get(), _End):
                if isinstance(item, _Failed):
                    if isinstance(item.exc, BackendError):
                        raise item.exc
                    raise BackendError(f"the local model failed: {item.exc!r}") from item.exc
                yield item
    finally:
        stop.set()
        worker.add_done_callback(done)


class _Failed:
    """The work's failure, sent to the reader in place of an item."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _End:
    """The worker is done: nothing follows."""
