"""Answers without a model call: type-through, cache, in-flight reuse, and the debounce."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import pytest

from codex_ls.backends.base import Delta, GenerationRequest
from codex_ls.config import Config
from codex_ls.context.fim import TEMPLATES
from codex_ls.engine import CompletionContext, CompletionEngine
from codex_ls.reuse import Anchor


class ScriptedBackend:
    """Streams the next scripted answer a character at a time; records calls and closes."""

    name = "scripted"
    max_samples = 1
    samples_in_sequence = False

    def __init__(self, *answers: str, delay: float = 0.0) -> None:
        self.answers = list(answers)
        self.delay = delay
        self.calls: list[GenerationRequest] = []
        self.closed_early = 0

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        self.calls.append(request)
        answer = self.answers.pop(0)
        done = False
        try:
            for char in answer:
                await asyncio.sleep(self.delay)
                yield Delta(char)
            done = True
            yield Delta("", finish_reason="stop")
        finally:
            if not done:
                self.closed_early += 1

    async def check(self) -> str:
        return "ok"

    async def aclose(self) -> None:
        return None


def engine_with(backend: ScriptedBackend) -> CompletionEngine:
    return CompletionEngine(Config(), backend, TEMPLATES["qwen"])


def at_end(text: str, *, manual: bool = False) -> CompletionContext:
    return CompletionContext(uri="file:///a.py", text=text + "\n", offset=len(text), manual=manual)


@pytest.mark.parametrize(
    ("before", "after", "typed"),
    [
        pytest.param(("x = ", "\n", 4), ("x = fo", "\n", 6), "fo", id="typed"),
        pytest.param(("x = ", "\n", 4), ("x = ", "\n", 4), "", id="same-place"),
        pytest.param(("x = ", "\n", 4), ("x = ", ")\n", 4), None, id="suffix-changed"),
        pytest.param(("x = ", "\n", 4), ("y = fo", "\n", 6), None, id="edited-before"),
        pytest.param(("x = fo", "\n", 6), ("x = ", "\n", 4), None, id="deleted"),
    ],
)
def test_anchor_typed_since(before: tuple[str, str, int], after: tuple[str, str, int], typed: str | None) -> None:
    assert Anchor.of(*before).typed_since(Anchor.of(*after)) == typed


async def test_typing_through_the_suggestion_needs_no_model_call() -> None:
    backend = ScriptedBackend("foo(1)")
    engine = engine_with(backend)
    first = await engine.complete(at_end("x = "))
    assert [s.text for s in first.suggestions] == ["foo(1)"]
    second = await engine.complete(at_end("x = fo"))
    assert [s.text for s in second.suggestions] == ["o(1)"]
    assert len(backend.calls) == 1
    assert engine.counts["type_through"] == 1


async def test_typing_something_else_asks_the_model_again() -> None:
    backend = ScriptedBackend("foo(1)", "bar")
    engine = engine_with(backend)
    await engine.complete(at_end("x = "))
    second = await engine.complete(at_end("x = b"))
    assert [s.text for s in second.suggestions] == ["bar"]
    assert len(backend.calls) == 2


async def test_the_cache_answers_a_window_seen_before() -> None:
    backend = ScriptedBackend("1", "2")
    engine = engine_with(backend)
    await engine.complete(at_end("a = "))
    await engine.complete(at_end("b = "))
    again = await engine.complete(at_end("a = "))
    assert [s.text for s in again.suggestions] == ["1"]
    assert len(backend.calls) == 2
    assert engine.counts["cache"] == 1


async def test_a_stream_that_agrees_with_the_typing_is_reused() -> None:
    backend = ScriptedBackend("value + 1", delay=0.02)
    engine = engine_with(backend)
    first = asyncio.ensure_future(engine.complete(at_end("x = ")))
    await asyncio.sleep(0.09)  # "val" or so has streamed
    second = await engine.complete(at_end("x = va"))
    assert [s.text for s in second.suggestions] == ["lue + 1"]
    assert [s.text for s in (await first).suggestions] == ["value + 1"]
    assert len(backend.calls) == 1
    assert engine.counts["reused"] == 1


async def test_a_stream_that_disagrees_is_closed_and_the_next_is_debounced() -> None:
    backend = ScriptedBackend("value + 1", "zeta", delay=0.02)
    engine = engine_with(backend)
    first = asyncio.ensure_future(engine.complete(at_end("x = ")))
    await asyncio.sleep(0.09)
    second = await engine.complete(at_end("x = z"))
    assert [s.text for s in second.suggestions] == ["zeta"]
    assert backend.closed_early == 1
    assert engine.counts["debounced"] == 1
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_manual_trigger_is_not_debounced() -> None:
    backend = ScriptedBackend("value", "zeta", delay=0.02)
    engine = engine_with(backend)
    first = asyncio.ensure_future(engine.complete(at_end("x = ")))
    await asyncio.sleep(0.05)
    await engine.complete(at_end("x = z", manual=True))
    assert engine.counts["debounced"] == 0
    first.cancel()
