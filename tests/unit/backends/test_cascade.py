"""The cascade: which model answers which request, and when there is a second model at all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from codex_ls.backends import registry
from codex_ls.backends.base import CacheLayout, Delta, GenerationRequest
from codex_ls.backends.cascade import CascadeBackend
from codex_ls.backends.local import LocalBackend, LocalModels
from codex_ls.backends.local_chat import LocalChatBackend
from codex_ls.backends.local_model import LoadedModel
from codex_ls.config import Config, ModelConfig, ModelTuning
from tests.fakes.backends import REQUEST


class Named:
    """A backend that answers with its own name."""

    max_samples = 3
    samples_in_sequence = True

    def __init__(self, name: str) -> None:
        self.name = name
        self.closed = False
        self.cache_layout = CacheLayout(suffix_chars=len(name))
        self.prepared: list[str] = []

    async def prepare(self, *prompts: str) -> None:
        self.prepared.extend(prompts)

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        yield Delta(self.name, finish_reason="stop")

    async def check(self) -> str:
        return self.name

    async def aclose(self) -> None:
        self.closed = True


async def answer(backend: CascadeBackend, request: GenerationRequest) -> str:
    return "".join([d.text async for d in backend.stream(request)])


async def test_large_requests_go_to_the_large_model_and_the_rest_to_the_small_one() -> None:
    small, large = Named("small"), Named("large")
    cascade = CascadeBackend(small, large)
    assert await answer(cascade, REQUEST) == "small"
    assert await answer(cascade, replace(REQUEST, large=True)) == "large"
    assert await cascade.check() == "typing: small; the rest: large"
    await cascade.aclose()
    assert small.closed
    assert large.closed


async def test_the_small_model_is_warmed_first_and_the_large_one_once_the_cores_are_free() -> None:
    small, large = Named("small"), Named("large")
    order: list[str] = []
    free = asyncio.Event()

    async def idle(stopped: Callable[[], bool]) -> bool:
        order.append("waits for the cores")
        await free.wait()
        return not stopped()

    cascade = CascadeBackend(small, large, idle=idle)
    assert cascade.cache_layout == small.cache_layout
    preparing = asyncio.ensure_future(cascade.prepare("cold", "<|fim_prefix|>def f"))
    await asyncio.sleep(0.01)
    # Typing needs the small model at once; the large one's load cannot pause for a keystroke.
    assert small.prepared == ["cold", "<|fim_prefix|>def f"]
    assert large.prepared == []
    assert order == ["waits for the cores"]
    free.set()
    await asyncio.wait_for(preparing, 5)
    # Whole bodies and manual triggers never answer from the cold prompt: the whole one only.
    assert large.prepared == ["<|fim_prefix|>def f"]


async def test_a_newer_warm_up_takes_the_place_of_one_waiting_for_the_cores() -> None:
    small, large = Named("small"), Named("large")
    free = asyncio.Event()

    async def idle(stopped: Callable[[], bool]) -> bool:
        await free.wait()
        return not stopped()

    cascade = CascadeBackend(small, large, idle=idle)
    older = asyncio.ensure_future(cascade.prepare("older"))
    await asyncio.sleep(0.01)
    newer = asyncio.ensure_future(cascade.prepare("newer"))
    await asyncio.sleep(0.01)
    free.set()
    await asyncio.wait_for(asyncio.gather(older, newer), 5)
    assert large.prepared == ["newer"]


def loaded(path: Path, n_ctx: int, n_threads: int) -> object:
    """A stand-in for loading a ``llama_cpp.Llama``: nothing is loaded."""
    return object()


@pytest.fixture
def no_vocabulary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Token healing's vocabulary, read with each load, skipped: the stand-in has none."""
    monkeypatch.setattr(LoadedModel, "healing", None)


@pytest.mark.usefixtures("no_vocabulary")
def test_every_model_a_registry_loads_takes_its_turns_from_the_registrys_one_queue() -> None:
    # Two models computing at once would halve the cores for each; a completion on the
    # small one must be able to make an action on the large one pause.
    models = LocalModels(loaded)
    small, large = models.get(Path("small.gguf"), 4096, 2), models.get(Path("large.gguf"), 4096, 2)
    assert small is not large
    assert small.seat.turns is large.seat.turns is models.turns
    assert models.get(Path("small.gguf"), 4096, 2) is small  # loaded once


@pytest.mark.usefixtures("no_vocabulary")
def test_two_registries_share_neither_their_models_nor_their_turns(installed: set[str]) -> None:
    installed.add("qwen2.5-coder-1.5b")
    first, second = registry.Registry(LocalModels(loaded)), registry.Registry(LocalModels(loaded))
    cascade = first.make_backend(Config())
    chat = first.make_chat_backend(Config())
    assert isinstance(cascade, CascadeBackend)
    assert isinstance(cascade.small, LocalBackend)
    assert isinstance(cascade.large, LocalBackend)
    assert isinstance(chat, LocalChatBackend)
    assert cascade.small.models is cascade.large.models is chat.local.models is first.models
    assert first.models.turns is not second.models.turns
    path = Path("large.gguf")
    assert first.models.get(path, 4096, 2) is not second.models.get(path, 4096, 2)
    # Each registry's settings set its own queue, and nobody else's.
    second.make_backend(Config(model=ModelConfig(tuning=ModelTuning(completions_first=False))))
    assert not second.models.turns.completions_first
    assert first.models.turns.completions_first


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Which embedded models the cache holds, verified."""
    verified: set[str] = set()
    monkeypatch.setattr("codex_ls.models.assembly.status", lambda name: "verified" if name in verified else "missing")
    return verified


@pytest.mark.parametrize(
    ("model", "verified", "expected"),
    [
        pytest.param(ModelConfig(), {"qwen2.5-coder-1.5b"}, "qwen2.5-coder-1.5b", id="auto-installed"),
        pytest.param(ModelConfig(), set(), None, id="auto-not-installed"),
        pytest.param(ModelConfig(large=""), {"qwen2.5-coder-1.5b"}, None, id="turned-off"),
        pytest.param(ModelConfig(name="qwen2.5-coder-1.5b"), {"qwen2.5-coder-1.5b"}, None, id="already-the-model"),
        pytest.param(ModelConfig(path="/m.gguf"), {"qwen2.5-coder-1.5b"}, None, id="own-gguf"),
        pytest.param(ModelConfig(large="qwen2.5-coder-1.5b"), set(), "qwen2.5-coder-1.5b", id="named-outright"),
        pytest.param(ModelConfig(large="no-such-model"), set(), None, id="unknown"),
    ],
)
def test_large_model(installed: set[str], model: ModelConfig, verified: set[str], expected: str | None) -> None:
    installed.update(verified)
    large = registry.large_model(model)
    assert (large.name if large else None) == expected
    if large is not None:
        assert large.large == ""
        assert large.path is None


def test_the_local_kind_is_a_cascade_only_with_a_second_model(installed: set[str]) -> None:
    assert isinstance(registry.make_backend(Config()), LocalBackend)
    installed.add("qwen2.5-coder-1.5b")
    backend = registry.make_backend(Config())
    assert isinstance(backend, CascadeBackend)
    assert isinstance(backend.small, LocalBackend)
    assert isinstance(backend.large, LocalBackend)
    assert (backend.small.config.name, backend.large.config.name) == ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b")


def test_code_actions_chat_with_the_large_model(installed: set[str]) -> None:
    installed.add("qwen2.5-coder-1.5b")
    chat = registry.make_chat_backend(Config())
    assert isinstance(chat, LocalChatBackend)
    assert chat.local.config.name == "qwen2.5-coder-1.5b"


async def test_the_models_are_idle_once_nobody_holds_them_and_a_stopped_wait_frees_its_thread() -> None:
    models = LocalModels(load=lambda path, n_ctx, n_threads: None)
    assert models.turns.acquire("typing") is not None  # a completion holds the model
    assert await asyncio.wait_for(models.idle(lambda: True), 5) is False
    models.turns.release()
    assert await asyncio.wait_for(models.idle(lambda: False), 5) is True
    assert models.turns.waiting() == 0
