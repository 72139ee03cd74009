"""``codex/explain`` and ``codex/translate`` with a ``partialResultToken``: the text comes in pieces before the answer.

The real server process over the fake backend, which streams its chunks with a
pause between them, as a slow model does.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import attrs
import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.editor import Editor, start_editor, wait_for
from tests.e2e.lsp import PARTIALS, openai_settings, partials_client, server_config
from tests.fakes.fake_backend import FakeBackend, Reply

SOURCE = "import math\n\n\ndef area(r):\n    return math.pi * r * r\n"
TOKEN = "explain-partial-1"


@pytest_lsp.fixture(config=attrs.evolve(server_config(), client_factory=partials_client))
async def client(lsp_client: LanguageClient, fake: FakeBackend, tmp_path: Path) -> Any:
    PARTIALS.received.clear()
    await start_editor(lsp_client, openai_settings(fake), tmp_path)
    yield
    await lsp_client.shutdown_session()


def explain_params(uri: str, token: Any = TOKEN) -> dict[str, Any]:
    cursor = {"line": 4, "character": 4}
    params: dict[str, Any] = {"textDocument": {"uri": uri}, "range": {"start": cursor, "end": cursor}}
    if token is not None:
        params["partialResultToken"] = token
    return params


async def test_pieces_arrive_before_the_answer_and_join_into_it(
    client: LanguageClient, fake: FakeBackend, tmp_path: Path
) -> None:
    chunks = ["\n  This function ", "returns the area ", "of a circle ", "of radius `r`.\n\n", "It uses `math.pi`.\n  "]
    fake.push(Reply(chunks=chunks, chunk_delay=0.3))
    uri = Editor(client).open(tmp_path / "app.py", SOURCE)
    answer = await asyncio.wait_for(client.protocol.send_request_async("codex/explain", explain_params(uri)), 15)
    answered = time.monotonic()
    pieces = PARTIALS.texts(TOKEN)
    assert answer.markdown == "".join(chunks).strip()
    assert "".join(pieces) == answer.markdown
    # The first words were shown while the model was still writing, and more came after them.
    assert pieces[0] == "This function"
    assert len(pieces) >= 2
    (request,) = fake.requests
    assert await asyncio.to_thread(fake.wait_until_finished, request)
    assert request.finished_at is not None
    assert PARTIALS.received[0].at < request.finished_at
    assert all(p.at <= answered for p in PARTIALS.received)


async def test_without_a_token_there_are_no_pieces(client: LanguageClient, fake: FakeBackend, tmp_path: Path) -> None:
    fake.push(Reply(chunks=["This code ", "adds."], chunk_delay=0.05))
    uri = Editor(client).open(tmp_path / "app.py", SOURCE)
    answer = await client.protocol.send_request_async("codex/explain", explain_params(uri, token=None))
    assert answer.markdown == "This code adds."
    assert PARTIALS.received == []


async def test_a_fast_model_is_sent_in_few_pieces(client: LanguageClient, fake: FakeBackend, tmp_path: Path) -> None:
    words = [f"word{i} " for i in range(300)]
    fake.push(Reply(chunks=words, chunk_delay=0.005))
    uri = Editor(client).open(tmp_path / "app.py", SOURCE)
    started = time.monotonic()
    answer = await client.protocol.send_request_async("codex/explain", explain_params(uri, token=7))
    took = time.monotonic() - started
    pieces = PARTIALS.texts(7)
    assert "".join(pieces) == answer.markdown == "".join(words).strip()
    # One piece at once, then at most one per 0.1 s (and the rest before the answer).
    assert len(pieces) <= 2 + took / 0.1
    assert len(pieces) < len(words) / 4


async def test_cancelling_stops_the_model_and_the_pieces(
    client: LanguageClient, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(Reply(chunks=[f"word{i} " for i in range(100)], chunk_delay=0.1))
    uri = Editor(client).open(tmp_path / "app.py", SOURCE)
    request = asyncio.ensure_future(
        client.protocol.send_request_async("codex/explain", explain_params(uri), msg_id="explain-cancelled")
    )
    await wait_for(lambda: len(PARTIALS.texts(TOKEN)) >= 2)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="explain-cancelled"))
    with pytest.raises(Exception, match=r"(?i)cancel"):  # the server answers RequestCancelled
        await asyncio.wait_for(request, 5)
    pieces_at_answer = len(PARTIALS.texts(TOKEN))
    recorded = await asyncio.to_thread(fake.wait_for_disconnect, 0)
    assert not recorded.completed
    # Anything sent before the answer to a later request has arrived by then (one ordered stream).
    await client.protocol.send_request_async("codex/stats", {})
    assert len(PARTIALS.texts(TOKEN)) == pieces_at_answer
    shown = "".join(PARTIALS.texts(TOKEN))
    assert shown.startswith("word0 word1")
    assert "word99" not in shown


async def test_a_bad_token_is_an_invalid_params_error(client: LanguageClient, tmp_path: Path) -> None:
    uri = Editor(client).open(tmp_path / "app.py", SOURCE)
    with pytest.raises(Exception, match="partialResultToken"):
        await client.protocol.send_request_async("codex/explain", explain_params(uri, token=[1]))


async def test_a_translation_arrives_line_by_line(client: LanguageClient, fake: FakeBackend, tmp_path: Path) -> None:
    code = ["func area(r float64) float64 {\n", "\treturn math.Pi * r * r\n", "}\n```\n"]
    chunks = ["Here is the Go code:\n```go\n", *code]
    fake.push(Reply(chunks=chunks, chunk_delay=0.3))
    uri = Editor(client).open(tmp_path / "app.py", SOURCE)
    params = explain_params(uri) | {"target": "go"}
    answer = await asyncio.wait_for(client.protocol.send_request_async("codex/translate", params), 15)
    answered = time.monotonic()
    assert (answer.code, answer.languageId) == ("func area(r float64) float64 {\n\treturn math.Pi * r * r\n}", "go")
    pieces = PARTIALS.texts(TOKEN)
    assert pieces[0] == "func area(r float64) float64 {"
    assert len(pieces) >= 3
    assert "".join(pieces) == answer.code
    assert all(p.at <= answered for p in PARTIALS.received)
    assert client.shown_documents == []
