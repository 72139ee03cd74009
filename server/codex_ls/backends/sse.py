"""Incremental decoders for streamed bodies: Server-Sent Events and NDJSON.

Bytes arrive in arbitrary pieces: an event, a line, a ``\\r\\n`` pair or a UTF-8
character may be split across two of them. The decoders keep what is incomplete
until the next piece arrives.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from ..errors import BackendError, StreamProtocolError
from .base import Delta

#: Turns one event (or NDJSON line) into deltas; ``None`` means the stream is done.
Parser = Callable[["ServerSentEvent"], "list[Delta] | None"]
LineParser = Callable[[str], "list[Delta] | None"]


@dataclass(frozen=True)
class ServerSentEvent:
    data: str
    event: str = "message"


def json_event(data: str, server: str = "the backend") -> dict[str, Any]:
    """One event's JSON object; a malformed event or an error object raises."""
    try:
        value = json.loads(data)
    except ValueError:
        raise StreamProtocolError(f"malformed event in the stream: {data[:80]!r}") from None
    if not isinstance(value, dict):
        raise StreamProtocolError(f"unexpected event in the stream: {data[:80]!r}")
    if "error" in value:
        error = value["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise BackendError(f"{server} reported an error mid-stream: {message}")
    return value


class _LineSplitter:
    """Bytes in, complete lines out (``\\n``, ``\\r\\n`` and ``\\r`` all end a line)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""

    def feed(self, chunk: bytes, *, final: bool = False) -> list[str]:
        self._buffer += self._decoder.decode(chunk, final=final)
        lines: list[str] = []
        start = 0
        while True:
            cr = self._buffer.find("\r", start)
            lf = self._buffer.find("\n", start)
            ends = [i for i in (cr, lf) if i >= 0]
            if not ends:
                break
            end = min(ends)
            if end == cr and end + 1 == len(self._buffer) and not final:
                break  # a "\r" whose "\n" may be in the next chunk
            lines.append(self._buffer[start:end])
            start = end + (2 if self._buffer.startswith("\r\n", end) else 1)
        self._buffer = self._buffer[start:]
        if final and self._buffer:
            lines.append(self._buffer)
            self._buffer = ""
        return lines


class SSEDecoder:
    """Decodes a ``text/event-stream`` body into events, per the WHATWG rules we need."""

    def __init__(self) -> None:
        self._lines = _LineSplitter()
        self._data: list[str] = []
        self._event = ""

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        return self._consume(self._lines.feed(chunk))

    def close(self) -> list[ServerSentEvent]:
        """Flush at end of body; an event without its blank line is still delivered."""
        events = self._consume(self._lines.feed(b"", final=True))
        return events + self._consume([""]) if self._data else events

    def _consume(self, lines: list[str]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        for line in lines:
            if not line:
                if self._data:
                    events.append(ServerSentEvent("\n".join(self._data), self._event or "message"))
                self._data, self._event = [], ""
                continue
            if line.startswith(":"):
                continue  # a comment, used as keep-alive
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                self._data.append(value)
            elif name == "event":
                self._event = value
        return events


class NDJSONDecoder:
    """Decodes newline-delimited JSON (Ollama) into raw lines, skipping blank ones."""

    def __init__(self) -> None:
        self._lines = _LineSplitter()

    def feed(self, chunk: bytes) -> list[str]:
        return [line for line in self._lines.feed(chunk) if line.strip()]

    def close(self) -> list[str]:
        return [line for line in self._lines.feed(b"", final=True) if line.strip()]


async def _decode(
    chunks: AsyncGenerator[bytes, None], decoder: SSEDecoder | NDJSONDecoder, parse: Callable[[Any], list[Delta] | None]
) -> AsyncGenerator[Delta, None]:
    async with aclosing(chunks):
        async for chunk in chunks:
            for item in decoder.feed(chunk):
                if (deltas := parse(item)) is None:
                    return
                for delta in deltas:
                    yield delta
        for item in decoder.close():
            if (deltas := parse(item)) is None:
                return
            for delta in deltas:
                yield delta


def decode_sse(chunks: AsyncGenerator[bytes, None], parse: Parser) -> AsyncGenerator[Delta, None]:
    """Deltas from an SSE body; closing the result closes ``chunks``."""
    return _decode(chunks, SSEDecoder(), parse)


def decode_ndjson(chunks: AsyncGenerator[bytes, None], parse: LineParser) -> AsyncGenerator[Delta, None]:
    """Deltas from a newline-delimited JSON body; closing the result closes ``chunks``."""
    return _decode(chunks, NDJSONDecoder(), parse)
