"""The worker-thread stream: a blocking producer's items reach the reader, and the worker
stops soon after the reader leaves, however it leaves, on the completions' and the chat's path.

No model: the producer stands for llama.cpp, as ``LoadedModel.generate`` runs it: a token
every 10 ms for up to 30 s, the stop flag looked at between tokens.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from codex_ls.backends import local_chat
from codex_ls.backends.base import Delta, GenerationRequest
from codex_ls.backends.local import LocalBackend, LocalModels
from codex_ls.backends.local_chat import LocalChatBackend
from codex_ls.backends.local_model import GenerationStats, LoadedModel
from codex_ls.backends.worker_stream import worker_stream
from codex_ls.config import ModelConfig
from codex_ls.errors import BackendError
from codex_ls.tasks import cancel_once
from tests.fakes.backends import REQUEST

TOKEN_SECONDS = 0.01
#: How soon the worker must have returned once the reader left: fifty tokens' time.
BOUND = 0.5
#: A request nothing cuts short: no stop sequence, no token cap in reach.
ENDLESS = replace(REQUEST, stop=(), max_tokens=1_000_000)


class Producer:
    """Blocking work for a worker thread: an item per token until the stop flag is set (or 30 s)."""

    def __init__(self, item: Callable[[int], Any] = lambda count: count) -> None:
        self.item = item
        self.emitted = 0
        self.stopped: Callable[[], bool] = lambda: False
        self.returned = threading.Event()
        self.returned_at = 0.0

    def __call__(self, emit: Callable[[Any], None], stopped: Callable[[], bool]) -> int:
        self.stopped = stopped
        try:
            until = time.monotonic() + 30
            while not stopped() and time.monotonic() < until:
                emit(self.item(self.emitted))
                self.emitted += 1
                time.sleep(TOKEN_SECONDS)
            return self.emitted
        finally:
            self.returned_at = time.monotonic()
            self.returned.set()

    async def wait_returned(self) -> float:
        """When the worker returned (``time.monotonic``); fails if it runs on for long."""
        assert await asyncio.to_thread(self.returned.wait, BOUND * 4), "the worker never stopped"
        return self.returned_at


class Model:
    """What the backends use of a loaded model: ``generate`` runs the producer."""

    llm = None
    path = Path("m.gguf")

    def __init__(self, producer: Producer) -> None:
        self.producer = producer

    def generate(
        self, request: GenerationRequest, emit: Callable[[Delta], None], stopped: Callable[[], bool]
    ) -> GenerationStats:
        return GenerationStats(generated_tokens=self.producer(emit, stopped))


class OneModel(LocalModels):
    def __init__(self, model: Model) -> None:
        super().__init__()
        self.model = model

    def get(self, path: Path, n_ctx: int, n_threads: int) -> LoadedModel:
        return self.model  # type: ignore[return-value]


def delta(count: int) -> Delta:
    return Delta("x", tokens=1)


def completions(producer: Producer) -> AsyncGenerator[Any, None]:
    backend = LocalBackend(ModelConfig(), OneModel(Model(producer)), resolve_path=lambda _: Path("m.gguf"))
    return backend.stream(ENDLESS)


def chat(producer: Producer) -> AsyncGenerator[Any, None]:
    local = LocalBackend(ModelConfig(), OneModel(Model(producer)), resolve_path=lambda _: Path("m.gguf"))
    return LocalChatBackend(local).chat([("user", "Explain.")], max_tokens=1_000_000, temperature=0.2)


def bare(producer: Producer) -> AsyncGenerator[Any, None]:
    return worker_stream(producer)


@pytest.fixture(autouse=True)
def no_chat_template(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chat prompt without a GGUF's template: there is no model here."""
    monkeypatch.setattr(local_chat, "chat_prompt", lambda llm, messages: ("prompt", ()))


PATHS = [
    pytest.param(bare, id="helper"),
    pytest.param(completions, id="completions"),
    pytest.param(chat, id="chat"),
]


async def read(stream: AsyncGenerator[Any, None], got: asyncio.Event, keep: int | None = None) -> list[Any]:
    """Read ``stream``; ``got`` is set after three items; stop after ``keep`` items, if given."""
    items: list[Any] = []
    async with aclosing(stream) as reading:
        async for item in reading:
            items.append(item)
            if len(items) == 3:
                got.set()
            if keep is not None and len(items) == keep:
                break
    return items


@pytest.mark.parametrize("make", PATHS)
async def test_cancelling_the_reader_stops_the_worker_at_once(make: Callable[[Producer], Any]) -> None:
    producer = Producer(delta)
    got = asyncio.Event()
    reader = asyncio.create_task(read(make(producer), got))
    await asyncio.wait_for(got.wait(), 5)
    left = time.monotonic()
    cancel_once(reader)
    # The hang-up: the worker is told before the reader has even unwound.
    assert producer.stopped()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert await producer.wait_returned() - left < BOUND
    assert producer.emitted < 3 + BOUND / TOKEN_SECONDS


@pytest.mark.parametrize("make", PATHS)
async def test_a_plain_cancel_stops_the_worker_once_the_reader_unwinds(make: Callable[[Producer], Any]) -> None:
    producer = Producer(delta)
    got = asyncio.Event()
    reader = asyncio.create_task(read(make(producer), got))
    await asyncio.wait_for(got.wait(), 5)
    left = time.monotonic()
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert producer.stopped()
    assert await producer.wait_returned() - left < BOUND


@pytest.mark.parametrize("make", PATHS)
async def test_a_reader_that_stops_reading_stops_the_worker(make: Callable[[Producer], Any]) -> None:
    producer = Producer(delta)
    items = await asyncio.wait_for(read(make(producer), asyncio.Event(), keep=5), 5)
    left = time.monotonic()
    assert len(items) == 5
    assert producer.stopped()
    assert await producer.wait_returned() - left < BOUND


async def test_items_arrive_in_order_and_the_result_is_handed_over_on_the_loop() -> None:
    loop_thread = threading.get_ident()
    ended: list[tuple[int, int]] = []

    def three(emit: Callable[[int], None], stopped: Callable[[], bool]) -> int:
        for i in range(3):
            emit(i)
        return 3

    items = [i async for i in worker_stream(three, lambda result: ended.append((result, threading.get_ident())))]
    assert items == [0, 1, 2]
    for _ in range(100):
        if ended:
            break
        await asyncio.sleep(0.01)
    assert ended == [(3, loop_thread)]


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        pytest.param(BackendError("the prompt does not fit"), "the prompt does not fit", id="backend-error"),
        pytest.param(RuntimeError("boom"), "the local model failed: RuntimeError('boom')", id="other"),
    ],
)
async def test_the_workers_failure_reaches_the_reader_as_a_backend_error(failure: Exception, message: str) -> None:
    def failing(emit: Callable[[int], None], stopped: Callable[[], bool]) -> int:
        emit(1)
        raise failure

    items: list[int] = []

    async def read_all() -> None:
        async for item in worker_stream(failing):
            items.append(item)

    with pytest.raises(BackendError) as raised:
        await read_all()
    assert items == [1]
    assert str(raised.value) == message
