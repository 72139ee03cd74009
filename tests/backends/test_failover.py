"""backend.fallbackUrls: which endpoint takes a request when another fails, and for how long."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codex_ls.backends.http import HttpTransport
from codex_ls.backends.openai import OpenAIBackend
from codex_ls.config import parse_config
from codex_ls.errors import AuthenticationError, RateLimitError, ServerError, StreamProtocolError
from tests.fakes.backends import REQUEST, Sleeps, backend_config, collect, dead_url, joined
from tests.fakes.fake_backend import FakeBackend, Reply


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def second() -> Iterator[FakeBackend]:
    with FakeBackend() as backend:
        yield backend


def backend(
    urls: list[str], clock: Clock | None = None, sleeps: Sleeps | None = None, **settings: object
) -> OpenAIBackend:
    config = backend_config(
        kind="openai",
        url=urls[0],
        fallback_urls=tuple(urls[1:]),
        model="m",
        read_timeout=1.0,
        request_timeout=3.0,
        **settings,  # type: ignore[arg-type]
    )
    return OpenAIBackend(config, HttpTransport(config, sleep=sleeps or Sleeps(), clock=clock or Clock()))


async def test_a_refused_primary_hands_the_request_to_the_fallback_without_waiting(second: FakeBackend) -> None:
    second.default = Reply(chunks=["from ", "fallback"])
    sleeps = Sleeps()
    assert joined(await collect(backend([dead_url(), second.openai_url], sleeps=sleeps))) == ("from fallback", "stop")
    assert sleeps.waits == []
    assert len(second.requests) == 1


async def test_a_failed_endpoint_is_tried_last_until_its_cooldown_ends(fake: FakeBackend, second: FakeBackend) -> None:
    fake.default = Reply(status=500)
    second.default = Reply(chunks=["ok"])
    clock = Clock()
    b = backend([fake.openai_url, second.openai_url], clock=clock, failover_cooldown=30.0)
    try:
        for _ in range(3):
            assert joined([d async for d in b.stream(REQUEST)]) == ("ok", "stop")
        assert (len(fake.requests), len(second.requests)) == (1, 3)
        # After the cooldown the primary is asked first again, and keeps the traffic once it answers.
        fake.default = Reply(chunks=["primary"])
        clock.now += 31
        for _ in range(2):
            assert joined([d async for d in b.stream(REQUEST)]) == ("primary", "stop")
        assert (len(fake.requests), len(second.requests)) == (3, 3)
    finally:
        await b.aclose()


async def test_when_every_endpoint_fails_the_retries_wait_between_rounds(
    fake: FakeBackend, second: FakeBackend
) -> None:
    fake.default = Reply(status=503)
    second.default = Reply(status=500)
    sleeps = Sleeps()
    with pytest.raises(ServerError):
        await collect(backend([fake.openai_url, second.openai_url], sleeps=sleeps, max_retries=2))
    # Three rounds (the first try and two retries), both endpoints each round, two waits.
    assert (len(fake.requests), len(second.requests), len(sleeps.waits)) == (3, 3, 2)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        pytest.param(Reply(status=401), AuthenticationError, id="401"),
        pytest.param(Reply(status=429, headers={"retry-after": "60"}), RateLimitError, id="429"),
    ],
)
async def test_client_errors_do_not_fail_over(
    fake: FakeBackend, second: FakeBackend, reply: Reply, error: type[Exception]
) -> None:
    fake.default = reply
    with pytest.raises(error):
        await collect(backend([fake.openai_url, second.openai_url]))
    assert second.requests == []


async def test_a_stream_that_broke_after_its_first_token_is_not_repeated_elsewhere(
    fake: FakeBackend, second: FakeBackend
) -> None:
    fake.default = Reply(chunks=["a", "b", "c"], disconnect_after=1)
    with pytest.raises(StreamProtocolError):
        await collect(backend([fake.openai_url, second.openai_url]))
    assert second.requests == []


def test_fallback_urls_are_checked_one_by_one() -> None:
    config, errors = parse_config(
        {
            "backend": {
                "kind": "openai",
                "fallbackUrls": ["http://127.0.0.1:9/v1", "not a url"],
                "tuning": {"failoverCooldown": 5},
            }
        }
    )
    assert config.backend.fallback_urls == ()
    assert config.backend.tuning.failover_cooldown == 5
    assert len(errors) == 1
    assert errors[0].startswith("codexLs.backend.fallbackUrls:")
    good, errors = parse_config({"backend": {"kind": "openai", "fallbackUrls": ["http://127.0.0.1:9/v1/"]}})
    assert errors == []
    assert good.backend.base_urls == ["http://127.0.0.1:8080/v1", "http://127.0.0.1:9/v1"]
