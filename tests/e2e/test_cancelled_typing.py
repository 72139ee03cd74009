"""Typing as editors type: each keystroke cancels the previous request, and the stream lives on.

VS Code and Neovim send ``$/cancelRequest`` for the unanswered request before the
next keystroke's ``didChange`` and request. The cancelled request is answered at
once; its generation stays open for a short grace, for the next request to take
over, and is closed when the typing contradicts it, when the grace runs out, or
when the document closes. ``codex/stats`` tells why each stream closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.lsp import (
    inline,
    inline_params,
    open_document,
    send_inline,
    texts,
    type_text,
)
from tests.fakes.fake_backend import FakeBackend, Reply

SOURCE = "def add(a, b):\n    return \n\nprint(add(1, 2))\n"


def cancel(client: LanguageClient, msg_id: str) -> None:
    client.protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))


async def stats(client: LanguageClient) -> dict[str, int]:
    answer = await client.protocol.send_request_async("codex/stats", None)
    return {str(k): int(v) for k, v in answer.completions._asdict().items()}


async def cancelled(future: Any) -> None:
    with pytest.raises(Exception, match="cancel"):
        await asyncio.wait_for(future, 5)


async def first_event(fake: FakeBackend, index: int = 0) -> None:
    def said() -> bool:
        return fake.requests[index].first_event_at is not None

    await asyncio.to_thread(fake.wait_for_requests, index + 1)
    for _ in range(500):
        if said():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the fake never started streaming")


async def test_a_cancelled_request_is_answered_and_its_stream_serves_the_next_keystroke(
    client: LanguageClient, fake: FakeBackend
) -> None:
    fake.push(Reply(chunks=["a", " +", " b"], first_delay=0.3, chunk_delay=0.1))
    uri = open_document(client, SOURCE)
    msg_id, first = send_inline(client, uri, 1, 11)
    await asyncio.to_thread(fake.wait_for_requests, 1)
    cancel(client, msg_id)
    await cancelled(first)  # answered at once, long before the model's first token
    assert fake.requests[0].finished_at is None
    type_text(client, uri, 2, 1, 11, "a")
    assert texts(await inline(client, uri, 1, 12)) == [" + b"]
    assert len(fake.requests) == 1
    counts = await stats(client)
    assert counts["adopted_after_cancel"] == 1
    assert counts["model"] == 1
    assert not [reason for reason in counts if reason.startswith("closed_")]  # it ran to its answer


async def test_a_keystroke_that_contradicts_a_cancelled_stream_closes_it(
    client: LanguageClient, fake: FakeBackend
) -> None:
    fake.push(Reply(chunks=["a", " + b"], chunk_delay=3.0), Reply(chunks=["x)"]))
    uri = open_document(client, SOURCE)
    msg_id, first = send_inline(client, uri, 1, 11)
    await first_event(fake)  # "a" has streamed
    cancel(client, msg_id)
    await cancelled(first)
    type_text(client, uri, 2, 1, 11, "(")
    request = await asyncio.to_thread(fake.wait_for_disconnect, 0)
    assert not request.completed
    counts = await stats(client)
    assert counts["closed_contradicted"] == 1
    assert "closed_grace" not in counts


async def test_a_stream_whose_own_output_contradicts_the_typing_is_closed(
    client: LanguageClient, fake: FakeBackend
) -> None:
    fake.push(Reply(chunks=["a", " + b"], first_delay=0.1, chunk_delay=3.0))
    uri = open_document(client, SOURCE)
    msg_id, first = send_inline(client, uri, 1, 11)
    await asyncio.to_thread(fake.wait_for_requests, 1)
    cancel(client, msg_id)
    await cancelled(first)
    type_text(client, uri, 2, 1, 11, "b")  # nothing streamed yet: nothing to contradict
    request = await asyncio.to_thread(fake.wait_for_disconnect, 0)  # "a" arrives and contradicts "b"
    assert request.first_event_at is not None
    counts = await stats(client)
    assert counts["closed_contradicted"] == 1


async def test_a_cancelled_stream_nobody_takes_over_is_closed_when_the_grace_runs_out(
    client: LanguageClient, fake: FakeBackend
) -> None:
    fake.push(Reply(chunks=["a"] * 20, chunk_delay=0.5))
    uri = open_document(client, SOURCE)
    msg_id, first = send_inline(client, uri, 1, 11)
    await asyncio.to_thread(fake.wait_for_requests, 1)
    cancel(client, msg_id)
    await cancelled(first)
    request = await asyncio.to_thread(fake.wait_for_disconnect, 0)
    assert not request.completed
    assert request.disconnected_at is not None
    assert request.disconnected_at - request.received_at < 5.0  # the whole stream would take 10 s
    assert (await stats(client))["closed_grace"] == 1


async def test_closing_the_document_closes_its_stream(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a"] * 20, chunk_delay=0.5))
    uri = open_document(client, SOURCE)
    _, pending = send_inline(client, uri, 1, 11)
    await first_event(fake)
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    request = await asyncio.to_thread(fake.wait_for_disconnect, 0)
    assert not request.completed
    answer = await asyncio.wait_for(pending, 5)
    assert list(answer.items) == []
    assert (await stats(client))["closed_document_closed"] == 1


async def test_fast_typing_with_cancels_pays_one_model_call(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a + ", "b - c"], first_delay=0.5, chunk_delay=0.05))
    uri = open_document(client, SOURCE)
    msg_id, pending = send_inline(client, uri, 1, 11)
    await asyncio.to_thread(fake.wait_for_requests, 1)  # the reply is scripted for this place
    keys = "a + "
    for n, key in enumerate(keys):
        await asyncio.sleep(0.03)
        cancel(client, msg_id)
        type_text(client, uri, n + 2, 1, 11 + n, key)
        msg_id, pending = send_inline(client, uri, 1, 12 + n)
    answer = await asyncio.wait_for(pending, 5)
    assert texts(list(answer.items)) == ["b - c"]
    assert len(fake.requests) == 1  # five requests, four of them cancelled, one model call
    counts = await stats(client)
    assert counts["model"] == 1
    # A request whose cancel arrives in the same read as itself never runs at all.
    assert 1 <= counts["adopted_after_cancel"] <= len(keys)


async def test_typing_in_another_document_leaves_a_cancelled_stream_alone(
    client: LanguageClient, fake: FakeBackend
) -> None:
    fake.push(Reply(chunks=["a", " +", " b"], first_delay=0.4, chunk_delay=0.05), Reply(chunks=["2"]))
    first = open_document(client, SOURCE)
    other = open_document(client, "x = \n", uri="file:///work/project/src/other.py")
    msg_id, pending = send_inline(client, first, 1, 11)
    await asyncio.to_thread(fake.wait_for_requests, 1)
    cancel(client, msg_id)
    await cancelled(pending)
    assert texts(await inline(client, other, 0, 4)) == ["2"]
    type_text(client, first, 2, 1, 11, "a")
    assert texts(await inline(client, first, 1, 12)) == [" + b"]
    assert len(fake.requests) == 2
    assert (await stats(client))["adopted_after_cancel"] == 1


async def test_a_manual_trigger_waits_for_its_own_answer(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(
        Reply(chunks=["a", " + b"], first_delay=0.2, chunk_delay=0.5),
        Reply(choices=[[" * b"], [" - b"], [" * b"]]),
    )
    uri = open_document(client, SOURCE)
    msg_id, pending = send_inline(client, uri, 1, 11)
    await first_event(fake)
    cancel(client, msg_id)
    await cancelled(pending)
    type_text(client, uri, 2, 1, 11, "a")  # agrees with the stream, which a keystroke would take over
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 12, manual=True))
    assert texts(list(result.items)) == [" * b", " - b"]
    assert (fake.requests[1].body or {})["n"] == 3
    assert (await asyncio.to_thread(fake.wait_for_disconnect, 0)).completed is False
