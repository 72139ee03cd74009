"""Chat backends for code actions against the fake server: each kind's endpoint, body and stream."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any

import pytest

from codex_ls.backends.base import CHARS_PER_TOKEN_CAP, Delta
from codex_ls.backends.chat import ChatBackend, OpenAIChatBackend
from codex_ls.backends.http import HttpTransport
from codex_ls.backends.local_chat import LocalChatBackend
from codex_ls.backends.registry import make_chat_backend
from codex_ls.config import Config
from codex_ls.errors import BackendError, ServerError, StreamProtocolError
from tests.fakes.backends import backend_config
from tests.fakes.fake_backend import FakeBackend, Reply

MESSAGES = (("system", "You are terse."), ("user", "Explain `x = {1}`."))

#: kind → (path the fake sees, base URL the settings name).
KINDS = {
    "openai": ("/v1/chat/completions", "openai_url"),
    "openai-chat": ("/v1/chat/completions", "openai_url"),
    "llamacpp": ("/v1/chat/completions", "url"),
    "ollama": ("/v1/chat/completions", "url"),
}


async def no_sleep(_: float) -> None:
    return None


def make(kind: str, fake: FakeBackend, **settings: Any) -> ChatBackend:
    url = getattr(fake, KINDS[kind][1])
    config = backend_config(kind=kind, url=url, model="m", read_timeout=1.0, **settings)
    backend = make_chat_backend(Config(backend=config))
    transport = HttpTransport(config, sleep=no_sleep)
    assert isinstance(backend, OpenAIChatBackend)
    backend.transport = transport
    return backend


async def collect(backend: ChatBackend, max_tokens: int = 64) -> list[Delta]:
    try:
        return [d async for d in backend.chat(MESSAGES, max_tokens=max_tokens, temperature=0.2)]
    finally:
        await backend.aclose()


def joined(deltas: list[Delta]) -> tuple[str, str | None]:
    return "".join(d.text for d in deltas), deltas[-1].finish_reason


@pytest.mark.parametrize("kind", [pytest.param(k, id=k) for k in KINDS])
async def test_each_kind_streams_chat_from_its_endpoint(kind: str, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["This ", "code ", "sets x."], finish_reason="stop"))
    assert joined(await collect(make(kind, fake))) == ("This code sets x.", "stop")
    (request,) = fake.requests
    assert request.path == KINDS[kind][0]
    body = request.body or {}
    assert body["messages"] == [{"role": role, "content": content} for role, content in MESSAGES]
    assert body["stream"] is True
    assert body["model"] == "m"


async def test_openai_chat_body_has_tokens_and_temperature(fake: FakeBackend) -> None:
    await collect(make("openai-chat", fake), max_tokens=99)
    body = fake.requests[0].body or {}
    assert (body["max_tokens"], body["temperature"]) == (99, 0.2)


async def test_length_finish_is_reported(fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a"], finish_reason="length"))
    assert joined(await collect(make("ollama", fake), max_tokens=7))[1] == "length"


async def test_an_answer_that_goes_on_past_max_tokens_is_cut_there(fake: FakeBackend) -> None:
    # Chat events carry no token counts: CHARS_PER_TOKEN_CAP characters count as one.
    fake.push(Reply(chunks=["word "] * 5_000, chunk_delay=0.0005, finish_reason=None))
    text, finish = joined(await collect(make("openai", fake, request_timeout=3.0), max_tokens=10))
    assert finish == "length"
    assert text == "word " * (int(10 * CHARS_PER_TOKEN_CAP / 5) + 1)
    assert not (await asyncio.to_thread(fake.wait_for_disconnect, 0)).completed


async def test_closing_the_stream_closes_the_connection(fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["word "] * 100, chunk_delay=0.05))
    backend = make("openai", fake)
    stream = backend.chat(MESSAGES, max_tokens=64, temperature=0.2)
    async with aclosing(stream):
        async for _ in stream:
            break
    request = await asyncio.to_thread(fake.wait_for_disconnect, 0)
    assert not request.completed
    await backend.aclose()


async def test_server_errors_are_retried_then_raised(fake: FakeBackend) -> None:
    fake.push(Reply(status=500), Reply(status=500), Reply(status=500))
    with pytest.raises(ServerError):
        await collect(make("openai", fake, max_retries=2))
    assert len(fake.requests) == 3


@pytest.mark.parametrize(
    ("kind", "reply", "error"),
    [
        pytest.param("openai", Reply(chunks=["a", "b"], malformed_at=2), StreamProtocolError, id="openai-malformed"),
        pytest.param(
            "openai",
            Reply(raw_body=b'data: {"error": {"message": "overloaded"}}\n\n', content_type="text/event-stream"),
            BackendError,
            id="openai-error-event",
        ),
    ],
)
async def test_broken_streams_raise_backend_errors(
    kind: str, reply: Reply, error: type[Exception], fake: FakeBackend
) -> None:
    fake.push(reply)
    with pytest.raises(error):
        await collect(make(kind, fake))


def test_the_local_kind_chats_on_the_embedded_model() -> None:
    backend = make_chat_backend(Config())
    assert isinstance(backend, LocalChatBackend)
