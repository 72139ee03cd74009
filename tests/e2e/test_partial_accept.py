"""Accepting part of a suggestion: the rest is served again without a model call.

An editor's accept word / accept line inserts the head of the suggestion (one
``didChange``), may send ``textDocument/didPartiallyAcceptCompletion``, and asks
again at the new cursor; the server answers from the suggestion it showed.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.lsp import inline, open_document, texts, type_text
from tests.fakes.fake_backend import FakeBackend, Reply

SOURCE = "def area(width, height):\n    \n\nprint(area(2, 3))\n"
BODY = "product = width * height\n    return product"


def partially_accepted(client: LanguageClient, item: types.InlineCompletionItem, length: int) -> None:
    insert_text = item.insert_text if isinstance(item.insert_text, str) else item.insert_text.value
    client.protocol.notify(
        "textDocument/didPartiallyAcceptCompletion",
        {"item": {"insertText": insert_text}, "acceptedLength": length},
    )


async def stats(client: LanguageClient) -> Any:
    answer = await client.protocol.send_request_async("codex/stats", None)
    return answer.suggestions


async def test_the_rest_after_a_word_then_a_line_costs_no_model_call(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["product = width", " * height\n", "    return product"], finish_reason="stop"))
    uri = open_document(client, SOURCE)
    (first,) = await inline(client, uri, 1, 4)
    assert texts([first]) == [BODY]
    assert first.command is not None
    calls = len(fake.requests)

    type_text(client, uri, 2, 1, 4, "product")  # accept word
    partially_accepted(client, first, len("product"))
    (rest,) = await inline(client, uri, 1, 11)
    assert texts([rest]) == [" = width * height\n    return product"]

    type_text(client, uri, 3, 1, 11, " = width * height\n")  # accept line, its line break included
    partially_accepted(client, rest, len(" = width * height\n"))
    (last,) = await inline(client, uri, 2, 0)
    assert texts([last]) == ["    return product"]
    assert last.range == types.Range(types.Position(2, 0), types.Position(2, 0))
    assert len(fake.requests) == calls  # both rests came from the suggestion shown

    assert last.command is not None
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=last.command.command, arguments=last.command.arguments)
    )
    counts = await stats(client)
    assert (counts.shown, counts.accepted, counts.partiallyAccepted, counts.dismissed) == (3, 1, 2, 0)
    assert counts.partiallyAcceptedUnits == len("product") + len(" = width * height\n")


async def test_actions_lists_every_code_action_with_its_title(client: LanguageClient) -> None:
    actions = await client.protocol.send_request_async("codex/actions", None)
    titles = {a["command"]: a["title"] for a in actions}
    assert titles["codex.addTests"] == "Add unit tests"
    assert set(titles) == {
        "codex.explain",
        "codex.addTests",
        "codex.edit",
        "codex.implement",
        "codex.addDocstring",
        "codex.addComments",
        "codex.findBugs",
        "codex.translate",
    }
    assert all(a["kind"].startswith("refactor") for a in actions)


async def test_a_dismissal_the_client_reports_is_counted(client: LanguageClient) -> None:
    client.protocol.notify("codex/didDismissCompletion", {})
    counts = await stats(client)
    assert counts.dismissed == 1
