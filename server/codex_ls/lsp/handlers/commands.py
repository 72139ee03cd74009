"""``workspace/executeCommand`` ``codex.*`` and the ``codex/explain`` request.

Each command takes one argument object ``{uri, range, instruction?, target?}``
(an empty ``range`` is the cursor). Commands answer ``null`` once their result
is applied or shown; failures are reported to the user, never as a failed request.
``codex/explain`` ``{textDocument: {uri}, range, partialResultToken?}`` answers
``{markdown}``; with a token, the Markdown also arrives in pieces as ``$/progress``
while the model writes (see ``lsp/actions.py``). ``codex/translate``
``{textDocument: {uri}, range, target, partialResultToken?}`` answers ``{code, languageId}``,
its lines arriving the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from ...actions.job import ActionArgs
from ...actions.specs import ACTIONS
from ..actions import ActionRunner
from ..arguments import ArgumentError, parse_args, plain
from ..server import CodexLanguageServer

#: LSP's ``RequestFailed`` error code.
REQUEST_FAILED = -32803


async def run_command(ls: CodexLanguageServer, name: str, arguments: tuple[Any, ...]) -> None:
    """``workspace/executeCommand`` ``name``: run the action, then apply or show its result."""
    if len(arguments) != 1:
        raise JsonRpcInvalidParams(f"{name} takes one argument {{uri, range, instruction?, target?}}")
    try:
        args = parse_args(arguments[0])
    except ArgumentError as exc:
        raise JsonRpcInvalidParams(f"{name}: {exc}") from None
    await ActionRunner(ls).command(name, args)


async def explain_request(ls: CodexLanguageServer, params: Any) -> dict[str, str]:
    args, token = streamed_params("codex/explain", params)
    markdown = await ActionRunner(ls).explain_markdown(args, token)
    if markdown is None:
        raise JsonRpcException("codex/explain: no explanation (see the editor's messages)", code=REQUEST_FAILED)
    return {"markdown": markdown}


async def translate_request(ls: CodexLanguageServer, params: Any) -> dict[str, str]:
    args, token = streamed_params("codex/translate", params, "target")
    answer = await ActionRunner(ls).translated_code(args, token)
    if answer is None:
        raise JsonRpcException("codex/translate: no translation (see the editor's messages)", code=REQUEST_FAILED)
    code, language = answer
    return {"code": code, "languageId": language}


def streamed_params(method: str, params: Any, *options: str) -> tuple[ActionArgs, int | str | None]:
    """``{textDocument: {uri}, range, partialResultToken?, <options>?}``: the action's arguments and the token."""
    data = plain(params)
    if not isinstance(data, dict):
        raise JsonRpcInvalidParams(f"{method}: expected an object {{textDocument, range}}")
    document = data.get("textDocument")
    uri = document.get("uri") if isinstance(document, dict) else None
    try:
        args = parse_args({"uri": uri, "range": data.get("range")} | {k: data.get(k) for k in options})
    except ArgumentError as exc:
        raise JsonRpcInvalidParams(f"{method}: {exc}") from None
    token = data.get("partialResultToken")
    if token is not None and (isinstance(token, bool) or not isinstance(token, (int, str))):
        raise JsonRpcInvalidParams(f"{method}: partialResultToken must be an integer or a string")
    return args, token


def handler_for(name: str) -> Callable[..., Awaitable[None]]:
    """The ``executeCommand`` handler of one action (pygls reads a handler's own signature)."""

    async def command(ls: CodexLanguageServer, *arguments: Any) -> None:
        await run_command(ls, name, arguments)

    return command


def register(server: CodexLanguageServer) -> None:
    for name in ACTIONS:
        server.command(name)(handler_for(name))
    server.feature("codex/explain")(explain_request)
    server.feature("codex/translate")(translate_request)
