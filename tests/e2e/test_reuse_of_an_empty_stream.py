"""A stream that ends with nothing says nothing about a later place: the model is asked there.

Found in a running VS Code (tests/editors/test_vscode_live.py, before its model was
scripted for every keystroke): typing ``return `` quickly, the request at ``r`` reached
the model, which had nothing to say there; the request at ``return `` awaited that
stream (in-flight reuse), and since it ended with no suggestion the answer was
empty, without asking the model about ``return ``. A real model often has nothing to
say after one letter. The place typed to is now asked again.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.lsp import inline, open_document, openai_settings, send_inline, server_config, start, texts
from tests.fakes.fake_backend import FakeBackend, RecordedRequest, Reply


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient, fake: FakeBackend) -> Any:
    await start(lsp_client, openai_settings(fake))
    yield
    await lsp_client.shutdown_session()


async def test_typing_past_a_stream_that_ends_empty_asks_the_model_again(
    client: LanguageClient, fake: FakeBackend
) -> None:
    def model(request: RecordedRequest) -> Reply:
        if (request.body or {}).get("prompt", "").endswith("<|fim_middle|>return "):
            return Reply(chunks=["a + b"])
        return Reply(chunks=[""], first_delay=0.4)  # nothing to say after "r", and slowly

    fake.responder = model
    uri = open_document(client, "def add(a, b):\n    r\n")
    _, first = send_inline(client, uri, 1, 5)
    await asyncio.to_thread(fake.wait_for_requests, 1)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(1, 5), types.Position(1, 5)), text="eturn "
                )
            ],
        )
    )
    assert texts(await inline(client, uri, 1, 11)) == ["a + b"]
    await asyncio.wait_for(first, 5)
