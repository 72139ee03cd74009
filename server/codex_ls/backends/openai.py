"""Backend ``openai``: ``POST {url}/completions`` streamed as Server-Sent Events.

Serves OpenAI, vLLM, llama.cpp server, LM Studio, LiteLLM and any other server
with the OpenAI completions API. FIM goes through the family's template in the
prompt (``fim: template``) or through the API's ``suffix`` field (``fim: suffix``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from ..errors import BackendError
from .base import Delta, GenerationRequest, with_stops
from .http import HttpBackend
from .http_errors import display_url
from .sse import ServerSentEvent, decode_sse, json_event


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


def _logprob(logprobs: Any) -> tuple[float | None, int]:
    if not isinstance(logprobs, dict):
        return None, 0
    values = [x for x in logprobs.get("token_logprobs") or [] if isinstance(x, (int, float))]
    return (sum(values), len(values)) if values else (None, 0)


class OpenAIBackend(HttpBackend):
    name = "openai"
    max_samples = 5

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
        raw = self.transport.stream("/completions", self.body(request))
        return with_stops(decode_sse(raw, parse_completion_event), request.stop, request.n, request.max_tokens)

    async def check(self) -> str:
        data = await self.transport.get_json("/models")
        ids = [m.get("id") for m in data.get("data", []) if isinstance(m, dict)]
        if self.config.model and ids and self.config.model not in ids:
            raise BackendError(
                f"backend.model {self.config.model!r} is not served at {display_url(self.config.base_url)}; "
                f"it serves: {', '.join(map(str, ids[:10]))}"
            )
        return f"{display_url(self.config.base_url)} answers; models: {', '.join(map(str, ids[:10])) or 'none listed'}"
