"""Errors the engines really give, through the real server: one clear message, and the next request works."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.lsp import inline, open_document, server_config, start, texts
from tests.engines.engines import ALIAS, Engine

SMALL = "def add(a, b):\n    return \n"
#: About 4,500 tokens above the cursor: more than a slot's 2,048 (llama-server) or the
#: whole 2,048-token context (llama_cpp.server).
LARGE = "".join(f"def scale_{i}(value):\n    return value * {i} + {i * 7} - {i * 13}\n\n\n" for i in range(180)) + SMALL


@pytest.fixture
def backend() -> dict[str, Any]:
    """Backend settings on top of the engine's URL and model (a test overrides it)."""
    return {}


@pytest.fixture
def completion() -> dict[str, Any]:
    return {}


@pytest_lsp.fixture(config=server_config())
async def client(
    lsp_client: LanguageClient, engine: Engine, backend: dict[str, Any], completion: dict[str, Any]
) -> Any:
    settings = {
        "backend": {"kind": "openai", "url": engine.openai_url, "model": ALIAS, "tuning": {"maxRetries": 0}, **backend},
        "completion": {"timeout": 60.0, **completion},
    }
    await start(lsp_client, settings)
    yield
    await lsp_client.shutdown_session()


def shown(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if m.type in (types.MessageType.Error, types.MessageType.Warning)]


async def complete(client: LanguageClient, text: str, name: str) -> list[str]:
    uri = open_document(client, text, uri=f"file:///work/project/src/{name}.py")
    line = text.count("\n") - 1
    return texts(await inline(client, uri, line, 11))


async def overflow(client: LanguageClient) -> None:
    """A prompt longer than the engine's context: one clear message, and the next request works."""
    assert await complete(client, LARGE, "large") == []
    (message,) = shown(client)
    assert "context" in message.lower(), message
    assert await complete(client, SMALL, "small") != []
    assert len(shown(client)) == 1


@pytest.mark.parametrize("completion", [{"contextTokens": 16384}])
@pytest.mark.parametrize("engine", ["llama-server"], indirect=True)
async def test_a_prompt_longer_than_the_context_is_one_clear_message(
    client: LanguageClient, engine: Engine, completion: dict[str, Any]
) -> None:
    # llama-server: 400, "request (N tokens) exceeds the available context size (2048 tokens), try increasing it"
    await overflow(client)


@pytest.mark.parametrize("completion", [{"contextTokens": 16384}])
@pytest.mark.parametrize("engine", ["llama_cpp.server"], indirect=True)
async def test_an_empty_stream_from_an_overflowing_prompt_is_one_clear_message(
    client: LanguageClient, engine: Engine, completion: dict[str, Any]
) -> None:
    # llama_cpp.server answers a streamed prompt longer than its context with 200 and an empty
    # body (its 400 comes only without stream): the empty answer is the error reported.
    await overflow(client)


@pytest.mark.parametrize("backend", [{"fim": "suffix"}])
async def test_a_prompt_without_fim_tokens(client: LanguageClient, engine: Engine, backend: dict[str, Any]) -> None:
    """``fim: suffix`` sends the prefix alone as the prompt, with no FIM token, and the suffix in the API's field.

    Neither engine refuses it, so there is no error to report: llama-server drops the
    field and continues the prefix; llama_cpp.server builds its own FIM prompt with token
    id 0 where the markers should be (``Llama._create_completion`` hard-codes them).
    """
    text = "def combine(a, b):\n    return \n\n\nprint(combine(1, 2))  # SUFFIX_MARKER\n"
    uri = open_document(client, text, uri="file:///work/project/src/suffix.py")
    assert texts(await inline(client, uri, 1, 11)) != []  # the plain continuation of the prefix
    assert shown(client) == []
    if engine.kind == "llama-server":
        prompts = [str(s.get("prompt")) for s in engine.slots() if "def combine" in str(s.get("prompt"))]
        assert prompts, engine.slots()
        assert "<|fim_" not in prompts[-1]
        assert "SUFFIX_MARKER" not in prompts[-1]
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    settings = {"backend": {"kind": "openai", "url": engine.openai_url, "model": ALIAS, "tuning": {"maxRetries": 0}}}
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"codexLs": settings}))
    assert await complete(client, SMALL, "template") == ["a + b"]
