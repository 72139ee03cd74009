"""Several samples from protocols without ``n`` (llama.cpp /infill, Ollama), and from a server that takes fewer
than asked in one request: as many requests at once."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from codex_ls.backends.base import Delta
from codex_ls.backends.openai import samples_allowed
from codex_ls.errors import BackendStatusError, ServerError
from tests.fakes.backends import REQUEST, make
from tests.fakes.fake_backend import FakeBackend, RecordedRequest, Reply

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


#: What llama-server answers an ``n`` above its ``--parallel`` slots (here 2).
REFUSED_N = "Field 'n': Value must be between 1 <= value <= 2, but got 3"


def two_slots(request: RecordedRequest) -> Reply:
    """An engine with 2 slots: an ``n`` above 2 is refused, as llama-server refuses it."""
    n = (request.body or {}).get("n", 1)
    if n > 2:
        return Reply(status=400, error_body={"error": {"code": 400, "message": REFUSED_N.replace("3", str(n))}})
    return Reply(chunks=["a", "b"])


async def test_samples_an_engine_refuses_in_one_request_come_from_requests_it_takes(fake: FakeBackend) -> None:
    fake.responder = two_slots
    backend = make("openai", fake, max_retries=0)
    try:
        first = by_choice([d async for d in backend.stream(THREE)])
        asked_first = [(r.body or {}).get("n", 1) for r in fake.requests]
        again = by_choice([d async for d in backend.stream(THREE)])
    finally:
        await backend.aclose()
    assert first == again == {0: ("ab", "stop"), 1: ("ab", "stop"), 2: ("ab", "stop")}
    assert asked_first[0] == 3
    assert sorted(asked_first[1:]) == [1, 2]
    # Remembered: the next draw asks for what the engine takes, without being refused first.
    assert sorted((r.body or {}).get("n", 1) for r in fake.requests[3:]) == [1, 2]
    assert backend.max_samples == 2


async def test_an_engine_that_takes_n_gets_one_request(fake: FakeBackend) -> None:
    backend = make("openai", fake, max_retries=0)
    try:
        choices = by_choice([d async for d in backend.stream(THREE)])
    finally:
        await backend.aclose()
    assert len(fake.requests) == 1
    assert set(choices) == {0, 1, 2}
    assert backend.max_samples == 5


async def test_a_400_about_something_else_is_the_error(fake: FakeBackend) -> None:
    fake.push(Reply(status=400, error_body={"error": {"message": "the request exceeds the available context size"}}))
    backend = make("openai", fake, max_retries=0)
    try:
        with pytest.raises(BackendStatusError, match="context size"):
            _ = [d async for d in backend.stream(THREE)]
    finally:
        await backend.aclose()
    assert len(fake.requests) == 1
    assert backend.max_samples == 5


@pytest.mark.parametrize(
    ("message", "asked", "allowed"),
    [
        pytest.param(REFUSED_N, 3, 2, id="llama-server"),
        pytest.param("Field 'n': Value must be between 1 <= value <= 4, but got 5", 5, 4, id="llama-server-4-slots"),
        pytest.param("'n' must be at most 1", 3, 1, id="at-most"),
        pytest.param("field 'n' is not supported", 3, 1, id="no-number"),
        pytest.param("Field 'n_probs': Value must be between 0 <= value <= 2", 3, None, id="another-field"),
        pytest.param("prompt is too long", 3, None, id="another-error"),
    ],
)
def test_samples_allowed(message: str, asked: int, allowed: int | None) -> None:
    assert samples_allowed(BackendStatusError(400, message), asked) == allowed
