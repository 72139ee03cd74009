"""The walk of one inline completion from the handler to the backend: each module once, none returned to.

The request is traced as it runs (``sys.setprofile``) on the real server object, from
the ``textDocument/inlineCompletion`` handler until the backend's stream is called.
A module is *entered* when a function of it is called from another module; a task's
coroutine counts as called where the task was made. A module is entered *again* when
it is entered after it was left: none of its calls is among the callers, and another
module was entered since. A stage may be called back while it is still among the
callers (the flight's watch around the stream it started): it was not left.

Modules of values and pure functions that any stage may use are not stages and are
not counted (``HELPERS``).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncGenerator, Coroutine
from types import FrameType
from typing import Any

import pytest
from lsprotocol import types

from codex_ls.backends.base import CacheLayout, Delta, GenerationRequest
from codex_ls.completion.engine import CompletionEngine
from codex_ls.completion.fim import TEMPLATES
from codex_ls.config import Config
from codex_ls.lsp.handlers.inline_completion import inline_completion
from codex_ls.lsp.server import CodexLanguageServer

from .lsp.test_protocol import Sink, feed

#: Values, pure functions and a container, used by any stage: not stops on the walk.
HELPERS = {
    "codex_ls.positions",
    "codex_ls.tasks",
    "codex_ls.backends.base",
    "codex_ls.completion.autoclose",
    "codex_ls.completion.cursor",
    "codex_ls.completion.fim",
    "codex_ls.completion.lexer",
    "codex_ls.completion.lines",
    "codex_ls.completion.nextline",
    "codex_ls.completion.request",
    "codex_ls.completion.reuse",
    "codex_ls.completion.runaway",
    "codex_ls.completion.syntax",
    "codex_ls.completion.window",
}
_GENERATED = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR


class Backend:
    """Writes one line; a block, when the line ends."""

    name = "scripted"
    max_samples = 1
    samples_in_sequence = False

    def __init__(self, layout: CacheLayout | None) -> None:
        self.cache_layout = layout

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        for part in ("total + 1\n", "    return total\n"):
            yield Delta(part)
        yield Delta("", finish_reason="stop")

    async def prepare(self, *prompts: str) -> None:
        return None

    async def aclose(self) -> None:
        return None


BACKEND_STREAM = Backend.stream.__code__


class Walk:
    """The modules one request enters, in order, and those it entered again after leaving them."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.again: list[str] = []
        self.reached_backend = False
        self._frames: list[FrameType] = []  # kept alive, so that no id is reused
        self._seen: set[int] = set()
        self._returned: set[int] = set()
        self._made_by: dict[int, FrameType] = {}

    @staticmethod
    def stage(frame: FrameType) -> str | None:
        name = frame.f_globals.get("__name__", "")
        if frame.f_code is BACKEND_STREAM:
            return "backend"
        if not name.startswith("codex_ls.") or name in HELPERS or not frame.f_code.co_filename.endswith(".py"):
            return None  # not ours, a helper, or code a dataclass generated
        return name.removeprefix("codex_ls.")

    def task_made(self, coroutine: Any) -> None:
        frame = getattr(coroutine, "cr_frame", None)
        if frame is not None:
            caller = sys._getframe(2)
            self._frames += [frame, caller]
            self._made_by[id(frame)] = caller

    def callers(self, frame: FrameType) -> list[str]:
        """The stages among the frames still running that led to ``frame``, nearest first."""
        found: list[str] = []
        caller = self._made_by.get(id(frame), frame.f_back)
        while caller is not None:
            stage = self.stage(caller)
            if stage is not None and id(caller) not in self._returned:
                found.append(stage)
            caller = self._made_by.get(id(caller), caller.f_back)
        return found

    def profile(self, frame: FrameType, event: str, arg: object) -> None:
        if self.reached_backend:
            return
        if event == "return" and not frame.f_code.co_flags & _GENERATED:
            self._returned.add(id(frame))
        if event != "call" or id(frame) in self._seen:
            return  # a coroutine resumed is not a call
        self._seen.add(id(frame))
        self._frames.append(frame)
        stage = self.stage(frame)
        if stage is None:
            return
        callers = self.callers(frame)
        if callers and callers[0] == stage:
            return
        if self.entered[-1:] != [stage] and stage not in callers:
            if stage in self.entered:
                self.again.append(f"{stage}.{frame.f_code.co_name} (from {callers[0] if callers else 'the loop'})")
            self.entered.append(stage)
        self.reached_backend = stage == "backend"


def started(layout: CacheLayout | None) -> CodexLanguageServer:
    server = CodexLanguageServer(Config())
    server.protocol.set_writer(Sink())  # type: ignore[arg-type]
    feed(server, {"id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": "file:///p"}})
    feed(server, {"method": "initialized", "params": {}})
    server.completion.replace_engine(CompletionEngine(Config(), Backend(layout), TEMPLATES["qwen"]))
    return server


def params(uri: str, line: int, character: int) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line, character),
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
    )


async def walk_of_a_model_answered_request(layout: CacheLayout | None, block: bool) -> tuple[Walk, list[str]]:
    server = started(layout)
    uri = "file:///p/a.py"
    cursor_line = "    " if block else "    return "
    text = f"def g(total):\n    return total\n\n\ndef f(total):\n{cursor_line}\n"
    server.workspace.put_text_document(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
    await inline_completion(server, params(uri, 1, 4))  # an earlier request: the document has its session
    walk = Walk()
    made = asyncio.ensure_future

    def ensure_future(coroutine: Coroutine[Any, Any, Any], **kwargs: Any) -> asyncio.Future[Any]:
        walk.task_made(coroutine)
        return made(coroutine, **kwargs)

    asyncio.ensure_future = ensure_future  # type: ignore[assignment]
    sys.setprofile(walk.profile)
    try:
        reply = await inline_completion(server, params(uri, 5, len(cursor_line)))
    finally:
        sys.setprofile(None)
        asyncio.ensure_future = made
    assert reply is not None
    return walk, [item.insert_text for item in reply.items]  # type: ignore[misc]


WALK = [
    "lsp.handlers.inline_completion",
    "lsp.server",
    "completion.service",
    "completion.neighbours",
    "completion.scheduler",
    "completion.engine",
    "completion.prompting",
    "completion.flight",
    "completion.debounce",
    "completion.generate",
    "completion.samples",
    "backend",
]


@pytest.mark.parametrize("block", [False, True], ids=["one-line", "block"])
@pytest.mark.parametrize(
    "layout", [None, CacheLayout(typed_last=True, cold_tokens=64)], ids=["plain-prompting", "cached-prompting"]
)
async def test_a_model_answered_completion_enters_each_module_once_in_order(
    layout: CacheLayout | None, block: bool
) -> None:
    walk, answer = await walk_of_a_model_answered_request(layout, block)
    assert answer == (["total + 1\n    return total"] if block else ["total + 1"])
    assert walk.reached_backend
    assert walk.again == []
    expected = WALK if not block else [*WALK[:9], "completion.suggestions", *WALK[9:]]
    assert walk.entered == expected
