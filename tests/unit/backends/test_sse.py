"""Stream decoding: events split anywhere, UTF-8 split mid-character, stops split across deltas."""

from __future__ import annotations

import json

import pytest

from codex_ls.backends.base import Delta, StopMatcher, with_stops
from codex_ls.backends.openai import parse_completion_event
from codex_ls.backends.sse import NDJSONDecoder, ServerSentEvent, SSEDecoder
from codex_ls.errors import StreamProtocolError

BODY = (
    'data: {"choices":[{"text":"héllo 😀","index":0,"finish_reason":null}]}\r\n\r\n'
    ": keep-alive\n\n"
    'event: message\ndata: {"choices":[{"text":" wörld","index":0,"finish_reason":"stop"}]}\n\n'
    "data: [DONE]\n\n"
).encode()


def _decode(pieces: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = [e for piece in pieces for e in decoder.feed(piece)]
    return events + decoder.close()


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 64, len(BODY)])
def test_events_survive_any_split(size: int) -> None:
    events = _decode([BODY[i : i + size] for i in range(0, len(BODY), size)])
    assert [e.data for e in events][-1] == "[DONE]"
    texts = [json.loads(e.data)["choices"][0]["text"] for e in events[:-1]]
    assert texts == ["héllo 😀", " wörld"]


def test_cr_only_line_endings_and_multiline_data() -> None:
    events = _decode([b"data: a\rdata: b\r\r"])
    assert events == [ServerSentEvent("a\nb")]


def test_an_unterminated_last_event_is_still_delivered() -> None:
    assert _decode([b"data: tail"]) == [ServerSentEvent("tail")]


def test_ndjson_lines_split_across_chunks() -> None:
    decoder = NDJSONDecoder()
    lines = decoder.feed(b'{"a": 1}\n{"b"') + decoder.feed(b": 2}\n\n") + decoder.close()
    assert [json.loads(x) for x in lines] == [{"a": 1}, {"b": 2}]


def test_malformed_event_is_a_protocol_error() -> None:
    with pytest.raises(StreamProtocolError, match="malformed"):
        parse_completion_event(ServerSentEvent("{not json"))


def test_done_ends_the_stream() -> None:
    assert parse_completion_event(ServerSentEvent("[DONE]")) is None


def test_logprobs_are_summed() -> None:
    data = {"choices": [{"text": "ab", "index": 1, "logprobs": {"token_logprobs": [-0.5, -0.25]}}]}
    (delta,) = parse_completion_event(ServerSentEvent(json.dumps(data))) or []
    assert (delta.index, delta.logprob, delta.tokens) == (1, -0.75, 2)


@pytest.mark.parametrize(
    ("pieces", "stops", "emitted"),
    [
        pytest.param(["ab", "c\nd"], ["\n"], "abc", id="newline"),
        pytest.param(["x<|end", "oftext|>y"], ["<|endoftext|>"], "x", id="split-token"),
        pytest.param(["x<", "y"], ["<|endoftext|>"], "x<y", id="false-alarm"),
        pytest.param(["abc"], [], "abc", id="no-stops"),
    ],
)
def test_stop_matcher(pieces: list[str], stops: list[str], emitted: str) -> None:
    matcher = StopMatcher(stops)
    out = "".join(matcher.feed(p) for p in pieces) + matcher.flush()
    assert out == emitted


async def _deltas(items: list[Delta], seen: list[str]) -> object:
    try:
        for item in items:
            seen.append(item.text)
            yield item
    finally:
        seen.append("closed")


async def test_with_stops_closes_the_source_at_the_stop() -> None:
    seen: list[str] = []
    source = _deltas([Delta("a"), Delta("b\nc"), Delta("never read")], seen)
    out = [d async for d in with_stops(source, ["\n"])]  # type: ignore[arg-type]
    assert [(d.text, d.finish_reason) for d in out] == [("a", None), ("b", "stop")]
    assert seen == ["a", "b\nc", "closed"]


async def test_a_stream_that_ends_without_a_reason_counts_as_cut() -> None:
    seen: list[str] = []
    out = [d async for d in with_stops(_deltas([Delta("a")], seen), [])]  # type: ignore[arg-type]
    assert out[-1].finish_reason == "length"
