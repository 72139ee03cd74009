"""``workspace/didChangeConfiguration``: new settings take effect for the next request.

Clients either push the settings in the notification (section ``codexLs``) or
send ``null`` and expect to be asked with ``workspace/configuration``.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types

from ..server import CodexLanguageServer

log = logging.getLogger(__name__)


async def did_change_configuration(ls: CodexLanguageServer, params: types.DidChangeConfigurationParams) -> None:
    settings: Any = params.settings
    if isinstance(settings, dict) and "codexLs" in settings:
        settings = settings["codexLs"]
    elif not settings:
        settings = await _pull(ls)
        if settings is None:
            return
    ls.apply_settings(settings)


async def _pull(ls: CodexLanguageServer) -> Any:
    capabilities = ls.client_capabilities.workspace
    if not (capabilities and capabilities.configuration):
        return None
    params = types.ConfigurationParams(items=[types.ConfigurationItem(section="codexLs")])
    try:
        result = await ls.workspace_configuration_async(params)
    except Exception as exc:  # a client that cannot answer keeps the current settings
        log.info("workspace/configuration failed: %r", exc)
        return None
    return result[0] if result else None


def register(server: CodexLanguageServer) -> None:
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
