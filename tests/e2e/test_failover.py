"""backend.fallbackUrls end to end: with the primary down, every completion still arrives, quietly."""

from __future__ import annotations

from typing import Any

import pytest_lsp
from pytest_lsp import LanguageClient

from tests.e2e.lsp import inline, open_document, openai_settings, server_config, start, texts
from tests.fakes.backends import dead_url
from tests.fakes.fake_backend import FakeBackend, Reply

SOURCE = "def add(a, b):\n    return \n"


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient, fake: FakeBackend) -> Any:
    settings = openai_settings(fake, tuning={"reuse": False, "debounce": False})
    settings["backend"] |= {"url": dead_url(), "fallbackUrls": [fake.openai_url]}
    await start(lsp_client, settings)
    yield
    await lsp_client.shutdown_session()


async def test_a_dead_primary_costs_no_completion_and_no_popup(client: LanguageClient, fake: FakeBackend) -> None:
    fake.default = Reply(chunks=["a + b"])
    uri = open_document(client, SOURCE)
    for _ in range(10):
        assert texts(await inline(client, uri, 1, 11)) == ["a + b"]
    assert len([r for r in fake.requests if r.method == "POST"]) == 10
    assert client.messages == []
    assert any("other endpoints first" in m.message for m in client.log_messages)
