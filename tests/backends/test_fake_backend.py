"""Tests for the fake model server: wire formats, scripted faults and disconnect detection."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.fake_backend import FakeBackend, RecordedRequest, Reply


@pytest.fixture
def backend() -> Iterator[FakeBackend]:
    with FakeBackend() as fake:
        yield fake


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


def sse_data(text: str) -> list[str]:
    """The ``data:`` payloads of an SSE body, in order."""
    return [block.removeprefix("data: ") for block in text.split("\n\n") if block]


def events(text: str) -> list[dict[str, Any]]:
    return [json.loads(data) for data in sse_data(text) if data != "[DONE]"]


def complete(client: httpx.Client, backend: FakeBackend, **body: Any) -> httpx.Response:
    return client.post(backend.openai_url + "/completions", json={"model": "m", "prompt": "x", "stream": True, **body})


def test_completions_stream(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(chunks=["Hel", "lo", " wörld"]))
    response = complete(client, backend)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["transfer-encoding"] == "chunked"
    assert sse_data(response.text)[-1] == "[DONE]"
    parsed = events(response.text)
    assert [e["choices"][0]["text"] for e in parsed] == ["Hel", "lo", " wörld", ""]
    assert [e["choices"][0]["finish_reason"] for e in parsed] == [None, None, None, "stop"]
    assert parsed[0]["model"] == "m"
    assert parsed[0]["object"] == "text_completion"
    (request,) = backend.wait_for_requests(1)
    assert (request.method, request.path) == ("POST", "/v1/completions")
    assert request.body == {"model": "m", "prompt": "x", "stream": True}
    assert request.headers["content-type"] == "application/json"
    assert request.completed
    assert request.disconnected_at is None


def test_n_choices_are_interleaved(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(chunks=["a", "b"]))
    parsed = events(complete(client, backend, n=3).text)
    pairs = [(e["choices"][0]["index"], e["choices"][0]["text"]) for e in parsed[:6]]
    assert pairs == [(0, "a"), (1, "a"), (2, "a"), (0, "b"), (1, "b"), (2, "b")]
    assert [e["choices"][0]["finish_reason"] for e in parsed[6:]] == ["stop"] * 3


def test_per_choice_text_finish_and_logprobs(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(choices=[["x", "y"], ["z"]], choice_finish=["stop", "length"], logprobs=[-0.5]))
    parsed = events(complete(client, backend).text)
    choices = [e["choices"][0] for e in parsed]
    assert [(c["index"], c["text"]) for c in choices[:3]] == [(0, "x"), (1, "z"), (0, "y")]
    assert choices[0]["logprobs"] == {"tokens": ["x"], "token_logprobs": [-0.5]}
    assert choices[2]["logprobs"] is None  # no logprob scripted for the second position
    assert [(c["index"], c["finish_reason"]) for c in choices[3:]] == [(0, "stop"), (1, "length")]


def test_chat_format(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(chunks=["Hi", "!"], finish_reason="length"))
    response = client.post(backend.openai_url + "/chat/completions", json={"model": "c", "messages": []})
    parsed = events(response.text)
    deltas = [e["choices"][0]["delta"] for e in parsed]
    assert deltas == [{"role": "assistant", "content": ""}, {"content": "Hi"}, {"content": "!"}, {}]
    assert parsed[-1]["choices"][0]["finish_reason"] == "length"
    assert parsed[0]["object"] == "chat.completion.chunk"
    assert sse_data(response.text)[-1] == "[DONE]"


@pytest.mark.parametrize("path", ["/infill", "/completion"])
def test_llama_cpp_format(backend: FakeBackend, client: httpx.Client, path: str) -> None:
    backend.push(Reply(chunks=["a", "b"], finish_reason="length"))
    response = client.post(backend.url + path, json={"input_prefix": "p", "input_suffix": "s"})
    assert response.headers["content-type"] == "text/event-stream"
    assert events(response.text) == [
        {"content": "a", "stop": False},
        {"content": "b", "stop": False},
        {"content": "", "stop": True, "stop_type": "limit"},
    ]


def test_ollama_ndjson(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(chunks=["a", "b"]))
    response = client.post(backend.url + "/api/generate", json={"model": "qwen", "prompt": "p"})
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [(x["response"], x["done"]) for x in lines] == [("a", False), ("b", False), ("", True)]
    assert lines[0]["model"] == "qwen"
    assert lines[-1]["done_reason"] == "stop"


def test_error_replies(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(status=401), Reply(status=429, headers={"Retry-After": "1"}))
    unauthorized = complete(client, backend)
    assert unauthorized.status_code == 401
    assert unauthorized.json()["error"]["code"] == 401
    assert unauthorized.json()["error"]["type"] == "authentication_error"
    limited = complete(client, backend)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"
    assert limited.headers["content-type"] == "application/json"


def test_error_shapes_follow_the_server_kind(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(status=500), Reply(status=404), Reply(status=503, error_body={"custom": True}))
    llama = client.post(backend.url + "/infill", json={})
    assert llama.json() == {
        "error": {"code": 500, "message": "fake backend: 500 Internal Server Error", "type": "server_error"}
    }
    assert client.post(backend.url + "/api/generate", json={}).json() == {"error": "fake backend: 404 Not Found"}
    assert complete(client, backend).json() == {"custom": True}


def test_models_and_unknown_paths(backend: FakeBackend, client: httpx.Client) -> None:
    assert client.get(backend.openai_url + "/models").json() == {
        "object": "list",
        "data": [{"id": "fake-model", "object": "model"}],
    }
    backend.push(Reply(status=503), Reply(chunks=["kept"]))
    assert client.get(backend.openai_url + "/models").status_code == 503
    assert client.get(backend.openai_url + "/models").status_code == 200  # the 200 reply stays queued
    assert client.post(backend.url + "/nowhere", json={}).status_code == 404
    assert events(complete(client, backend).text)[0]["choices"][0]["text"] == "kept"


def test_raw_body(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(status=502, raw_body=b"<html>bad gateway</html>", content_type="text/html"))
    response = complete(client, backend)
    assert (response.status_code, response.headers["content-type"], response.text) == (
        502,
        "text/html",
        "<html>bad gateway</html>",
    )


def collect_lines(response: httpx.Response, into: list[str]) -> None:
    """Keep every line read, even if the stream then breaks."""
    for line in response.iter_lines():
        into.append(line)


def test_disconnect_after_truncates_the_stream(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(chunks=["a", "b", "c"], disconnect_after=2))
    received: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        client.stream("POST", backend.openai_url + "/completions", json={}) as response,
    ):
        collect_lines(response, received)
    assert [json.loads(x.removeprefix("data: "))["choices"][0]["text"] for x in received if x] == ["a", "b"]


def test_malformed_event(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(chunks=["a", "b"], malformed_at=1))
    assert sse_data(complete(client, backend).text)[1] == "{not json"


def test_client_closing_early_is_recorded(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(chunks=["x"] * 50, chunk_delay=0.02))
    with client.stream("POST", backend.openai_url + "/completions", json={}) as response:
        next(response.iter_bytes())
    request = backend.wait_for_disconnect()
    assert request.disconnected_at is not None
    assert request.disconnected_at >= request.received_at
    assert not request.completed


def test_keep_alive_answers_on_one_connection(client: httpx.Client) -> None:
    with FakeBackend(keep_alive=True) as fake:
        fake.push(Reply(chunks=["a"]), Reply(status=500), Reply(chunks=["b"]))
        first, failed, second = (complete(client, fake) for _ in range(3))
        assert first.headers["connection"] == second.headers["connection"] == "keep-alive"
        assert (events(first.text)[0]["choices"][0]["text"], failed.status_code) == ("a", 500)
        assert events(second.text)[0]["choices"][0]["text"] == "b"
        assert fake.connections == 1
        assert all(r.completed for r in fake.wait_for_requests(3))


def test_keep_alive_still_sees_a_client_leave(client: httpx.Client) -> None:
    with FakeBackend(keep_alive=True) as fake:
        fake.push(Reply(chunks=["x"] * 50, chunk_delay=0.02), Reply(chunks=["y"]))
        with client.stream("POST", fake.openai_url + "/completions", json={}) as response:
            next(response.iter_bytes())
        left = fake.wait_for_disconnect(0)
        assert not left.completed
        assert events(complete(client, fake).text)[0]["choices"][0]["text"] == "y"
        assert fake.connections == 2  # a half-read answer cannot be reused


def test_without_keep_alive_every_request_connects(backend: FakeBackend, client: httpx.Client) -> None:
    for _ in range(2):
        assert complete(client, backend).headers["connection"] == "close"
    assert backend.connections == 2


def test_hang_and_client_timeout(backend: FakeBackend) -> None:
    backend.push(Reply(hang=True))
    with httpx.Client(timeout=0.2) as short, pytest.raises(httpx.ReadTimeout):
        short.post(backend.openai_url + "/completions", json={})
    request = backend.wait_for_disconnect(0)
    assert not request.completed


def test_disconnect_during_first_delay(backend: FakeBackend) -> None:
    backend.push(Reply(first_delay=3))
    with httpx.Client(timeout=0.2) as short, pytest.raises(httpx.ReadTimeout):
        short.post(backend.openai_url + "/completions", json={})
    assert backend.wait_for_disconnect(timeout=1).disconnected_at is not None


def read_until_closed(sock: socket.socket) -> bytes:
    sock.settimeout(1)
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while piece := sock.recv(1024):
            received += piece
    return received


def test_stop_is_prompt_with_a_hung_request() -> None:
    fake = FakeBackend().start()
    fake.push(Reply(hang_after_headers=True), Reply(hang=True))
    request = b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
    address = ("127.0.0.1", int(fake.url.rsplit(":", 1)[1]))
    try:
        with socket.create_connection(address) as first, socket.create_connection(address) as second:
            first.sendall(request)
            second.sendall(request)
            fake.wait_for_requests(2)
            assert fake.active_streams == 2
            started = time.monotonic()
            fake.stop()
            assert time.monotonic() - started < 5  # with hung requests open
            # Both sockets are closed by the server (FIN or RST): reading ends, it does not time out.
            assert b"200 OK" in read_until_closed(first)
            assert read_until_closed(second) == b""
    finally:
        fake.stop()  # idempotent
    assert [r.completed for r in fake.requests] == [False, False]


def test_responder_builds_replies(backend: FakeBackend, client: httpx.Client) -> None:
    backend.responder = lambda request: Reply(chunks=[str((request.body or {})["prompt"])[::-1]])
    backend.push(Reply(chunks=["queued first"]))
    texts = [events(complete(client, backend, prompt=p).text)[0]["choices"][0]["text"] for p in ("ab", "cd")]
    assert texts == ["queued first", "dc"]


def test_broken_responder_answers_500(backend: FakeBackend, client: httpx.Client) -> None:
    def responder(request: RecordedRequest) -> Reply:
        raise KeyError("boom")

    backend.responder = responder
    response = complete(client, backend)
    assert response.status_code == 500
    assert "KeyError" in response.json()["error"]["message"]


def test_drip_sends_one_byte_at_a_time(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(chunks=["é"], drip=0.0))
    with client.stream("POST", backend.url + "/completion", json={}) as response:
        pieces = list(response.iter_raw())
    body = b"".join(pieces)
    assert events(body.decode()) == [{"content": "é", "stop": False}, {"content": "", "stop": True, "stop_type": "eos"}]
    assert len(pieces) > 10  # bytes arrive in (at most) a few at a time, not as one block


def test_disconnect_during_drip(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(chunks=["abcdef"] * 20, drip=0.01))
    with client.stream("POST", backend.openai_url + "/completions", json={}) as response:
        next(response.iter_raw())
    assert not backend.wait_for_disconnect().completed


def test_delays(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(chunks=["a", "b", "c"], first_delay=0.1, chunk_delay=0.05))
    started = time.monotonic()
    complete(client, backend)
    # Five events (a, b, c, the finish event, [DONE]) leave four gaps.
    assert time.monotonic() - started >= 0.1 + 4 * 0.05


def test_wait_for_requests_times_out(backend: FakeBackend) -> None:
    with pytest.raises(TimeoutError):
        backend.wait_for_requests(1, timeout=0.05)
    with pytest.raises(TimeoutError):
        backend.wait_for_disconnect(timeout=0.05)


def test_reset(backend: FakeBackend, client: httpx.Client) -> None:
    backend.push(Reply(status=500))
    backend.default = Reply(chunks=["d"])
    backend.responder = lambda request: Reply(chunks=["r"])
    complete(client, backend)
    backend.reset()
    assert backend.requests == []
    assert events(complete(client, backend).text)[0]["choices"][0]["text"] == "Hello"
    assert backend.peak_streams == 1


async def test_async_client_and_active_streams(backend: FakeBackend) -> None:
    backend.push(Reply(hang_after_headers=True), Reply(chunks=["async"]))
    async with (
        httpx.AsyncClient(timeout=5) as client,
        client.stream("POST", backend.openai_url + "/completions", json={}) as hung,
    ):
        assert hung.status_code == 200
        assert backend.active_streams == 1
        response = await client.post(backend.openai_url + "/completions", json={})
        assert events(response.text)[0]["choices"][0]["text"] == "async"
    assert backend.wait_for_disconnect(0).disconnected_at is not None
    assert backend.peak_streams == 2
