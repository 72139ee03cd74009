"""Backend construction from settings: one kind, one module."""

from __future__ import annotations

from ..config import Config
from ..errors import ConfigError
from .base import Backend


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
