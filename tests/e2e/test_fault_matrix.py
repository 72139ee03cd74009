"""The backend fault matrix, end to end: every way a backend can fail, each met twice.

Each row scripts the fake backend, asks the real server for a completion twice at the
same place, and checks the promise: the answer (usually empty, never an error), how
many requests reached the backend (retries are bounded and happen only before the
first byte), how long the answer took (never a hung request), one popup at most for the
two failures (rate-limited), and that the next request works. docs/RELIABILITY.md
lists the rows.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
import trustme
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.lsp import inline, inline_params, open_document, openai_settings, server_config, start, texts
from tests.fakes.backends import dead_url
from tests.fakes.fake_backend import FakeBackend, Reply

SOURCE = "def add(a, b):\n    return \n"
GOOD = Reply(chunks=["a + b"])
#: Small limits (backend.tuning) so that the slow rows take seconds: a silence of 1 s, 3 s for a whole answer.
LIMITS = {"maxRetries": 1, "readTimeout": 1.0, "requestTimeout": 3.0, "maxRetryWait": 2.0, "connectTimeout": 1.0}


def settings_for(url: str, tuning: dict[str, Any] | None = None, **backend: Any) -> dict[str, Any]:
    """One request per completion (no reuse, no debounce), with small time limits (``tuning`` over them)."""
    settings = openai_settings(url, tuning={"reuse": False, "debounce": False})
    settings["backend"] |= backend
    settings["backend"]["tuning"] = LIMITS | (tuning or {})
    return settings


@dataclass
class Case:
    #: Replies the backend gives for one completion (pushed again for the second).
    replies: list[Reply]
    #: Backend requests per completion.
    requests: int
    #: Part of the one popup the two failures give; None: no popup at all.
    notice: str | None
    #: What each completion answers.
    answer: list[str] = field(default_factory=list)
    #: backend.tuning knobs for this row, over LIMITS.
    tuning: dict[str, Any] = field(default_factory=dict)
    #: Longest a completion may take, in seconds.
    within: float = 5.0
    #: The server closes the stream before the backend ends it.
    cut: bool = False


CASES = {
    "401": Case([Reply(status=401)], 1, "apiKeyEnv"),
    "403": Case([Reply(status=403)], 1, "apiKeyEnv"),
    "404 model": Case([Reply(status=404)], 1, "HTTP 404"),
    "429 with Retry-After": Case([Reply(status=429, headers={"Retry-After": "0.3"}), GOOD], 2, None, ["a + b"]),
    "429 with a Retry-After too long": Case([Reply(status=429, headers={"Retry-After": "3600"})], 1, "HTTP 429"),
    "429 without Retry-After": Case([Reply(status=429), GOOD], 2, None, ["a + b"]),
    "429 every time": Case([Reply(status=429), Reply(status=429)], 2, "HTTP 429"),
    "500": Case([Reply(status=500), Reply(status=500)], 2, "HTTP 500"),
    "503 then an answer": Case([Reply(status=503), GOOD], 2, None, ["a + b"]),
    "stream stops mid-event": Case([Reply(chunks=["a + b", " + c"], cut_in_event=1)], 1, "broke off"),
    "malformed JSON event": Case([Reply(chunks=["a", " + b"], malformed_at=1)], 1, "malformed event"),
    "not an event stream": Case(
        [Reply(raw_body=b"<html>bad gateway</html>", content_type="text/html")], 1, "not a stream"
    ),
    # Cut at completion.maxTokens (128 tokens, 1024 characters without token counts), long before
    # requestTimeout; 5,000 chunks a millisecond apart would outlast it. Post-processing keeps one
    # "abcd" of the runaway repetition.
    "endless stream without a stop": Case(
        [Reply(chunks=["abcd"] * 5_000, chunk_delay=0.001, finish_reason=None)],
        1,
        None,
        ["abcd"],
        within=2.5,
        cut=True,
    ),
    # Two tries of readTimeout (1 s) and the wait between them take about 2.6 s: requestTimeout
    # is set above that, so that readTimeout is what these rows test (the test after them
    # has requestTimeout cut a hang short).
    "accepts and never answers": Case(
        [Reply(hang=True), Reply(hang=True)],
        2,
        "did not answer in time",
        tuning={"requestTimeout": 4.0},
        within=4.5,
    ),
    "headers, then silence": Case(
        [Reply(hang_after_headers=True), Reply(hang_after_headers=True)],
        2,
        "did not answer in time",
        tuning={"requestTimeout": 4.0},
        within=4.5,
    ),
    "one byte a second": Case([Reply(drip=1.0)], 1, "requestTimeout", tuning={"readTimeout": 2.0}, within=4.5),
}


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient) -> Any:
    yield
    await lsp_client.shutdown_session()


async def complete(client: LanguageClient, uri: str) -> tuple[list[str], float]:
    started = time.monotonic()
    answer = texts(await asyncio.wait_for(inline(client, uri, 1, 11), 20))
    return answer, time.monotonic() - started


async def popups(client: LanguageClient) -> list[str]:
    await asyncio.sleep(0.1)  # notifications may trail the answer
    return [m.message for m in client.messages]


async def next_works(client: LanguageClient, fake: FakeBackend, uri: str) -> None:
    fake.reset()
    fake.push(GOOD)
    answer, _ = await complete(client, uri)
    assert answer == ["a + b"]


@pytest.mark.parametrize("case", [pytest.param(c, id=name) for name, c in CASES.items()])
async def test_fault(client: LanguageClient, fake: FakeBackend, case: Case) -> None:
    await start(client, settings_for(fake.openai_url, case.tuning))
    uri = open_document(client, SOURCE)
    for attempt in (1, 2):
        before = len(fake.requests)
        fake.push(*case.replies)
        answer, seconds = await complete(client, uri)
        assert answer == case.answer, f"attempt {attempt}"
        assert seconds < case.within, f"attempt {attempt} took {seconds:.1f} s"
        assert len(fake.requests) - before == case.requests, f"attempt {attempt}"
        if case.cut:
            assert (await asyncio.to_thread(fake.wait_for_disconnect, -1, 1.0)).completed is False
    shown = await popups(client)
    if case.notice is None:
        assert shown == []
    else:
        assert len(shown) == 1, shown  # two failures, one popup
        assert case.notice in shown[0], shown
    await next_works(client, fake, uri)


async def test_refused_connection(client: LanguageClient, fake: FakeBackend) -> None:
    await start(client, settings_for(dead_url()))
    uri = open_document(client, SOURCE)
    for _ in range(2):
        answer, seconds = await complete(client, uri)
        assert answer == []
        assert seconds < 5
    shown = await popups(client)
    assert len(shown) == 1
    assert "cannot connect" in shown[0]
    reconfigure(client, settings_for(fake.openai_url))
    await next_works(client, fake, uri)


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_fake(authority: trustme.CA) -> Iterator[FakeBackend]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with FakeBackend(tls=context) as backend:
        yield backend


async def test_a_self_signed_certificate_is_refused_until_its_ca_is_given(
    client: LanguageClient, tls_fake: FakeBackend, authority: trustme.CA, tmp_path: Path
) -> None:
    assert tls_fake.openai_url.startswith("https://")
    await start(client, settings_for(tls_fake.openai_url))
    uri = open_document(client, SOURCE)
    for _ in range(2):
        answer, _ = await complete(client, uri)
        assert answer == []
    shown = await popups(client)
    assert len(shown) == 1
    assert "backend.caBundle" in shown[0]
    assert tls_fake.requests == []  # the handshake failed: no request was ever sent
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    reconfigure(client, settings_for(tls_fake.openai_url, caBundle=str(bundle)))
    await next_works(client, tls_fake, uri)


def reconfigure(client: LanguageClient, settings: dict[str, Any]) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"codexLs": settings}))


async def test_a_backend_that_never_answers_is_given_up_within_request_timeout_with_default_settings(
    client: LanguageClient, fake: FakeBackend
) -> None:
    """Default settings (readTimeout 30 s, 2 retries, reuse and debounce on) with requestTimeout scaled to 2 s.

    Before, each try waited out readTimeout: 92 s with the defaults. Now the whole
    request ends at requestTimeout, with no retry, and the answer follows at once.
    """
    request_timeout = 2.0
    settings = openai_settings(fake.openai_url)
    settings["backend"] = {"kind": "openai", "url": fake.openai_url, "tuning": {"requestTimeout": request_timeout}}
    await start(client, settings)
    uri = open_document(client, SOURCE)
    fake.default = Reply(hang=True)
    for attempt in (1, 2):
        before = len(fake.requests)
        answer, seconds = await complete(client, uri)
        assert answer == []
        assert request_timeout <= seconds < request_timeout + 1.0, f"attempt {attempt}: {seconds:.2f} s"
        assert len(fake.requests) - before == 1, f"attempt {attempt}"
    shown = await popups(client)
    assert len(shown) == 1, shown
    assert "backend.tuning.requestTimeout (2s)" in shown[0]
    fake.default = Reply()
    await next_works(client, fake, uri)


async def test_a_completion_slower_than_completion_timeout_answers_empty_and_says_why_once(
    client: LanguageClient, fake: FakeBackend
) -> None:
    statuses: list[dict[str, Any]] = []
    client.feature("codex/status")(lambda params: statuses.append(dict(params._asdict())))
    settings = settings_for(fake.openai_url, {"requestTimeout": 60.0, "readTimeout": 30.0})
    settings["completion"]["timeout"] = 1.0
    await start(client, settings)
    uri = open_document(client, SOURCE)
    for _ in range(2):
        fake.push(Reply(chunks=["a + b"], first_delay=3.0))
        answer, seconds = await complete(client, uri)
        assert answer == []
        assert 0.9 <= seconds < 1.5  # the samples are due a tenth of the timeout before it
    shown = await popups(client)
    assert len(shown) == 1, shown
    assert "completion.timeout (1s)" in shown[0]
    assert statuses == [{"state": "error", "message": shown[0].removeprefix("codex-ls: ").split(";")[0]}]
    assert fake.wait_for_disconnect(0).completed is False  # the late stream was closed
    await next_works(client, fake, uri)
    await asyncio.sleep(0.1)
    assert [s["state"] for s in statuses] == ["error", "idle"]  # in time again


async def test_a_manual_trigger_still_writing_at_completion_timeout_answers_with_its_whole_lines(
    client: LanguageClient, fake: FakeBackend
) -> None:
    settings = settings_for(fake.openai_url, {"requestTimeout": 60.0, "readTimeout": 30.0})
    settings["completion"]["timeout"] = 1.5
    settings["completion"]["tuning"]["samples"] = 1
    await start(client, settings)
    uri = open_document(client, "def total(values):\n    \n    return result\n")
    lines = ["result = 0\n", "    for v in values:\n", "        result += v\n", "    # and"]
    fake.push(Reply(chunks=lines + [" more"] * 100, chunk_delay=0.3))
    started = time.monotonic()
    asked = client.text_document_inline_completion_async(inline_params(uri, 1, 4, manual=True))
    result = await asyncio.wait_for(asked, 20)
    seconds = time.monotonic() - started
    assert isinstance(result, types.InlineCompletionList)
    assert texts(list(result.items)) == ["result = 0\n    for v in values:\n        result += v"]
    assert seconds < 1.5
    assert fake.wait_for_disconnect(0).completed is False  # the stream still writing was closed
    assert await popups(client) == []  # an answer in time: nothing to say
