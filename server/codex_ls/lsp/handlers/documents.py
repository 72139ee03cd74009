"""``textDocument/didOpen``, ``didChange`` and ``didClose``: the completion service follows the documents.

pygls keeps the documents themselves in sync before these handlers run. Here, an
open loads the document's grammar in a worker thread and has the backend
evaluate the document's first lines (where it keeps a prompt cache); a change tells the
completion service where the cursor went, so that a generation the typing
contradicts is closed at once, and clears *Find bugs* diagnostics of the
document; a close ends the document's generation and forgets its state.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from ...completion import syntax
from ...positions import PositionOutOfRangeError, offset_at
from ..server import CodexLanguageServer


def did_open(ls: CodexLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.run_task(asyncio.to_thread(syntax.warm, params.text_document.language_id))
    ls.run_task(ls.completion.warm(*ls.documents(params.text_document.uri)))


def _clear_findings(ls: CodexLanguageServer, uri: str) -> None:
    if ls.actions.findings.pop(uri, None) and not ls.closing:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def _follow_the_cursor(ls: CodexLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    """Tell the completion service where an edit left the cursor: at the end of the last change's text."""
    uri = params.text_document.uri
    if not ls.completion.watching(uri) or not params.content_changes:
        return
    change = params.content_changes[-1]
    if not isinstance(change, types.TextDocumentContentChangePartial):
        return  # a whole-document change says nothing about the cursor
    document = ls.workspace.get_text_document(uri)
    try:
        start = offset_at(document.source, change.range.start, document.position_codec.encoding)
    except PositionOutOfRangeError:
        return
    ls.completion.edited(uri, document.source, start + len(change.text))


def did_change(ls: CodexLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    _follow_the_cursor(ls, params)
    _clear_findings(ls, params.text_document.uri)


def did_close(ls: CodexLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.completion.closed(uri)
    _clear_findings(ls, uri)


def did_save(ls: CodexLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    if ls.completion.workspace is not None and (path := to_fs_path(params.text_document.uri)):
        ls.run_task(ls.completion.workspace.update(Path(path)))


def did_change_watched_files(ls: CodexLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
    index = ls.completion.workspace
    if index is None:
        return
    for change in params.changes:
        if (path := to_fs_path(change.uri)) is None:
            continue
        if change.type == types.FileChangeType.Deleted:
            index.remove(Path(path))
        else:
            ls.run_task(index.update(Path(path)))


def register(server: CodexLanguageServer) -> None:
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    server.feature(types.TEXT_DOCUMENT_DID_SAVE)(did_save)
    server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)
