"""Chat on the embedded model: the GGUF's chat template, run as any other generation.

The same :class:`~codex_ls.backends.local_model.LoadedModel` that serves completions
answers chat requests, so only one copy of the model is ever in memory. A chat
generation takes the model's turns in the ``action`` lane, in a worker thread
(``worker_stream.py``): it pauses between tokens for a waiting completion, and
checks a stop flag between tokens, so closing the stream, or cancelling its
reader, frees the model within one token.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections import Counter
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

from ..errors import BackendError
from .base import Delta, GenerationRequest, Lane
from .chat import Message, chat_messages
from .local import LocalBackend
from .local_model import GenerationStats, LoadedModel
from .worker_stream import worker_stream

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
) -> GenerationStats:
    """One streamed chat generation on the completions' path (turns, pauses, stop flag);
    runs in a worker thread."""
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
        return model.generate(request, emit, stopped)
    except BackendError as exc:
        raise BackendError(f"{exc}; or select less code") from None


class LocalChatBackend:
    name = "local-chat"

    def __init__(self, local: LocalBackend) -> None:
        self.local = local

    def chat(self, messages: Sequence[Message], *, max_tokens: int, temperature: float) -> AsyncGenerator[Delta, None]:
        return self._chat(tuple(messages), max_tokens, temperature)

    async def _chat(
        self, messages: Sequence[Message], max_tokens: int, temperature: float
    ) -> AsyncGenerator[Delta, None]:
        model = await self.local.load()
        work = functools.partial(run_chat, model, messages, max_tokens, temperature)
        ended = functools.partial(_log_chat, self.local.models.usage)
        async with contextlib.aclosing(worker_stream(work, ended)) as deltas:
            async for delta in deltas:
                yield delta

    async def aclose(self) -> None:
        await self.local.aclose()


def _log_chat(usage: Counter[str], stats: GenerationStats) -> None:
    stats.count(usage)
    log.info("local chat ended: %s", stats)
