"""Backend ``ollama``: ``POST {url}/api/generate``, streamed as NDJSON.

With ``fim: template`` (the default) the prompt is our FIM template sent with
``raw: true``, so Ollama applies no template of its own; with ``fim: suffix``
the prefix and ``suffix`` go separately and Ollama's model template does FIM.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from ..errors import BackendError
from .base import Delta, GenerationRequest, fan_out, with_stops
from .http import HttpBackend
from .http_errors import display_url
from .sse import decode_ndjson, json_event


def parse_generate_line(line: str) -> list[Delta] | None:
    data = json_event(line, "Ollama")
    text = str(data.get("response") or "")
    if data.get("done"):
        reason = "length" if data.get("done_reason") == "length" else "stop"
        return [Delta(text, finish_reason=reason)]
    return [Delta(text, tokens=1)]


class OllamaBackend(HttpBackend):
    name = "ollama"
    #: The protocol has no ``n``: several samples are as many requests at once.
    max_samples = 5

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.config.model,
            "stream": True,
            "options": {
                "temperature": request.temperature,
                "num_predict": request.max_tokens,
                "stop": list(request.stop),
            },
        }
        if self.config.fim == "suffix":
            body.update(prompt=request.prefix, suffix=request.suffix)
        else:
            body.update(prompt=request.prompt, raw=True)
        return body

    def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        if request.n > 1:
            return fan_out(self.stream, request)
        raw = self.transport.stream("/api/generate", self.body(request), sse=False)
        return with_stops(decode_ndjson(raw, parse_generate_line), request.stop, 1, request.max_tokens)

    async def check(self) -> str:
        data = await self.transport.get_json("/api/tags")
        names = [m.get("name") for m in data.get("models", []) if isinstance(m, dict)]
        if self.config.model and self.config.model not in names:
            raise BackendError(f"backend.model {self.config.model!r} is not pulled; `ollama pull {self.config.model}`")
        return f"{display_url(self.config.base_url)} answers; models: {', '.join(map(str, names[:10])) or 'none'}"
