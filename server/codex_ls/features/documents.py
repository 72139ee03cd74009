"""``textDocument/didChange`` and ``didClose``: findings that no longer match the text go away.

pygls keeps the documents themselves in sync before these handlers run; here,
*Find bugs* diagnostics of a document are cleared on its next change.
"""

from __future__ import annotations

from lsprotocol import types

from ..server import CodexLanguageServer


def _clear_findings(ls: CodexLanguageServer, uri: str) -> None:
    if ls.actions.findings.pop(uri, None) and not ls.closing:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def did_change(ls: CodexLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    _clear_findings(ls, params.text_document.uri)


def did_close(ls: CodexLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    _clear_findings(ls, params.text_document.uri)


def register(server: CodexLanguageServer) -> None:
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
