"""The HTTP backends against the fake server: wire formats, errors, retries, closing."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from codex_ls.backends.base import CHARS_PER_TOKEN_CAP, GenerationRequest
from codex_ls.backends.http import HttpTransport
from codex_ls.backends.http_errors import retry_after_seconds
from codex_ls.backends.http_exchange import DRAIN_SECONDS
from codex_ls.backends.openai import OpenAIBackend
from codex_ls.errors import (
    AuthenticationError,
    BackendError,
    BackendTimeoutError,
    BackendUnavailableError,
    NotFoundError,
    RateLimitError,
    RequestDeadlineError,
    ServerError,
    StreamProtocolError,
)
from codex_ls.tasks import cancel_once
from tests.fakes.backends import REQUEST, Sleeps, backend_config, collect, joined, left_before_the_answer, make
from tests.fakes.fake_backend import FakeBackend, Reply

KINDS = [pytest.param(k, id=k) for k in ("openai", "llamacpp", "ollama")]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_stream_is_decoded(kind: str, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["x ", "+ ", "1"], finish_reason="stop"))
    assert joined(await collect(make(kind, fake))) == ("x + 1", "stop")


@pytest.mark.parametrize("kind", KINDS)
async def test_length_finish_is_reported(kind: str, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["x"], finish_reason="length"))
    assert joined(await collect(make(kind, fake)))[1] == "length"


async def test_openai_body(fake: FakeBackend) -> None:
    await collect(make("openai", fake, max_stop_sequences=1))
    body = fake.requests[0].body or {}
    assert body == {
        "model": "m",
        "prompt": REQUEST.prompt,
        "max_tokens": 32,
        "temperature": 0.1,
        "stream": True,
        "stop": ["\n"],
    }


async def test_openai_suffix_mode_sends_prefix_and_suffix(fake: FakeBackend) -> None:
    await collect(make("openai", fake, fim="suffix"))
    body = fake.requests[0].body or {}
    assert (body["prompt"], body["suffix"]) == (REQUEST.prefix, REQUEST.suffix)


async def test_llamacpp_infill_body(fake: FakeBackend) -> None:
    await collect(make("llamacpp", fake))
    request = fake.requests[0]
    assert request.path == "/infill"
    body = request.body or {}
    assert body["input_prefix"] == REQUEST.prefix
    assert body["input_suffix"] == REQUEST.suffix
    assert body["input_extra"] == [{"filename": "util.py", "text": "X = 1\n"}]
    assert body["cache_prompt"] is True
    assert body["stream"] is True
    assert body["n_predict"] == 32


@pytest.mark.parametrize(
    ("fim", "expected"),
    [
        pytest.param("template", {"prompt": REQUEST.prompt, "raw": True}, id="template-raw"),
        pytest.param("suffix", {"prompt": REQUEST.prefix, "suffix": REQUEST.suffix}, id="suffix"),
    ],
)
async def test_ollama_generate_body(fake: FakeBackend, fim: str, expected: dict[str, Any]) -> None:
    await collect(make("ollama", fake, fim=fim))
    body = fake.requests[0].body or {}
    assert fake.requests[0].path == "/api/generate"
    assert {k: body[k] for k in expected} == expected
    assert body["options"] == {"temperature": 0.1, "num_predict": 32, "stop": ["\n", "<|endoftext|>"]}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("status", "error"),
    [
        pytest.param(401, AuthenticationError, id="401"),
        pytest.param(403, AuthenticationError, id="403"),
        pytest.param(404, NotFoundError, id="404"),
    ],
)
async def test_client_errors_are_not_retried(kind: str, status: int, error: type, fake: FakeBackend) -> None:
    fake.push(Reply(status=status))
    with pytest.raises(error) as caught:
        await collect(make(kind, fake))
    assert "fake backend" in str(caught.value)  # the server's own message, in its own error shape
    assert len(fake.requests) == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_429_honours_retry_after(kind: str, fake: FakeBackend) -> None:
    fake.push(Reply(status=429, headers={"Retry-After": "2"}), Reply(chunks=["ok"]))
    sleeps = Sleeps()
    assert joined(await collect(make(kind, fake, sleeps)))[0] == "ok"
    assert sleeps.waits == [2.0]


async def test_5xx_retries_with_growing_backoff_then_gives_up(fake: FakeBackend) -> None:
    fake.push(Reply(status=500), Reply(status=503), Reply(status=500))
    sleeps = Sleeps()
    with pytest.raises(ServerError):
        await collect(make("openai", fake, sleeps, max_retries=2))
    assert len(fake.requests) == 3
    assert len(sleeps.waits) == 2
    assert 0.375 <= sleeps.waits[0] <= 0.625
    assert 0.75 <= sleeps.waits[1] <= 1.25


async def test_a_retry_after_longer_than_the_limit_fails_at_once(fake: FakeBackend) -> None:
    fake.push(Reply(status=429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimitError):
        await collect(make("openai", fake))
    assert len(fake.requests) == 1


async def test_no_retry_after_the_first_token(fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a", "b", "c"], disconnect_after=2))
    with pytest.raises(StreamProtocolError, match="broke off"):
        await collect(make("openai", fake))
    assert len(fake.requests) == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_malformed_event_is_an_error(kind: str, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a", "b"], malformed_at=1))
    with pytest.raises(StreamProtocolError, match="malformed"):
        await collect(make(kind, fake))


async def test_hang_times_out(fake: FakeBackend) -> None:
    fake.push(Reply(hang=True))
    started = time.monotonic()
    with pytest.raises(BackendTimeoutError):
        await collect(make("openai", fake, max_retries=0))
    assert time.monotonic() - started < 5  # the hang itself never ends


async def test_slow_drip_hits_the_request_deadline(fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["abcdefghijklmnop"] * 4, drip=0.05))
    started = time.monotonic()
    with pytest.raises(BackendTimeoutError, match="requestTimeout"):
        await collect(make("openai", fake, request_timeout=1.0))
    assert time.monotonic() - started < 5  # the whole drip would take about 25 s
    assert (await asyncio.to_thread(fake.wait_for_disconnect, 0)).completed is False


async def test_refused_connection_is_unavailable(fake: FakeBackend) -> None:
    url = fake.openai_url
    fake.stop()
    config = backend_config(kind="openai", url=url, max_retries=1)
    sleeps = Sleeps()
    with pytest.raises(BackendUnavailableError, match="cannot connect"):
        await collect(OpenAIBackend(config, HttpTransport(config, sleep=sleeps)))
    assert len(sleeps.waits) == 1


async def test_closing_the_stream_early_disconnects(fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a"] * 100, chunk_delay=0.05))
    backend = make("openai", fake)
    stream = backend.stream(REQUEST)
    first = await anext(stream)
    assert first.text == "a"
    await stream.aclose()
    await backend.aclose()
    request = await asyncio.to_thread(fake.wait_for_disconnect, 0)
    assert not request.completed


async def test_n_choices_are_kept_apart(fake: FakeBackend) -> None:
    fake.push(Reply(choices=[["a", "1"], ["b", "2"], ["c", "3"]], choice_finish=["stop", "length", "stop"]))
    request = GenerationRequest(**{**REQUEST.__dict__, "n": 3, "stop": ()})
    deltas = await collect(make("openai", fake), request)
    by_choice = {i: "".join(d.text for d in deltas if d.index == i) for i in range(3)}
    assert by_choice == {0: "a1", 1: "b2", 2: "c3"}
    finishes = {d.index: d.finish_reason for d in deltas if d.finish_reason}
    assert finishes == {0: "stop", 1: "length", 2: "stop"}


async def test_mid_stream_error_event_is_reported(fake: FakeBackend) -> None:
    body = b'data: {"choices":[{"text":"a","index":0}]}\n\ndata: {"error": {"message": "overloaded"}}\n\n'
    fake.push(Reply(raw_body=body, content_type="text/event-stream"))
    with pytest.raises(BackendError, match="overloaded"):
        await collect(make("openai", fake))


@pytest.mark.parametrize("kind", KINDS)
async def test_an_empty_answer_is_an_error_that_names_the_context(kind: str, fake: FakeBackend) -> None:
    # llama_cpp.server's answer to a streamed prompt longer than its context: 200, and no byte.
    fake.push(Reply(raw_body=b"", content_type="text/event-stream"))
    with pytest.raises(StreamProtocolError, match=r"nothing at all.*completion\.contextTokens"):
        await collect(make(kind, fake))
    assert len(fake.requests) == 1


async def test_a_non_sse_body_is_an_error(fake: FakeBackend) -> None:
    fake.push(Reply(raw_body=b"<html>gateway</html>", content_type="text/html"))
    with pytest.raises(StreamProtocolError):
        await collect(make("openai", fake))


async def test_api_key_is_sent_only_as_a_bearer_header(fake: FakeBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_KEY", "sk-secret-value")
    await collect(make("openai", fake, api_key_env="MY_KEY"))
    request = fake.requests[0]
    assert request.headers["authorization"] == "Bearer sk-secret-value"
    assert "sk-secret-value" not in str(request.body)


async def test_api_key_from_a_command(fake: FakeBackend) -> None:
    await collect(make("openai", fake, api_key_command=("echo", "sk-from-command")))
    assert fake.requests[0].headers["authorization"] == "Bearer sk-from-command"


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        pytest.param({"retry-after": "3"}, 3.0, id="seconds"),
        pytest.param({"retry-after-ms": "250"}, 0.25, id="ms"),
        pytest.param({"retry-after": "Thu, 01 Jan 1970 00:00:10 GMT"}, 5.0, id="date"),
        pytest.param({"retry-after": "soon"}, None, id="junk"),
        pytest.param({}, None, id="absent"),
    ],
)
def test_retry_after_parsing(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after_seconds(headers, now=5.0) == seconds


async def test_a_server_that_ignores_stream_true_is_understood(fake: FakeBackend) -> None:
    body = b'{"choices": [{"text": "x + 1", "index": 0, "finish_reason": "stop"}]}'
    fake.push(Reply(raw_body=body, content_type="application/json"))
    assert joined(await collect(make("openai", fake))) == ("x + 1", "stop")


async def test_requests_cancelled_at_any_moment_leave_no_connection_behind(fake: FakeBackend) -> None:
    """A request cancelled between connecting and sending must not orphan its connection (httpcore #1093)."""
    fake.default = Reply(chunks=["x", "y"], first_delay=0.005)
    config = backend_config(kind="openai", url=fake.openai_url, model="m", max_retries=0)
    transport = HttpTransport(config, sleep=Sleeps())
    backend = OpenAIBackend(config, transport)
    try:
        for round_ in range(300):

            async def consume() -> None:
                async for _ in backend.stream(REQUEST):
                    pass

            task = asyncio.ensure_future(consume())
            await asyncio.sleep((round_ % 30) / 10_000)  # from before the connect to mid-stream
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        for _ in range(100):
            pool = transport.client._client._transport._pool  # type: ignore[union-attr]
            if not pool.connections and fake.active_streams == 0:
                break
            await asyncio.sleep(0.05)
        assert pool.connections == []
        assert fake.active_streams == 0
    finally:
        await backend.aclose()


async def test_an_answer_read_to_its_finish_keeps_its_connection() -> None:
    with FakeBackend(keep_alive=True) as fake:
        fake.default = Reply(chunks=["x", " + 1"])
        backend = make("openai", fake)
        try:
            for _ in range(5):
                assert joined([d async for d in backend.stream(REQUEST)]) == ("x + 1", "stop")
                await asyncio.sleep(0.02)  # the next keystroke
            assert fake.connections == 1
            assert all(r.completed for r in fake.wait_for_requests(5))
        finally:
            await backend.aclose()


async def test_drains_that_end_as_their_bound_passes_leave_no_connection_behind(fake: FakeBackend) -> None:
    """The drain's bound must not cut short the close httpx makes when the body ends.

    Cut short, that close left the socket in CLOSE-WAIT and the request counted in the
    pool for good: the soak's sockets. Here the rest of each answer ends around
    DRAIN_SECONDS after the reader stopped.
    """
    config = backend_config(kind="openai", url=fake.openai_url, model="m", max_retries=0)
    transport = HttpTransport(config, sleep=Sleeps())
    backend = OpenAIBackend(config, transport)
    try:
        for round_ in range(200):
            # The reader stops at the line break; three more events follow, `delay` apart.
            delay = DRAIN_SECONDS / 3 * (0.7 + 0.6 * (round_ % 20) / 20)
            fake.push(Reply(chunks=["x\n", "y"], chunk_delay=delay))
            assert joined([d async for d in backend.stream(REQUEST)]) == ("x", "stop")
        await assert_pool_empty(transport, fake)
    finally:
        await backend.aclose()


async def test_a_backend_still_generating_after_the_stop_is_cut_off() -> None:
    with FakeBackend(keep_alive=True) as fake:
        # The reader stops at the line break; the backend would go on for 5 s.
        fake.push(Reply(chunks=["x\n"] + ["y"] * 100, chunk_delay=0.05))
        backend = make("openai", fake)
        try:
            assert joined([d async for d in backend.stream(REQUEST)]) == ("x", "stop")
            request = await asyncio.to_thread(fake.wait_for_disconnect, 0, 1.0)
            assert not request.completed
        finally:
            await backend.aclose()


# -- backend.requestTimeout bounds the whole request ------------------------------------------


async def test_a_backend_that_never_answers_is_given_up_at_the_request_deadline(fake: FakeBackend) -> None:
    """A 30 s read timeout and two retries would wait 90 s; the deadline ends it at 1 s, with no retry."""
    fake.default = Reply(hang=True)
    started = time.monotonic()
    with pytest.raises(RequestDeadlineError, match="requestTimeout"):
        await collect(make("openai", fake, read_timeout=30.0, request_timeout=1.0, max_retries=2))
    assert 1.0 <= time.monotonic() - started < 1.5
    assert len(fake.requests) == 1
    assert (await asyncio.to_thread(fake.wait_for_disconnect, 0)).completed is False


async def test_silence_after_the_first_chunk_is_cut_at_the_request_deadline(fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["a", "b"], chunk_delay=10.0))
    backend = make("openai", fake, read_timeout=30.0, request_timeout=1.0)
    started = time.monotonic()
    seen: list[str] = []

    async def read() -> None:
        try:
            async for delta in backend.stream(REQUEST):
                seen.append(delta.text)
        finally:
            await backend.aclose()

    with pytest.raises(RequestDeadlineError):
        await read()
    assert seen == ["a"]
    assert 1.0 <= time.monotonic() - started < 1.5
    assert (await asyncio.to_thread(fake.wait_for_disconnect, 0)).completed is False


async def test_no_retry_is_made_that_could_not_start_before_the_deadline(fake: FakeBackend) -> None:
    fake.default = Reply(status=503, headers={"Retry-After": "0.4"})
    started = time.monotonic()
    with pytest.raises(ServerError, match="HTTP 503"):
        await collect(
            make(
                "openai",
                fake,
                request_timeout=1.0,
                max_retries=5,
                max_retry_wait=5.0,
                sleep=asyncio.sleep,
            )
        )
    # Answers at 0, 0.4 and 0.8 s (later on a busy machine); the next would start past the
    # deadline, so the 503 is the answer, at once, rather than a wait that ends in a timeout.
    assert 2 <= len(fake.requests) <= 3
    assert time.monotonic() - started < 1.0


async def test_the_deadline_covers_failover_to_a_backend_that_also_hangs(fake: FakeBackend) -> None:
    with FakeBackend() as second:
        fake.default = second.default = Reply(hang=True)
        config = backend_config(
            kind="openai",
            url=fake.openai_url,
            fallback_urls=(second.openai_url,),
            model="m",
            read_timeout=0.6,
            request_timeout=1.0,
        )
        backend = OpenAIBackend(config, HttpTransport(config, sleep=Sleeps()))
        started = time.monotonic()
        with pytest.raises(BackendTimeoutError):
            await collect(backend, REQUEST)
        # 0.6 s on the first endpoint, the 0.4 s left on the second.
        assert 1.0 <= time.monotonic() - started < 1.5
        assert (len(fake.requests), len(second.requests)) == (1, 1)


async def test_streams_cut_at_the_deadline_as_they_end_leave_no_connection_behind(fake: FakeBackend) -> None:
    """A cut that lands on the close httpx makes at the end of a body must wait for it.

    Cut short, that close leaves the socket open and the request counted in the pool
    for good. Here each stream ends within a few milliseconds of the deadline.
    """
    config = backend_config(kind="openai", url=fake.openai_url, model="m", max_retries=0, request_timeout=0.03)
    transport = HttpTransport(config, sleep=Sleeps())
    backend = OpenAIBackend(config, transport)
    request = GenerationRequest(**{**REQUEST.__dict__, "stop": ()})
    outcomes: set[str] = set()
    try:
        for round_ in range(150):
            # Four events (two chunks, the finish, [DONE]): the last one 24 to 36 ms in.
            fake.push(Reply(chunks=["x", "y"], chunk_delay=0.008 + 0.004 * (round_ % 10) / 10))
            try:
                async for _ in backend.stream(request):
                    pass
                outcomes.add("finished")
            except RequestDeadlineError:
                outcomes.add("cut")
        await assert_pool_empty(transport, fake)
    finally:
        await backend.aclose()
    assert outcomes == {"finished", "cut"}


async def assert_pool_empty(transport: HttpTransport, fake: FakeBackend) -> None:
    pool = transport.client._client._transport._pool  # type: ignore[union-attr]
    for _ in range(100):
        if not pool.connections and fake.active_streams == 0:
            break
        await asyncio.sleep(0.05)
    assert pool.connections == []
    assert pool._requests == []
    assert fake.active_streams == 0


# -- the client-side cap at max_tokens -------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "chunk", "events_at_cap"),
    [
        # No token counts without logprobs: CHARS_PER_TOKEN_CAP characters count as one.
        pytest.param("openai", "abcd", int(32 * CHARS_PER_TOKEN_CAP / 4) + 1, id="openai-characters"),
        # llama.cpp and Ollama stream one token per event.
        pytest.param("llamacpp", "abcd", 33, id="llamacpp-tokens"),
        pytest.param("ollama", "abcd", 33, id="ollama-tokens"),
    ],
)
async def test_an_endless_stream_ends_at_the_cap(kind: str, chunk: str, events_at_cap: int, fake: FakeBackend) -> None:
    fake.push(Reply(chunks=[chunk] * 5_000, chunk_delay=0.0005, finish_reason=None))
    started = time.monotonic()
    text, finish = joined(await collect(make(kind, fake)))  # REQUEST.max_tokens is 32
    assert finish == "length"
    assert text == chunk * events_at_cap
    assert time.monotonic() - started < 2.5  # long before requestTimeout (3 s)
    request = await asyncio.to_thread(fake.wait_for_disconnect, 0)
    assert not request.completed


async def test_reported_token_counts_are_used_where_the_backend_gives_them(fake: FakeBackend) -> None:
    # logprobs: the server says each event is one token, however long its text.
    long_token = "x" * 40
    fake.push(Reply(chunks=[long_token] * 50, logprobs=[-0.1] * 50, finish_reason=None))
    request = GenerationRequest(**{**REQUEST.__dict__, "logprobs": True})
    text, finish = joined(await collect(make("openai", fake), request))
    assert finish == "length"
    assert text == long_token * 33


async def test_an_answer_within_max_tokens_is_never_cut(fake: FakeBackend) -> None:
    # 32 tokens of 8 characters, and a server that ends it itself.
    fake.push(Reply(chunks=["12345678"] * 32, finish_reason="stop"))
    assert joined(await collect(make("openai", fake))) == ("12345678" * 32, "stop")


async def test_a_request_cancelled_before_the_answer_starts_hangs_up(fake: FakeBackend) -> None:
    # llama-server answers only once it has evaluated the prompt: a client that leaves before must
    # hang up then, or the engine evaluates a prompt nobody waits for.
    fake.push(Reply(hang=True))
    config = backend_config(kind="openai", url=fake.openai_url, model="m", max_retries=0, request_timeout=30.0)
    transport = HttpTransport(config, sleep=Sleeps())
    backend = OpenAIBackend(config, transport)
    try:
        request = await left_before_the_answer(backend, fake)
        assert not request.completed
        await assert_pool_empty(transport, fake)
    finally:
        await backend.aclose()


async def test_a_cancelled_reader_hangs_up_before_it_runs_again(fake: FakeBackend) -> None:
    fake.push(Reply(chunks=["x"] * 100, chunk_delay=0.05))
    backend = make("openai", fake)
    first = asyncio.Event()

    async def read() -> None:
        async for _ in backend.stream(REQUEST):
            first.set()

    reader = asyncio.ensure_future(read())
    try:
        await first.wait()
        cancel_once(reader)
        # The loop is held: the reader cannot run, so only the hang-up can close the connection.
        time.sleep(0.5)  # noqa: ASYNC251
        assert fake.requests[0].disconnected_at is not None
        with pytest.raises(asyncio.CancelledError):
            await reader
    finally:
        await backend.aclose()
