"""Generation on one loaded llama.cpp model, in a worker thread: the prompt into the KV cache, samples token by token.

The prompt is tokenized with special tokens parsed (the FIM markers are tokens), and the
evaluated prompt stays in the KV cache: the next keystroke re-evaluates only the tokens
after the first one that changed. A generation looks at its stop flag, and at who waits
for the model, between prompt batches and between tokens, so a cancelled or superseded
request frees the model within one batch or token.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BackendError
from .base import Delta, GenerationRequest, StopMatcher
from .healing import ForcedStart, Vocabulary, back_off
from .kv import Abandoned, Aside, Seat, cached_count, completions_lane
from .local_healing import held_to, text_vocabulary
from .turns import Turns

#: Prompt tokens evaluated between two looks at the stop flag and at who waits for the
#: model: a completion waits for an action at most this many tokens' time, and for a
#: warm-up (between keys) 16: 0.2 s on the 0.5B on 2 cores, a fifth slower a token.
PROMPT_BATCH, WARM_BATCH = 64, 16


@dataclass(frozen=True)
class Channel:
    """How a generation on the worker thread reaches its reader: deltas out, a stop flag, a pause
    for whoever outranks it at the model."""

    emit: Callable[[Delta], None]
    stopped: Callable[[], bool]
    pause: Callable[[], None]


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

    def count(self, usage: Counter[str]) -> None:
        """Add this generation's model work to ``usage``: prompt tokens evaluated (not taken
        from the KV cache) and tokens generated."""
        usage["tokens_evaluated"] += max(0, self.prompt_tokens - self.reused_tokens)
        usage["tokens_generated"] += self.generated_tokens

    def __str__(self) -> str:
        return (
            f"finish={self.finish}, prompt {self.prompt_tokens} tokens ({self.reused_tokens} reused) "
            f"in {self.prompt_seconds:.2f}s, {self.generated_tokens} tokens in {self.generate_seconds:.2f}s"
            + (", cold prompt" if self.cold else "")
        )


class LoadedModel:
    """A llama.cpp model, used by one generation at a time: its seat (``kv.py``) takes its
    turns from the queue it is given, which every model of one owner shares (``local.py``)."""

    def __init__(self, llm: Any, path: Path, turns: Turns) -> None:
        self.llm = llm
        self.path = path
        self.turns = turns
        self.seat = Seat(llm, turns)
        self.aside = Aside(llm)

    @functools.cached_property
    def healing(self) -> tuple[Vocabulary, int]:
        """The vocabulary's text and the FIM middle marker (``local_healing.py``), read once."""
        return text_vocabulary(self.llm)

    def turn(self, lane: str, stopped: Callable[[], bool]) -> contextlib.AbstractContextManager[Callable[[], None]]:
        return self.seat.turn(lane, stopped)

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
                return self._generate(request, Channel(emit, stopped, pause))
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

    def _generate(self, request: GenerationRequest, channel: Channel) -> GenerationStats:
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
        stats.reused_tokens = self.evaluate_prompt(
            tokens, channel.stopped, channel.pause, completions_lane(request.lane)
        )
        stats.prompt_seconds = time.perf_counter() - started
        # Each further sample starts from the evaluated prompt: llama.cpp keeps the
        # longest common prefix of its cache, so only the generation is repeated.
        # Its sampler is seeded alike on every call, so each sample gets its own seed.
        seed = llm._seed
        try:
            for index in range(request.n):
                if channel.stopped():
                    break
                llm.set_seed((seed + index) & 0xFFFFFFFF)
                budget = min(request.max_tokens, room)
                forced = ForcedStart(removed)
                finish = self._sample(request, index, tokens, forced, budget, channel, stats)
                stats.finish = finish if index == 0 or stats.finish == finish else "mixed"
        finally:
            llm.set_seed(seed)
        stats.generate_seconds = time.perf_counter() - started - stats.prompt_seconds
        return stats

    def _sample(
        self,
        request: GenerationRequest,
        index: int,
        tokens: list[int],
        forced: ForcedStart,
        max_tokens: int,
        channel: Channel,
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
        line = "\n" in request.stop
        constraint = [held_to(forced, self.healing[0], line=line)] if forced.rest else None
        generator = llm.generate(
            tokens, temp=temperature, top_p=0.95, top_k=40, repeat_penalty=1.0, logits_processor=constraint
        )
        try:
            for count, token in enumerate(generator, start=1):
                channel.pause()
                if channel.stopped():
                    finish = "cancelled"
                    break
                if is_end(token):
                    finish = "stop"
                    break
                text = decoder.decode(forced.take(llm.detokenize([token], special=True)))
                stats.generated_tokens += 1
                if text:
                    channel.emit(Delta(text, index, tokens=1))
                    matcher.feed(text)
                if matcher.stopped:
                    finish = "stop"
                    break
                if count >= max_tokens:
                    break
        finally:
            generator.close()
        channel.emit(Delta(decoder.decode(b"", final=True), index, finish_reason=finish))
        return finish


def _end_of_generation(llm: Any) -> Callable[[int], bool]:
    """A test for end-of-generation tokens (EOS, EOT, FIM pad…) as the model's vocabulary marks them."""
    import llama_cpp

    vocab = llm._model.vocab
    return lambda token: bool(llama_cpp.llama_vocab_is_eog(vocab, token))
