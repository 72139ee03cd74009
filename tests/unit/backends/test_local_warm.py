"""A warm-up gives the model up within a few tokens of a completion asking for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from codex_ls.backends.local_model import PROMPT_BATCH, WARM_BATCH, LoadedModel
from codex_ls.backends.turns import Turns


class Context:
    def kv_cache_seq_rm(self, *args: Any) -> None:
        pass


class Model:
    """What ``LoadedModel`` uses of ``llama_cpp.Llama``: tokens are characters, ``eval`` records its batches."""

    def __init__(self) -> None:
        self.input_ids = np.zeros(4096, dtype=np.intc)
        self.n_tokens = 0
        self._ctx = Context()
        self.batches: list[int] = []

    def n_ctx(self) -> int:
        return 4096

    def tokenize(self, text: bytes, add_bos: bool = False, special: bool = False) -> list[int]:
        return list(text)

    def eval(self, tokens: list[int]) -> None:
        self.input_ids[self.n_tokens : self.n_tokens + len(tokens)] = tokens
        self.n_tokens += len(tokens)
        self.batches.append(len(tokens))


def test_a_warm_up_yields_after_one_small_batch_where_a_completion_evaluates_in_larger_ones() -> None:
    llm = Model()
    model = LoadedModel(llm, Path("model.gguf"), Turns())
    wanted = iter([False, True])  # someone asks for the model after the first batch
    stats = model.warm("x" * 600, lambda: next(wanted, True))
    assert llm.batches == [WARM_BATCH]
    assert stats.finish == "yielded"
    assert WARM_BATCH * 4 <= PROMPT_BATCH
    # Left alone, it evaluates the whole prompt, from where it stopped.
    stats = model.warm("x" * 600)
    assert stats.finish == "warm"
    assert stats.reused_tokens == WARM_BATCH
    assert llm.n_tokens == 600
    assert max(llm.batches) == WARM_BATCH
