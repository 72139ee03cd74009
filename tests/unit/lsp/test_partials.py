"""Partial results: the first piece at once, the rest gathered, nothing after a close."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from codex_ls.lsp.partials import PartialText, partial_text


async def test_the_first_piece_goes_out_at_once_and_the_next_ones_wait_for_the_interval() -> None:
    sent: list[str] = []
    text = PartialText(sent.append, interval=60)
    text.write("This ")
    text.write("function ")
    text.write("returns")
    assert sent == ["This "]
    text.flush()
    assert sent == ["This ", "function returns"]
    text.close()


async def test_waiting_pieces_go_out_when_the_interval_ends() -> None:
    arrived = asyncio.Event()
    sent: list[str] = []

    def send(piece: str) -> None:
        sent.append(piece)
        if len(sent) == 2:
            arrived.set()

    text = PartialText(send, interval=0.01)
    text.write("a")
    text.write("b")
    text.write("c")
    await asyncio.wait_for(arrived.wait(), 5)
    assert sent == ["a", "bc"]
    text.close()


async def test_enough_waiting_characters_go_out_without_waiting() -> None:
    sent: list[str] = []
    text = PartialText(sent.append, interval=60, most=5)
    text.write("a")
    text.write("bc")
    text.write("def")
    assert sent == ["a", "bcdef"]
    text.close()


async def test_nothing_is_sent_after_a_close() -> None:
    sent: list[str] = []
    text = PartialText(sent.append, interval=0.01)
    text.write("a")
    text.write("b")
    text.close()
    text.write("c")
    text.flush()
    await asyncio.sleep(0.05)  # past the interval: a timer left behind would have fired
    assert sent == ["a"]


async def test_the_block_that_completes_sends_the_rest_and_one_that_fails_drops_it() -> None:
    sent: list[str] = []
    with partial_text(sent.append) as write:
        write("a")
        write("b")
    assert sent == ["a", "b"]
    sent.clear()
    with pytest.raises(asyncio.CancelledError):
        await cancelled_while_writing(sent.append)
    assert sent == ["a"]


async def cancelled_while_writing(send: Callable[[str], None]) -> None:
    with partial_text(send) as write:
        write("a")
        write("b")
        raise asyncio.CancelledError


async def test_without_a_sender_the_writer_does_nothing() -> None:
    with partial_text(None) as write:
        write("a")
