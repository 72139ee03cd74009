"""``textDocument/completion`` end to end: offered to clients without inline completion only.

VS Code asks for completion items as well as inline completions while the user types.
Offered both, it showed the suggestion twice (ghost text and a popup item) and the two
requests cancelled each other's model call (tests/editors/test_vscode_live.py shows it in
a running VS Code). So the completion list is for clients without an inline UI, such as
Emacs and Helix, and these tests initialize as one.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.lsp import open_document, openai_settings, server_config, start
from tests.fakes.fake_backend import FakeBackend, Reply

SOURCE = "def add(a, b):\n    return \n\nprint(add(1, 2))\n"


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient, fake: FakeBackend) -> Any:
    await start(lsp_client, openai_settings(fake), inline=False)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=server_config())
async def uninitialized(lsp_client: LanguageClient) -> Any:
    yield
    await lsp_client.shutdown_session()


@pytest.mark.parametrize(
    ("inline", "offered"),
    [
        pytest.param(True, False, id="inline-client-gets-ghost-text-only"),
        pytest.param(False, True, id="other-clients-get-the-completion-list"),
    ],
)
async def test_the_completion_provider_is_offered_only_without_inline_completion(
    uninitialized: LanguageClient, fake: FakeBackend, inline: bool, offered: bool
) -> None:
    result = await start(uninitialized, openai_settings(fake), inline=inline)
    assert (result.capabilities.completion_provider is not None) is offered
    assert result.capabilities.inline_completion_provider is not None


async def test_completion_popup_fallback_carries_the_same_text(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a + b"]))
    uri = open_document(client, SOURCE)
    result = await client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(1, 11))
    )
    assert isinstance(result, types.CompletionList)
    assert result.is_incomplete
    (item,) = result.items
    assert isinstance(item.text_edit, types.TextEdit)
    assert item.text_edit.new_text == "a + b"
    assert item.text_edit.range == types.Range(types.Position(1, 11), types.Position(1, 11))


async def test_completion_item_starts_at_the_word_before_the_cursor(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["rn a + b"]))
    uri = open_document(client, "def add(a, b):\n    retu\n")
    result = await client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(1, 8))
    )
    assert isinstance(result, types.CompletionList)
    (item,) = result.items
    assert isinstance(item.text_edit, types.TextEdit)
    assert item.text_edit.new_text == "return a + b"
    assert item.text_edit.range == types.Range(types.Position(1, 4), types.Position(1, 8))
    assert item.filter_text == "return a + b"
