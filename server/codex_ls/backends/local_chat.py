"""Chat on the embedded model: the GGUF's chat template, run as any other generation.

The same :class:`~codex_ls.backends.local.LoadedModel` that serves completions
answers chat requests, so only one copy of the model is ever in memory. A chat
generation takes the model's turns in the ``action`` lane, in a worker thread:
it pauses between tokens for a waiting completion, and checks a stop flag
between tokens, so closing the stream frees the model within one token.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

from ..config import ModelConfig
from ..errors import BackendError
from .base import Delta, GenerationRequest, Lane
from .chat import Message, chat_messages
from .local import LoadedModel, LocalBackend

log = logging.getLogger(__name__)


def chat_prompt(llm: Any, messages: Sequence[Message]) -> tuple[str, tuple[str, ...]]:
    """The prompt and stop strings for ``messages``, by the GGUF's own chat template, as
    ``create_chat_completion`` would build them."""
    from llama_cpp import llama_chat_format

    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        raise BackendError("the local model has no chat template: the code actions need one")
    eos, bos = llm.token_eos(), llm.token_bos()
    formatter: Any = llama_chat_format.Jinja2ChatFormatter(
        template=template,
        eos_token=llm._model.token_get_text(eos) if eos != -1 else "",
        bos_token=llm._model.token_get_text(bos) if bos != -1 else "",
        stop_token_ids=[eos],
    )
    formatted = formatter(messages=chat_messages(messages))
    stop = formatted.stop
    stops = (stop,) if isinstance(stop, str) else tuple(stop or ())
    return formatted.prompt, stops


def run_chat(
    model: LoadedModel,
    messages: Sequence[Message],
    max_tokens: int,
    temperature: float,
    emit: Callable[[Delta], None],
    stopped: Callable[[], bool],
) -> str:
    """One streamed chat generation on the completions' path (turns, pauses, stop flag);
    runs in a worker thread; returns the finish reason."""
    prompt, stops = chat_prompt(model.llm, messages)
    request = GenerationRequest(
        prefix="",
        suffix="",
        prompt=prompt,
        stop=stops,
        max_tokens=max_tokens,
        temperature=temperature,
        lane=Lane.ACTION,
    )
    try:
        stats = model.generate(request, emit, stopped)
    except BackendError as exc:
        raise BackendError(f"{exc}; or select less code") from None
    log.info("local chat ended: %s", stats)
    return stats.finish


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
