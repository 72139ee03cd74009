"""The cascade with both embedded models: typing on the 0.5B, a manual trigger on the 1.5B."""

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


async def test_typing_is_answered_by_the_small_model_and_a_manual_trigger_by_the_large_one(
    client: LanguageClient,
) -> None:
    text = FIB.read_text()
    line = text.split("\n").index("        numbers.append(")
    uri = open_document(client, text)
    await inline(client, uri, line, len("        numbers.append("))
    assert loaded(client) == ["qwen2.5-coder-0.5b-instruct-q5_0.gguf"]
    params = inline_params(uri, line, len("        numbers.append("), manual=True)
    result = await asyncio.wait_for(client.text_document_inline_completion_async(params), 300)
    assert isinstance(result, types.InlineCompletionList)
    assert result.items
    assert loaded(client) == ["qwen2.5-coder-0.5b-instruct-q5_0.gguf", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"]
