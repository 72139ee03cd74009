"""``workspace/executeCommand`` ``codex.*`` and the ``codex/explain`` request.

Each command takes one argument object ``{uri, range, instruction?, target?}``
(an empty ``range`` is the cursor). Commands answer ``null`` once their result
is applied or shown; failures are reported to the user, never as a failed request.
``codex/explain`` ``{textDocument: {uri}, range}`` answers ``{markdown}``.
"""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from ...actions.job import ArgumentError, parse_args, plain
from ..actions import ActionRunner
from ..server import CodexLanguageServer

#: LSP's ``RequestFailed`` error code.
REQUEST_FAILED = -32803


async def _run(ls: CodexLanguageServer, name: str, arguments: tuple[Any, ...]) -> None:
    if len(arguments) != 1:
        raise JsonRpcInvalidParams(f"{name} takes one argument {{uri, range, instruction?, target?}}")
    try:
        args = parse_args(arguments[0])
    except ArgumentError as exc:
        raise JsonRpcInvalidParams(f"{name}: {exc}") from None
    await ActionRunner(ls).command(name, args)


async def explain(ls: CodexLanguageServer, *arguments: Any) -> None:
    await _run(ls, "codex.explain", arguments)


async def add_tests(ls: CodexLanguageServer, *arguments: Any) -> None:
    await _run(ls, "codex.addTests", arguments)


async def edit(ls: CodexLanguageServer, *arguments: Any) -> None:
    await _run(ls, "codex.edit", arguments)


async def implement(ls: CodexLanguageServer, *arguments: Any) -> None:
    await _run(ls, "codex.implement", arguments)


async def add_docstring(ls: CodexLanguageServer, *arguments: Any) -> None:
    await _run(ls, "codex.addDocstring", arguments)


async def add_comments(ls: CodexLanguageServer, *arguments: Any) -> None:
    await _run(ls, "codex.addComments", arguments)


async def find_bugs(ls: CodexLanguageServer, *arguments: Any) -> None:
    await _run(ls, "codex.findBugs", arguments)


async def translate(ls: CodexLanguageServer, *arguments: Any) -> None:
    await _run(ls, "codex.translate", arguments)


async def explain_request(ls: CodexLanguageServer, params: Any) -> dict[str, str]:
    data = plain(params)
    document = data.get("textDocument") if isinstance(data, dict) else None
    uri = document.get("uri") if isinstance(document, dict) else None
    try:
        args = parse_args({"uri": uri, "range": data.get("range") if isinstance(data, dict) else None})
    except ArgumentError as exc:
        raise JsonRpcInvalidParams(f"codex/explain: {exc}") from None
    markdown = await ActionRunner(ls).explain_markdown(args)
    if markdown is None:
        raise JsonRpcException("codex/explain: no explanation (see the editor's messages)", code=REQUEST_FAILED)
    return {"markdown": markdown}


COMMANDS = {
    "codex.explain": explain,
    "codex.addTests": add_tests,
    "codex.edit": edit,
    "codex.implement": implement,
    "codex.addDocstring": add_docstring,
    "codex.addComments": add_comments,
    "codex.findBugs": find_bugs,
    "codex.translate": translate,
}


def register(server: CodexLanguageServer) -> None:
    for name, handler in COMMANDS.items():
        server.command(name)(handler)
    server.feature("codex/explain")(explain_request)
