"""Backend construction from settings: one kind, one module."""

from __future__ import annotations

from ..config import Config
from ..errors import ConfigError
from .base import Backend
from .chat import ChatBackend


def make_backend(config: Config) -> Backend:
    """The backend for ``backend.kind``; cheap: nothing connects or loads until first use."""
    kind = config.backend.kind
    if kind == "openai":
        from .openai import OpenAIBackend

        return OpenAIBackend(config.backend)
    if kind == "llamacpp":
        from .llamacpp import LlamaCppBackend

        return LlamaCppBackend(config.backend)
    if kind == "ollama":
        from .ollama import OllamaBackend

        return OllamaBackend(config.backend)
    if kind == "local":
        from .local import LocalBackend

        return LocalBackend(config.model)
    raise ConfigError(f"backend.kind {kind!r} cannot serve completions yet")


def make_chat_backend(config: Config) -> ChatBackend:
    """The chat backend for code actions, on the same server (or model) as completions."""
    kind = config.backend.kind
    if kind in ("openai", "openai-chat"):
        from .chat import OpenAIChatBackend

        return OpenAIChatBackend(config.backend)
    if kind in ("llamacpp", "ollama"):
        # Both serve the OpenAI chat API beside their native endpoints, under /v1.
        from .chat import OpenAIChatBackend

        return OpenAIChatBackend(config.backend, path="/v1/chat/completions")
    if kind == "local":
        from .local_chat import LocalChatBackend

        return LocalChatBackend(config.model)
    raise ConfigError(f"backend.kind {kind!r} cannot serve chat")
