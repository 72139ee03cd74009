"""``textDocument/codeAction`` and ``codeAction/resolve``: Codex actions, titles first.

A request for code actions at a cursor also says where the cursor rests: the
completion service warms the prompt there.

Listing is cheap: titles from the document alone, never a model call. Actions
that edit are resolved lazily when the client can resolve ``edit`` (the model
runs in ``codeAction/resolve``, as ruff-lsp computes its fixes there); other
clients, and actions that show a document or diagnostics, get a
``workspace/executeCommand`` command to run when the user picks the action.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types

from ...actions.catalog import Offer, offers, wanted
from ...actions.job import ActionArgs
from ...actions.specs import ACTIONS, ASSIST_KIND, REWRITE_KIND
from ...errors import CodexError
from ...positions import PositionOutOfRangeError, offset_at
from ..actions import ActionRunner
from ..arguments import ArgumentError, parse_args, plain
from ..server import CodexLanguageServer

log = logging.getLogger(__name__)


def code_action(ls: CodexLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    _warm_at_the_cursor(ls, params)
    if not ls.config.actions.enabled:
        return None
    args = ActionArgs(params.text_document.uri, params.range)
    try:
        snapshot = ActionRunner(ls).snapshot(args.uri)
        found = offers(snapshot, args)
    except (CodexError, ValueError) as exc:
        log.debug("no code actions at %s: %s", args.uri, exc)
        return None
    lazy = _resolves_edits(ls)
    only = params.context.only
    return [_code_action(offer, lazy) for offer in found if wanted(offer.kind, list(only) if only else None)]


def _warm_at_the_cursor(ls: CodexLanguageServer, params: types.CodeActionParams) -> None:
    """Editors ask for code actions where the cursor comes to rest (VS Code for its light
    bulb): the model can evaluate the prompt there before the user types."""
    if params.range.start != params.range.end or not ls.config.completion.enabled:
        return
    uri = params.text_document.uri
    if uri not in ls.workspace.text_documents or not ls.completion.warms:
        return
    document = ls.workspace.get_text_document(uri)
    try:
        offset = offset_at(document.source, params.range.end, document.position_codec.encoding)
    except PositionOutOfRangeError:
        return
    ls.run_task(ls.completion.warm(*ls.documents(uri), offset=offset))


def _code_action(offer: Offer, lazy: bool) -> types.CodeAction:
    arguments = offer.args.to_json()
    if lazy and ACTIONS[offer.command].edits:
        return types.CodeAction(
            title=offer.title, kind=offer.kind, data={"command": offer.command, "arguments": arguments}
        )
    command = types.Command(title=offer.title, command=offer.command, arguments=[arguments])
    return types.CodeAction(title=offer.title, kind=offer.kind, command=command)


def _resolves_edits(ls: CodexLanguageServer) -> bool:
    document = ls.client_capabilities.text_document
    code_action = document.code_action if document else None
    support = code_action.resolve_support if code_action else None
    return support is not None and "edit" in support.properties


async def resolve_code_action(ls: CodexLanguageServer, action: types.CodeAction) -> types.CodeAction:
    """Compute the edit of a lazily listed action; on failure the action comes back without one."""
    data: Any = plain(action.data)
    if not isinstance(data, dict) or data.get("command") not in ACTIONS or not ACTIONS[data["command"]].edits:
        return action
    try:
        args = parse_args(data.get("arguments"))
    except ArgumentError as exc:
        log.warning("codeAction/resolve with bad data: %s", exc)
        return action
    edit = await ActionRunner(ls).resolve(str(data["command"]), args)
    if edit is not None:
        action.edit = edit
    return action


def register(server: CodexLanguageServer) -> None:
    options = types.CodeActionOptions(code_action_kinds=[REWRITE_KIND, ASSIST_KIND], resolve_provider=True)
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)(code_action)
    server.feature(types.CODE_ACTION_RESOLVE)(resolve_code_action)
