"""Work holding a stream is cancelled once, however many cancellers reach it.

A stream takes a few loop turns to close its connection; a second cancellation in
that time would cut the close short and leave the backend generating. Each test
lets the second canceller come 0 to 5 loop turns after the first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import replace

import pytest

from codex_ls.backends.base import Delta, GenerationRequest, fan_out
from codex_ls.completion.engine import CompletionEngine
from codex_ls.completion.fim import TEMPLATES
from codex_ls.completion.request import CompletionContext
from codex_ls.completion.scheduler import LatestWins
from codex_ls.config import Config

#: Loop turns a stream takes to close, as a connection close does.
CLOSE_TURNS = 5
TURNS_BETWEEN = [pytest.param(n, id=f"{n}-turns") for n in range(6)]
REQUEST = GenerationRequest(prefix="", suffix="", prompt="", stop=(), max_tokens=8, temperature=0.0)


class SlowToClose:
    """A backend whose streams never end by themselves and take a few loop turns to close."""

    name = "slow-to-close"
    max_samples = 1
    samples_in_sequence = False
    cache_layout = None

    def __init__(self) -> None:
        self.streaming = asyncio.Event()
        self.closes: list[str] = []
        self.ended = asyncio.Event()

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        self.streaming.set()
        try:
            yield Delta("x")
            await asyncio.Event().wait()
        finally:
            try:
                for _ in range(CLOSE_TURNS):
                    await asyncio.sleep(0)
                self.closes.append("closed")
            except asyncio.CancelledError:
                self.closes.append("interrupted")
                raise
            finally:
                self.ended.set()

    async def prepare(self, prompt: str = "") -> None:
        return None

    async def check(self) -> str:
        return "ok"

    async def aclose(self) -> None:
        return None


async def turns(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def closes_of(backend: SlowToClose, cancelled: asyncio.Task[object]) -> list[str]:
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    await asyncio.wait_for(backend.ended.wait(), 1.0)
    await turns(CLOSE_TURNS)
    return backend.closes


@pytest.mark.parametrize("between", TURNS_BETWEEN)
async def test_cancel_request_then_a_keystroke_close_the_completion_stream(between: int) -> None:
    backend = SlowToClose()
    engine = CompletionEngine(Config(), backend, TEMPLATES["qwen"])
    session = engine.session("file:///a.py")
    request = asyncio.ensure_future(engine.complete(CompletionContext("file:///a.py", "x = \n", 4), session))
    await backend.streaming.wait()
    request.cancel()  # $/cancelRequest
    await turns(between)
    # A keystroke that lands mid-word: no new generation, the one in flight is dropped.
    assert not (await engine.complete(CompletionContext("file:///a.py", "x = foo\n", 6), session)).suggestions
    assert await closes_of(backend, request) == ["closed"]


@pytest.mark.parametrize("between", TURNS_BETWEEN)
async def test_cancel_request_then_a_newer_request_close_the_scheduled_work(between: int) -> None:
    backend = SlowToClose()
    scheduler = LatestWins()

    async def read() -> None:
        async for _ in backend.stream(REQUEST):
            pass

    request = asyncio.ensure_future(scheduler.run(read()))
    await backend.streaming.wait()
    request.cancel()
    await turns(between)
    scheduler.cancel()
    assert await closes_of(backend, request) == ["closed"]


@pytest.mark.parametrize("between", TURNS_BETWEEN)
async def test_a_reader_cancelled_twice_closes_every_sample_stream(between: int) -> None:
    backend = SlowToClose()

    async def read() -> None:
        async for _ in fan_out(backend.stream, replace(REQUEST, n=3)):
            pass

    reader = asyncio.ensure_future(read())
    await backend.streaming.wait()
    reader.cancel()
    await turns(between)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    for _ in range(3 * CLOSE_TURNS):
        await asyncio.sleep(0)
    assert backend.closes == ["closed"] * 3
