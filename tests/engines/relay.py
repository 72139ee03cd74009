"""A metering relay: one user's HTTP/1.1 requests passed to an engine, and what the engine said of each.

Several language servers share one engine in bench/team.py; the engine's log does not
say whose request it served. Each user's server talks to its own relay instead, which
passes the bytes through unchanged and reads, in each answer, llama-server's account
of the request: ``timings.prompt_n`` (prompt tokens it evaluated), ``timings.cache_n``
(tokens it took from its cache), ``tokens_evaluated``.

One request per connection: the relay asks the engine to close after the answer and
tells the client so, and a client that leaves before the answer ends, its head
included, closes the engine's side at once (the engine sees the disconnect as it would
without the relay: llama-server sends the head only after evaluating the prompt, and
a client that leaves before must stop that work too). Where the engine
cannot be reached, the client's connection is closed before any answer: the client
sees a transport failure, as it would see a refused connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

_LAST_BYTES = 8192
_NUMBER = {name: re.compile(rb'"%s":\s*(\d+)' % name.encode()) for name in ("prompt_n", "cache_n", "tokens_evaluated")}
_CONNECTION = re.compile(rb"^(connection|keep-alive):[^\r\n]*\r\n", re.IGNORECASE | re.MULTILINE)


@dataclass
class Exchange:
    """One request through the relay."""

    path: str
    started: float
    ended: float | None = None
    status: int | None = None
    #: When the engine's head arrived (llama-server sends it with the first token).
    head_at: float | None = None
    #: The client went away before the answer ended.
    client_left: bool = False
    #: The engine could not be reached.
    refused: bool = False
    prompt_n: int | None = None
    cache_n: int | None = None
    tokens_evaluated: int | None = None
    #: The request's body.
    body: bytes = b""


@dataclass
class Relay:
    upstream_port: int
    port: int = 0
    exchanges: list[Exchange] = field(default_factory=list)
    _server: asyncio.Server | None = None
    #: The connections being served (their task, their client side), ended by :meth:`stop`.
    _serving: dict[asyncio.Task[None], asyncio.StreamWriter] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> Relay:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        """Stop listening and end the connections still open (each closes its engine side)."""
        if self._server is not None:
            self._server.close()
        for client in self._serving.values():
            client.transport.abort()  # seen by the connection's reads as its client leaving
        if self._serving:
            await asyncio.wait(list(self._serving), timeout=5)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: asyncio.StreamWriter | None = None
        task = asyncio.current_task()
        assert task is not None
        self._serving[task] = writer
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"^content-length:\s*(\d+)", head, re.IGNORECASE | re.MULTILINE)
            body = await reader.readexactly(int(length[1])) if length else b""
            exchange = Exchange(head.split(b" ", 2)[1].decode(), time.monotonic(), body=body)
            self.exchanges.append(exchange)
            try:
                up_reader, upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            except OSError:
                exchange.refused, exchange.ended = True, time.monotonic()
                return
            upstream.write(_close(head) + body)
            await self._answer(exchange, reader, up_reader, writer)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            for side in (upstream, writer):
                if side is not None:
                    side.close()
            self._serving.pop(task, None)

    async def _answer(
        self,
        exchange: Exchange,
        client: asyncio.StreamReader,
        engine: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        """Pass the engine's answer to the client until it ends or the client leaves."""
        leaving = asyncio.ensure_future(client.read(1))  # b"" once the client closes its side
        tail = b""
        try:
            head = await _unless_left(leaving, engine.readuntil(b"\r\n\r\n"))
            if head is None:
                exchange.client_left = True
                return
            exchange.status, exchange.head_at = int(head.split(b" ", 2)[1]), time.monotonic()
            writer.write(_close(head))
            while True:
                chunk = await _unless_left(leaving, engine.read(65536))
                if chunk is None:
                    # A client that read the stream's last event may close before the engine does.
                    exchange.client_left = not _ended(tail)
                    return
                if not chunk:
                    return
                tail = (tail + chunk)[-_LAST_BYTES:]
                self._read_timings(exchange, tail)
                writer.write(chunk)
                await writer.drain()
        finally:
            leaving.cancel()
            exchange.ended = time.monotonic()

    @staticmethod
    def _read_timings(exchange: Exchange, tail: bytes) -> None:
        for name, pattern in _NUMBER.items():
            found = pattern.findall(tail)
            if found:
                setattr(exchange, name, int(found[-1]))


async def _unless_left(leaving: asyncio.Future[bytes], read: Coroutine[Any, Any, bytes]) -> bytes | None:
    """What ``read`` reads from the engine; ``None`` if the client left first."""
    reading = asyncio.ensure_future(read)
    await asyncio.wait({reading, leaving}, return_when=asyncio.FIRST_COMPLETED)
    if not reading.done():
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
        return None
    return reading.result()


def _ended(tail: bytes) -> bool:
    """Whether the answer passed on so far is whole: its last SSE event, or the chunked body's end."""
    return b"[DONE]" in tail or b'"stop":true' in tail.replace(b" ", b"") or tail.endswith(b"0\r\n\r\n")


def _close(head: bytes) -> bytes:
    """``head`` with ``Connection: close`` instead of its own connection headers."""
    lines = _CONNECTION.sub(b"", head)
    return lines[:-2] + b"Connection: close\r\n\r\n"
