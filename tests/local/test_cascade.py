"""The cascade with both embedded models: typing on the 0.5B, a manual trigger on the 1.5B,
which is loaded in the background once the cores are free, before its first request."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from codex_ls.models.assembly import status
from tests.e2e.lsp import inline, inline_params, open_document, server_config, start

FIB = Path(__file__).parents[2] / "examples" / "fibonacci.py"

pytestmark = pytest.mark.skipif(
    status("qwen2.5-coder-1.5b") != "verified", reason="the 1.5B model is not installed (the cascade needs it)"
)


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient) -> Any:
    await start(lsp_client, {"completion": {"timeout": 600.0}})  # model.large: auto
    yield
    await lsp_client.shutdown_session()


def loaded(client: LanguageClient) -> list[str]:
    return [m.message.split()[1] for m in client.log_messages if m.message.startswith("loaded ")]


async def loads(client: LanguageClient, count: int) -> list[str]:
    """The models loaded, once ``count`` of them are (a load is logged, and more after it)."""
    async with asyncio.timeout(300):
        while len(loaded(client)) < count:
            await client.wait_for_notification(types.WINDOW_LOG_MESSAGE)
    return loaded(client)


async def test_the_large_model_loads_in_the_background_and_answers_a_manual_trigger(
    client: LanguageClient,
) -> None:
    text = FIB.read_text()
    line = text.split("\n").index("        numbers.append(")
    uri = open_document(client, text)
    await inline(client, uri, line, len("        numbers.append("))
    assert loaded(client)[0] == "qwen2.5-coder-0.5b-instruct-q5_0.gguf"
    # Nothing has asked for the large model yet: it is loaded once the cores are free.
    both = ["qwen2.5-coder-0.5b-instruct-q5_0.gguf", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"]
    assert await loads(client, 2) == both
    params = inline_params(uri, line, len("        numbers.append("), manual=True)
    result = await asyncio.wait_for(client.text_document_inline_completion_async(params), 300)
    assert isinstance(result, types.InlineCompletionList)
    assert result.items
    assert loaded(client) == both  # not loaded a second time for its first request
