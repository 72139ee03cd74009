"""The language server object: settings, the completion service, action state, messages to the user.

``lsp/app.py`` builds it and registers the handlers of ``lsp/handlers/``, which
import it; this module imports none of them.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import FeatureRequestError
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..backends.base import Backend
from ..backends.chat import ChatBackend
from ..backends.http_errors import display_url
from ..backends.registry import make_backend, make_chat_backend
from ..completion.engine import CompletionEngine
from ..completion.fim import TEMPLATES, template_for
from ..completion.request import Answer
from ..completion.service import CompletionService, OpenDocument
from ..config import Config
from ..errors import (
    AuthenticationError,
    BackendTimeoutError,
    CodexError,
    ConfigError,
    redact,
    unreachable,
    user_message,
)
from ..positions import PositionOutOfRangeError, offset_at, position_at
from ..settings_sources import load_settings
from .protocol import CodexProtocol

log = logging.getLogger(__name__)

#: Seconds before ``completion.timeout`` at which the samples finished so far are the
#: answer (a tenth of the timeout when that is less): ranking them takes milliseconds.
ANSWER_MARGIN = 0.5

BackendFactory = Callable[[Config], Backend]
ChatBackendFactory = Callable[[Config], ChatBackend]


class ActionState:
    def __init__(self) -> None:
        self._chat: ChatBackend | None = None
        self._chat_key: object = None
        #: *Find bugs* diagnostics per document URI, until the document changes.
        self.findings: dict[str, list[types.Diagnostic]] = {}
        #: Actions running now (for ``codex/status``).
        self.running = 0

    def chat_backend(
        self, config: Config, factory: Callable[[Config], ChatBackend]
    ) -> tuple[ChatBackend, ChatBackend | None]:
        """The chat backend for ``config`` and the previous one if it must be closed."""
        key = (config.backend, config.model)
        if self._chat is not None and key == self._chat_key:
            return self._chat, None
        old, self._chat, self._chat_key = self._chat, factory(config), key
        return self._chat, old


class Notifier:
    """User-facing messages, at most one per kind per interval; everything is logged."""

    def __init__(
        self,
        show: Callable[[types.MessageType, str], None],
        clock: Callable[[], float] = time.monotonic,
        interval: float = 60.0,
    ) -> None:
        self._show = show
        self._clock = clock
        self._interval = interval
        self._last: dict[str, float] = {}

    def notify(self, key: str, message: str, kind: types.MessageType = types.MessageType.Warning) -> bool:
        log.warning("%s", message)
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self._interval:
            return False
        self._last[key] = now
        self._show(kind, message)
        return True

    def reset(self) -> None:
        self._last.clear()


@dataclass(frozen=True)
class Reply:
    """The completion service's answer at a cursor, with the text it was computed on."""

    answer: Answer
    cursor: int
    text: str
    encoding: str | None

    def range(self, start: int, end: int) -> types.Range:
        """The client range of ``start``..``end`` (offsets into ``text``)."""
        return types.Range(position_at(self.text, start, self.encoding), position_at(self.text, end, self.encoding))


class LateCompletions:
    """Says why completions come back empty when they take longer than ``completion.timeout``.

    ``codex/status`` turns to ``error`` with the reason once per slow spell and back
    when a completion is in time again; the message window says it once per session.
    Every late completion is logged.
    """

    def __init__(
        self,
        show: Callable[[types.MessageType, str], None],
        status: Callable[[str, str | None], None],
        busy: Callable[[], bool],
    ) -> None:
        self._show, self._status, self._busy = show, status, busy
        self._late = False
        self._told = False

    def late(self, seconds: float) -> None:
        reason = f"no suggestion: the model took longer than completion.timeout ({seconds:g}s)"
        log.warning("%s", reason)
        if not self._told:
            self._told = True
            self._show(types.MessageType.Warning, f"{reason}; raise it, or use a faster backend")
        if not self._late:
            self._late = True
            self._status("error", reason)

    def in_time(self) -> None:
        if self._late:
            self._late = False
            self._status("busy" if self._busy() else "idle", None)


class CodexLanguageServer(LanguageServer):
    def __init__(
        self,
        config: Config,
        backend_factory: BackendFactory = make_backend,
        clock: Callable[[], float] = time.monotonic,
        chat_backend_factory: ChatBackendFactory = make_chat_backend,
    ) -> None:
        super().__init__("codex-ls", __version__, protocol_cls=CodexProtocol)
        self.backend_factory = backend_factory
        #: Builds the chat backend of the code actions (``actions/``) from the settings.
        self.chat_backend_factory = chat_backend_factory
        self.actions = ActionState()
        self.notifier = Notifier(self._show_message, clock)
        self.late_completions = LateCompletions(self._show_message, self.send_status, lambda: self.actions.running > 0)
        self.tasks: set[asyncio.Task[Any]] = set()
        self.config = config
        self.completion = CompletionService(self._build_engine(config))
        #: Set at ``shutdown``: from then on nothing more is sent to the client.
        self.closing = False
        self._reporting = False

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        from . import stdio

        stdin = stdin or sys.stdin.buffer
        stdout = stdout or stdio.protocol_stdout()
        if stdio.readable_by_the_loop(stdin):
            stdio.serve(self, stdin, stdout)
        else:
            super().start_io(stdin, stdout)

    def _show_message(self, kind: types.MessageType, message: str) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=f"codex-ls: {redact(message)}"))

    def send_status(self, state: str, message: str | None = None) -> None:
        """``codex/status`` ``{state: "idle" | "busy" | "error", message?}`` for status bars."""
        if self.closing:
            return
        params = {"state": state} | ({"message": redact(message)} if message else {})
        self.protocol.notify("codex/status", params)

    def _build_engine(self, config: Config) -> CompletionEngine:
        try:
            template = template_for(config.backend.fim_family or _gguf_family(config), config.backend.model)
        except ValueError as exc:
            self.notifier.notify("config", f"backend.fimFamily: {exc}; using qwen")
            template = TEMPLATES["qwen"]
        return CompletionEngine(config, self.backend_factory(config), template)

    def apply_settings(self, editor: Any) -> None:
        """The editor's settings over the settings file's; invalid ones are named once and
        fall back to their defaults, and a file that cannot be read is named too."""
        config, errors = load_settings(editor)
        if errors:
            self.notifier.notify("config", "invalid settings: " + "; ".join(errors), types.MessageType.Error)
        if config == self.config:
            return
        try:
            engine = self._build_engine(config)
        except ConfigError as exc:
            self.notifier.notify("config", f"{exc}; keeping the previous settings", types.MessageType.Error)
            return
        old = self.completion.replace_engine(engine)
        self.config = config
        self.run_task(old.aclose())
        log.info("settings applied: backend %s %s", config.backend.kind, display_url(config.backend.base_url))

    async def complete_at(self, uri: str, position: types.Position, *, manual: bool) -> Reply | None:
        """The completion service's answer at a client position; ``None`` when there is nothing.

        Failures are reported (rate-limited) and answered with nothing: a
        completion request never fails the client and never hangs.
        """
        if not self.config.completion.enabled:
            return None
        timeout = self.config.completion.timeout
        end = asyncio.get_running_loop().time() + timeout
        deadline = asyncio.timeout_at(end)
        document = self.workspace.get_text_document(uri)
        text, encoding = document.source, document.position_codec.encoding
        try:
            offset = offset_at(text, position, encoding)
        except PositionOutOfRangeError as exc:
            log.info("completion at %s:%s ignored: %s", position.line, position.character, exc)
            return None
        here, others = self.documents(uri)
        try:
            async with deadline:
                samples_until = end - min(ANSWER_MARGIN, timeout / 10)
                answer = await self.completion.complete(
                    here, offset, manual=manual, others=others, deadline=samples_until
                )
        except (CodexError, ValueError, OSError) as exc:
            if deadline.expired():
                self.late_completions.late(timeout)
            else:
                self.report_backend_error(exc)
            return None
        if answer is None:
            return None
        if not answer.suggestions and asyncio.get_running_loop().time() >= samples_until:
            self.late_completions.late(timeout)  # nothing had finished by the deadline
            return None
        self.late_completions.in_time()
        return Reply(answer, offset, text, encoding)

    def documents(self, uri: str) -> tuple[OpenDocument, Iterator[OpenDocument]]:
        """The document ``uri`` as the completion service sees it, and the other open ones."""
        roots = [f.uri for f in self.workspace.folders.values()]
        document = self.workspace.get_text_document(uri)
        here = OpenDocument(
            uri, relative_path(uri, roots), document.version, document.source, document.language_id or ""
        )
        others = (
            OpenDocument(other, relative_path(other, roots), doc.version, doc.source)
            for other, doc in list(self.workspace.text_documents.items())
            if other != uri
        )
        return here, others

    def report_backend_error(self, exc: BaseException) -> None:
        """One message per kind of failure and minute: a refused key or an internal error as an error,
        the rest (timeouts, a server down) as a warning."""
        if isinstance(exc, AuthenticationError):
            self.notifier.notify("auth", user_message(exc), types.MessageType.Error)
        elif isinstance(exc, CodexError):
            # Timeouts of every kind are one kind to the user, and so are the ways a backend
            # that is down or restarting fails (``errors.unreachable``): one message a minute.
            kind = BackendTimeoutError if isinstance(exc, BackendTimeoutError) else type(exc)
            self.notifier.notify("unreachable" if unreachable(exc) else kind.__name__, user_message(exc))
        else:
            log.exception("unexpected error in a completion", exc_info=exc)
            self.notifier.notify("internal", user_message(exc), types.MessageType.Error)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Errors outside a request: one rate-limited message, never a loop of them.

        Reporting sends a message; if sending is what failed (the client is gone),
        reporting again would fail the same way, forever.
        """
        if self._reporting or self.closing or isinstance(error, (OSError, ValueError)):
            log.debug("not reported to the client: %r", error)
            return
        self._reporting = True
        try:
            if source is not FeatureRequestError:
                self.notifier.notify("server-error", f"internal error: {error}", types.MessageType.Error)
        finally:
            self._reporting = False

    def run_task(self, work: Any) -> asyncio.Task[Any]:
        """Run a background job; its failure is logged, never lost."""
        task: asyncio.Task[Any] = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("background task failed: %r", exc)


def relative_path(uri: str, roots: list[str]) -> str:
    """The document's path relative to the workspace folder holding it, else its name."""
    path = to_fs_path(uri) or uri
    pure = PurePosixPath(path.replace("\\", "/"))
    for root in roots:
        root_path = to_fs_path(root) or root
        try:
            return str(pure.relative_to(PurePosixPath(root_path.replace("\\", "/"))))
        except ValueError:
            continue
    return pure.name


def _gguf_family(config: Config) -> str | None:
    """The FIM family of a user's own GGUF (``model.path``), from its metadata."""
    if config.backend.kind != "local" or not config.model.path:
        return None
    from ..models.gguf import gguf_fim_family
    from ..models.registry import ModelError

    try:
        return gguf_fim_family(Path(config.model.path).expanduser())
    except (ModelError, OSError) as exc:
        log.warning("model.path: cannot read the FIM family from %s (%s)", config.model.path, exc)
        return None
