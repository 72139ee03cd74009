"""A scripted model server on 127.0.0.1 for unit tests, end-to-end tests and benchmarks.

``FakeBackend`` is a real HTTP/1.1 server (``asyncio.start_server`` on its own event
loop in a daemon thread), so the language server under test talks to it over a real
socket, whether it runs in-process on a pytest-asyncio loop or as a subprocess.

Each request consumes one scripted :class:`Reply` (FIFO queue, then ``responder``,
then ``default``) and is answered in the wire format its path selects:

* ``POST /v1/completions``: OpenAI completions SSE (``n`` choices interleaved);
* ``POST /v1/chat/completions``: OpenAI chat SSE;
* ``POST /infill`` and ``POST /completion``: llama.cpp server SSE;
* ``POST /api/generate``: Ollama NDJSON;
* ``GET /v1/models``: the model list, or a queued reply if its status is not 200
  (a queued 200 reply is left for the next generation request);
* anything else: 404, without consuming the queue.

Streams use chunked transfer encoding and ``Connection: close``; with
``keep_alive`` the server says ``keep-alive`` and reads the next request from the
same connection after an answer that ended normally, as real model servers do.
Every request is recorded as soon as its body is read; while it is answered the
server watches the socket, so a client that goes away early is recorded with
``disconnected_at``. With ``tls`` (a server-side ``ssl.SSLContext``) the same server
speaks HTTPS.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

MALFORMED_SSE = b"data: {not json\n\n"
MALFORMED_NDJSON = b"{not json\n"
DEFAULT_MODEL = "fake-model"
#: The longest a held stream waits for its test.
HOLD_CAP = 30.0


@dataclass
class Reply:
    """One scripted answer.

    ``choices``/``choice_finish`` give per-choice text and finish reasons for
    ``/v1/completions`` and chat (their length sets the number of choices, whatever
    the request's ``n``). Event indices for ``disconnect_after`` and ``malformed_at``
    count every event written, ``[DONE]`` and Ollama's lines included. For non-stream
    replies (errors, ``raw_body``), ``first_delay`` is the wait before the whole answer.
    ``content_type`` also overrides a stream's ``Content-Type``. With ``drip``,
    ``chunk_delay`` is ignored. ``cut_in_event`` sends that many whole events, then
    half of the next one, and drops the connection. ``finish_reason=None`` drops the final finish event in
    every format (no ``stop: true`` for llama.cpp, no ``done: true`` for Ollama). With ``hold``, a stream
    writes its first ``hold_after`` events, then waits until the event is set (30 s at most) before the rest,
    so that a test sees what a client shows while the model is still writing.
    """

    chunks: list[str] = field(default_factory=lambda: ["Hello"])
    finish_reason: str | None = "stop"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    error_body: dict[str, Any] | None = None
    first_delay: float = 0.0
    chunk_delay: float = 0.0
    disconnect_after: int | None = None
    malformed_at: int | None = None
    hang: bool = False
    hang_after_headers: bool = False
    raw_body: bytes | None = None
    content_type: str | None = None
    logprobs: list[float] | None = None
    drip: float | None = None
    choices: list[list[str]] | None = None
    choice_finish: list[str | None] | None = None
    cut_in_event: int | None = None
    hold: threading.Event | None = None
    hold_after: int = 1


@dataclass
class RecordedRequest:
    """A request as the server saw it.

    ``completed`` means the server carried its script to the end without the client
    leaving first; a ``disconnect_after`` reply that was cut as scripted counts as
    completed, with ``disconnected_at`` left ``None``.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    received_at: float
    disconnected_at: float | None = None
    completed: bool = False
    #: When the server stopped answering (completed or not), for serve-time figures.
    finished_at: float | None = None
    #: When the first event of a streamed answer was written.
    first_event_at: float | None = None


# Route names: which wire format a (method, path) pair speaks.
_ROUTES = {
    ("POST", "/v1/completions"): "completions",
    ("POST", "/v1/chat/completions"): "chat",
    ("POST", "/infill"): "llama",
    ("POST", "/completion"): "llama",
    ("POST", "/api/generate"): "ollama",
    ("GET", "/v1/models"): "models",
}

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    503: "unavailable_error",
}

_LLAMA_STOP_TYPES = {"stop": "eos", "length": "limit"}


class FakeBackend:
    """The scripted server; see the module docstring for the routes."""

    def __init__(self, tls: ssl.SSLContext | None = None, keep_alive: bool = False) -> None:
        self._tls = tls
        self.keep_alive = keep_alive
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: deque[Reply] = deque()
        self.default = Reply()
        self.responder: Callable[[RecordedRequest], Reply] | None = None
        self.requests: list[RecordedRequest] = []
        self.models: list[str] = [DEFAULT_MODEL]
        self._active = 0
        self._peak = 0
        #: Connections accepted since start or ``reset()``.
        self.connections = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._port = 0
        self._closing = False
        self._stopped = False
        self._tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle (called from any thread) -------------------------------------------

    def start(self) -> FakeBackend:
        if self._loop is not None:
            raise RuntimeError("FakeBackend.start() was already called")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name="fake-backend", daemon=True)
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._open(), self._loop)
        self._port = future.result(timeout=5)
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or self._stopped:
            return
        self._stopped = True
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=5)
        except TimeoutError:
            pass  # the loop is stopped below regardless; a stuck test must not hang too
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            if not thread.is_alive():
                loop.close()

    def __enter__(self) -> FakeBackend:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if not self._port:
            raise RuntimeError("FakeBackend is not started")
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self._port}"

    @property
    def openai_url(self) -> str:
        return self.url + "/v1"

    # -- scripting and inspection (called from any thread) ----------------------------

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.responder = None
            self.default = Reply()
            self.models = [DEFAULT_MODEL]
            self._peak = self._active
            self.connections = 0

    @property
    def active_streams(self) -> int:
        """Responses being answered right now (hung ones included)."""
        with self._lock:
            return self._active

    @property
    def peak_streams(self) -> int:
        """The most responses answered at once since start or ``reset()``."""
        with self._lock:
            return self._peak

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """The first ``n`` requests, once they have arrived."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.requests) >= n, timeout):
                raise TimeoutError(f"{len(self.requests)} of {n} requests arrived in {timeout}s")
            return self.requests[:n]

    def wait_for_disconnect(self, index: int = -1, timeout: float = 5.0) -> RecordedRequest:
        def disconnected() -> bool:
            try:
                return self.requests[index].disconnected_at is not None
            except IndexError:
                return False

        with self._changed:
            if not self._changed.wait_for(disconnected, timeout):
                raise TimeoutError(f"request {index} was not disconnected within {timeout}s")
            return self.requests[index]

    def wait_until_finished(self, record: RecordedRequest, timeout: float = 5.0) -> bool:
        """Whether the answer to ``record`` ended (completed or cut) within ``timeout``."""
        with self._changed:
            return self._changed.wait_for(lambda: record.finished_at is not None, timeout)

    # -- the server (runs on the backend's own loop) ----------------------------------

    def _run_loop(self) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    async def _open(self) -> int:
        # What asyncio.start_server does, with a reader that says when the client left.
        def connection() -> asyncio.StreamReaderProtocol:
            return asyncio.StreamReaderProtocol(_WatchedReader(), self._handle)

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(connection, "127.0.0.1", 0, ssl=self._tls)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _shutdown(self) -> None:
        self._closing = True
        if self._server is not None:
            self._server.close()
        # Connections accepted just now may not have registered their task yet.
        await asyncio.sleep(0)
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        # Let aborted transports run their connection_lost callbacks and close sockets.
        await asyncio.sleep(0)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert isinstance(reader, _WatchedReader)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        with self._lock:
            self.connections += 1
        graceful = False
        try:
            while not self._closing:
                graceful = await self._exchange(reader, writer)
                if not (graceful and self.keep_alive):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass  # a client that goes away or sends garbage before its request is complete
        except asyncio.CancelledError:
            # Only stop() cancels a handler; ending cancelled would make asyncio's
            # stream callback (3.11) log an error for every connection still open.
            pass
        finally:
            self._tasks.discard(task)
            await _close(writer, graceful)

    async def _exchange(self, reader: _WatchedReader, writer: asyncio.StreamWriter) -> bool:
        """Read one request and answer it; True if the answer ended normally."""
        record = await _read_request(reader)
        with self._changed:
            self.requests.append(record)
            self._changed.notify_all()
        route = _ROUTES.get((record.method, record.path.partition("?")[0]))
        reply = self._choose(route, record)
        self._count_stream(+1)
        try:
            return await self._answer(reader, writer, record, route or "unknown", reply)
        finally:
            self._count_stream(-1)

    def _count_stream(self, delta: int) -> None:
        with self._lock:
            self._active += delta
            self._peak = max(self._peak, self._active)

    def _choose(self, route: str | None, record: RecordedRequest) -> Reply:
        if route is None:
            return Reply(status=404)
        with self._lock:
            if route == "models":
                if self._queue and self._queue[0].status != 200:
                    return self._queue.popleft()
                listing = {"object": "list", "data": [{"id": m, "object": "model"} for m in self.models]}
                return Reply(raw_body=_json(listing), content_type="application/json")
            if self._queue:
                return self._queue.popleft()
            responder, default = self.responder, self.default
        if responder is None:
            return default
        try:
            return responder(record)
        except Exception as exc:
            # Surface a broken responder to the test as an answer it can see.
            message = f"fake backend responder raised {type(exc).__name__}: {exc}"
            return Reply(status=500, error_body={"error": {"message": message, "type": "server_error"}})

    async def _answer(
        self,
        reader: _WatchedReader,
        writer: asyncio.StreamWriter,
        record: RecordedRequest,
        route: str,
        reply: Reply,
    ) -> bool:
        """Write the reply while watching for the client to leave."""

        def completing() -> None:
            self._finish(record, completed=True)

        def first_event() -> None:
            with self._lock:
                record.first_event_at = time.monotonic()

        connection = "keep-alive" if self.keep_alive else "close"
        writing = asyncio.create_task(
            _write_reply(writer, route, reply, record.body, completing, connection, first_event)
        )
        watching = asyncio.create_task(reader.gone.wait())
        try:
            done, _ = await asyncio.wait({writing, watching}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (writing, watching):
                task.cancel()
            await asyncio.gather(writing, watching, return_exceptions=True)
        error = writing.exception() if writing in done else None
        if writing in done and error is None:
            self._finish(record, completed=True)
            return True
        if error is not None and not isinstance(error, ConnectionError):
            raise error
        self._finish(record, completed=False, at=reader.gone_at)
        return False

    def _finish(self, record: RecordedRequest, *, completed: bool, at: float | None = None) -> None:
        """Record the end of an answer; ``at`` is when the client was seen leaving, if it was."""
        with self._changed:
            record.completed = completed
            record.finished_at = time.monotonic()
            if not completed and record.disconnected_at is None:
                record.disconnected_at = at or record.finished_at
            self._changed.notify_all()


# -- reading the request ------------------------------------------------------------


async def _read_request(reader: asyncio.StreamReader) -> RecordedRequest:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    request_line, *header_lines = head.split("\r\n")
    method, path, _version = request_line.split(" ", 2)
    headers: dict[str, str] = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    raw = await _read_body(reader, headers)
    return RecordedRequest(method, path, headers, _parse_json(raw), time.monotonic())


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")  # no trailers expected: just the final blank line
        return b"".join(parts)
    length = int(headers.get("content-length", "0") or 0)
    return await reader.readexactly(length) if length else b""


def _parse_json(raw: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class _WatchedReader(asyncio.StreamReader):
    """A stream reader whose ``gone`` is set when the client closes or drops the connection.

    Watching it reads nothing, so a keep-alive client's next request stays in the buffer.
    """

    def __init__(self) -> None:
        super().__init__()
        self.gone = asyncio.Event()
        #: When the loop learnt of it: the disconnect's time, before any task wakes up.
        self.gone_at: float | None = None

    def _leave(self) -> None:
        if self.gone_at is None:
            self.gone_at = time.monotonic()
        self.gone.set()

    def feed_eof(self) -> None:
        super().feed_eof()
        self._leave()

    def set_exception(self, exc: BaseException) -> None:
        super().set_exception(exc)
        self._leave()


# -- writing the reply ----------------------------------------------------------------


async def _write_reply(
    writer: asyncio.StreamWriter,
    route: str,
    reply: Reply,
    body: dict[str, Any] | None,
    completing: Callable[[], None],
    connection: str = "close",
    first_event: Callable[[], None] = lambda: None,
) -> None:
    """Write ``reply``; ``completing`` runs just before the last bytes go out.

    ``first_event`` runs when a stream's first event is written.

    Marking the request completed before the client can see the end of the answer
    (the last chunk of a stream, the whole of any other body) lets a test assert
    ``completed`` as soon as its client has read the body; a write that then fails
    turns it back into a disconnect.
    """
    if reply.hang:
        await _forever()
    if reply.raw_body is not None or reply.status != 200:
        await asyncio.sleep(reply.first_delay)
        completing()
        await _write_whole(writer, reply, route, connection)
        return
    content_type, events = _encode(route, reply, body or {})
    headers = {"Content-Type": reply.content_type or content_type, "Cache-Control": "no-cache"}
    headers |= {"Transfer-Encoding": "chunked", "Connection": connection}
    writer.write(_head(200, headers, reply.headers))
    await writer.drain()
    if reply.hang_after_headers:
        await _forever()
    await asyncio.sleep(reply.first_delay)
    events = _apply_script(events, reply, malformed=MALFORMED_NDJSON if route == "ollama" else MALFORMED_SSE)
    if reply.cut_in_event is not None:
        whole, cut = events[: reply.cut_in_event], events[reply.cut_in_event]
        await _stream(writer, [*whole, cut[: len(cut) // 2]], reply.chunk_delay)
        completing()
        writer.transport.abort()
        return
    if events:
        first_event()
    if reply.hold is not None:
        await _stream(writer, events[: reply.hold_after], reply.chunk_delay)
        await asyncio.to_thread(reply.hold.wait, HOLD_CAP)
        await _stream(writer, events[reply.hold_after :], reply.chunk_delay)
    elif reply.drip is not None:
        await _drip(writer, b"".join(events), reply.drip)
    else:
        await _stream(writer, events, reply.chunk_delay)
    completing()
    if reply.disconnect_after is not None:
        writer.transport.abort()
        return
    writer.write(b"0\r\n\r\n")
    await writer.drain()


async def _forever() -> None:
    await asyncio.Event().wait()


async def _write_whole(writer: asyncio.StreamWriter, reply: Reply, route: str, connection: str) -> None:
    if reply.raw_body is not None:
        body, content_type = reply.raw_body, reply.content_type or "text/plain; charset=utf-8"
    else:
        error = reply.error_body if reply.error_body is not None else _error_body(route, reply.status)
        body, content_type = _json(error), reply.content_type or "application/json"
    headers = {"Content-Type": content_type, "Content-Length": str(len(body)), "Connection": connection}
    writer.write(_head(reply.status, headers, reply.headers) + body)
    await writer.drain()


def _apply_script(events: list[bytes], reply: Reply, *, malformed: bytes) -> list[bytes]:
    events = list(events)
    if reply.malformed_at is not None and 0 <= reply.malformed_at < len(events):
        events[reply.malformed_at] = malformed
    if reply.disconnect_after is not None:
        events = events[: reply.disconnect_after]
    return events


async def _stream(writer: asyncio.StreamWriter, events: list[bytes], delay: float) -> None:
    for i, event in enumerate(events):
        if i and delay:
            await asyncio.sleep(delay)
        await _write_chunk(writer, event)


async def _drip(writer: asyncio.StreamWriter, body: bytes, delay: float) -> None:
    # One HTTP chunk per byte, so the client's decoder really sees single bytes.
    for i in range(len(body)):
        if i:
            await asyncio.sleep(delay)
        await _write_chunk(writer, body[i : i + 1])


async def _write_chunk(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(b"%x\r\n%s\r\n" % (len(data), data))
    await writer.drain()


async def _close(writer: asyncio.StreamWriter, graceful: bool) -> None:
    try:
        if graceful:
            writer.close()
            await asyncio.wait_for(writer.wait_closed(), 1.0)
    except (ConnectionError, TimeoutError):
        pass
    finally:
        writer.transport.abort()  # a no-op once the transport is closed


def _head(status: int, headers: dict[str, str], extra: dict[str, str]) -> bytes:
    merged = {name.lower(): (name, value) for name, value in headers.items()}
    merged |= {name.lower(): (name, value) for name, value in extra.items()}
    lines = [f"HTTP/1.1 {status} {_reason(status)}"]
    lines += [f"{name}: {value}" for name, value in merged.values()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _error_body(route: str, status: int) -> dict[str, Any]:
    message = f"fake backend: {status} {_reason(status)}"
    if route == "ollama":
        return {"error": message}
    kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    if route == "llama":
        return {"error": {"code": status, "message": message, "type": kind}}
    return {"error": {"message": message, "type": kind, "code": status}}


def _json(data: object) -> bytes:
    # Compact and unescaped UTF-8, as real servers send it.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _sse(data: object) -> bytes:
    return b"data: " + _json(data) + b"\n\n"


# -- wire formats ---------------------------------------------------------------------


def _encode(route: str, reply: Reply, body: dict[str, Any]) -> tuple[str, list[bytes]]:
    model = body.get("model") if isinstance(body.get("model"), str) else DEFAULT_MODEL
    assert isinstance(model, str)
    if route == "completions":
        return "text/event-stream", _completion_events(reply, body, model)
    if route == "chat":
        return "text/event-stream", _chat_events(reply, body, model)
    if route == "llama":
        return "text/event-stream", _llama_events(reply)
    return "application/x-ndjson", _ollama_lines(reply, model)


def _choice_texts(reply: Reply, body: dict[str, Any]) -> list[list[str]]:
    if reply.choices is not None:
        return reply.choices
    n = body.get("n")
    return [reply.chunks] * (n if isinstance(n, int) and n > 1 else 1)


def _interleave(texts: list[list[str]]) -> Iterator[tuple[int, int, str]]:
    """(chunk position, choice index, text): every choice's first chunk, then its second..."""
    for position in range(max((len(t) for t in texts), default=0)):
        for index, chunks in enumerate(texts):
            if position < len(chunks):
                yield position, index, chunks[position]


def _finish(reply: Reply, index: int) -> str | None:
    if reply.choice_finish is not None and index < len(reply.choice_finish):
        return reply.choice_finish[index]
    return reply.finish_reason


def _token_logprobs(reply: Reply, position: int, text: str) -> dict[str, Any] | None:
    if reply.logprobs is None or position >= len(reply.logprobs):
        return None
    return {"tokens": [text], "token_logprobs": [reply.logprobs[position]]}


def _completion_events(reply: Reply, body: dict[str, Any], model: str) -> list[bytes]:
    def event(index: int, text: str, logprobs: dict[str, Any] | None, finish: str | None) -> bytes:
        choice = {"text": text, "index": index, "logprobs": logprobs, "finish_reason": finish}
        frame = {"id": "cmpl-fake", "object": "text_completion", "created": 0, "model": model}
        return _sse(frame | {"choices": [choice]})

    texts = _choice_texts(reply, body)
    events = [event(i, text, _token_logprobs(reply, pos, text), None) for pos, i, text in _interleave(texts)]
    finishes = [(i, _finish(reply, i)) for i in range(len(texts))]
    events += [event(i, "", None, finish) for i, finish in finishes if finish is not None]
    return [*events, b"data: [DONE]\n\n"]


def _chat_events(reply: Reply, body: dict[str, Any], model: str) -> list[bytes]:
    def event(index: int, delta: dict[str, Any], finish: str | None) -> bytes:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        frame = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model}
        return _sse(frame | {"choices": [choice]})

    texts = _choice_texts(reply, body)
    # Like OpenAI: a role-only opening event per choice, then the content.
    events = [event(i, {"role": "assistant", "content": ""}, None) for i in range(len(texts))]
    events += [event(i, {"content": text}, None) for _, i, text in _interleave(texts)]
    finishes = [(i, _finish(reply, i)) for i in range(len(texts))]
    events += [event(i, {}, finish) for i, finish in finishes if finish is not None]
    return [*events, b"data: [DONE]\n\n"]


def _llama_events(reply: Reply) -> list[bytes]:
    chunks = reply.choices[0] if reply.choices else reply.chunks
    events = [_sse({"content": text, "stop": False}) for text in chunks]
    if reply.finish_reason is not None:
        stop_type = _LLAMA_STOP_TYPES.get(reply.finish_reason, reply.finish_reason)
        events.append(_sse({"content": "", "stop": True, "stop_type": stop_type}))
    return events


def _ollama_lines(reply: Reply, model: str) -> list[bytes]:
    chunks = reply.choices[0] if reply.choices else reply.chunks
    frame = {"model": model, "created_at": "1970-01-01T00:00:00Z"}
    lines = [_json(frame | {"response": text, "done": False}) + b"\n" for text in chunks]
    if reply.finish_reason is not None:
        final = frame | {"response": "", "done": True, "done_reason": reply.finish_reason}
        lines.append(_json(final) + b"\n")
    return lines
