"""The language server object: settings, backend, engine and the feature modules.

``create_server`` builds a server from its parts, so tests and benchmarks can
give it a different backend or clock; ``features/`` modules add the handlers.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import FeatureRequestError
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from . import __version__
from .actions.state import ActionState
from .backends.base import Backend
from .backends.chat import ChatBackend
from .backends.http import display_url
from .backends.registry import make_backend, make_chat_backend
from .config import Config, parse_config
from .context.fim import TEMPLATES, template_for
from .context.neighbours import NeighbourIndex
from .context.window import PositionOutOfRangeError, offset_at, relative_path
from .engine import CompletionContext, CompletionEngine, Outcome
from .errors import AuthenticationError, BackendError, BackendTimeoutError, CodexError, ConfigError, redact
from .protocol import CodexProtocol
from .scheduler import LatestWins

log = logging.getLogger(__name__)

BackendFactory = Callable[[Config], Backend]
ChatBackendFactory = Callable[[Config], ChatBackend]


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
        self.scheduler = LatestWins()
        self.neighbour_index = NeighbourIndex()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.config = config
        self.engine = self._build_engine(config)
        #: Set at ``shutdown``: from then on nothing more is sent to the client.
        self.closing = False
        self._reporting = False

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        from . import stdio

        stdin = stdin or sys.stdin.buffer
        if stdio.readable_by_the_loop(stdin):
            stdio.serve(self, stdin, stdout or sys.stdout.buffer)
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

    def apply_settings(self, raw: Any, source: str = "codexLs") -> None:
        """Replace the settings; invalid ones are named once and fall back to defaults."""
        config, errors = parse_config(raw, source)
        if errors:
            self.notifier.notify("config", "invalid settings: " + "; ".join(errors), types.MessageType.Error)
        if config == self.config:
            return
        try:
            engine = self._build_engine(config)
        except ConfigError as exc:
            self.notifier.notify("config", f"{exc}; keeping the previous settings", types.MessageType.Error)
            return
        old = self.engine
        self.scheduler.cancel_all()
        self.config, self.engine = config, engine
        self.run_task(old.backend.aclose())
        log.info("settings applied: backend %s %s", config.backend.kind, display_url(config.backend.base_url))

    async def complete_at(
        self, uri: str, position: types.Position, *, manual: bool
    ) -> tuple[Outcome, TextDocument] | None:
        """Run the completion pipeline at a client position; ``None`` when there is nothing.

        Failures are reported (rate-limited) and answered with nothing: a
        completion request never fails the client and never hangs.
        """
        if not self.config.completion.enabled:
            return None
        deadline = asyncio.timeout_at(asyncio.get_running_loop().time() + self.config.completion.timeout)
        document = self.workspace.get_text_document(uri)
        text = document.source
        try:
            offset = offset_at(text, position, document.position_codec)
        except PositionOutOfRangeError as exc:
            log.info("completion at %s:%s ignored: %s", position.line, position.character, exc)
            return None
        roots = [f.uri for f in self.workspace.folders.values()]
        context = CompletionContext(
            uri=uri,
            text=text,
            offset=offset,
            language_id=document.language_id or "",
            path=relative_path(uri, roots),
            version=document.version,
            manual=manual,
            neighbours=self._neighbours(uri, text[max(0, offset - 1500) : offset], roots),
        )
        try:
            async with deadline:
                outcome = await self.scheduler.run(uri, self.engine.complete(context))
        except (CodexError, ValueError, OSError) as exc:
            if deadline.expired():
                self.late_completions.late(self.config.completion.timeout)
            else:
                self.report_backend_error(exc)
            return None
        if outcome is None:
            return None
        self.late_completions.in_time()
        return outcome, document

    def _neighbours(self, uri: str, query: str, roots: list[str]) -> tuple[tuple[str, str], ...]:
        """Snippets of the other open documents most like the code before the cursor."""
        c = self.config.completion
        if c.context_files == 0:
            return ()
        others = [
            (other, relative_path(other, roots), doc.version, doc.source)
            for other, doc in self.workspace.text_documents.items()
            if other != uri
        ]
        snippets = self.neighbour_index.best(query, others, limit=c.context_files, budget_chars=c.context_files_chars)
        return tuple((s.path, s.text) for s in snippets)

    def report_backend_error(self, exc: BaseException) -> None:
        if isinstance(exc, AuthenticationError):
            setting = "backend.apiKeyEnv / backend.apiKeyCommand"
            self.notifier.notify(
                "auth",
                f"the backend refused the API key ({exc.status}); check {setting}",
                types.MessageType.Error,
            )
        elif isinstance(exc, CodexError):
            # Timeouts of every kind are one kind to the user: one message a minute.
            kind = BackendTimeoutError if isinstance(exc, BackendTimeoutError) else type(exc)
            self.notifier.notify(kind.__name__, exc.user_message)
        else:
            log.exception("unexpected error in a completion", exc_info=exc)
            self.notifier.notify("internal", f"internal error: {type(exc).__name__}: {exc}", types.MessageType.Error)

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


def _gguf_family(config: Config) -> str | None:
    """The FIM family of a user's own GGUF (``model.path``), from its metadata."""
    if config.backend.kind != "local" or not config.model.path:
        return None
    from .gguf import gguf_fim_family
    from .models import ModelError

    try:
        return gguf_fim_family(Path(config.model.path).expanduser())
    except (ModelError, OSError) as exc:
        log.warning("model.path: cannot read the FIM family from %s (%s)", config.model.path, exc)
        return None


def create_server(
    config: Config | None = None,
    backend_factory: BackendFactory = make_backend,
    clock: Callable[[], float] = time.monotonic,
    chat_backend_factory: ChatBackendFactory = make_chat_backend,
) -> CodexLanguageServer:
    from .features import (
        code_actions,
        commands,
        completion,
        configuration,
        documents,
        inline_completion,
        lifecycle,
    )

    server = CodexLanguageServer(config or Config(), backend_factory, clock, chat_backend_factory)
    for feature in (lifecycle, configuration, inline_completion, completion, documents, code_actions, commands):
        feature.register(server)
    return server


__all__ = ["BackendError", "CodexLanguageServer", "create_server"]
