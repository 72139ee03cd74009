"""``codex-ls complete``: one completion through a real server process over stdio.

The same path an editor takes: initialize, didOpen, inlineCompletion, shutdown.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from ..config import merge
from ..languages import language_of
from ..positions import client_units, position_at


@dataclass
class OneShotResult:
    items: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    request_seconds: float = 0.0
    stderr: list[str] = field(default_factory=list)


def cursor_position(text: str, line: int | None, col: int | None) -> types.Position:
    """1-based line and column (as compilers print them) to an LSP position."""
    utf16 = types.PositionEncodingKind.Utf16
    if line is None:
        return position_at(text, len(text), utf16)
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        raise SystemExit(f"codex-ls: --line {line} is outside the file (1..{len(lines)})")
    content = lines[line - 1].rstrip("\r")
    column = len(content) + 1 if col is None else col
    if not 1 <= column <= len(content) + 1:
        raise SystemExit(f"codex-ls: --col {column} is outside line {line} (1..{len(content) + 1})")
    return types.Position(line=line - 1, character=client_units(content[: column - 1], utf16))


async def run_complete(
    path: Path, line: int | None, col: int | None, config_json: str | None, wait_seconds: float
) -> OneShotResult:
    """``path`` must be absolute (the caller resolves it, off the event loop)."""
    text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    position = cursor_position(text, line, col)
    # The one request is what this run is for: it may take as long as the caller waits.
    options = merge({"completion": {"timeout": wait_seconds}}, json.loads(config_json) if config_json else None)
    result = OneShotResult()
    client = _listening_client(result)
    drain = await spawn_server(client, result.stderr)
    try:
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=path.parent.as_uri(),
                initialization_options=options,
            )
        )
        client.initialized(types.InitializedParams())
        uri = path.as_uri()
        language = language_of(path.name) or "plaintext"
        client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, 1, text)))
        started = time.perf_counter()
        answer = await asyncio.wait_for(
            client.text_document_inline_completion_async(
                types.InlineCompletionParams(
                    context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked),
                    text_document=types.TextDocumentIdentifier(uri),
                    position=position,
                )
            ),
            wait_seconds,
        )
        result.request_seconds = time.perf_counter() - started
        items = answer.items if isinstance(answer, types.InlineCompletionList) else answer or []
        result.items = [i.insert_text if isinstance(i.insert_text, str) else i.insert_text.value for i in items]
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()  # type: ignore[no-untyped-call]
        drain.cancel()
    return result


def _listening_client(result: OneShotResult) -> LanguageClient:
    """A client that keeps the server's messages, and its warnings and errors from the log."""
    client = LanguageClient("codex-ls-complete", "1")

    @client.feature(types.WINDOW_SHOW_MESSAGE)  # type: ignore[untyped-decorator]
    def show(params: types.ShowMessageParams) -> None:
        result.messages.append(params.message)

    @client.feature(types.WINDOW_LOG_MESSAGE)  # type: ignore[untyped-decorator]
    def log_message(params: types.LogMessageParams) -> None:
        if params.type <= types.MessageType.Warning:
            result.messages.append(params.message)

    return client


async def spawn_server(client: LanguageClient, stderr: list[str], *args: str) -> asyncio.Task[None]:
    """Start ``codex-ls --stdio`` for ``client``; keep its last stderr lines in ``stderr``.

    The server's stderr must be drained, or a full pipe would block the server.
    """
    await client.start_io(sys.executable, "-m", "codex_ls", "--stdio", *args)
    return asyncio.ensure_future(_drain(client, stderr))


async def _drain(client: LanguageClient, lines: list[str]) -> None:
    process = client._server
    stream = process.stderr if process is not None else None
    if stream is None:
        return
    while line := await stream.readline():
        lines.append(line.decode("utf-8", "replace").rstrip())
        del lines[:-50]
