"""Helpers for driving a backend against the fake server: a request, recorded waits, a backend per kind."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import attrs

from codex_ls.backends.base import Backend, Delta, GenerationRequest
from codex_ls.backends.http import HttpTransport
from codex_ls.backends.llamacpp import LlamaCppBackend
from codex_ls.backends.ollama import OllamaBackend
from codex_ls.backends.openai import OpenAIBackend
from codex_ls.config import BackendConfig, BackendTuning

from .fake_backend import FakeBackend, RecordedRequest

REQUEST = GenerationRequest(
    prefix="def f():\n    return ",
    suffix="\n",
    prompt="<|fim_prefix|>def f():\n    return <|fim_suffix|>\n<|fim_middle|>",
    stop=("\n", "<|endoftext|>"),
    max_tokens=32,
    temperature=0.1,
    extra=(("util.py", "X = 1\n"),),
)


class Sleeps:
    """Records backoff waits instead of sleeping them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def backend_config(**settings: Any) -> BackendConfig:
    """A ``BackendConfig`` from flat keywords, as tests write them: ``BackendTuning``'s knobs go to its ``tuning``."""
    knobs = attrs.fields_dict(BackendTuning)
    tuning = {name: settings.pop(name) for name in list(settings) if name in knobs}
    return BackendConfig(**settings, tuning=BackendTuning(**tuning))


def make(kind: str, fake: FakeBackend, sleeps: Sleeps | None = None, sleep: Any = None, **settings: Any) -> Backend:
    url = fake.openai_url if kind == "openai" else fake.url
    settings = {"model": "m", "read_timeout": 1.0, "request_timeout": 3.0, **settings}
    config = backend_config(kind=kind, url=url, **settings)
    transport = HttpTransport(config, sleep=sleep or sleeps or Sleeps())
    backends = {"openai": OpenAIBackend, "llamacpp": LlamaCppBackend, "ollama": OllamaBackend}
    backend: Backend = backends[kind](config, transport)
    return backend


async def collect(backend: Backend, request: GenerationRequest = REQUEST) -> list[Delta]:
    try:
        return [d async for d in backend.stream(request)]
    finally:
        await backend.aclose()


def joined(deltas: list[Delta]) -> tuple[str, str | None]:
    return "".join(d.text for d in deltas), deltas[-1].finish_reason


def dead_url() -> str:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


async def left_before_the_answer(backend: Backend, fake: FakeBackend) -> RecordedRequest:
    """Read ``backend``'s answer to ``REQUEST`` and cancel the reader once the fake has the request
    (script the fake to hang, so that no answer has begun); the request as the fake saw it once
    its client left (within 2 s)."""

    async def read() -> None:
        async for _ in backend.stream(REQUEST):
            pass

    reader = asyncio.ensure_future(read())
    await asyncio.to_thread(fake.wait_for_requests, 1, 5.0)
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    assert reader.cancelled()
    return await asyncio.to_thread(fake.wait_for_disconnect, 0, 2.0)
