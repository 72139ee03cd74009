"""Backend ``openai``: ``POST {url}/completions`` streamed as Server-Sent Events.

Serves OpenAI, vLLM, llama.cpp server, LM Studio, LiteLLM and any other server
with the OpenAI completions API. FIM goes through the family's template in the
prompt (``fim: template``) or through the API's ``suffix`` field (``fim: suffix``).

Several samples are one request with ``n``. A server that allows fewer (llama-server
refuses an ``n`` above its slots, ``--parallel``) says so in a 400: the request is made
again as several with at most that many samples each, and the backend asks for no more
than that from then on (``max_samples``). A server that takes ``n`` never pays for this.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncGenerator
from typing import Any

from ..config import BackendConfig
from ..errors import BackendError, BackendStatusError
from .base import Delta, GenerationRequest, fan_out, with_stops
from .http import SERVER_CACHE_LAYOUT, HttpBackend, HttpTransport
from .http_errors import display_url
from .sse import ServerSentEvent, decode_sse, json_event

log = logging.getLogger(__name__)


def parse_completion_event(event: ServerSentEvent) -> list[Delta] | None:
    """Deltas in one completions event; ``None`` at ``[DONE]``."""
    if event.data.strip() == "[DONE]":
        return None
    data = json_event(event.data)
    deltas = []
    for choice in data.get("choices") or []:
        text = choice.get("text")
        if text is None:  # chat-shaped servers answering on /completions
            text = (choice.get("delta") or {}).get("content") or ""
        logprob, tokens = _logprob(choice.get("logprobs"))
        deltas.append(Delta(text, int(choice.get("index", 0)), choice.get("finish_reason"), logprob, tokens))
    return deltas


#: A 400 that refuses the number of samples: llama.cpp's ``Field 'n': Value must be between 1 <= value <= 2``.
_N_REFUSED = re.compile(r"""['"`]n['"`]|\bfield n\b""", re.IGNORECASE)
_AT_MOST = re.compile(r"(?:<=|at most|maximum(?: is| of)?)\s*(\d+)", re.IGNORECASE)


def samples_allowed(exc: BackendStatusError, asked: int) -> int | None:
    """How many samples a server that refused ``asked`` of them in one request takes (1 where it
    does not say); ``None`` if the refusal is about something else."""
    if exc.status != 400 or asked < 2 or not _N_REFUSED.search(exc.message):
        return None
    found = _AT_MOST.search(exc.message)
    most = int(found[1]) if found else 1
    return max(1, min(most, asked - 1))


def _logprob(logprobs: Any) -> tuple[float | None, int]:
    if not isinstance(logprobs, dict):
        return None, 0
    values = [x for x in logprobs.get("token_logprobs") or [] if isinstance(x, (int, float))]
    return (sum(values), len(values)) if values else (None, 0)


class OpenAIBackend(HttpBackend):
    name = "openai"
    cache_layout = SERVER_CACHE_LAYOUT

    def __init__(self, config: BackendConfig, transport: HttpTransport | None = None) -> None:
        super().__init__(config, transport)
        #: Samples per request: the API's 5, until the server says it takes fewer.
        self.max_samples = 5

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.config.model,
            "prompt": request.prompt,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stream": True,
        }
        if self.config.fim == "suffix":
            body["prompt"], body["suffix"] = request.prefix, request.suffix
        if request.stop and self.config.tuning.max_stop_sequences:
            body["stop"] = list(request.stop[: self.config.tuning.max_stop_sequences])
        if request.n > 1:
            body["n"] = request.n
        if request.logprobs:
            body["logprobs"] = 1
        return body

    def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        if request.n > self.max_samples:
            return fan_out(self._one, request, self.max_samples)
        if request.n > 1:
            return self._samples(request)
        return self._one(request)

    def _one(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        raw = self.transport.stream("/completions", self.body(request))
        return with_stops(decode_sse(raw, parse_completion_event), request.stop, request.n, request.max_tokens)

    async def _samples(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        """``request.n`` samples in one request, or in several where the server refuses that many."""
        deltas = self._one(request)
        try:
            try:
                first = await anext(deltas, None)
            except BackendStatusError as exc:
                most = samples_allowed(exc, request.n)
                if most is None:
                    raise
                log.info("%s takes at most %d samples a request: %s", display_url(self.config.base_url), most, exc)
                self.max_samples = most
                deltas = fan_out(self._one, request, most)
                first = await anext(deltas, None)
            if first is not None:
                yield first
                async for delta in deltas:
                    yield delta
        finally:
            await deltas.aclose()

    async def check(self) -> str:
        data = await self.transport.get_json("/models")
        ids = [m.get("id") for m in data.get("data", []) if isinstance(m, dict)]
        if self.config.model and ids and self.config.model not in ids:
            raise BackendError(
                f"backend.model {self.config.model!r} is not served at {display_url(self.config.base_url)}; "
                f"it serves: {', '.join(map(str, ids[:10]))}"
            )
        said = f"{display_url(self.config.base_url)} answers; models: {', '.join(map(str, ids[:10])) or 'none listed'}"
        if self.config.fim != "suffix":
            return said
        honoured = await self.reads_suffix()
        if honoured is False:
            raise BackendError(
                f"{display_url(self.config.base_url)} ignores the suffix field: with backend.fim 'suffix' the model "
                "continues the prefix instead of filling in the middle; set backend.fim to 'template'"
            )
        return said + ("; it reads the suffix field" if honoured else "; whether it reads the suffix field: unknown")

    async def reads_suffix(self) -> bool | None:
        """Whether the server puts the ``suffix`` field in the prompt: the prompt tokens it counts for one
        token of answer, with a suffix and without (``None`` where it does not count them)."""
        body = {"model": self.config.model, "prompt": SUFFIX_PROBE[0], "max_tokens": 1, "temperature": 0.0}
        without = _prompt_tokens(await self.answer("/completions", body))
        with_suffix = _prompt_tokens(await self.answer("/completions", {**body, "suffix": SUFFIX_PROBE[1]}))
        if without is None or with_suffix is None:
            return None
        return with_suffix > without


#: The doctor's probe of the suffix field: a prefix, and a suffix of a few lines.
SUFFIX_PROBE = ("def area(r):\n    return ", "\n\n\nprint(area(2.0))\nprint(area(3.0))\n")


def _prompt_tokens(answer: dict[str, Any]) -> int | None:
    usage = answer.get("usage")
    count = usage.get("prompt_tokens") if isinstance(usage, dict) else None
    return count if isinstance(count, int) else None
