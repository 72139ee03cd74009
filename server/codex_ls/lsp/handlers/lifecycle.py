"""``initialize`` / ``shutdown``: settings from ``initializationOptions`` and a clean exit."""

from __future__ import annotations

import logging

from lsprotocol import types

from ...config import load_env_config, merge
from ..server import CodexLanguageServer
from . import completion

log = logging.getLogger(__name__)


def initialize(ls: CodexLanguageServer, params: types.InitializeParams) -> None:
    file_settings, errors = load_env_config()
    for error in errors:
        ls.notifier.notify("config-file", error, types.MessageType.Error)
    options = params.initialization_options
    if isinstance(options, dict) and isinstance(options.get("codexLs"), dict):
        options = options["codexLs"]
    ls.apply_settings(merge(file_settings, options))
    # pygls computes the capabilities after this handler: a provider left out here is not offered.
    inline_only = completion.withdraw_for_inline_clients(ls, params.capabilities)
    client = params.client_info.name if params.client_info else "unknown client"
    log.info("codex-ls initialised for %s%s", client, " (inline completion only)" if inline_only else "")


async def shutdown(ls: CodexLanguageServer, params: None) -> None:
    ls.closing = True
    ls.completion.stop()
    await ls.engine.backend.aclose()


def register(server: CodexLanguageServer) -> None:
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.SHUTDOWN)(shutdown)
