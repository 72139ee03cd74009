"""The protocol as pygls speaks it, with three repairs.

* A message whose parameters do not fit its method (a negative line, a number past
  the unsigned 32-bit range, a string where an object belongs) makes pygls raise
  inside its read loop: a request then never gets a response, and the client waits
  forever. Here such a request is answered at once with ``InvalidParams`` naming
  what was wrong, and such a notification is logged and dropped.
* Incremental ``didChange`` edits are applied by the LSP's rules (``positions.splice``):
  a column past a line's end means its end, not a place beyond its line
  break, and only ``\r\n``, ``\n`` and ``\r`` end lines. pygls' own code counts
  the line break as part of the line and splits lines as ``str.splitlines`` does,
  so the server's text would drift away from the editor's.
* pygls files the future of every notification handler that is a coroutine or a
  generator (its own ``didOpen``/``didChange``/``didClose`` are generators) under a
  fresh id that nothing ever removes: about 2.5 KB kept per keystroke, for as long
  as the editor runs. Here such a future leaves the table when it is done; request
  futures are removed by pygls itself when their response is sent.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote

from cattrs import BaseValidationError, transform_error
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from ..positions import splice

log = logging.getLogger(__name__)


class _Answered:
    """A message already dealt with while it was read."""


ANSWERED = _Answered()


class CodexProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            method = data.get("method", "")
            cause = exc.__cause__ or exc
            if "id" in data and method:
                error = types.ResponseError(
                    code=JsonRpcInvalidParams.CODE, message=f"invalid params for {method}: {_describe(cause)}"
                )
                self._send_response(data["id"], error=error)
            else:
                log.warning("ignored a malformed %s message: %s", method or "JSON-RPC", _describe(cause))
            return ANSWERED

    def handle_message(self, message: Any) -> None:
        if message is ANSWERED:
            return
        super().handle_message(message)

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future = self._request_futures.get(msg_id)
        if future is not None and getattr(callback, "func", None) != self._send_handler_result:
            future.add_done_callback(lambda _: self._request_futures.pop(msg_id, None))

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        uri = params.text_document.uri
        document = self.workspace.text_documents.get(unquote(uri))
        if document is None:
            log.warning("ignored changes to %s, which is not open", uri)
            return
        text = document.source
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                text = splice(text, change.range, change.text, document.position_codec.encoding)
            else:
                text = change.text
        whole = types.TextDocumentContentChangeWholeDocument(text=text)
        self.workspace.update_text_document(params.text_document, whole)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseValidationError):
        return "; ".join(transform_error(exc))[:300]
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
