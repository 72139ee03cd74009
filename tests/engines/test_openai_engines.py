"""The ``openai`` backend against llama-server's ``/v1/completions`` and llama_cpp.server: streams and samples."""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from codex_ls.backends.base import GenerationRequest
from codex_ls.backends.openai import OpenAIBackend
from codex_ls.completion.fim import TEMPLATES
from tests.e2e.lsp import inline_params, open_document, server_config, start, texts
from tests.engines.engines import ALIAS, Engine
from tests.engines.wire import Recording, collect
from tests.fakes.backends import backend_config

QWEN = TEMPLATES["qwen"]
PREFIX = "def fibonacci(n):\n    "
SUFFIX = "\n\nprint(fibonacci(10))\n"


def generation(**fields: Any) -> GenerationRequest:
    values: dict[str, Any] = {"stop": QWEN.stop, "max_tokens": 16, "temperature": 0.0, **fields}
    return GenerationRequest(prefix=PREFIX, suffix=SUFFIX, prompt=QWEN.render(PREFIX, SUFFIX), **values)


async def complete(engine: Engine, request: GenerationRequest) -> tuple[Recording, dict[int, Any]]:
    config = backend_config(kind="openai", url=engine.openai_url, model=ALIAS, max_retries=0, request_timeout=60.0)
    transport = Recording(config)
    backend = OpenAIBackend(config, transport)
    try:
        async with aclosing(backend.stream(request)) as deltas:
            return transport, await collect(deltas)
    finally:
        await backend.aclose()


async def test_the_answer_streams_token_by_token(engine: Engine) -> None:
    wire, choices = await complete(engine, generation())
    text, finish, pieces = choices[0]
    assert wire.bodies[0]["stream"] is True
    assert finish in ("stop", "length")
    assert text.strip()
    # One event per token or so: more than one piece, as an unstreamed answer would be one.
    assert pieces >= 3, (pieces, text)
    assert len([e for e in wire.events() if e.get("choices")]) >= 3


async def test_n_samples(engine: Engine) -> None:
    wire, choices = await complete(engine, generation(n=2, temperature=0.8, max_tokens=12))
    assert wire.bodies[0]["n"] == 2
    indices = {choice["index"] for event in wire.events() for choice in event.get("choices", [])}
    if engine.kind == "llama-server":
        assert indices == {0, 1}
        assert all(choices[i][0].strip() and choices[i][1] in ("stop", "length") for i in (0, 1)), choices
    else:
        # llama_cpp.server ignores ``n`` (its request type lists it as unsupported): one choice,
        # and the backend ends the missing one as cut short, with no text.
        assert indices == {0}
        assert choices[0][0].strip()
        assert choices[1] == ("", "length", 1)


@pytest.fixture
def samples() -> int:
    """``completion.tuning.samples``: 2, as many as the test engine has slots (a test overrides it)."""
    return 2


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient, engine: Engine, samples: int) -> Any:
    settings = {
        "backend": {"kind": "openai", "url": engine.openai_url, "model": ALIAS, "tuning": {"maxRetries": 0}},
        "completion": {"timeout": 60.0, "multilineMaxTokens": 24, "tuning": {"samples": samples}},
    }
    await start(lsp_client, settings)
    yield
    await lsp_client.shutdown_session()


async def manual_trigger(client: LanguageClient) -> None:
    # A short body: llama_cpp.server computes the log-probabilities that samples ask for
    # over the whole vocabulary in Python, about 0.2 s a token here against 0.04 s without.
    uri = open_document(client, "def add(a, b):\n    \n\n\nprint(add(1, 2))\n")
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 4, manual=True))
    assert isinstance(result, types.InlineCompletionList)
    suggestions = texts(list(result.items))
    assert suggestions, f"no suggestion; shown: {[m.message for m in client.messages]}"
    assert suggestions[0].strip(), suggestions
    assert not [m.message for m in client.messages if m.type == types.MessageType.Error]


async def test_a_manual_trigger_through_the_server_ranks_the_samples(client: LanguageClient, engine: Engine) -> None:
    await manual_trigger(client)


@pytest.mark.parametrize("samples", [3])
@pytest.mark.parametrize("engine", ["llama-server"], indirect=True)
async def test_more_samples_than_the_engine_has_slots(client: LanguageClient, engine: Engine, samples: int) -> None:
    # llama-server refuses an n above its --parallel slots (400: Field 'n': Value must be between
    # 1 <= value <= 2, but got 3): the samples come from requests it takes, and no error is shown.
    await manual_trigger(client)
