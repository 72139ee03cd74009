"""Inline completion end to end: the real server process, the fake backend over HTTP."""

from __future__ import annotations

import asyncio
import time

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.lsp import (
    API_KEY,
    inline,
    inline_params,
    open_document,
    openai_settings,
    send_inline,
    texts,
    type_text,
)
from tests.fakes.fake_backend import FakeBackend, Reply

SOURCE = "def add(a, b):\n    return \n\nprint(add(1, 2))\n"


async def test_inline_completion_arrives_with_the_right_range_and_request(
    client: LanguageClient, fake: FakeBackend
) -> None:
    fake.push(Reply(chunks=["a + ", "b"], finish_reason="stop"))
    uri = open_document(client, SOURCE)
    items = await inline(client, uri, 1, 11)
    assert texts(items) == ["a + b"]
    assert items[0].range == types.Range(types.Position(1, 11), types.Position(1, 11))
    (request,) = fake.requests
    body = request.body or {}
    assert request.path == "/v1/completions"
    head, cursor = SOURCE.index("return "), SOURCE.index("return ") + len("return ")
    # Laid out for the server's prompt cache: the typed part of the line after the middle marker.
    assert body["prompt"] == f"<|fim_prefix|>{SOURCE[:head]}<|fim_suffix|>{SOURCE[cursor:]}<|fim_middle|>return "
    assert body["stream"] is True
    assert body["temperature"] == 0.0
    assert body["stop"][0] == "\n"
    assert body["model"] == "qwen2.5-coder-1.5b"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"


async def test_a_backend_that_ignores_stop_is_cut_client_side(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a + b", "\n", "    x = 1", "\n"] * 20, chunk_delay=0.05))
    uri = open_document(client, SOURCE)
    started = time.monotonic()
    assert texts(await inline(client, uri, 1, 11)) == ["a + b"]
    assert time.monotonic() - started < 2.5  # the whole stream would take 4 s
    request = fake.wait_for_disconnect(0)
    assert not request.completed


async def test_emoji_and_cjk_before_the_cursor_give_utf16_positions(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=[")"]))
    text = 's = "😀中文" + str(\n'
    uri = open_document(client, text)
    character = len(text.rstrip("\n").encode("utf-16-le")) // 2  # 17 UTF-16 units for 16 code points
    items = await inline(client, uri, 0, character)
    assert texts(items) == [")"]
    assert items[0].range.start == types.Position(0, character)
    prompt = fake.requests[0].body["prompt"]  # type: ignore[index]
    assert prompt.endswith('<|fim_middle|>s = "😀中文" + str(')


async def test_auto_closed_bracket_is_replaced_through_the_range(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a, b)"]))
    uri = open_document(client, "print(max()\n")
    items = await inline(client, uri, 0, 10)
    assert texts(items) == ["a, b)"]
    assert items[0].range == types.Range(types.Position(0, 10), types.Position(0, 11))


async def test_cancel_request_closes_the_backend_stream(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["x"] * 50, chunk_delay=0.2))
    uri = open_document(client, SOURCE)
    msg_id, future = send_inline(client, uri, 1, 11)
    await asyncio.to_thread(fake.wait_for_requests, 1)
    await asyncio.sleep(0.3)
    client.protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))
    with pytest.raises(Exception, match="cancel"):
        await asyncio.wait_for(future, 5)
    request = await asyncio.to_thread(fake.wait_for_disconnect, 0)
    assert request.disconnected_at is not None
    assert not request.completed


async def test_a_stream_contradicted_by_the_typing_is_closed(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["s", "low"], chunk_delay=1.0), Reply(chunks=["a + b"]))
    uri = open_document(client, SOURCE)
    _, first = send_inline(client, uri, 1, 11)
    await asyncio.to_thread(fake.wait_for_requests, 1)
    await asyncio.sleep(0.4)  # "s" has streamed
    type_text(client, uri, 2, 1, 11, "(")
    second = await inline(client, uri, 1, 12)
    assert texts(second) == ["a + b"]
    assert list((await asyncio.wait_for(first, 5)).items) == []
    assert (await asyncio.to_thread(fake.wait_for_disconnect, 0)).completed is False
    assert len(fake.requests) == 2


async def test_a_stream_with_nothing_yet_is_kept_then_asked_again_if_it_disagrees(
    client: LanguageClient, fake: FakeBackend
) -> None:
    fake.push(Reply(chunks=["slow"], first_delay=0.8), Reply(chunks=["a + b"]))
    uri = open_document(client, SOURCE)
    _, first = send_inline(client, uri, 1, 11)
    await asyncio.to_thread(fake.wait_for_requests, 1)
    type_text(client, uri, 2, 1, 11, "(")
    second = await inline(client, uri, 1, 12)
    assert texts(second) == ["a + b"]
    assert list((await asyncio.wait_for(first, 5)).items) == []
    assert len(fake.requests) == 2
    assert (fake.requests[1].body or {})["prompt"].endswith("<|fim_middle|>return (")


async def test_a_stream_that_agrees_with_the_typing_is_reused(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a", " +", " b"], chunk_delay=0.4))
    uri = open_document(client, SOURCE)
    _, first = send_inline(client, uri, 1, 11)
    await asyncio.to_thread(fake.wait_for_requests, 1)
    await asyncio.sleep(0.6)  # "a" has streamed
    type_text(client, uri, 2, 1, 11, "a")
    second = await inline(client, uri, 1, 12)
    assert texts(second) == [" + b"]
    assert texts(list((await asyncio.wait_for(first, 5)).items)) == []  # superseded
    assert len(fake.requests) == 1  # one model call served both keystrokes


async def test_incremental_edits_are_applied_before_completing(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["b"]))
    uri = open_document(client, SOURCE)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(1, 11), types.Position(1, 11)), text="a + "
                )
            ],
        )
    )
    assert texts(await inline(client, uri, 1, 15)) == ["b"]
    assert fake.requests[0].body["prompt"].endswith("<|fim_middle|>return a + ")  # type: ignore[index]


async def test_position_past_the_end_gets_an_empty_answer(client: LanguageClient, fake: FakeBackend) -> None:
    uri = open_document(client, SOURCE)
    assert await inline(client, uri, 99, 0) == []
    assert fake.requests == []


async def test_settings_change_takes_effect_and_bad_values_are_named(client: LanguageClient, fake: FakeBackend) -> None:
    settings = openai_settings(fake, maxTokens=17, tuning={"temperature": "warm"})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"codexLs": settings}))
    await client.wait_for_notification(types.WINDOW_SHOW_MESSAGE)
    (message,) = client.messages
    assert "codexLs.completion.tuning.temperature" in message.message
    fake.push(Reply(chunks=["a"]))
    uri = open_document(client, SOURCE)
    assert texts(await inline(client, uri, 1, 11)) == ["a"]
    body = fake.requests[0].body or {}
    assert (body["temperature"], body["max_tokens"]) == (0.0, 17)


async def test_a_manual_trigger_asks_for_samples_and_ranks_them(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(
        Reply(
            choices=[["(a + b"], ["a - b"], ["a + b"]],
            choice_finish=["stop", "length", "stop"],
        )
    )
    uri = open_document(client, SOURCE)
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 11, manual=True))
    assert isinstance(result, types.InlineCompletionList)
    # Stopped and parses, then stopped but breaks the syntax, then cut by length.
    assert texts(list(result.items)) == ["a + b", "(a + b", "a - b"]
    body = fake.requests[0].body or {}
    assert (body["n"], body["temperature"], body["logprobs"]) == (3, 0.4, 1)


async def test_when_every_sample_hits_length_it_asks_again_with_more_tokens(
    client: LanguageClient, fake: FakeBackend
) -> None:
    fake.push(
        Reply(choices=[["a"], ["b"], ["c"]], choice_finish=["length"] * 3),
        Reply(choices=[["a + b"], ["a + b"], ["b + a"]], choice_finish=["stop"] * 3),
    )
    uri = open_document(client, SOURCE)
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 11, manual=True))
    assert isinstance(result, types.InlineCompletionList)
    assert texts(list(result.items)) == ["a + b", "b + a"]
    first, second = (r.body or {} for r in fake.requests)
    assert second["max_tokens"] == 2 * first["max_tokens"]


async def test_other_open_documents_reach_the_prompt(client: LanguageClient, fake: FakeBackend) -> None:
    helper = "def circle_area(radius):\n    return math.pi * radius ** 2\n"
    open_document(client, helper, uri="file:///work/project/src/geometry.py")
    fake.push(Reply(chunks=["circle_area(r)"]))
    uri = open_document(client, "import math\n\ndef ring_area(radius, r):\n    return \n")
    assert texts(await inline(client, uri, 3, 11)) == ["circle_area(r)"]
    prompt = (fake.requests[0].body or {})["prompt"]
    assert prompt.startswith("<|repo_name|>workspace\n<|file_sep|>src/geometry.py\ndef circle_area(radius):")
