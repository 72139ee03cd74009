"""Backend ``local``: a GGUF model run in-process by llama.cpp (``llama-cpp-python``).

The model runs in a worker thread, never on the event loop. One model instance per
file is shared by every request and used by one generation at a time. A generation
checks a stop flag between prompt batches and tokens, so a cancelled or superseded
request frees the model within one batch or token.

The prompt is tokenized with special tokens parsed (the FIM markers are tokens), and the
evaluated prompt stays in the KV cache: the next keystroke re-evaluates only the tokens
after the first one that changed.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import functools
import logging
import os
import threading
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..config import ModelConfig
from ..errors import BackendError, BackendUnavailableError
from ..tasks import hang_up_on_cancel
from .base import CacheLayout, Delta, GenerationRequest, StopMatcher, with_stops
from .healing import ForcedStart, Vocabulary, back_off
from .kv import Abandoned, Aside, Seat, cached_count, completions_lane
from .local_healing import held_to, text_vocabulary
from .turns import Turns

log = logging.getLogger(__name__)

#: Prompt tokens evaluated between two looks at the stop flag and at who waits for the
#: model: a completion waits for an action at most this many tokens' time, and for a
#: warm-up (between keys) 16: 0.2 s on the 0.5B on 2 cores, a fifth slower a token.
PROMPT_BATCH, WARM_BATCH = 64, 16


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class GenerationStats:
    prompt_tokens: int = 0
    reused_tokens: int = 0
    generated_tokens: int = 0
    prompt_seconds: float = 0.0
    generate_seconds: float = 0.0
    finish: str = "cancelled"
    #: Answered from the request's cold prompt.
    cold: bool = False

    def __str__(self) -> str:
        return (
            f"finish={self.finish}, prompt {self.prompt_tokens} tokens ({self.reused_tokens} reused) "
            f"in {self.prompt_seconds:.2f}s, {self.generated_tokens} tokens in {self.generate_seconds:.2f}s"
            + (", cold prompt" if self.cold else "")
        )


class LoadedModel:
    """A llama.cpp model and the turns that make its use exclusive (``turns.py``).

    Every loaded model takes its turns from one queue: the cores are what they
    share, so a completion on the small model of a cascade goes before an action
    on the large one, instead of halving the cores with it.
    """

    _cache: ClassVar[dict[tuple[str, int, int], LoadedModel]] = {}
    _cache_lock: ClassVar[threading.Lock] = threading.Lock()
    turns: ClassVar[Turns] = Turns()

    def __init__(self, llm: Any, path: Path) -> None:
        self.llm = llm
        self.path = path
        self.seat = Seat(llm, self.turns)
        self.aside = Aside(llm)
        self.last = GenerationStats()

    @functools.cached_property
    def healing(self) -> tuple[Vocabulary, int]:
        """The vocabulary's text and the FIM middle marker (``local_healing.py``), read once."""
        return text_vocabulary(self.llm)

    def turn(self, lane: str, stopped: Callable[[], bool]) -> contextlib.AbstractContextManager[Callable[[], None]]:
        return self.seat.turn(lane, stopped)

    @classmethod
    def get(cls, path: Path, n_ctx: int, n_threads: int) -> LoadedModel:
        key = (str(path), n_ctx, n_threads)
        with cls._cache_lock:
            if key not in cls._cache:
                try:
                    from llama_cpp import Llama
                except ImportError:
                    raise BackendUnavailableError(
                        "the local backend needs llama-cpp-python: pip install 'codex-ls[local]'"
                    ) from None
                started = time.perf_counter()
                llm = Llama(
                    model_path=str(path),
                    n_ctx=n_ctx,
                    n_threads=n_threads,
                    n_threads_batch=n_threads,
                    n_batch=512,
                    verbose=False,
                )
                model = LoadedModel(llm, path)
                _ = model.healing  # read with the load, not on the first keystroke
                cls._cache[key] = model
                log.info("loaded %s in %.1fs (%d threads)", path.name, time.perf_counter() - started, n_threads)
            return cls._cache[key]

    def evaluate_prompt(
        self,
        tokens: list[int],
        stopped: Callable[[], bool],
        pause: Callable[[], None] = lambda: None,
        completions: bool = True,
        batch: int = PROMPT_BATCH,
    ) -> int:
        """Bring the KV cache to all but the last prompt token; return the reused count.
        The completions' cache (``completions``) has a second sequence aside (``kv.Aside``)."""
        llm = self.llm
        reused = self.aside.bring(tokens) if completions else cached_count(llm, tokens)
        llm.n_tokens = reused
        for start in range(reused, len(tokens) - 1, batch):
            pause()
            if stopped():
                break
            llm.eval(tokens[start : min(start + batch, len(tokens) - 1)])
        return reused

    def prompt_tokens(self, request: GenerationRequest) -> tuple[list[int], bool]:
        """The request's prompt, or its cold prompt (``Aside.cheaper``); and whether it is the cold one."""
        tokens = self.llm.tokenize(request.prompt.encode("utf-8"), add_bos=False, special=True)
        if not request.cold_prompt or request.lane != "typing":
            return tokens, False
        return self.aside.cheaper(
            tokens, self.llm.tokenize(request.cold_prompt.encode("utf-8"), add_bos=False, special=True)
        )

    def generate(
        self,
        request: GenerationRequest,
        emit: Callable[[Delta], None],
        stopped: Callable[[], bool],
    ) -> GenerationStats:
        """Run one generation, sending deltas through ``emit``; runs in a worker thread."""
        try:
            with self.turn(request.lane, stopped) as pause:
                return self._generate(request, emit, stopped, pause)
        except Abandoned:
            return GenerationStats()

    def warm(self, prompt: str, superseded: Callable[[], bool] = lambda: False) -> GenerationStats:
        """Evaluate ``prompt`` into the completions' cache until someone else wants the model or
        a newer warm-up comes (what was evaluated stays). Runs in a worker thread."""
        stats = GenerationStats(finish="warm")

        def outranked() -> bool:
            return superseded() or self.turns.outranked("warm")

        started = time.perf_counter()
        try:
            with self.turn("warm", outranked):
                tokens = self.llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)[: self.llm.n_ctx() - 8]
                stats.prompt_tokens = len(tokens)
                # evaluate_prompt leaves the last token for the sampler: here there is none.
                stats.reused_tokens = self.evaluate_prompt([*tokens, 0], outranked, batch=WARM_BATCH)
                stats.finish = "yielded" if outranked() else "warm"
        except Abandoned:
            stats.finish = "yielded"
        stats.prompt_seconds = time.perf_counter() - started
        return stats

    def _generate(
        self,
        request: GenerationRequest,
        emit: Callable[[Delta], None],
        stopped: Callable[[], bool],
        pause: Callable[[], None],
    ) -> GenerationStats:
        llm = self.llm
        stats = GenerationStats()
        started = time.perf_counter()
        tokens, stats.cold = self.prompt_tokens(request)
        room = llm.n_ctx() - len(tokens)
        if room < 8:
            raise BackendError(
                f"the prompt ({len(tokens)} tokens) does not fit the model context ({llm.n_ctx()}); "
                "lower completion.contextTokens or raise model.tuning.nCtx"
            )
        removed = b""
        vocabulary, middle = self.healing
        if (healed := back_off(tokens, vocabulary, middle)) is not None:
            tokens, removed = healed.tokens, healed.removed
        stats.prompt_tokens = len(tokens)
        stats.reused_tokens = self.evaluate_prompt(tokens, stopped, pause, completions_lane(request.lane))
        stats.prompt_seconds = time.perf_counter() - started
        # Each further sample starts from the evaluated prompt: llama.cpp keeps the
        # longest common prefix of its cache, so only the generation is repeated.
        # Its sampler is seeded alike on every call, so each sample gets its own seed.
        seed = llm._seed
        try:
            for index in range(request.n):
                if stopped():
                    break
                llm.set_seed((seed + index) & 0xFFFFFFFF)
                budget = min(request.max_tokens, room)
                forced = ForcedStart(removed)
                finish = self._sample(request, index, tokens, forced, budget, emit, stopped, pause, stats)
                stats.finish = finish if index == 0 or stats.finish == finish else "mixed"
        finally:
            llm.set_seed(seed)
        stats.generate_seconds = time.perf_counter() - started - stats.prompt_seconds
        self.last = stats
        return stats

    def _sample(
        self,
        request: GenerationRequest,
        index: int,
        tokens: list[int],
        forced: ForcedStart,
        max_tokens: int,
        emit: Callable[[Delta], None],
        stopped: Callable[[], bool],
        pause: Callable[[], None],
        stats: GenerationStats,
    ) -> str:
        """One sample, sent as choice ``index``; it ends at a stop sequence, so the next can start.
        It starts with what ``forced`` holds of the prompt's backed-off text, which is not sent."""
        llm = self.llm
        is_end = _end_of_generation(llm)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        matcher = StopMatcher(request.stop)
        finish = "length"
        # The first of several samples is the greedy one: the others can only add to the model's best guess.
        temperature = 0.0 if index == 0 else request.temperature
        constraint = [held_to(forced, self.healing[0])] if forced.rest else None
        generator = llm.generate(
            tokens, temp=temperature, top_p=0.95, top_k=40, repeat_penalty=1.0, logits_processor=constraint
        )
        try:
            for count, token in enumerate(generator, start=1):
                pause()
                if stopped():
                    finish = "cancelled"
                    break
                if is_end(token):
                    finish = "stop"
                    break
                text = decoder.decode(forced.take(llm.detokenize([token], special=True)))
                stats.generated_tokens += 1
                if text:
                    emit(Delta(text, index, tokens=1))
                    matcher.feed(text)
                if matcher.stopped:
                    finish = "stop"
                    break
                if count >= max_tokens:
                    break
        finally:
            generator.close()
        emit(Delta(decoder.decode(b"", final=True), index, finish_reason=finish))
        return finish


def _end_of_generation(llm: Any) -> Callable[[int], bool]:
    """A test for end-of-generation tokens (EOS, EOT, FIM pad…) as the model's vocabulary marks them."""
    import llama_cpp

    vocab = llm._model.vocab
    return lambda token: bool(llama_cpp.llama_vocab_is_eog(vocab, token))


class LocalBackend:
    name = "local"
    #: Samples are drawn one after another from one evaluated prompt.
    max_samples = 3
    samples_in_sequence = True

    def __init__(self, config: ModelConfig, resolve_path: Callable[[ModelConfig], Path] | None = None) -> None:
        self.config = config
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
            self._model = await asyncio.to_thread(LoadedModel.get, path, self.config.tuning.n_ctx, threads)
        self._model.turns.completions_first = self.config.tuning.completions_first
        return self._model

    def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        return with_stops(self._stream(request), request.stop, request.n, request.max_tokens)

    async def _stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        model = await self.load()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Delta | BaseException | None] = asyncio.Queue()
        stop = threading.Event()

        def emit(item: Delta | BaseException | None) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        def work() -> GenerationStats | None:
            try:
                return model.generate(request, emit, stop.is_set)
            except BaseException as exc:
                emit(exc)
                return None
            finally:
                emit(None)

        worker = loop.run_in_executor(None, work)
        try:
            # Cancelled, the worker stops at its next token, not once this reader has unwound.
            with hang_up_on_cancel(stop.set):
                while (item := await queue.get()) is not None:
                    if isinstance(item, BaseException):
                        if isinstance(item, BackendError):
                            raise item
                        raise BackendError(f"the local model failed: {item!r}") from item
                    yield item
        finally:
            # The worker sees the flag within one token and releases the model;
            # nobody waits for it here, so cancellation is immediate.
            stop.set()
            worker.add_done_callback(_log_generation)

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


def _log_generation(future: asyncio.Future[GenerationStats | None]) -> None:
    """Runs on the event loop once the worker is done, so logging reaches the client safely."""
    if future.cancelled():
        return
    if (exc := future.exception()) is not None:
        log.error("local generation failed: %r", exc)
    elif (stats := future.result()) is not None:
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
