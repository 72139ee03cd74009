"""Where requests go (proxies from the environment or backend.proxy, NO_PROXY) and how the key travels."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codex_ls.backends.http import HttpTransport
from codex_ls.backends.http_errors import display_url
from codex_ls.backends.openai import OpenAIBackend
from codex_ls.config import parse_config
from codex_ls.errors import BackendError
from tests.fakes.backends import Sleeps, backend_config, collect, joined
from tests.fakes.fake_backend import FakeBackend, Reply

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture
def proxy() -> Iterator[FakeBackend]:
    """A catch-all recorder standing in for a proxy: it answers everything 404."""
    with FakeBackend() as recorder:
        yield recorder


@pytest.fixture(autouse=True)
def _no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def backend(fake: FakeBackend, **settings: object) -> OpenAIBackend:
    config = backend_config(kind="openai", url=fake.openai_url, model="m", max_retries=0, **settings)
    return OpenAIBackend(config, HttpTransport(config, sleep=Sleeps()))


async def test_the_environments_proxy_carries_the_request(
    fake: FakeBackend, proxy: FakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with pytest.raises(BackendError):
        await collect(backend(fake))
    (seen,) = proxy.requests
    assert seen.path == fake.openai_url + "/completions"
    assert fake.requests == []


async def test_no_proxy_sends_the_request_straight_to_the_backend(
    fake: FakeBackend, proxy: FakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    fake.push(Reply(chunks=["direct"]))
    assert joined(await collect(backend(fake))) == ("direct", "stop")
    assert proxy.requests == []


async def test_the_proxy_setting_applies_without_the_environment(fake: FakeBackend, proxy: FakeBackend) -> None:
    with pytest.raises(BackendError):
        await collect(backend(fake, proxy=proxy.url))
    (seen,) = proxy.requests
    assert seen.path == fake.openai_url + "/completions"
    assert fake.requests == []


async def test_the_key_goes_in_the_configured_header(fake: FakeBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEX_TEST_AZURE_KEY", "azure-key-0123456789")
    fake.push(Reply(chunks=["ok"]))
    await collect(backend(fake, api_key_env="CODEX_TEST_AZURE_KEY", api_key_header="api-key"))
    (seen,) = fake.requests
    assert seen.headers["api-key"] == "azure-key-0123456789"
    assert "authorization" not in seen.headers


@pytest.mark.parametrize("name", ["Authorization", "api-key", "X-Api-Key", "Cookie"])
def test_credentials_in_header_settings_are_refused(name: str) -> None:
    config, errors = parse_config({"backend": {"headers": {name: "secret", "X-Team": "a"}}})
    assert config.backend.headers == {}
    (error,) = errors
    assert error.startswith("codexLs.backend.headers:")
    assert "apiKeyEnv" in error
    assert "secret" not in error


def test_urls_in_messages_lose_credentials_and_queries() -> None:
    shown = display_url("https://user:hunter2@api.example.com:8443/v1?api-key=abc")
    assert shown == "https://api.example.com:8443/v1"
    assert display_url("http://[::1]:8080/v1") == "http://[::1]:8080/v1"
