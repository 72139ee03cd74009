"""What the code actions keep between requests: the chat backend, published findings, running actions."""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types

from ..backends.chat import ChatBackend
from ..config import Config


class ActionState:
    def __init__(self) -> None:
        self._chat: ChatBackend | None = None
        self._chat_key: object = None
        #: *Find bugs* diagnostics per document URI, until the document changes.
        self.findings: dict[str, list[types.Diagnostic]] = {}
        #: Actions running now (for ``codex/status``).
        self.running = 0

    def chat_backend(
        self, config: Config, factory: Callable[[Config], ChatBackend]
    ) -> tuple[ChatBackend, ChatBackend | None]:
        """The chat backend for ``config`` and the previous one if it must be closed."""
        key = (config.backend, config.model)
        if self._chat is not None and key == self._chat_key:
            return self._chat, None
        old, self._chat, self._chat_key = self._chat, factory(config), key
        return self._chat, old

    def current_chat(self) -> ChatBackend | None:
        return self._chat
