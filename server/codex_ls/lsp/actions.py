"""Running an action for the editor: a job from the document, supervision, and delivery.

What the user sees while an action runs: ``$/progress`` and ``codex/status``.
Progress uses a token the server creates (``window/workDoneProgress/create``)
when the client supports it, and is cancellable: the client's
``window/workDoneProgress/cancel`` cancels the action's task, which closes the
model stream. ``codex/status`` (``{state: "idle" | "busy" | "error", message?}``)
goes out when an action starts, ends or fails, for status bars in editor plugins.
While the model writes, the progress message counts the characters received
(at most every 0.1 s); an edit is applied once, whole, at the end.

Streamed text: ``codex/explain`` ``{textDocument, range, partialResultToken?}``
answers ``{markdown}``, the whole explanation, as it always has. With a
``partialResultToken`` the client also receives, before that answer,
``$/progress {token, value: {markdown: piece}}`` notifications as the model
writes: each piece follows the previous ones, and the pieces join into the
answer's ``markdown`` exactly. ``codex/translate`` ``{textDocument, range,
target, partialResultToken?}`` answers ``{code, languageId}``, and its pieces
``{code: piece}`` are the lines of the code as the model completes them (the
pieces join into ``code`` when the model fences its code, as it is asked to;
the answer is the whole translation in any case). Pieces are sent at most every
0.1 s, the first at once (``partials.py``). Cancelling the request
(``$/cancelRequest``) or its progress stops the generation: the model stream is
closed and no piece is sent after that. (LSP's own partial results leave the
final answer empty; here it stays whole so that a client that ignores the
pieces still works.)

An action's work runs in its own task under :class:`Feedback` (progress,
status, cancellation). Failures never escape: they end the progress, send
``codex/status`` ``error`` and show one message. An edit is checked against the
document's current version right before it is applied; if the user changed the
document meanwhile, the edit is computed once more, and dropped with a message
if the document changed again.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from ..actions.documents import cache_dir, explanation, translation
from ..actions.edits import edited_uris
from ..actions.job import (
    ActionArgs,
    ActionFailedError,
    Completer,
    DocumentResult,
    EditResult,
    Existing,
    FindingsResult,
    Job,
    Result,
    Snapshot,
)
from ..actions.specs import ACTIONS
from ..errors import AuthenticationError, CodexError, user_message
from ..languages import language_of
from ..tasks import cancel_once, join
from .partials import partial_text
from .server import CodexLanguageServer, relative_path

log = logging.getLogger(__name__)
T = TypeVar("T")


class Feedback:
    """Progress and status for one running action."""

    def __init__(self, ls: CodexLanguageServer, title: str) -> None:
        self.ls = ls
        self.title = title
        self.token: str | None = None
        self._last = ""
        self._ended = False

    async def start(self, on_cancel: Callable[[], None]) -> None:
        self.ls.actions.running += 1
        self.ls.send_status("busy", self.title)
        if not self._supports_progress():
            return
        token = f"codex-{uuid.uuid4().hex}"
        try:
            await self.ls.work_done_progress.create_async(token)
        except Exception as exc:  # a client that refuses: the action runs without a progress bar
            log.info("window/workDoneProgress/create failed: %r", exc)
            return
        self.token = token
        future: Future[Any] | None = self.ls.work_done_progress.tokens.get(token)
        if future is not None:
            future.add_done_callback(lambda f: on_cancel() if f.cancelled() else None)
        begin = types.WorkDoneProgressBegin(title=self.title, cancellable=True, message="starting")
        self.ls.work_done_progress.begin(token, begin)

    def _supports_progress(self) -> bool:
        window = self.ls.client_capabilities.window
        return bool(window and window.work_done_progress) and not self.ls.closing

    def report(self, message: str) -> None:
        if self.token is None or self._ended or message == self._last or self.ls.closing:
            return
        self._last = message
        self.ls.work_done_progress.report(self.token, types.WorkDoneProgressReport(message=message))

    def end(self, message: str, *, failed: bool = False) -> None:
        if self._ended:
            return
        self._ended = True
        self.ls.actions.running -= 1
        if self.token is not None and not self.ls.closing:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.ls.work_done_progress.tokens.pop(self.token, None)
        # The server's one sender of codex/status, which redacts every message.
        if failed:
            self.ls.send_status("error", message)
        else:
            self.ls.send_status("busy" if self.ls.actions.running else "idle", message)


class ActionRunner:
    def __init__(self, ls: CodexLanguageServer) -> None:
        self.ls = ls

    # -- entry points ----------------------------------------------------------------------

    async def command(self, name: str, args: ActionArgs) -> None:
        """``workspace/executeCommand``: compute, then apply or show the result."""

        async def work(feedback: Feedback) -> None:
            await self.deliver(await self.compute(name, args, feedback), feedback)

        await self.supervise(f"Codex: {ACTIONS[name].title}", work)

    async def resolve(self, name: str, args: ActionArgs) -> types.WorkspaceEdit | None:
        """``codeAction/resolve``: the edit for the client to apply (``None`` on failure)."""

        async def work(feedback: Feedback) -> types.WorkspaceEdit:
            result = await self.compute(name, args, feedback)
            if not isinstance(result, EditResult):
                raise ActionFailedError(f"{ACTIONS[name].title} does not produce an edit")
            return result.edit

        return await self.supervise(f"Codex: {ACTIONS[name].title}", work)

    async def explain_markdown(self, args: ActionArgs, partial_token: int | str | None = None) -> str | None:
        """``codex/explain``: the explanation's Markdown, without a document.

        With ``partial_token`` its pieces go out as ``$/progress`` while the model writes.
        """

        async def explain(job: Job) -> str:
            _, markdown = await explanation(job)
            return markdown

        return await self.streamed("Codex: Explain", args, partial_token, "markdown", explain)

    async def translated_code(self, args: ActionArgs, partial_token: int | str | None = None) -> tuple[str, str] | None:
        """``codex/translate``: the translation's code and language id, without a document.

        With ``partial_token`` its lines go out as ``$/progress`` while the model writes.
        """

        async def translate(job: Job) -> tuple[str, str]:
            _, code, language = await translation(job)
            return code, language

        return await self.streamed(f"Codex: {ACTIONS['codex.translate'].title}", args, partial_token, "code", translate)

    async def streamed(
        self,
        title: str,
        args: ActionArgs,
        partial_token: int | str | None,
        key: str,
        compute: Callable[[Job], Awaitable[T]],
    ) -> T | None:
        """An action whose text is sent as ``$/progress {token, value: {key: piece}}`` while the model writes."""
        send = None if partial_token is None else self.partial_sender(partial_token, key)

        async def work(feedback: Feedback) -> T:
            with partial_text(send) as write:
                return await compute(self.job(args, feedback, write))

        return await self.supervise(title, work)

    def partial_sender(self, token: int | str, key: str) -> Callable[[str], None]:
        """Sends a piece of text as ``$/progress {token, value: {key: piece}}``."""

        def send(piece: str) -> None:
            if not self.ls.closing:
                self.ls.progress(types.ProgressParams(token=token, value={key: piece}))

        return send

    # -- supervision -----------------------------------------------------------------------

    async def supervise(self, title: str, work: Callable[[Feedback], Awaitable[T]]) -> T | None:
        """Run ``work`` in its own task with progress and status; failures are reported, not raised.

        Cancelling the progress cancels only the work (``None`` is returned); a
        cancelled request cancels the work and propagates.
        """
        feedback = Feedback(self.ls, title)
        task: asyncio.Task[T] | None = None

        def cancel() -> None:
            if task is not None:
                cancel_once(task)

        try:
            await feedback.start(cancel)
            task = asyncio.ensure_future(work(feedback))
            result = await join(task)
        except asyncio.CancelledError:
            feedback.end("cancelled")
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            return None
        except Exception as exc:
            feedback.end(self.report_failure(title, exc), failed=True)
            return None
        feedback.end("done")
        return result

    def report_failure(self, title: str, exc: Exception) -> str:
        """One message for the user (rate-limited per kind); returns it for the status."""
        message = f"{title}: {user_message(exc)}"
        if isinstance(exc, AuthenticationError):
            self.ls.report_backend_error(exc)  # one popup for completions and actions alike
            return message
        if not isinstance(exc, CodexError):
            log.exception("%s failed", title, exc_info=exc)
        # One message per distinct failure and minute: a user who asked must hear
        # why it failed, but the same failure repeated is not shown again at once.
        self.ls.notifier.notify(f"action-{message}", message, types.MessageType.Error)
        return message

    # -- computing -------------------------------------------------------------------------

    async def compute(self, name: str, args: ActionArgs, feedback: Feedback) -> Result:
        """The action's result; an edit computed for a stale document is computed once more."""
        for attempt in range(2):
            result = await ACTIONS[name].run(self.job(args, feedback))
            if not isinstance(result, EditResult) or not self.stale(result.edit):
                return result
            if attempt == 0:
                feedback.report("the document changed meanwhile; computing again")
        raise ActionFailedError("the document changed while the model was answering; nothing was applied")

    def stale(self, edit: types.WorkspaceEdit) -> bool:
        """True if a document the edit changes is not at the version the edit names."""
        for uri, version in edited_uris(edit):
            if version is None:
                continue
            current = self.ls.workspace.text_documents.get(uri)
            if current is None or current.version != version:
                return True
        return False

    def job(self, args: ActionArgs, feedback: Feedback, write: Callable[[str], None] | None = None) -> Job:
        ls = self.ls
        chat, old = ls.actions.chat_backend(ls.config, ls.chat_backend_factory)
        if old is not None:
            ls.run_task(old.aclose())
        return Job(
            args=args,
            snapshot=self.snapshot(args.uri),
            config=ls.config.actions,
            chat=chat,
            completer=Completer(ls.completion.backend, ls.completion.template),
            cache_dir=cache_dir(),
            report=feedback.report,
            write=write or (lambda _: None),
            can_create_files=self._can_create_files(),
            uri_of=lambda path: from_fs_path(str(path)) or path.as_uri(),
            opened=self.opened,
        )

    def snapshot(self, uri: str) -> Snapshot:
        workspace = self.ls.workspace
        if uri not in workspace.text_documents:
            raise ActionFailedError(f"{uri} is not open in the editor")
        document = workspace.get_text_document(uri)
        roots = [f.uri for f in workspace.folders.values()]
        root = next((r for r in roots if uri.startswith(r.rstrip("/") + "/")), None)
        root_path = to_fs_path(root) if root else None
        return Snapshot(
            uri=uri,
            text=document.source,
            version=document.version,
            language=document.language_id or language_of(uri),
            path=relative_path(uri, roots),
            root=Path(root_path) if root_path else None,
            file=Path(file_path) if (file_path := to_fs_path(uri)) else None,
            encoding=document.position_codec.encoding,
        )

    def opened(self, path: Path) -> Existing | None:
        """A file's text and version if the editor has it open (its disk copy may be older)."""
        document = self.ls.workspace.text_documents.get(from_fs_path(str(path)) or "")
        return None if document is None else Existing(document.source, document.version)

    def _can_create_files(self) -> bool:
        workspace = self.ls.client_capabilities.workspace
        edit_caps = workspace.workspace_edit if workspace else None
        operations = (edit_caps.resource_operations if edit_caps else None) or []
        return types.ResourceOperationKind.Create in operations

    # -- delivering ------------------------------------------------------------------------

    async def deliver(self, result: Result, feedback: Feedback) -> None:
        if isinstance(result, EditResult):
            await self.apply(result)
        elif isinstance(result, DocumentResult):
            await self.show(result.path)
        elif isinstance(result, FindingsResult):
            self.publish(result)

    async def apply(self, result: EditResult) -> None:
        params = types.ApplyWorkspaceEditParams(edit=result.edit, label=result.label)
        answer = await self.ls.workspace_apply_edit_async(params)
        if not answer.applied:
            reason = answer.failure_reason or "no reason given"
            raise ActionFailedError(f"the editor did not apply the edit ({reason})")

    async def show(self, path: Path) -> None:
        uri = from_fs_path(str(path)) or path.as_uri()
        window = self.ls.client_capabilities.window
        if window is None or window.show_document is None or not window.show_document.support:
            self.ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Info, message=f"codex-ls: written to {path}")
            )
            return
        shown = await self.ls.window_show_document_async(types.ShowDocumentParams(uri=uri, take_focus=True))
        if not shown.success:
            raise ActionFailedError(f"the editor could not open {path}")

    def publish(self, result: FindingsResult) -> None:
        self.ls.actions.findings[result.uri] = result.diagnostics
        self.ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=result.uri, diagnostics=result.diagnostics)
        )
        if not result.diagnostics:
            self.ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Info, message="codex-ls: no bugs found")
            )
