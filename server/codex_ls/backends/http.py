"""The HTTP backends' request: endpoints tried in order with failover, retries before the first byte,
one deadline across all tries.

A 200 with an empty body is an error: no stream protocol answers so, and the one server
seen doing it (llama_cpp.server, for a prompt longer than its context) means a failure.

A request is retried (429, 5xx, timeouts, refused connections) only before its
first byte of answer: once text has been shown, a retry would show different
text. ``Retry-After`` is honoured up to ``backend.tuning.maxRetryWait``; otherwise the
wait is 0.5·2ⁿ s with jitter, capped at 8 s. Each try is one exchange on the
backend's pooled client (``http_exchange.py``).

``backend.tuning.requestTimeout`` bounds the whole request, retries and waits included:
a retry that could not start before the deadline is not made, and each try is
cut off at it.

With ``backend.fallbackUrls``, an endpoint that cannot be reached, times out or
answers 5xx is set aside for ``backend.tuning.failoverCooldown`` seconds and the next
one takes the same request at once, without a wait; the wait comes only when
every endpoint has failed. Requests go to the first endpoint in the configured
order that is not set aside, so the primary takes over again after its cooldown.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from typing import Any

from ..config import BackendConfig
from ..errors import BackendError, BackendStatusError, StreamProtocolError
from .base import CacheLayout
from .http_errors import backoff, display_url, fails_over
from .http_exchange import PooledClient
from .sse import ServerSentEvent, SSEDecoder, json_event

log = logging.getLogger(__name__)

#: For a server that keeps each slot's evaluated prompt (llama-server's ``cache_prompt``, vLLM's
#: prefix caching) and takes the rendered FIM prompt (the ``openai`` kind): a head that stays put
#: while the user types, the typed part of the line last, at most 512 characters of suffix, so
#: that a keystroke costs the server only the tokens it typed (1 token a request against 204 with
#: the template's layout, bench/results/engines.md). No cold prompt: a server evaluates a whole
#: prompt as fast as part of one.
SERVER_CACHE_LAYOUT = CacheLayout(suffix_chars=512, typed_last=True, cold_tokens=0)


class HttpTransport:
    """One pooled client per backend; streams a POST body with retries and failover."""

    def __init__(
        self,
        config: BackendConfig,
        *,
        sleep: Callable[[float], Any] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.client = PooledClient(config)
        self._sleep = sleep
        self._clock = clock
        #: Endpoint → when it may be tried first again, after it failed.
        self._set_aside: dict[str, float] = {}

    @property
    def endpoints(self) -> list[str]:
        """The endpoints in the order they are tried now: those set aside last."""
        urls = self.config.base_urls
        now = self._clock()
        return sorted(urls, key=lambda url: (self._set_aside.get(url, 0.0) > now, urls.index(url)))

    def _set_aside_now(self, url: str, exc: BackendError) -> None:
        if len(self.config.base_urls) > 1:
            self._set_aside[url] = self._clock() + self.config.tuning.failover_cooldown
            log.warning("%s failed (%s); other endpoints first for a while", display_url(url), type(exc).__name__)

    async def get_json(self, path: str) -> Any:
        return await self.client.get_json(self.endpoints[0], path)

    async def stream(self, path: str, body: dict[str, Any], *, sse: bool = True) -> AsyncGenerator[bytes, None]:
        """POST ``body`` and yield the response body's bytes as they arrive.

        ``sse`` says the answer should be an event stream; a server that ignores
        ``stream: true`` and answers with one JSON object is accepted as one event.
        """
        deadline = time.monotonic() + self.config.tuning.request_timeout
        attempt = 0
        failed: set[str] = set()
        while True:
            base = next(url for url in self.endpoints if url not in failed)
            started = False
            try:
                async with aclosing(self.client.exchange(base, path, body, sse, deadline)) as chunks:
                    async for chunk in chunks:
                        started = True
                        yield chunk
                if not started:
                    raise StreamProtocolError(
                        f"{display_url(base)} answered with nothing at all, as some servers (llama_cpp.server) answer "
                        "a prompt longer than the model's context: lower completion.contextTokens or give the model "
                        "a larger context"
                    )
                self._set_aside.pop(base, None)
                return
            except BackendError as exc:
                if started or not exc.retryable:
                    raise
                if fails_over(exc):
                    self._set_aside_now(base, exc)
                    failed.add(base)
                    if len(failed) < len(self.config.base_urls):
                        continue
                failed.clear()
                if attempt >= self.config.tuning.max_retries:
                    raise
                retry_after = exc.retry_after if isinstance(exc, BackendStatusError) else None
                if retry_after is not None and retry_after > self.config.tuning.max_retry_wait:
                    raise
                delay = backoff(attempt, retry_after)
                if time.monotonic() + delay >= deadline:
                    # The retry could not even start before the deadline: say what failed.
                    raise
                log.info("retrying %s in %.1fs after %s", path, delay, type(exc).__name__)
                await self._sleep(delay)
                attempt += 1

    async def aclose(self) -> None:
        await self.client.aclose()


class HttpBackend:
    """What every HTTP backend shares: its settings, its transport, closing."""

    samples_in_sequence = False  # several samples are one request with n, or requests side by side
    #: The prompt laid out for the server's prompt cache, where the wire protocol lets the typed
    #: part of the line go last (``SERVER_CACHE_LAYOUT``); ``None``: the template's own layout.
    cache_layout: CacheLayout | None = None

    def __init__(self, config: BackendConfig, transport: HttpTransport | None = None) -> None:
        self.config = config
        self.transport = transport or HttpTransport(config)

    async def prepare(self, *prompts: str) -> None:
        """Nothing to load; a server caches prompts itself."""

    async def answer(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """One unstreamed answer's JSON object, for the doctor's probes (``codex-ls doctor``)."""
        events: list[ServerSentEvent] = []
        decoder = SSEDecoder()
        async with aclosing(self.transport.stream(path, {**body, "stream": False})) as chunks:
            async for chunk in chunks:
                events += decoder.feed(chunk)
        events += decoder.close()
        if not events:
            raise StreamProtocolError(f"{path} gave no answer")
        return json_event(events[0].data)

    async def aclose(self) -> None:
        await self.transport.aclose()
