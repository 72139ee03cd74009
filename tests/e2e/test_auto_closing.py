"""Typing through a suggestion in an editor that auto-closes brackets: no model call, one closer.

On ``(`` VS Code inserts ``()`` with the cursor between (one ``didChange``); on ``)``
where its ``)`` is next, it types over it (the text stays as it was, the cursor moves).
"""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.lsp import inline, open_document, texts, type_text
from tests.fakes.fake_backend import FakeBackend, Reply

SOURCE = "value = 3\npri\n"


def at(line: int, character: int) -> types.Position:
    return types.Position(line, character)


def type_over(client: LanguageClient, uri: str, version: int, line: int, character: int, char: str) -> None:
    """A closer typed where the editor's own is next: it replaces that one with itself."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(at(line, character), at(line, character + 1)), text=char
                )
            ],
        )
    )


def accepted(line: str, item: types.InlineCompletionItem) -> str:
    """``line`` once ``item`` (on that line) is accepted."""
    assert isinstance(item.insert_text, str)
    return line[: item.range.start.character] + item.insert_text + line[item.range.end.character :]  # type: ignore[union-attr]


async def typed_into_auto_closed_parens(client: LanguageClient, fake: FakeBackend) -> str:
    """``pri`` asked, ``nt(value)`` shown, then ``n``, ``t`` and ``(`` typed: ``print(|)``."""
    fake.push(Reply(chunks=["nt(", "value)"], finish_reason="stop"))
    uri = open_document(client, SOURCE)
    assert texts(await inline(client, uri, 1, 3)) == ["nt(value)"]
    type_text(client, uri, 2, 1, 3, "n")
    type_text(client, uri, 3, 1, 4, "t")
    type_text(client, uri, 4, 1, 5, "()")
    return uri


async def test_the_rest_replaces_the_auto_closed_paren_without_a_model_call(
    client: LanguageClient, fake: FakeBackend
) -> None:
    uri = await typed_into_auto_closed_parens(client, fake)
    items = await inline(client, uri, 1, 6)
    assert texts(items) == ["value)"]
    assert items[0].range == types.Range(at(1, 6), at(1, 7))
    assert accepted("print()", items[0]) == "print(value)"
    assert len(fake.requests) == 1


async def test_typing_over_the_auto_closed_paren_ends_the_suggestion_without_a_model_call(
    client: LanguageClient, fake: FakeBackend
) -> None:
    uri = await typed_into_auto_closed_parens(client, fake)
    assert texts(await inline(client, uri, 1, 6)) == ["value)"]
    type_text(client, uri, 5, 1, 6, "value")
    items = await inline(client, uri, 1, 11)
    assert texts(items) == [")"]
    assert items[0].range == types.Range(at(1, 11), at(1, 12))
    assert accepted("print(value)", items[0]) == "print(value)"
    type_over(client, uri, 6, 1, 11, ")")
    assert texts(await inline(client, uri, 1, 12)) == []
    assert len(fake.requests) == 1


async def test_the_whole_suggestion_typed_between_two_requests_asks_nothing_more(
    client: LanguageClient, fake: FakeBackend
) -> None:
    uri = await typed_into_auto_closed_parens(client, fake)
    type_text(client, uri, 5, 1, 6, "value")
    type_over(client, uri, 6, 1, 11, ")")
    assert texts(await inline(client, uri, 1, 12)) == []
    assert len(fake.requests) == 1
