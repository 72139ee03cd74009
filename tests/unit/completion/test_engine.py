"""Answers without a model call: type-through, cache, in-flight reuse, and the debounce."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import replace

import pytest

from codex_ls.backends.base import CacheLayout, Delta, GenerationRequest
from codex_ls.completion import flight
from codex_ls.completion.engine import CompletionEngine
from codex_ls.completion.fim import TEMPLATES
from codex_ls.completion.prompting import CachedPrompting
from codex_ls.completion.request import Answer, CompletionContext
from codex_ls.completion.reuse import Anchor
from codex_ls.config import Config


class ScriptedBackend:
    """Streams the next scripted answer a character at a time; records calls and closes."""

    name = "scripted"
    max_samples = 1
    samples_in_sequence = False
    cache_layout: CacheLayout | None = None

    def __init__(self, *answers: str, delay: float = 0.0, hold_after: int | None = None) -> None:
        self.answers = list(answers)
        self.delay = delay
        self.calls: list[GenerationRequest] = []
        self.closed_early = 0
        #: With ``hold_after``, the stream stops after that many characters until ``go`` is set,
        #: so that a test knows what has streamed whatever the machine's load.
        self.hold_after = hold_after
        self.held = asyncio.Event()
        self.go = asyncio.Event()

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        self.calls.append(request)
        answer = self.answers.pop(0)
        done = False
        try:
            for sent, char in enumerate(answer):
                if sent == self.hold_after:
                    self.held.set()
                    await self.go.wait()
                await asyncio.sleep(self.delay)
                yield Delta(char)
            await asyncio.sleep(self.delay)  # an answer with nothing in it takes time too
            done = True
            yield Delta("", finish_reason="stop")
        finally:
            if not done:
                self.closed_early += 1

    async def prepare(self, prompt: str = "") -> None:
        return None

    async def check(self) -> str:
        return "ok"

    async def aclose(self) -> None:
        return None


class Typist:
    """The engine, and the session of the one document the tests type in."""

    def __init__(self, backend: ScriptedBackend) -> None:
        self.engine = CompletionEngine(Config(), backend, TEMPLATES["qwen"])
        self.session = self.engine.session("file:///a.py")
        self.counts = self.engine.counts

    async def complete(self, ctx: CompletionContext) -> Answer:
        return await self.engine.complete(ctx, self.session)


def engine_with(backend: ScriptedBackend) -> Typist:
    return Typist(backend)


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


def between(before: str, after: str) -> CompletionContext:
    return CompletionContext(uri="file:///a.py", text=before + after + "\n", offset=len(before))


async def test_a_suggestion_between_words_is_typed_through_inside_the_word_it_starts() -> None:
    backend = ScriptedBackend("c, ", "never")
    engine = engine_with(backend)
    first = await engine.complete(between("f(a, ", "b)"))
    assert [s.text for s in first.suggestions] == ["c, "]
    # "c" typed: the cursor is inside a word ("c|b"), where the model is never asked,
    # but the suggestion the user is typing goes on.
    second = await engine.complete(between("f(a, c", "b)"))
    assert [s.text for s in second.suggestions] == [", "]
    third = await engine.complete(between("f(a, c,", "b)"))
    assert [s.text for s in third.suggestions] == [" "]
    assert len(backend.calls) == 1


async def test_inside_a_word_with_nothing_shown_the_model_is_not_asked() -> None:
    backend = ScriptedBackend("never")
    engine = engine_with(backend)
    assert not (await engine.complete(between("x = pri", "nt(1)"))).suggestions
    assert backend.calls == []


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


async def test_a_backspace_after_a_wrong_key_brings_back_what_was_typed_through() -> None:
    backend = ScriptedBackend("foo(1)", "bar")
    engine = engine_with(backend)
    await engine.complete(at_end("x = "))
    assert [s.text for s in (await engine.complete(at_end("x = f"))).suggestions] == ["oo(1)"]
    assert [s.text for s in (await engine.complete(at_end("x = fx"))).suggestions] == ["bar"]
    back = await engine.complete(at_end("x = f"))
    assert [s.text for s in back.suggestions] == ["oo(1)"]
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
    assert (await first).suggestions == []  # its stream was closed: nothing for a stale place


async def test_a_manual_trigger_is_not_debounced() -> None:
    backend = ScriptedBackend("value", "zeta", delay=0.02)
    engine = engine_with(backend)
    first = asyncio.ensure_future(engine.complete(at_end("x = ")))
    await asyncio.sleep(0.05)
    await engine.complete(at_end("x = z", manual=True))
    assert engine.counts["debounced"] == 0
    first.cancel()


async def cancelled_at(engine: Typist, text: str, after: float) -> None:
    """A request at the end of ``text`` that the client cancels after ``after`` seconds."""
    request = asyncio.ensure_future(engine.complete(at_end(text)))
    await asyncio.sleep(after)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request


async def test_a_cancelled_request_leaves_its_stream_to_the_next_keystroke() -> None:
    backend = ScriptedBackend("value + 1", delay=0.02)
    engine = engine_with(backend)
    await cancelled_at(engine, "x = ", 0.05)
    second = await engine.complete(at_end("x = v"))
    assert [s.text for s in second.suggestions] == ["alue + 1"]
    assert len(backend.calls) == 1
    assert backend.closed_early == 0
    assert engine.counts["adopted_after_cancel"] == 1


async def test_an_edit_that_agrees_keeps_the_stream_and_one_that_contradicts_closes_it() -> None:
    backend = ScriptedBackend("value + 1", hold_after=2)
    engine = engine_with(backend)
    request = asyncio.ensure_future(engine.complete(at_end("x = ")))
    await backend.held.wait()  # "va" has streamed
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    engine.session.flight.edited("x = v\n", 5)
    await asyncio.sleep(0)
    assert backend.closed_early == 0
    engine.session.flight.edited("x = vo\n", 6)
    for _ in range(5):
        await asyncio.sleep(0)
    assert backend.closed_early == 1
    assert engine.counts["closed_contradicted"] == 1
    assert not engine.session.flight.watching


async def test_enter_closes_a_one_line_stream_at_once_and_the_next_line_asks_the_model() -> None:
    backend = ScriptedBackend("value + 1", "return x", hold_after=0)
    engine = engine_with(backend)
    await cancelled_at(engine, "def f(x):\n    x = ", 0.01)  # nothing streamed yet
    engine.session.flight.edited("def f(x):\n    x = \n    \n", 23)  # Enter, and the indentation
    for _ in range(5):
        await asyncio.sleep(0)
    assert (backend.closed_early, engine.counts["closed_contradicted"]) == (1, 1)
    backend.go.set()
    answer = await engine.complete(at_end("def f(x):\n    x = \n    "))
    assert [s.text for s in answer.suggestions] == ["return x"]
    assert engine.counts["reused"] == 0


async def test_a_stream_is_closed_by_its_own_output_when_it_contradicts_the_typing() -> None:
    backend = ScriptedBackend("value + 1", delay=0.05)
    engine = engine_with(backend)
    await cancelled_at(engine, "x = ", 0.01)  # nothing streamed yet
    engine.session.flight.edited("x = w\n", 5)
    await asyncio.sleep(0.15)  # "v" arrives: it contradicts "w"
    assert backend.closed_early == 1
    assert engine.counts["closed_contradicted"] == 1


async def test_a_stream_nobody_takes_over_is_closed_at_the_end_of_its_grace_and_the_next_waits() -> None:
    backend = ScriptedBackend("value + 1" * 5, "zeta", delay=0.02)
    engine = engine_with(backend)
    await cancelled_at(engine, "x = ", 0.03)
    await asyncio.sleep(0.1)
    assert backend.closed_early == 0  # still within its grace (0.3 s before a second keystroke)
    await asyncio.sleep(0.3)
    assert backend.closed_early == 1
    assert engine.counts["closed_grace"] == 1
    # The typing outran the model: the next keystroke waits for a pause first.
    assert [s.text for s in (await engine.complete(at_end("x = z"))).suggestions] == ["zeta"]
    assert engine.counts["debounced"] == 1


async def test_a_close_unanswered_makes_only_the_next_request_wait() -> None:
    backend = ScriptedBackend("value + 1" * 5, "zeta", "other", delay=0.02)
    engine = engine_with(backend)
    await cancelled_at(engine, "x = ", 0.03)
    await asyncio.sleep(0.4)  # its grace ran out: closed unanswered
    assert engine.counts["closed_grace"] == 1
    await engine.complete(at_end("x = z"))
    assert engine.counts["debounced"] == 1
    # Heard once: the request after it, which supersedes nothing, asks at once.
    assert [s.text for s in (await engine.complete(at_end("y = "))).suggestions] == ["other"]
    assert engine.counts["debounced"] == 1


async def test_an_answer_that_arrives_during_the_grace_serves_the_next_keystroke() -> None:
    backend = ScriptedBackend("val", delay=0.01)
    engine = engine_with(backend)
    request = asyncio.ensure_future(engine.complete(at_end("x = ")))
    await asyncio.sleep(0)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    await asyncio.sleep(0.1)  # the stream finished with nobody waiting
    assert [s.text for s in (await engine.complete(at_end("x = v"))).suggestions] == ["al"]
    assert len(backend.calls) == 1
    assert engine.counts["type_through"] == 1


async def test_forgetting_a_document_closes_its_stream() -> None:
    backend = ScriptedBackend("value + 1", delay=0.05)
    engine = engine_with(backend)
    request = asyncio.ensure_future(engine.complete(at_end("x = ")))
    await asyncio.sleep(0.06)
    engine.session.close()
    assert (await request).suggestions == []
    assert backend.closed_early == 1
    assert engine.counts["closed_document_closed"] == 1


async def test_typing_a_stopped_suggestion_to_its_end_asks_nothing_more_at_the_end_of_the_line() -> None:
    backend = ScriptedBackend("foo(1)", "never asked")
    engine = engine_with(backend)
    await engine.complete(at_end("x = "))
    assert (await engine.complete(at_end("x = foo(1)"))).suggestions == []
    assert len(backend.calls) == 1
    assert engine.counts["typed_to_its_end"] == 1


async def test_typing_a_stopped_suggestion_to_an_open_bracket_asks_for_the_rest_of_the_line() -> None:
    """The model wrote ``Measurement(`` and broke the line there; the user typed it and waits on it."""
    backend = ScriptedBackend("Measurement(", "0, 0)")
    engine = engine_with(backend)
    await engine.complete(at_end("    return "))
    (rest,) = (await engine.complete(at_end("    return Measurement("))).suggestions
    assert rest.text == "0, 0)"
    assert len(backend.calls) == 2
    assert engine.counts["typed_to_its_end"] == 0


def in_body(text: str) -> CompletionContext:
    """The cursor at the end of ``text`` inside a function body: a multi-line place."""
    source = "def f():\n" + text
    return CompletionContext(uri="file:///a.py", text=source + "\n", offset=len(source), language_id="python")


async def test_a_typist_sees_the_lines_a_block_has_so_far_and_the_rest_later() -> None:
    block = "x = 1\n    y = 2\n    z = 3\n    return z\n"
    backend = ScriptedBackend(block, delay=0.03)
    engine = engine_with(backend)
    await cancelled_at_place(engine, in_body("    "), 0.01)
    # "x" typed while the block streams: its whole lines so far are shown before the rest arrives.
    (early,) = (await engine.complete(in_body("    x"))).suggestions
    assert early.text.startswith(" = 1")
    assert block[1:].startswith(early.text + "\n")
    assert engine.counts["early_lines"] == 1
    assert backend.closed_early == 0  # the stream goes on for the keystrokes that follow
    await asyncio.sleep(0.1)
    (later,) = (await engine.complete(in_body("    x = 1\n    y"))).suggestions
    assert later.text.startswith(" = 2")
    assert block.split("y", 1)[1].startswith(later.text)
    assert len(backend.calls) == 1


async def test_a_block_is_answered_line_by_line_as_each_is_taken_from_one_stream() -> None:
    body = "x = 1\n    y = 2\n    return y\n"
    backend = ScriptedBackend(body, delay=0.01, hold_after=len("x = 1\n"))
    engine = engine_with(backend)
    # The first line is the answer while the model is slow to write more; the stream goes on.
    (first,) = (await engine.complete(in_body("    "))).suggestions
    assert first.text == "x = 1"
    assert engine.counts["early_lines"] == 1
    # Taken (Tab): the next request gets the line written since, from the same stream.
    after_tab = asyncio.ensure_future(engine.complete(in_body("    x = 1")))
    await asyncio.sleep(0)
    backend.go.set()
    (second,) = (await after_tab).suggestions
    assert second.text == "\n    y = 2"
    # Taken again: the rest, once the stream has ended.
    await asyncio.sleep(0.3)
    (rest,) = (await engine.complete(in_body("    x = 1\n    y = 2"))).suggestions
    assert rest.text == "\n    return y"
    assert len(backend.calls) == 1
    assert backend.closed_early == 0


async def test_a_block_written_quickly_is_shown_whole_its_last_line_too() -> None:
    backend = ScriptedBackend("x = 1\n    return x", delay=0.001)
    engine = engine_with(backend)
    (whole,) = (await engine.complete(in_body("    "))).suggestions
    assert whole.text == "x = 1\n    return x"
    assert engine.counts["early_lines"] == 0


async def test_the_lines_shown_early_keep_their_stream_past_a_keystroke_grace_until_the_typing_leaves_them() -> None:
    backend = ScriptedBackend("x = 1\n    y = 2\n", "z = 0", delay=0.01, hold_after=len("x = 1\n"))
    engine = engine_with(backend)
    (first,) = (await engine.complete(in_body("    "))).suggestions
    assert first.text == "x = 1"
    await asyncio.sleep(0.5)  # longer than any grace: the user reads the line
    assert backend.closed_early == 0
    typed_elsewhere = in_body("    z")
    engine.session.flight.edited(typed_elsewhere.text, typed_elsewhere.offset)
    await asyncio.sleep(0)
    assert backend.closed_early == 1
    assert engine.counts["closed_contradicted"] == 1


async def test_a_placeholder_line_is_not_shown_early() -> None:
    backend = ScriptedBackend("pass\n", delay=0.01)
    engine = engine_with(backend)
    outcome = await engine.complete(in_body("    "))
    # The whole answer, once it ended: the one sample this backend draws.
    assert [(s.text, s.finish_reason) for s in outcome.suggestions] == [("pass", "stop")]
    assert engine.counts["early_lines"] == 0


async def test_a_manual_trigger_in_a_block_waits_for_all_of_it() -> None:
    backend = ScriptedBackend("x = 1\n    y = 2\n    return y\n", delay=0.01)
    engine = engine_with(backend)
    manual = replace(in_body("    "), manual=True)
    outcome = await engine.complete(manual)
    assert [s.text for s in outcome.suggestions] == ["x = 1\n    y = 2\n    return y"]
    assert engine.counts["early_lines"] == 0


async def cancelled_at_place(engine: Typist, ctx: CompletionContext, after: float) -> None:
    request = asyncio.ensure_future(engine.complete(ctx))
    await asyncio.sleep(after)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request


async def test_a_stream_with_nothing_for_its_place_does_not_answer_for_a_later_one() -> None:
    backend = ScriptedBackend("", "oo(1)", delay=0.05)
    engine = engine_with(backend)
    first = asyncio.ensure_future(engine.complete(at_end("x = ")))
    await asyncio.sleep(0.01)
    second = await engine.complete(at_end("x = f"))  # takes over the stream, which ends empty
    assert [s.text for s in second.suggestions] == ["oo(1)"]
    assert len(backend.calls) == 2
    assert (await first).suggestions == []


def test_a_cache_layout_puts_the_typed_part_of_the_line_last_so_each_key_only_appends() -> None:
    backend = ScriptedBackend()
    backend.cache_layout = CacheLayout(suffix_chars=512)
    prompting = engine_with(backend).engine.prompting
    above, line, below = (
        "import os\n\n\ndef walk(root):\n",
        "    for name in os.listdir(root):",
        "\n        print(name)\n",
    )
    prompts = []
    for n in range(4, len(line)):
        text = above + line[:n] + below
        prompts.append(prompting.prompt(prompting.window(text, len(above) + n)))
    for before, after, typed in zip(prompts, prompts[1:], line[4:], strict=False):
        assert after == before + typed
    assert prompts[0] == "<|fim_prefix|>" + above + "    <|fim_suffix|>" + below + "<|fim_middle|>"


def test_without_a_cache_the_prompt_is_the_templates() -> None:
    prompting = engine_with(ScriptedBackend()).engine.prompting
    text = "def walk(root):\n    for name in root:\n"
    win = prompting.window(text, text.index(" in root"))
    assert prompting.prompt(win) == "<|fim_prefix|>def walk(root):\n    for name<|fim_suffix|> in root:\n<|fim_middle|>"


async def asked_with_a_cache_layout(*, manual: bool) -> GenerationRequest:
    """The request for a key typed in the middle of a long module, to a backend with a KV cache."""
    backend = ScriptedBackend("x")
    backend.cache_layout = CacheLayout(suffix_chars=512, cold_tokens=64)
    text = "".join(f"value_{i:03d} = compute({i})\n" if i != 100 else "value_100 = compute(\n" for i in range(200))
    offset = text.index("value_100") + len("value_100 = compute(")
    await engine_with(backend).complete(CompletionContext("file:///a.py", text, offset, "python", manual=manual))
    return backend.calls[-1]


async def test_a_keystroke_with_a_cache_layout_carries_a_cold_prompt_of_the_cursors_surroundings() -> None:
    request = await asked_with_a_cache_layout(manual=False)
    assert request.cold_prompt.startswith("<|fim_prefix|>")
    assert request.cold_prompt.endswith("<|fim_middle|>value_100 = compute(")
    assert len(request.cold_prompt) < len(request.prompt) / 3
    head, rest = request.cold_prompt.removeprefix("<|fim_prefix|>").split("<|fim_suffix|>")
    assert head.startswith("value_0")
    assert head in request.prompt
    assert rest.split("<|fim_middle|>")[0] in request.prompt


async def test_a_manual_trigger_carries_no_cold_prompt() -> None:
    assert (await asked_with_a_cache_layout(manual=True)).cold_prompt == ""


def test_a_cursor_at_rest_warms_the_cold_prompt_a_key_there_takes_then_the_whole_one() -> None:
    backend = ScriptedBackend()
    backend.cache_layout = CacheLayout(suffix_chars=512, cold_tokens=64)
    prompting = engine_with(backend).engine.prompting
    assert isinstance(prompting, CachedPrompting)
    text = "".join(f"value_{i:03d} = compute({i})\n" if i != 100 else "value_100 = compute(\n" for i in range(200))
    offset = text.index("value_100") + len("value_100 = compute(")
    cold, whole = prompting.warm_prompts(text, (), offset)
    assert whole == prompting.prompt(prompting.window(text, offset))
    assert len(cold) < len(whole) / 3
    typed = text[:offset] + "1" + text[offset:]
    assert prompting.cold_prompt(prompting.window(typed, offset + 1)) == cold + "1"


class InSequence(ScriptedBackend):
    """Draws its samples one after another, as the local backend does: each answer in turn."""

    max_samples = 3
    samples_in_sequence = True

    def __init__(self, *answers: tuple[str, str]) -> None:
        super().__init__()
        self.samples = list(answers)
        self.drawn = 0

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        self.calls.append(request)
        for index, (text, finish) in enumerate(self.samples[: request.n]):
            self.drawn += 1
            yield Delta(text, index)
            yield Delta("", index, finish_reason=finish)


async def test_samples_drawn_in_sequence_end_at_the_first_that_stopped() -> None:
    backend = InSequence(("a + b", "stop"), ("a - b", "stop"), ("a * b", "stop"))
    outcome = await engine_with(backend).complete(at_end("x = ", manual=True))
    assert backend.calls[0].n == 3
    assert backend.drawn == 1
    assert [s.text for s in outcome.suggestions] == ["a + b"]


async def test_a_first_sample_that_ran_out_of_tokens_is_sampled_again() -> None:
    backend = InSequence(("a + b + c + d", "length"), ("a - b", "stop"), ("a * b", "stop"))
    outcome = await engine_with(backend).complete(at_end("x = ", manual=True))
    assert backend.drawn == 2
    assert outcome.suggestions[0].text == "a - b"  # the one that stopped ranks first


async def test_a_first_sample_that_writes_only_pass_in_an_empty_body_is_sampled_again() -> None:
    backend = InSequence(("pass", "stop"), ("return sorted(xs)", "stop"), ("return xs", "stop"))
    text = 'def f(xs):\n    """Sorted."""\n    '
    outcome = await engine_with(backend).complete(
        CompletionContext("file:///a.py", text, len(text), "python", manual=True)
    )
    assert backend.drawn == 2
    assert outcome.suggestions[0].text == "return sorted(xs)"


async def test_unasked_in_an_empty_body_a_second_sample_follows_only_a_placeholder() -> None:
    text = 'def f(xs):\n    """Sorted."""\n    '
    unasked = CompletionContext("file:///a.py", text, len(text), "python")
    backend = InSequence(("pass", "stop"), ("return sorted(xs)", "stop"), ("return xs", "stop"))
    outcome = await engine_with(backend).complete(unasked)
    assert (backend.calls[0].n, backend.drawn) == (2, 2)
    assert outcome.suggestions[0].text == "return sorted(xs)"

    backend = InSequence(("return sorted(xs", "length"), ("return sorted(xs)", "stop"))
    outcome = await engine_with(backend).complete(unasked)
    assert backend.drawn == 1  # code, though unfinished: the user did not ask, nothing more is drawn
    assert len(backend.calls) == 1  # and not all again with twice the tokens


async def test_unasked_on_one_line_one_sample_is_drawn() -> None:
    backend = InSequence(("a + b", "stop"), ("a - b", "stop"))
    await engine_with(backend).complete(at_end("x = "))
    assert (backend.calls[0].n, backend.drawn) == (1, 1)


async def test_a_body_longer_than_an_anchor_used_to_hold_is_taken_line_by_line_from_one_stream() -> None:
    rows = "".join(f"    row_{n:02d} = {n} * width + height  # the {n}th row of the table\n" for n in range(12))
    body = rows[4:] + "    return row_11\n"
    assert len(body) > 600
    backend = ScriptedBackend(body, delay=0.001)
    engine = engine_with(backend)
    taken = ""
    for _ in range(20):
        ctx = in_body("    " + taken)
        engine.session.flight.edited(ctx.text, ctx.offset)
        shown = (await engine.complete(ctx)).suggestions
        if not shown:
            break
        taken += shown[0].text
    assert taken == body.rstrip("\n")
    assert len(backend.calls) == 1


async def test_comment_lines_alone_are_not_shown_early() -> None:
    backend = ScriptedBackend("# Your code here\n    pass\n", delay=0.01)
    engine = engine_with(backend)
    outcome = await engine.complete(in_body("    "))
    assert engine.counts["early_lines"] == 0
    assert [s.text for s in outcome.suggestions] == ["# Your code here\n    pass"]


async def test_lines_shown_early_that_nobody_takes_close_their_stream_after_the_reading_grace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(flight, "READ_GRACE", 0.3)
    backend = ScriptedBackend("x = 1\n    y = 2\n", delay=0.01, hold_after=len("x = 1\n"))
    engine = engine_with(backend)
    (first,) = (await engine.complete(in_body("    "))).suggestions
    assert first.text == "x = 1"
    await asyncio.sleep(0.2)
    assert backend.closed_early == 0
    await asyncio.sleep(0.5)
    assert backend.closed_early == 1
    assert engine.counts["closed_grace"] == 1


def test_an_anchor_from_a_window_and_one_from_the_whole_document_agree_on_what_was_typed() -> None:
    above = "".join(f"value_{n} = {n}\n" for n in range(800))  # longer than any anchor keeps
    below = "".join(f"other_{n} = {n}\n" for n in range(800))
    # A request's window holds a part of the document on either side of the cursor.
    asked = Anchor.of(above[-1500:], below[:512], len(above))
    text = above + "total = " + below
    offset = len(above) + len("total = ")
    # An edit's anchor is read from the whole document, as the flight reads it.
    later = Anchor(offset, text[max(0, offset - 4096) : offset], text[offset : offset + 256])
    assert asked.typed_since(later) == "total = "
    moved = Anchor(offset, text[max(0, offset - 4096) : offset], "x" + text[offset + 1 : offset + 256])
    assert asked.typed_since(moved) is None
