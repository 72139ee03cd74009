"""A metering relay: one user's HTTP/1.1 requests passed to an engine, and what the engine said of each.

Several language servers share one engine in bench/team.py; the engine's log does not
say whose request it served. Each user's server talks to its own relay instead, which
passes the bytes through unchanged and reads, in each answer, llama-server's account
of the request: ``timings.prompt_n`` (prompt tokens it evaluated), ``timings.cache_n``
(tokens it took from its cache), ``tokens_evaluated``.

One request per connection: the relay asks the engine to close after the answer and
tells the client so, and a client that leaves mid-answer closes the engine's side at
once (the engine sees the disconnect as it would without the relay). Where the engine
cannot be reached, the client's connection is closed before any answer: the client
sees a transport failure, as it would see a refused connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field

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

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> Relay:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: asyncio.StreamWriter | None = None
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
            head = await engine.readuntil(b"\r\n\r\n")
            exchange.status = int(head.split(b" ", 2)[1])
            writer.write(_close(head))
            while True:
                reading = asyncio.ensure_future(engine.read(65536))
                await asyncio.wait({reading, leaving}, return_when=asyncio.FIRST_COMPLETED)
                if leaving.done() and not reading.done():
                    reading.cancel()
                    exchange.client_left = True
                    return
                chunk = reading.result()
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


def _close(head: bytes) -> bytes:
    """``head`` with ``Connection: close`` instead of its own connection headers."""
    lines = _CONNECTION.sub(b"", head)
    return lines[:-2] + b"Connection: close\r\n\r\n"
