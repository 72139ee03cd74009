"""Chat on the embedded model: ``llm.create_chat_completion`` with the GGUF's chat template.

The same :class:`~codex_ls.backends.local.LoadedModel` that serves completions
answers chat requests, so only one copy of the model is ever in memory. A chat
generation holds the model's lock for its whole run, in a worker thread, and
checks a stop flag between tokens: closing the stream frees the model within
one token.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

from ..config import ModelConfig
from ..errors import BackendError
from .base import Delta
from .chat import Message, chat_messages
from .local import LoadedModel, LocalBackend

log = logging.getLogger(__name__)


def run_chat(
    model: LoadedModel,
    messages: Sequence[Message],
    max_tokens: int,
    temperature: float,
    emit: Callable[[Delta], None],
    stopped: Callable[[], bool],
) -> str:
    """One streamed chat generation; runs in a worker thread; returns the finish reason."""
    with model.lock:
        started = time.perf_counter()
        try:
            chunks: Any = model.llm.create_chat_completion(
                messages=chat_messages(messages),
                stream=True,
                temperature=temperature,
                max_tokens=max_tokens,
            )
        except ValueError as exc:  # llama.cpp's way to say the prompt does not fit
            advice = "; raise model.nCtx or select less code" if "context" in str(exc) else ""
            raise BackendError(f"the local model cannot take this request: {exc}{advice}") from None
        finish, count = "cancelled", 0
        try:
            for chunk in chunks:
                if stopped():
                    break
                choice = chunk["choices"][0]
                text = str((choice.get("delta") or {}).get("content") or "")
                count += bool(text)
                if choice.get("finish_reason") is not None:
                    finish = str(choice["finish_reason"])
                    emit(Delta(text, finish_reason=finish))
                    break
                if text:
                    emit(Delta(text, tokens=1))
        finally:
            chunks.close()
        log.info("local chat ended: finish=%s, %d tokens in %.2fs", finish, count, time.perf_counter() - started)
        return finish


class LocalChatBackend:
    name = "local-chat"

    def __init__(self, config: ModelConfig, local: LocalBackend | None = None) -> None:
        self.local = local or LocalBackend(config)

    def chat(self, messages: Sequence[Message], *, max_tokens: int, temperature: float) -> AsyncGenerator[Delta, None]:
        return self._chat(tuple(messages), max_tokens, temperature)

    async def _chat(
        self, messages: Sequence[Message], max_tokens: int, temperature: float
    ) -> AsyncGenerator[Delta, None]:
        model = await self.local.load()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Delta | BaseException | None] = asyncio.Queue()
        stop = threading.Event()

        def emit(item: Delta | BaseException | None) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        def work() -> None:
            try:
                run_chat(model, messages, max_tokens, temperature, emit, stop.is_set)
            except BaseException as exc:
                emit(exc)
            finally:
                emit(None)

        worker = loop.run_in_executor(None, work)
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, BackendError):
                    raise item
                if isinstance(item, BaseException):
                    raise BackendError(f"the local model failed: {item!r}") from item
                yield item
        finally:
            stop.set()  # the worker sees it within one token and releases the model
            worker.add_done_callback(_log_failure)

    async def aclose(self) -> None:
        await self.local.aclose()


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and (exc := future.exception()) is not None:
        log.error("local chat failed: %r", exc)
