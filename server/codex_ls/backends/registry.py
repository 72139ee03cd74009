"""Backend construction from settings: one kind, one module."""

from __future__ import annotations

from ..config import Config
from .base import Backend


def make_backend(config: Config) -> Backend:
    """The backend for ``backend.kind``; cheap: nothing connects or loads until first use."""
    kind = config.backend.kind
    if kind == "openai":
        from .openai import OpenAIBackend

        return OpenAIBackend(config.backend)
    if kind == "local":
        from .local import LocalBackend

        return LocalBackend(config.model)
    raise NotImplementedError(f"backend.kind {kind!r} is not available yet")
