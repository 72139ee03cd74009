"""The protocol repairs, on the real server object fed with JSON-RPC messages as they arrive."""

from __future__ import annotations

import json
from typing import Any

from codex_ls.config import Config
from codex_ls.lsp.server import CodexLanguageServer


class Sink:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        body = data.decode().split("\r\n\r\n", 1)[1]
        self.sent.append(json.loads(body))

    def close(self) -> None:
        pass


def feed(server: CodexLanguageServer, message: dict[str, Any]) -> None:
    protocol = server.protocol
    protocol.handle_message(
        json.loads(json.dumps({"jsonrpc": "2.0", **message}), object_hook=protocol.structure_message)
    )


def started() -> tuple[CodexLanguageServer, Sink]:
    server = CodexLanguageServer(Config())
    sink = Sink()
    server.protocol.set_writer(sink)  # type: ignore[arg-type]
    feed(server, {"id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": "file:///p"}})
    feed(server, {"method": "initialized", "params": {}})
    return server, sink


def test_notifications_leave_nothing_in_the_request_table() -> None:
    server, _ = started()
    uri = "file:///p/a.py"
    doc = {"uri": uri, "languageId": "python", "version": 1, "text": "x = 1\n"}
    feed(server, {"method": "textDocument/didOpen", "params": {"textDocument": doc}})
    for version in range(2, 502):
        where = {"line": 0, "character": 5}
        change = {"range": {"start": where, "end": where}, "text": "1"}
        feed(
            server,
            {
                "method": "textDocument/didChange",
                "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            },
        )
    feed(server, {"method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}})
    assert server.protocol._request_futures == {}


def test_a_change_past_the_line_end_lands_before_the_line_break() -> None:
    server, _ = started()
    uri = "file:///p/b.py"
    doc = {"uri": uri, "languageId": "python", "version": 1, "text": "ab\ncd\n"}
    feed(server, {"method": "textDocument/didOpen", "params": {"textDocument": doc}})
    where = {"line": 0, "character": 40}
    change = {"range": {"start": where, "end": where}, "text": "!"}
    feed(
        server,
        {
            "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [change]},
        },
    )
    document = server.workspace.get_text_document(uri)
    assert document.source == "ab!\ncd\n"
    assert document.version == 2


def test_a_request_with_params_that_do_not_fit_is_answered() -> None:
    server, sink = started()
    protocol = server.protocol
    raw = {"jsonrpc": "2.0", "id": 7, "method": "textDocument/completion", "params": {"textDocument": 3}}
    message = json.loads(json.dumps(raw), object_hook=protocol.structure_message)
    protocol.handle_message(message)
    (answer,) = [m for m in sink.sent if m.get("id") == 7]
    assert answer["error"]["code"] == -32602
    assert "textDocument/completion" in answer["error"]["message"]
