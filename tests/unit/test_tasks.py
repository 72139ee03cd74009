"""Cancelling work that holds a stream: once, and its hang-ups first."""

from __future__ import annotations

import asyncio

import pytest

from codex_ls.tasks import cancel_once, hang_up_on_cancel


async def test_cancel_once_hangs_up_first_then_cancels_once() -> None:
    calls: list[str] = []
    inside = asyncio.Event()

    async def holder() -> None:
        with hang_up_on_cancel(lambda: calls.append("hang-up")):
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.ensure_future(holder())
    await inside.wait()
    cancel_once(task)
    assert calls == ["hang-up"]  # at once, before the task runs again
    cancel_once(task)
    assert calls == ["hang-up"]  # a cancellation already on its way: nothing more
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_hang_up_is_forgotten_when_its_block_ends() -> None:
    calls: list[str] = []
    done = asyncio.Event()

    async def holder() -> None:
        with hang_up_on_cancel(lambda: calls.append("hang-up")):
            await asyncio.sleep(0)
        done.set()
        await asyncio.Event().wait()

    task = asyncio.ensure_future(holder())
    await done.wait()
    cancel_once(task)
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calls == []
