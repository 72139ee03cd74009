"""The fake backend in a process of its own, as a model server is.

In the benchmark's own process the fake backend's thread shares the GIL with the
client: a disconnect that comes while the client runs Python is seen only when
the client lets go (up to the 5 ms switch interval), which times the harness, not
the server. Here the fake runs in a child process; the parent asks it for its
records over a pipe. Times are ``time.monotonic()`` in both processes (Linux's
``CLOCK_MONOTONIC``, one clock for the machine), so they compare directly.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from tests.fakes.fake_backend import FakeBackend, RecordedRequest, Reply

#: How often a wait for a record's end asks the child.
POLL_SECONDS = 0.005


@dataclass(frozen=True)
class Record:
    """What the parent sees of a recorded request: its place in the list and its times."""

    index: int
    finished_at: float | None
    disconnected_at: float | None
    first_event_at: float | None


def _record(index: int, request: RecordedRequest) -> Record:
    return Record(index, request.finished_at, request.disconnected_at, request.first_event_at)


def _serve(conn: Connection, responder: Callable[[RecordedRequest], Reply]) -> None:
    with FakeBackend(keep_alive=True) as fake:
        fake.responder = responder
        conn.send(fake.openai_url)
        while True:
            try:
                command, *args = conn.recv()
            except EOFError:
                return
            if command == "records":
                first = args[0]
                conn.send([_record(i, r) for i, r in enumerate(list(fake.requests)[first:], start=first)])
            elif command == "active":
                conn.send(fake.active_streams)
            elif command == "set":
                setattr(responder, args[0], args[1])
                conn.send(None)
            elif command == "stop":
                conn.send(None)
                return


class FakeProcess:
    """A fake backend answering with ``responder`` (an object whose attributes ``set`` changes), in a child process."""

    def __init__(self, responder: Callable[[RecordedRequest], Reply]) -> None:
        self._responder = responder
        self._lock = threading.Lock()
        self.openai_url = ""

    def __enter__(self) -> FakeProcess:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, self._responder), daemon=True)
        self._process.start()
        child.close()
        self.openai_url = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(EOFError, OSError):
            self._ask("stop")
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
        self._conn.close()

    def _ask(self, *message: Any) -> Any:
        with self._lock:
            self._conn.send(message)
            return self._conn.recv()

    def set(self, name: str, value: Any) -> None:
        """Set an attribute of the child's responder."""
        self._ask("set", name, value)

    @property
    def requests(self) -> list[Record]:
        return list(self._ask("records", 0))

    @property
    def active_streams(self) -> int:
        return int(self._ask("active"))

    def finished(self, record: Record, timeout: float) -> Record:
        """``record`` as it is once its answer has ended, or after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            (now,) = self._ask("records", record.index)[:1] or (record,)
            if now.finished_at is not None or time.monotonic() > deadline:
                return now
            time.sleep(POLL_SECONDS)
