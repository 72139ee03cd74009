"""``initialize`` / ``shutdown``: settings from ``initializationOptions`` and a clean exit."""

from __future__ import annotations

import logging

from lsprotocol import types

from ..server import CodexLanguageServer
from . import completion

log = logging.getLogger(__name__)


def initialize(ls: CodexLanguageServer, params: types.InitializeParams) -> None:
    options = params.initialization_options
    if isinstance(options, dict) and isinstance(options.get("codexLs"), dict):
        options = options["codexLs"]
    ls.apply_settings(options)
    # The embedded model loads now, in the background, so the first keystroke does not wait for it.
    ls.run_task(ls.completion.prepare())
    # pygls computes the capabilities after this handler: a provider left out here is not offered.
    inline_only = completion.withdraw_for_inline_clients(ls, params.capabilities)
    client = params.client_info.name if params.client_info else "unknown client"
    log.info("codex-ls initialised for %s%s", client, " (inline completion only)" if inline_only else "")


async def shutdown(ls: CodexLanguageServer, params: None) -> None:
    ls.closing = True
    ls.completion.stop()
    await ls.completion.aclose()


def register(server: CodexLanguageServer) -> None:
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.SHUTDOWN)(shutdown)
