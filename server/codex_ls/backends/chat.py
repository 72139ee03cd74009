"""Backend ``openai-chat``: ``POST {url}/chat/completions`` streamed as Server-Sent Events.

Code actions talk to a model through chat messages rather than a FIM prompt.
:class:`ChatBackend` is the one protocol every chat backend implements (this
module and ``local_chat.py``); answers arrive as the same
:class:`Delta` stream the completion backends produce, so closing the iterator
closes the connection (or stops the local model) here too.

OpenAI, vLLM, LM Studio, llama.cpp server and Ollama all speak this format;
llama.cpp and Ollama serve it at ``/v1/chat/completions`` beside their native
``/infill`` and ``/api/*`` endpoints, so one module serves every HTTP kind.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import Any, Protocol

from ..config import BackendConfig
from .base import Delta, with_stops
from .http import HttpTransport
from .sse import ServerSentEvent, decode_sse, json_event

#: ``(role, content)`` with role ``"system"``, ``"user"`` or ``"assistant"``.
Message = tuple[str, str]


class ChatBackend(Protocol):
    """A chat model behind one wire protocol (or in-process)."""

    name: str

    def chat(self, messages: Sequence[Message], *, max_tokens: int, temperature: float) -> AsyncGenerator[Delta, None]:
        """Stream the answer as deltas of choice 0; closing the iterator must end the generation."""
        ...

    async def aclose(self) -> None: ...


def parse_chat_event(event: ServerSentEvent) -> list[Delta] | None:
    """Deltas in one chat-completions event; ``None`` at ``[DONE]``."""
    if event.data.strip() == "[DONE]":
        return None
    data = json_event(event.data)
    deltas = []
    for choice in data.get("choices") or []:
        delta = choice.get("delta") or choice.get("message") or {}
        text = str(delta.get("content") or "")
        finish = choice.get("finish_reason")
        if text or finish is not None:
            # No token count: an event may carry several tokens (the cap counts characters).
            deltas.append(Delta(text, int(choice.get("index", 0)), finish))
    return deltas


def chat_messages(messages: Sequence[Message]) -> list[dict[str, str]]:
    return [{"role": role, "content": content} for role, content in messages]


class OpenAIChatBackend:
    name = "openai-chat"

    def __init__(
        self,
        config: BackendConfig,
        transport: HttpTransport | None = None,
        *,
        path: str = "/chat/completions",
    ) -> None:
        self.config = config
        self.transport = transport or HttpTransport(config)
        #: Appended to ``backend.url``: llama.cpp's base URL has no ``/v1``.
        self.path = path

    def body(self, messages: Sequence[Message], max_tokens: int, temperature: float) -> dict[str, Any]:
        return {
            "model": self.config.model,
            "messages": chat_messages(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }

    def chat(self, messages: Sequence[Message], *, max_tokens: int, temperature: float) -> AsyncGenerator[Delta, None]:
        raw = self.transport.stream(self.path, self.body(messages, max_tokens, temperature))
        return with_stops(decode_sse(raw, parse_chat_event), (), 1, max_tokens)

    async def aclose(self) -> None:
        await self.transport.aclose()
