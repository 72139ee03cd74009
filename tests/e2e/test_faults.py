"""Backend faults end to end: each gives its promised behaviour and the server lives on."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.lsp import API_KEY, inline, open_document, openai_settings, server_config, start, texts
from tests.fakes.fake_backend import FakeBackend, Reply

SOURCE = "def add(a, b):\n    return \n"


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient, fake: FakeBackend) -> Any:
    await start(lsp_client, openai_settings(fake))
    yield
    await lsp_client.shutdown_session()


async def complete(client: LanguageClient) -> list[str]:
    uri = open_document(client, SOURCE)
    return texts(await inline(client, uri, 1, 11))


async def next_works(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a + b"]))
    assert await complete(client) == ["a + b"]


async def test_401_names_the_key_setting_once(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(status=401), Reply(status=401))
    assert await complete(client) == []
    assert await complete(client) == []
    errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
    assert len(errors) == 1, errors  # rate-limited: one popup, not one per keystroke
    assert "apiKeyEnv" in errors[0]
    assert len(fake.requests) == 2  # never retried
    await next_works(client, fake)


@pytest.mark.parametrize(
    "replies",
    [
        pytest.param([Reply(status=429, headers={"Retry-After": "0.2"})], id="429-retry-after"),
        pytest.param([Reply(status=500), Reply(status=503)], id="5xx-twice"),
    ],
)
async def test_transient_errors_are_retried_before_the_first_token(
    client: LanguageClient, fake: FakeBackend, replies: list[Reply]
) -> None:
    fake.push(*replies, Reply(chunks=["a + b"]))
    assert await complete(client) == ["a + b"]
    assert len(fake.requests) == len(replies) + 1
    assert client.messages == []


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(Reply(chunks=["a", " +", " b"], disconnect_after=1), id="mid-stream-disconnect"),
        pytest.param(Reply(chunks=["a", " +"], malformed_at=1), id="malformed-event"),
        pytest.param(Reply(raw_body=b"<html>bad gateway</html>", content_type="text/html"), id="not-sse"),
        pytest.param(Reply(hang=True), id="hang"),
        pytest.param(Reply(hang_after_headers=True), id="hang-after-headers"),
    ],
)
async def test_a_broken_answer_gives_nothing_and_a_notice(
    client: LanguageClient, fake: FakeBackend, reply: Reply
) -> None:
    fake.push(reply, reply, reply)  # retries (for the hangs) meet the same fault
    started = time.monotonic()
    assert await complete(client) == []
    assert time.monotonic() - started < 15  # readTimeout 2 s, 3 tries at most: never a hung request
    await asyncio.sleep(0.05)
    assert len(client.messages) == 1
    fake.reset()
    await next_works(client, fake)


async def test_refused_connection_is_a_notice_not_a_crash(client: LanguageClient, fake: FakeBackend) -> None:
    settings = openai_settings(fake)
    settings["backend"]["url"] = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"codexLs": settings}))
    assert await complete(client) == []
    await asyncio.sleep(0.05)
    (message,) = client.messages
    assert "cannot connect" in message.message
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"codexLs": openai_settings(fake)})
    )
    await next_works(client, fake)


async def test_the_api_key_never_appears_in_any_message(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(status=401), Reply(status=500), Reply(status=500), Reply(status=500), Reply(chunks=["x"]))
    await complete(client)
    await complete(client)
    await complete(client)
    assert fake.requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    seen = [m.message for m in client.messages] + [m.message for m in client.log_messages]
    assert seen
    assert not [m for m in seen if API_KEY in m]


async def test_an_engine_down_and_restarting_is_one_message(client: LanguageClient, fake: FakeBackend) -> None:
    # The engine is killed mid-answer, refuses connections while it is down, then answers 503
    # while it loads its model again: three failures, one outage, one message.
    fake.push(Reply(chunks=["a", " +", " b"], disconnect_after=1))
    assert await complete(client) == []
    settings = openai_settings(fake)
    settings["backend"]["url"] = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"codexLs": settings}))
    assert await complete(client) == []
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"codexLs": openai_settings(fake)})
    )
    loading = Reply(status=503, error_body={"error": {"code": 503, "message": "Loading model"}})
    fake.push(loading, loading, loading, loading)
    assert await complete(client) == []
    await asyncio.sleep(0.05)
    (message,) = client.messages
    assert "broke off" in message.message
    fake.reset()
    await next_works(client, fake)
