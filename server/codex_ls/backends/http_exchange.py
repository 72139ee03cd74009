"""One HTTP exchange with a backend on its pooled client: the client and its API key, the POST,
the body read until the request's deadline, and the response's close.

The response is always closed in a ``finally``: a reader that is cancelled closes
the connection at once (the backend stops generating), and its hang-up shuts the
socket before the reader has even unwound (``tasks.hang_up_on_cancel``); a request
cancelled while it waits for the answer's head, once sent, closes its connection
too (llama-server sends the head only after evaluating the prompt); one that
stopped reading because the answer was complete lets the backend's trailer
arrive first, briefly, so the connection is kept for the next request. Each
attempt's connect, write and read timeouts are cut to the time left before the
deadline, and a read of the body is cut off at it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import ssl
import time
from collections.abc import AsyncGenerator, AsyncIterator, Coroutine, Mapping
from typing import Any

import anyio
import httpx

from ..config import BackendConfig
from ..errors import SECRETS, BackendError, ConfigError, RequestDeadlineError, StreamProtocolError, status_error
from ..tasks import hang_up_on_cancel
from .http_errors import display_url, error_message, retry_after_seconds, transport_error

log = logging.getLogger(__name__)

_STREAM_TYPES = {"text/event-stream", "application/x-ndjson", "application/json", "application/octet-stream"}


async def resolve_api_key(config: BackendConfig, environ: Mapping[str, str] = os.environ) -> str | None:
    """The API key from the named environment variable or the configured command."""
    key: str | None = None
    if config.api_key_command:
        try:
            process = await asyncio.create_subprocess_exec(
                *config.api_key_command,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
            out, _ = await asyncio.wait_for(process.communicate(), timeout=10)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"backend.apiKeyCommand could not be run: {type(exc).__name__}") from None
        if process.returncode != 0:
            raise ConfigError(f"backend.apiKeyCommand exited with status {process.returncode}")
        key = out.decode().strip() or None
    elif config.api_key_env:
        key = environ.get(config.api_key_env) or None
    if key:
        SECRETS.add(key)
    return key


def _new_client(config: BackendConfig) -> httpx.AsyncClient:
    """A backend's pooled client; TLS from ``backend.caBundle``, else the default CAs.

    Building one loads the CA certificates and imports httpcore: about 0.15 s, run in
    a worker thread, where it does not hold up the keystrokes that arrive meanwhile.
    """
    c = config
    return httpx.AsyncClient(
        timeout=httpx.Timeout(c.tuning.read_timeout, connect=c.tuning.connect_timeout),
        verify=ssl.create_default_context(cafile=c.ca_bundle) if c.ca_bundle else True,
        # Without backend.proxy, HTTP(S)_PROXY, ALL_PROXY and NO_PROXY apply.
        proxy=c.proxy,
        trust_env=True,
        headers={"user-agent": "codex-ls", **dict(c.headers)},
    )


class PooledClient:
    """A backend's pooled httpx client, built on first use in a worker thread, and its API key."""

    def __init__(self, config: BackendConfig) -> None:
        self.config = config
        self._client: httpx.AsyncClient | None = None
        #: The client being built; shared, so a cancelled request does not waste it.
        self._building: asyncio.Future[httpx.AsyncClient] | None = None
        self._api_key: str | None = None
        self._key_loaded = False

    async def client(self) -> httpx.AsyncClient:
        if self._client is None:
            if self._building is None:
                self._building = asyncio.ensure_future(asyncio.to_thread(_new_client, self.config))
            try:
                self._client = await asyncio.shield(self._building)
            except Exception:
                self._building = None
                raise
        if not self._key_loaded:
            self._api_key = await resolve_api_key(self.config)
            self._key_loaded = True
        return self._client

    def headers(self) -> dict[str, str]:
        if not self._api_key:
            return {}
        name = self.config.api_key_header.lower()
        return {name: f"Bearer {self._api_key}" if name == "authorization" else self._api_key}

    async def get_json(self, base: str, path: str) -> Any:
        client = await self.client()
        try:
            response = await client.get(base + path, headers=self.headers())
        except httpx.HTTPError as exc:
            raise transport_error(exc, base) from None
        if response.status_code != 200:
            raise status_error(response.status_code, error_message(response.content))
        try:
            return response.json()
        except ValueError:
            raise StreamProtocolError(f"{path} did not answer with JSON") from None

    async def exchange(
        self, base: str, path: str, body: dict[str, Any], sse: bool, deadline: float
    ) -> AsyncGenerator[bytes, None]:
        """POST ``body`` to ``base + path`` once and yield the answer's bytes as they arrive.
        ``sse``: a server that answers one JSON object instead of a stream gives one event."""
        url = base + path
        response = await self._send(base, path, body, deadline)
        left_early = False
        raw: AsyncIterator[bytes] | None = None
        try:
            if response.status_code != 200:
                content = await self._read_all(response, deadline)
                raise status_error(
                    response.status_code,
                    error_message(content),
                    retry_after_seconds(response.headers),
                )
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind == "application/json" and sse:
                content = await self._read_all(response, deadline)
                yield b"data: " + content.replace(b"\n", b" ") + b"\n\n"
                return
            if kind and kind not in _STREAM_TYPES:
                raise StreamProtocolError(
                    f"{display_url(url)} answered with {kind}, not a stream; is backend.url right?"
                )
            raw = response.aiter_raw()
            said = False
            with hang_up_on_cancel(lambda: _hang_up(response)):
                async for chunk in self._until_deadline(raw, deadline):
                    said = True
                    yield chunk
            if not said:
                # A server that answered with nothing (llama_cpp.server past its context) may
                # leave the connection in any state: it is not kept for the next request.
                _hang_up(response)
        except GeneratorExit:
            left_early = True
            raise
        except httpx.HTTPError as exc:
            raise self._failure(exc, base, deadline, mid_stream=True) from None
        finally:
            task = asyncio.current_task()
            if left_early and raw is not None and task is not None and not task.cancelling():
                _background(_drain_then_close(response, raw))
            else:
                # Shielded: a request cancelled again while it closes must still close
                # its connection, or the socket lingers half-read in the pool.
                await asyncio.shield(response.aclose())

    async def _send(self, base: str, path: str, body: dict[str, Any], deadline: float) -> httpx.Response:
        """The response, its body still to read."""
        client = await self.client()
        sent = _RequestSent()
        request = client.build_request(
            "POST",
            base + path,
            json=body,
            headers=self.headers(),
            timeout=self._timeouts_until(deadline),
            extensions={"trace": sent},
        )
        # httpcore leaves a connection orphaned, its socket open and its pool slot taken
        # for good, when a request is cancelled between connecting and sending (httpcore
        # #1093). So the request is not cancelled there: a caller that goes away returns
        # at once, and the response is closed as soon as it arrives. Once the request is
        # sent, the wait for the answer's head is cancelled, which closes the connection:
        # an engine that answers only after evaluating the prompt (llama-server) sees the
        # client leave then, instead of evaluating a prompt nobody waits for.
        sending = asyncio.ensure_future(client.send(request, stream=True))
        try:
            return await asyncio.shield(sending)
        except asyncio.CancelledError:
            if sent.done:
                sending.cancel()
            sending.add_done_callback(_close_abandoned)
            raise
        except httpx.HTTPError as exc:
            raise self._failure(exc, base, deadline) from None

    async def _until_deadline(self, raw: AsyncIterator[bytes], deadline: float) -> AsyncGenerator[bytes, None]:
        """The chunks of ``raw`` until it ends; past ``deadline``, a deadline error."""
        while True:
            with _until(deadline) as reading:
                chunk = await anext(raw, None)
            if reading.cancelled_caught:
                raise self._deadline_error()
            if chunk is None:
                return
            yield chunk

    async def _read_all(self, response: httpx.Response, deadline: float) -> bytes:
        content: bytes | None = None
        with _until(deadline):
            content = await response.aread()
        if content is None:
            raise self._deadline_error()
        return content

    def _timeouts_until(self, deadline: float) -> httpx.Timeout:
        """This attempt's httpx timeouts: the configured ones, none past the request's deadline."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise self._deadline_error()
        c = self.config
        read = min(c.tuning.read_timeout, left)
        return httpx.Timeout(read, connect=min(c.tuning.connect_timeout, left), write=read, pool=left)

    def _failure(self, exc: httpx.HTTPError, base: str, deadline: float, *, mid_stream: bool = False) -> BackendError:
        if isinstance(exc, httpx.TimeoutException) and time.monotonic() >= deadline - _LATE:
            return self._deadline_error()
        return transport_error(exc, base, mid_stream=mid_stream)

    def _deadline_error(self) -> RequestDeadlineError:
        return RequestDeadlineError(
            f"the answer took longer than backend.tuning.requestTimeout ({self.config.tuning.request_timeout:g}s)"
        )

    async def aclose(self) -> None:
        building, self._building = self._building, None
        if self._client is None and building is not None:
            with contextlib.suppress(Exception):
                self._client = await building
        if self._client is not None:
            await self._client.aclose()
            self._client = None


#: A timeout this close to the deadline is the deadline's doing (timers fire a little late, never early).
_LATE = 0.01


def _until(deadline: float) -> anyio.CancelScope:
    """A scope that cancels what runs in it at ``deadline``, as httpcore's own timeouts do.

    An anyio scope, not ``asyncio.timeout``: httpcore shields the closing of a
    response and its connection from anyio's cancellation, and a close cut short
    leaves the socket open and the request counted in the pool for good. An
    asyncio cancel lands anywhere, closes included (httpx closes a response inside
    the read that reaches its end); an anyio one waits for the close to finish.
    """
    return anyio.move_on_after(max(0.0, deadline - time.monotonic()))


#: Closes still running in the background (a task needs a reference until it ends).
_CLOSING: set[asyncio.Task[None]] = set()

#: How long, and how many bytes, an answer read up to its finish may take to end.
DRAIN_SECONDS = 0.01
DRAIN_BYTES = 8192


def _background(closing: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(closing)
    _CLOSING.add(task)
    task.add_done_callback(_CLOSING.discard)


def _hang_up(response: httpx.Response) -> None:
    """Shut the response's socket now: the backend sees the client leave before the reader unwinds.
    (asyncio hands out a TransportSocket, which has ``shutdown`` but is no ``socket.socket``.)"""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if callable(shutdown := getattr(sock, "shutdown", None)):
        with contextlib.suppress(OSError):
            shutdown(socket.SHUT_RDWR)


class _RequestSent:
    """httpcore's trace hook: ``done`` once the request's body is on the wire and the answer awaited."""

    def __init__(self) -> None:
        self.done = False

    async def __call__(self, event: str, info: dict[str, Any]) -> None:
        if event == "http11.send_request_body.complete":
            self.done = True


def _close_abandoned(sending: asyncio.Future[httpx.Response]) -> None:
    if sending.cancelled() or sending.exception() is not None:
        return
    _background(sending.result().aclose())


async def _drain_then_close(response: httpx.Response, raw: AsyncIterator[bytes]) -> None:
    """Read the end of an answer its reader no longer needs, then close it.

    A backend that stopped where the reader stopped (the same stop sequence, its
    own finish event) sends only a trailer (``[DONE]``, the last chunk): read to
    its end, the answer leaves its connection in the pool, and the next request
    skips a TCP (and TLS) handshake. A backend still generating is cut off after
    ``DRAIN_SECONDS`` or ``DRAIN_BYTES``, whichever comes first.
    """
    try:
        # Not asyncio.timeout: its cancel could land on the close that httpx makes
        # when the read reaches the end (see _until).
        with anyio.move_on_after(DRAIN_SECONDS):
            read = 0
            async for chunk in raw:
                read += len(chunk)
                if read > DRAIN_BYTES:
                    break
    except httpx.HTTPError:
        pass
    finally:
        await asyncio.shield(response.aclose())
