"""A real server process driven from synchronous code: its own event loop in a thread.

Hypothesis runs examples synchronously; the server is started once per module and each
example sends its messages through ``request`` and ``notify``, which wait on the
server's loop. The client answers the server's own requests (applyEdit is refused
and recorded, with the version it names), as an editor would.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient


@dataclass
class EditSeen:
    """A ``workspace/applyEdit`` and the version each document had in the client when it came."""

    params: types.ApplyWorkspaceEditParams
    versions: dict[str, int]


@dataclass(repr=False)
class LiveServer:
    env: dict[str, str] = field(repr=False)
    #: The client's current version of each open document, kept by the test.
    versions: dict[str, int] = field(default_factory=dict)
    edits: list[EditSeen] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    client: LanguageClient = field(init=False)

    def __repr__(self) -> str:
        return "LiveServer(...)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def start(self, settings: dict[str, Any]) -> LiveServer:
        thread = threading.Thread(target=self.loop.run_forever, name="fuzz-client", daemon=True)
        thread.start()
        self._thread = thread
        self.run(self._start(settings), 30)
        return self

    async def _start(self, settings: dict[str, Any]) -> None:
        self.client = LanguageClient("fuzz", "1")
        client = self.client

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            self.edits.append(EditSeen(params, dict(self.versions)))
            return types.ApplyWorkspaceEditResult(applied=False, failure_reason="the fuzzing client applies nothing")

        @client.feature(types.WINDOW_SHOW_DOCUMENT)
        def show_document(params: types.ShowDocumentParams) -> types.ShowDocumentResult:
            return types.ShowDocumentResult(success=False)

        @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def progress_create(params: types.WorkDoneProgressCreateParams) -> None:
            return None

        @client.feature(types.WORKSPACE_CONFIGURATION)
        def configuration(params: types.ConfigurationParams) -> list[Any]:
            return [None for _ in params.items]

        @client.feature(types.WINDOW_SHOW_MESSAGE)
        def show_message(params: types.ShowMessageParams) -> None:
            self.messages.append(params.message)

        for method in (types.WINDOW_LOG_MESSAGE, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, types.PROGRESS):
            client.feature(method)(_ignore)
        client.feature("codex/status")(_ignore)

        await client.start_io(sys.executable, "-m", "codex_ls", "--log-level", "warning", env=self.env)
        drain = client._server.stderr if client._server is not None else None
        if drain is not None:
            self._drain = asyncio.ensure_future(_discard(drain))
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(
                    workspace=types.WorkspaceClientCapabilities(apply_edit=True),
                    window=types.WindowClientCapabilities(
                        work_done_progress=True, show_document=types.ShowDocumentClientCapabilities(support=True)
                    ),
                ),
                initialization_options=settings,
                root_uri="file:///fuzz",
            )
        )
        client.initialized(types.InitializedParams())

    def run(self, work: Any, timeout: float) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return future.result(timeout)

    def request(self, method: str, params: Any, timeout: float = 15.0, *, cancel: bool = False) -> Any:
        """Send a request as raw JSON (any shape, out-of-range numbers included); its result
        (as JSON), or the exception of its error response. ``cancel`` cancels it at once."""

        async def send() -> Any:
            protocol = self.client.protocol
            msg_id = str(uuid.uuid4())
            future: Future[Any] = Future()
            protocol._request_futures[msg_id] = future
            protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
            if cancel:
                protocol._send_data({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": msg_id}})
            try:
                return await asyncio.wrap_future(future)
            except Exception as exc:
                return exc

        return self.run(send(), timeout)

    def notify(self, method: str, params: Any) -> None:
        async def send() -> None:
            self.client.protocol._send_data({"jsonrpc": "2.0", "method": method, "params": params})

        self.run(send(), 5)

    @property
    def alive(self) -> bool:
        process = self.client._server
        return process is not None and process.returncode is None

    def stop(self) -> None:
        async def shutdown() -> None:
            try:
                await asyncio.wait_for(self.client.shutdown_async(None), 10)
                self.client.exit(None)
            finally:
                await self.client.stop()

        try:
            self.run(shutdown(), 30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)


def _ignore(params: Any) -> None:
    return None


async def _discard(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEX_LS_") and not k.lower().endswith("_proxy")}
    return env | extra
