"""Backend ``local``: GGUF models run in-process by llama.cpp (``llama-cpp-python``), and their lifetime.

An owner (the backend registry) holds its loaded models in :class:`LocalModels`: one
instance per file, shared by every backend of that owner (completions, the cascade's
large model, the code actions' chat), kept loaded across settings changes, and all
taking their turns from the owner's one queue (``turns.py``). The model runs in a
worker thread (``worker_stream.py``), never on the event loop; generation itself is
``local_model.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import threading
import time
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import Any

from ..config import ModelConfig
from ..errors import BackendError, BackendUnavailableError
from .base import CacheLayout, Delta, GenerationRequest, with_stops
from .local_model import GenerationStats, LoadedModel
from .turns import Turns
from .worker_stream import worker_stream

log = logging.getLogger(__name__)


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def load_llama(path: Path, n_ctx: int, n_threads: int) -> Any:
    """A ``llama_cpp.Llama`` for ``path``; blocks for seconds."""
    try:
        from llama_cpp import Llama
    except ImportError:
        raise BackendUnavailableError(
            "the local backend needs llama-cpp-python: pip install 'codex-ls[local]'"
        ) from None
    return Llama(
        model_path=str(path),
        n_ctx=n_ctx,
        n_threads=n_threads,
        n_threads_batch=n_threads,
        n_batch=512,
        verbose=False,
    )


class LocalModels:
    """The models one owner has loaded, one per file and settings, and the queue of turns
    they all take: the cores are what they share, so a completion on the small model of a
    cascade goes before an action on the large one, instead of halving the cores with it."""

    def __init__(self, load: Callable[[Path, int, int], Any] = load_llama) -> None:
        self.turns = Turns()
        self._load = load
        self._loaded: dict[tuple[str, int, int], LoadedModel] = {}
        self._lock = threading.Lock()

    def get(self, path: Path, n_ctx: int, n_threads: int) -> LoadedModel:
        """The model loaded from ``path``, loading it on first use; blocks (a worker thread's call)."""
        key = (str(path), n_ctx, n_threads)
        with self._lock:
            if key not in self._loaded:
                started = time.perf_counter()
                model = LoadedModel(self._load(path, n_ctx, n_threads), path, self.turns)
                _ = model.healing  # read with the load, not on the first keystroke
                self._loaded[key] = model
                log.info("loaded %s in %.1fs (%d threads)", path.name, time.perf_counter() - started, n_threads)
            return self._loaded[key]


class LocalBackend:
    name = "local"
    #: Samples are drawn one after another from one evaluated prompt.
    max_samples = 3
    samples_in_sequence = True

    def __init__(
        self, config: ModelConfig, models: LocalModels, resolve_path: Callable[[ModelConfig], Path] | None = None
    ) -> None:
        self.config = config
        self.models = models
        self._resolve_path = resolve_path or model_path
        self._model: LoadedModel | None = None
        self._warming: threading.Event | None = None

    @property
    def cache_layout(self) -> CacheLayout | None:
        tuning = self.config.tuning
        return CacheLayout(tuning.suffix_chars, typed_last=tuning.cache_layout, cold_tokens=tuning.cold_tokens)

    async def load(self) -> LoadedModel:
        if self._model is None:
            path = await asyncio.to_thread(self._resolve_path, self.config)
            threads = self.config.n_threads or available_cores()
            self._model = await asyncio.to_thread(self.models.get, path, self.config.tuning.n_ctx, threads)
        return self._model

    def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        return with_stops(self._stream(request), request.stop, request.n, request.max_tokens)

    async def _stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        model = await self.load()
        work = functools.partial(model.generate, request)
        async with contextlib.aclosing(worker_stream(work, _log_generation)) as deltas:
            async for delta in deltas:
                yield delta

    async def prepare(self, *prompts: str) -> None:
        """Load the model (``model.tuning.warm``), and evaluate ``prompts`` in turn when nothing else wants it."""
        if not self.config.tuning.warm:
            return
        if self._warming is not None:
            self._warming.set()  # one warm-up at a time: the newest place is the one wanted
        self._warming = superseded = threading.Event()
        try:
            model = await self.load()
            for prompt in filter(None, prompts):
                stats = await asyncio.to_thread(model.warm, prompt, superseded.is_set)
                log.info("local warm-up ended: %s", stats)
        except BackendError as exc:
            log.info("the local model could not be prepared: %s", exc)

    async def check(self) -> str:
        model = await self.load()
        return f"{model.path} loaded ({model.llm.n_ctx()} tokens of context)"

    async def aclose(self) -> None:
        self._model = None


def _log_generation(stats: GenerationStats) -> None:
    """Runs on the event loop once the worker is done, so logging reaches the client safely."""
    log.info("local generation ended: %s", stats)


def model_path(config: ModelConfig) -> Path:
    """The GGUF to load: ``model.path`` if set, else the verified embedded model."""
    if config.path:
        path = Path(config.path).expanduser()
        if not path.is_file():
            raise BackendUnavailableError(f"model.path {path} does not exist")
        return path
    from ..models.assembly import ensure_model
    from ..models.registry import MODELS, ModelError

    if config.name not in MODELS:
        raise BackendUnavailableError(f"model.name {config.name!r} is unknown; known: {', '.join(MODELS)}")
    try:
        return ensure_model(config.name)
    except ModelError as exc:
        raise BackendUnavailableError(str(exc)) from None
