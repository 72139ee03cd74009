"""``create_server``: the server object with every handler module registered.

Nothing imports this module but the command line and tests; the handlers import
the server object, never the other way round.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..backends.registry import make_backend, make_chat_backend
from ..config import Config
from .handlers import (
    code_actions,
    commands,
    completion,
    configuration,
    documents,
    feedback,
    inline_completion,
    lifecycle,
)
from .server import BackendFactory, ChatBackendFactory, CodexLanguageServer

HANDLERS = (lifecycle, configuration, inline_completion, completion, documents, code_actions, commands, feedback)


def create_server(
    config: Config | None = None,
    backend_factory: BackendFactory = make_backend,
    clock: Callable[[], float] = time.monotonic,
    chat_backend_factory: ChatBackendFactory = make_chat_backend,
) -> CodexLanguageServer:
    """A server built from its parts, so tests and benchmarks can give it another backend or clock."""
    server = CodexLanguageServer(config or Config(), backend_factory, clock, chat_backend_factory)
    for handlers in HANDLERS:
        handlers.register(server)
    return server
