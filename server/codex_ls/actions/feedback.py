"""What the user sees while an action runs: ``$/progress`` and ``codex/status``.

Progress uses a token the server creates (``window/workDoneProgress/create``)
when the client supports it, and is cancellable: the client's
``window/workDoneProgress/cancel`` cancels the action's task, which closes the
model stream. ``codex/status`` (``{state: "idle" | "busy" | "error", message?}``)
goes out when an action starts, ends or fails, for status bars in editor plugins.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:
    from ..server import CodexLanguageServer

log = logging.getLogger(__name__)

STATUS = "codex/status"


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
        self.status("busy", self.title)
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
        if failed:
            self.status("error", message)
        else:
            self.status("busy" if self.ls.actions.running else "idle", message)

    def status(self, state: str, message: str | None = None) -> None:
        if self.ls.closing:
            return
        params: dict[str, str] = {"state": state}
        if message:
            params["message"] = message
        self.ls.protocol.notify(STATUS, params)
