"""Backend construction from settings: one kind, one module; the embedded models a registry loads."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import attrs

from ..config import Config, ModelConfig
from ..errors import ConfigError
from .base import Backend
from .chat import ChatBackend

if TYPE_CHECKING:
    from .local import LocalModels

log = logging.getLogger(__name__)

#: ``model.large = "auto"``: this model, when it is installed and verified.
AUTO_LARGE = "qwen2.5-coder-1.5b"


class Registry:
    """Builds backends from settings. The embedded models it loads are its own
    (``local.LocalModels``): its backends share them and their one queue of turns, and
    they stay loaded across settings changes; another registry loads its own."""

    def __init__(self, models: LocalModels | None = None) -> None:
        self._models = models

    @property
    def models(self) -> LocalModels:
        if self._models is None:
            from .local import LocalModels

            self._models = LocalModels()
        return self._models

    def make_backend(self, config: Config) -> Backend:
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
            return self._local(config.model)
        raise ConfigError(f"backend.kind {kind!r} cannot serve completions yet")

    def _local(self, config: ModelConfig) -> Backend:
        from .local import LocalBackend

        # Set with the settings, once: every model of this registry waits in this queue.
        self.models.turns.completions_first = config.tuning.completions_first
        small = LocalBackend(config, self.models)
        large = large_model(config)
        if large is None:
            return small
        from .cascade import CascadeBackend

        return CascadeBackend(small, LocalBackend(large, self.models), idle=self.models.idle)

    def make_chat_backend(self, config: Config) -> ChatBackend:
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
            from .local import LocalBackend
            from .local_chat import LocalChatBackend

            # Code actions are where the user waits for the answer: the larger model where there is one.
            return LocalChatBackend(LocalBackend(large_model(config.model) or config.model, self.models))
        raise ConfigError(f"backend.kind {kind!r} cannot serve chat")


#: The server's registry: the language server process builds every backend here.
REGISTRY = Registry()
make_backend = REGISTRY.make_backend
make_chat_backend = REGISTRY.make_chat_backend


def large_model(config: ModelConfig) -> ModelConfig | None:
    """The settings of the cascade's larger model (``model.large``), or ``None`` when there is none.

    ``auto`` takes the 1.5B model only once it is installed and verified (a look at
    the cache, nothing hashed); a model named outright is used as it is, and says how
    to install it if it is missing.
    """
    name = AUTO_LARGE if config.large == "auto" else config.large
    if not name or config.path or name == config.name:
        return None
    from ..models.assembly import status
    from ..models.registry import MODELS

    if name not in MODELS:
        log.warning("model.large %r is unknown (known: %s); the cascade is off", name, ", ".join(MODELS))
        return None
    if config.large == "auto" and status(name) != "verified":
        return None
    return attrs.evolve(config, name=name, path=None, large="")
