"""Reading the samples of one request: choices kept apart, the stream closed once all have finished."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from codex_ls.backends.base import Delta, GenerationRequest
from codex_ls.completion.samples import draw, read_samples


async def interleaved(closed: list[bool]) -> AsyncGenerator[Delta, None]:
    try:
        for text in ["a", "b", "c"]:
            for index in range(3):
                yield Delta(f"{text}{index}", index, logprob=-0.5, tokens=1)
        yield Delta("", 0, "stop")
        yield Delta("", 1, "length")
        yield Delta("", 2, "stop")
        yield Delta("never", 0)
    finally:
        closed.append(True)


async def test_choices_are_collected_apart_and_the_stream_closed_when_all_finish() -> None:
    closed: list[bool] = []
    first: list[str] = []
    candidates = await read_samples(interleaved(closed), 3, first=first)
    assert [c.text for c in candidates] == ["a0b0c0", "a1b1c1", "a2b2c2"]
    assert [c.finish for c in candidates] == ["stop", "length", "stop"]
    assert candidates[0].mean_logprob == -0.5
    assert "".join(first) == "a0b0c0"
    assert closed == [True]


def request(n: int = 2, max_tokens: int = 8) -> GenerationRequest:
    return GenerationRequest(prefix="", suffix="", prompt="p", stop=(), max_tokens=max_tokens, temperature=0.4, n=n)


class Scripted:
    """Streams one scripted list of deltas per request; records the requests and the closes."""

    def __init__(self, *scripts: list[Delta]) -> None:
        self.scripts = list(scripts)
        self.requests: list[GenerationRequest] = []
        self.closed = 0

    async def __call__(self, req: GenerationRequest) -> AsyncGenerator[Delta, None]:
        self.requests.append(req)
        try:
            for delta in self.scripts.pop(0):
                yield delta
        finally:
            self.closed += 1


async def test_a_draw_where_every_sample_was_cut_is_drawn_again_with_twice_the_budget() -> None:
    cut = [Delta("a", 0), Delta("b", 1), Delta("", 0, "length"), Delta("", 1, "length")]
    stream = Scripted(cut, [Delta("ab", 0, "stop"), Delta("ba", 1, "stop")])
    told: list[bool] = []
    samples = await draw(stream, request(), again=lambda: told.append(True))
    assert [s.text for s in samples] == ["ab", "ba"]
    assert [r.max_tokens for r in stream.requests] == [8, 16]
    assert told == [True]


async def test_without_retry_a_cut_draw_is_kept() -> None:
    stream = Scripted([Delta("a", 0, "length")])
    samples = await draw(stream, request(n=1), retry=False)
    assert [(s.text, s.finish) for s in samples] == [("a", "length")]
    assert len(stream.requests) == 1


async def test_a_reader_with_enough_stops_and_closes_the_stream() -> None:
    stream = Scripted([Delta("x", 0, "stop"), Delta("never", 1)])
    samples = await draw(stream, request(), enough=lambda found: any(c.finish == "stop" for c in found))
    assert [s.text for s in samples] == ["x", ""]
    assert stream.closed == 1


async def test_a_sample_ends_when_a_line_still_arriving_leaves_its_block() -> None:
    body = [Delta("    y = 1\n", 0), Delta("def", 0), Delta(" g():", 0)]
    stream = Scripted(body)
    samples = await draw(stream, request(n=1), ended=lambda text: "\ndef" in text)
    assert (samples[0].text, samples[0].finish) == ("    y = 1\ndef", "stop")


class Slow:
    """Sample 0 streams at once and stops; sample 1 writes ``lines`` then never finishes."""

    def __init__(self, first: list[Delta], second: list[Delta]) -> None:
        self.first, self.second = first, second
        self.closed = False

    async def __call__(self, req: GenerationRequest) -> AsyncGenerator[Delta, None]:
        try:
            for delta in self.first:
                yield delta
            for delta in self.second:
                yield delta
            await asyncio.sleep(3600)
            yield Delta("never", 0)
        finally:
            self.closed = True


def soon(seconds: float = 0.05) -> float:
    return asyncio.get_running_loop().time() + seconds


async def test_at_the_deadline_the_finished_samples_are_the_answer_and_the_stream_is_closed() -> None:
    stream = Slow([Delta("done", 0, "stop")], [Delta("half", 1)])
    samples = await draw(stream, request(), until=soon())
    assert [(s.text, s.finish) for s in samples] == [("done", "stop")]
    assert stream.closed


async def test_at_the_deadline_with_nothing_finished_a_multiline_draw_keeps_the_first_samples_whole_lines() -> None:
    stream = Slow([Delta("    a = 1\n", 0), Delta("    b = 2\n    c", 0)], [])
    samples = await draw(stream, request(n=1), ended=lambda text: False, until=soon())
    # Ending with its line break: no line of it is half written.
    assert [(s.text, s.finish) for s in samples] == [("    a = 1\n    b = 2\n", "length")]


async def test_at_the_deadline_a_single_line_draw_never_answers_half_a_line() -> None:
    stream = Slow([Delta("retu", 0)], [])
    assert await draw(stream, request(n=1), until=soon()) == []


async def test_a_draw_cut_by_its_deadline_is_not_drawn_again() -> None:
    stream = Scripted([Delta("a", 0, "length"), Delta("b", 1, "length")])
    samples = await draw(stream, request(), until=soon(-1.0))
    assert [s.finish for s in samples] == ["length", "length"]
    assert len(stream.requests) == 1
