"""Backend ``llamacpp``: llama.cpp server's ``POST {url}/infill``, streamed as SSE.

The server applies the model's own FIM template; other open files travel as
``input_extra`` chunks, and ``cache_prompt`` keeps the evaluated prompt in the
server's KV cache between keystrokes.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from .base import Delta, GenerationRequest, fan_out, with_stops
from .http import HttpBackend
from .http_errors import display_url
from .sse import ServerSentEvent, decode_sse, json_event

#: llama.cpp's ``stop_type`` → OpenAI's ``finish_reason``.
FINISH = {"eos": "stop", "word": "stop", "limit": "length", "none": "length"}


def parse_infill_event(event: ServerSentEvent) -> list[Delta] | None:
    if event.data.strip() == "[DONE]":
        return None
    data = json_event(event.data, "llama.cpp server")
    text = str(data.get("content") or "")
    if data.get("stop"):
        return [Delta(text, finish_reason=FINISH.get(str(data.get("stop_type", "eos")), "stop"))]
    return [Delta(text, tokens=1)]


class LlamaCppBackend(HttpBackend):
    name = "llamacpp"
    #: The protocol has no ``n``: several samples are as many requests at once.
    max_samples = 5

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        return {
            "input_prefix": request.prefix,
            "input_suffix": request.suffix,
            "input_extra": [{"filename": path, "text": text} for path, text in request.extra],
            "n_predict": request.max_tokens,
            "temperature": request.temperature,
            "stop": list(request.stop),
            "stream": True,
            "cache_prompt": True,
        }

    def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        if request.n > 1:
            return fan_out(self.stream, request)
        raw = self.transport.stream("/infill", self.body(request))
        return with_stops(decode_sse(raw, parse_infill_event), request.stop, 1, request.max_tokens)

    async def check(self) -> str:
        data = await self.transport.get_json("/health")
        status = data.get("status", data) if isinstance(data, dict) else data
        return f"{display_url(self.config.base_url)} answers: {status}"
