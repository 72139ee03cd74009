"""``initialize`` / ``shutdown``: settings from ``initializationOptions`` and a clean exit."""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from ...workspace.index import WorkspaceIndex
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


def initialized(ls: CodexLanguageServer, params: types.InitializedParams) -> None:
    """The workspace folders (or the root) are read in the background, for the repository context."""
    roots = [Path(path) for f in ls.workspace.folders.values() if (path := to_fs_path(f.uri))]
    if not roots and ls.workspace.root_path:
        roots = [Path(ls.workspace.root_path)]
    if roots:
        ls.completion.workspace = WorkspaceIndex(roots)
        ls.run_task(ls.completion.workspace.build())


async def shutdown(ls: CodexLanguageServer, params: None) -> None:
    ls.closing = True
    ls.completion.stop()
    await ls.completion.aclose()


def register(server: CodexLanguageServer) -> None:
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.SHUTDOWN)(shutdown)
