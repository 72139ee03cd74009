"""The metering relay of bench/team.py, against the fake backend: bytes through, the engine's figures read,
a client's leaving passed on (before the answer's head too), an unreachable engine seen as one."""

from __future__ import annotations

import asyncio
import json
import socket
from contextlib import aclosing

import pytest

from codex_ls.backends.base import GenerationRequest
from codex_ls.backends.llamacpp import LlamaCppBackend
from codex_ls.errors import BackendError, BackendUnavailableError
from tests.engines.relay import Relay
from tests.engines.wire import collect
from tests.fakes.backends import backend_config, left_before_the_answer
from tests.fakes.fake_backend import FakeBackend, Reply

REQUEST = GenerationRequest("def add(a, b):\n    return ", "\n", "", ("\n",), 16, 0.0)
#: llama-server's closing /infill event, as it writes it (compact JSON).
CLOSING = (
    b'data: {"content":"a + b","stop":true,"stop_type":"eos","tokens_evaluated":37,'
    b'"timings":{"cache_n":30,"prompt_n":7}}\n\n'
)


def port_of(fake: FakeBackend) -> int:
    return int(fake.url.rsplit(":", 1)[1])


def backend(relay: Relay) -> LlamaCppBackend:
    return LlamaCppBackend(backend_config(kind="llamacpp", url=relay.url, max_retries=0))


async def test_the_answer_passes_through_and_the_engine_figures_are_read(fake: FakeBackend) -> None:
    fake.push(Reply(raw_body=CLOSING, content_type="text/event-stream"))
    relay = await Relay(port_of(fake)).start()
    client = backend(relay)
    try:
        choices = await collect(client.stream(REQUEST))
    finally:
        await client.aclose()
        await relay.stop()
    assert choices[0][:2] == ("a + b", "stop")
    (exchange,) = relay.exchanges
    assert (exchange.path, exchange.status, exchange.client_left) == ("/infill", 200, False)
    assert (exchange.prompt_n, exchange.cache_n, exchange.tokens_evaluated) == (7, 30, 37)
    assert json.loads(exchange.body)["input_prefix"] == REQUEST.prefix


async def test_a_client_that_leaves_closes_the_engine_side(fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a"] * 40, chunk_delay=0.1))
    relay = await Relay(port_of(fake)).start()
    client = backend(relay)
    try:
        async with aclosing(client.stream(REQUEST)) as deltas:
            await anext(deltas)
    finally:
        await client.aclose()
    request = await asyncio.to_thread(fake.wait_for_disconnect, 0)
    await relay.stop()
    assert not request.completed
    assert relay.exchanges[0].client_left


async def test_a_client_that_leaves_before_the_answer_starts_closes_the_engine_side(fake: FakeBackend) -> None:
    # llama-server sends its head only once it has evaluated the prompt: a client that leaves
    # before then must reach the engine too, or the engine evaluates a prompt nobody waits for.
    fake.push(Reply(hang=True))
    relay = await Relay(port_of(fake)).start()
    client = backend(relay)
    try:
        request = await left_before_the_answer(client, fake)
    finally:
        await client.aclose()
        await relay.stop()
    assert not request.completed
    assert relay.exchanges[0].client_left
    assert relay.exchanges[0].status is None


async def test_stopping_the_relay_ends_the_answers_still_open(fake: FakeBackend) -> None:
    fake.push(Reply(hang=True))
    relay = await Relay(port_of(fake)).start()
    client = backend(relay)
    reader = asyncio.ensure_future(collect(client.stream(REQUEST)))
    try:
        await asyncio.to_thread(fake.wait_for_requests, 1, 5.0)
        await relay.stop()
        await asyncio.to_thread(fake.wait_for_disconnect, 0, 2.0)
        with pytest.raises(BackendError):
            await asyncio.wait_for(reader, 5)
    finally:
        await client.aclose()
    assert relay.exchanges[0].client_left


async def test_an_engine_that_is_down_is_a_connection_failure() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = int(s.getsockname()[1])  # nothing listens once the socket closes
    relay = await Relay(closed).start()
    client = backend(relay)
    try:
        with pytest.raises(BackendUnavailableError, match="cannot connect"):
            await collect(client.stream(REQUEST))
    finally:
        await client.aclose()
        await relay.stop()
    assert relay.exchanges[0].refused
