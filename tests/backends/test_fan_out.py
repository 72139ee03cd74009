"""Several samples from protocols without ``n`` (llama.cpp /infill, Ollama): as many requests at once."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from codex_ls.backends.base import Delta
from codex_ls.errors import ServerError
from tests.fakes.backends import REQUEST, make
from tests.fakes.fake_backend import FakeBackend, Reply

KINDS = [pytest.param(k, id=k) for k in ("llamacpp", "ollama")]
THREE = replace(REQUEST, n=3, temperature=0.4)


def by_choice(deltas: list[Delta]) -> dict[int, tuple[str, str | None]]:
    texts: dict[int, str] = {}
    finish: dict[int, str | None] = {}
    for delta in deltas:
        texts[delta.index] = texts.get(delta.index, "") + delta.text
        if delta.finish_reason is not None:
            finish[delta.index] = delta.finish_reason
    return {index: (text, finish.get(index)) for index, text in texts.items()}


@pytest.mark.parametrize("kind", KINDS)
async def test_three_samples_are_three_requests_merged_by_choice(kind: str, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a", "1"]), Reply(chunks=["b", "2"], finish_reason="length"), Reply(chunks=["c", "3"]))
    backend = make(kind, fake)
    try:
        choices = by_choice([d async for d in backend.stream(THREE)])
    finally:
        await backend.aclose()
    assert len(fake.requests) == 3
    assert sorted(choices.values()) == [("a1", "stop"), ("b2", "length"), ("c3", "stop")]
    assert set(choices) == {0, 1, 2}


@pytest.mark.parametrize("kind", KINDS)
async def test_closing_the_merged_stream_closes_every_request(kind: str, fake: FakeBackend) -> None:
    fake.default = slow()
    backend = make(kind, fake)
    try:
        stream = backend.stream(THREE)
        first = await anext(stream)
        assert first.text == "x"
        await fake_requests(fake, 3)
        await stream.aclose()
        for index in range(3):
            await asyncio.to_thread(fake.wait_for_disconnect, index, 5.0)
    finally:
        await backend.aclose()
    assert fake.active_streams == 0


@pytest.mark.parametrize("kind", KINDS)
async def test_one_failed_sample_fails_the_request_and_closes_the_others(kind: str, fake: FakeBackend) -> None:
    fake.push(
        Reply(chunks=["x"] * 200, chunk_delay=0.05), Reply(status=500), Reply(chunks=["x"] * 200, chunk_delay=0.05)
    )
    backend = make(kind, fake, max_retries=0)
    try:
        with pytest.raises(ServerError):
            _ = [d async for d in backend.stream(THREE)]
    finally:
        await backend.aclose()
    await no_stream_open(fake)


def slow() -> Reply:
    return Reply(chunks=["x"] * 200, chunk_delay=0.05)


async def fake_requests(fake: FakeBackend, n: int) -> None:
    await asyncio.to_thread(fake.wait_for_requests, n, 5.0)


async def no_stream_open(fake: FakeBackend) -> None:
    for _ in range(100):
        if fake.active_streams == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{fake.active_streams} streams still open at the fake")
