"""Backend ``llamacpp``: llama.cpp server's ``POST {url}/infill``, streamed as SSE.

The server applies the model's own FIM template; other open files travel as
``input_extra`` chunks, and ``cache_prompt`` keeps the evaluated prompt in the
server's KV cache between keystrokes. The prompt keeps the template's own layout: the
typed part of the cursor line cannot go last, since llama-server puts ``/infill``'s
``prompt`` at the end of the prefix, before the suffix (``format_prompt_infill``), and
a window laid out for the cache otherwise (a head that stays put, 512 characters of
suffix) halved the prompt tokens of a request but tripled the requests, for no more
suggestions in time (bench/results/engines.md).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from ..errors import BackendError
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
        url = display_url(self.config.base_url)
        kept = await self.keeps_other_files()
        if kept is False:
            raise BackendError(
                f"{url} answers, but drops the other files (input_extra) from the prompt: {await self._slot_size()}"
                "/infill keeps for them only the context a slot has beyond its batch (2048 tokens); give each slot "
                "4096 tokens or more (--ctx-size at least 4096 times --parallel)"
            )
        return f"{url} answers: {status}" + ("; other files reach the prompt" if kept else "")

    async def keeps_other_files(self) -> bool | None:
        """Whether ``input_extra`` reaches the prompt: a probe file's first line in the prompt the server
        says it evaluated (``None`` where it does not say)."""
        body = {
            "input_prefix": "x = ",
            "input_suffix": "\n",
            "input_extra": [{"filename": "probe.py", "text": EXTRA_PROBE}],
            "n_predict": 1,
            "temperature": 0.0,
            "cache_prompt": False,
        }
        prompt = (await self.answer("/infill", body)).get("prompt")
        return EXTRA_PROBE.split("\n", 1)[0] in prompt if isinstance(prompt, str) else None

    async def _slot_size(self) -> str:
        """What ``/props`` says of a slot's context, as the start of a sentence; nothing if it says nothing."""
        try:
            props = await self.transport.get_json("/props")
            tokens = props["default_generation_settings"]["n_ctx"]
        except (BackendError, KeyError, TypeError):
            return ""
        return f"each slot has a context of {tokens} tokens, and "


#: The doctor's probe of ``input_extra``: a small file, its first line the one looked for (the server
#: cuts other files from their start when they do not fit).
EXTRA_PROBE = "PROBE_MARKER = 'codex-ls doctor'\n" + "".join(f"LIMIT_{i} = {i * 64}\n" for i in range(8))
