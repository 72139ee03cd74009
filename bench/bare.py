"""The floor: the bare model, called directly through llama-cpp-python, no server, no post-processing.

The same FIM template (Qwen's) and the same window of the document as the server's
default settings; greedy. Single-line tasks stop at a line break as well as at the
template's stop tokens; multi-line tasks only at the stop tokens, the model's own
end-of-generation token, or ``max_tokens`` (the server's ``multilineMaxTokens``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from codex_ls.completion.fim import TEMPLATES
from codex_ls.completion.window import window
from codex_ls.config import CompletionConfig
from codex_ls.models.assembly import ensure_model

SETTINGS = CompletionConfig()


@dataclass
class BareAnswer:
    text: str
    finish: str
    seconds: float
    prompt_tokens: int


class BareModel:
    def __init__(self, name: str, threads: int) -> None:
        from llama_cpp import Llama, llama_vocab_is_eog

        self.llm = Llama(
            model_path=str(ensure_model(name)),
            n_ctx=4096,
            n_threads=threads,
            n_threads_batch=threads,
            n_batch=512,
            verbose=False,
        )
        vocab = self.llm._model.vocab
        self.is_end: Callable[[int], bool] = lambda token: bool(llama_vocab_is_eog(vocab, token))
        self.template = TEMPLATES["qwen"]

    def complete(self, text: str, offset: int, *, multiline: bool) -> BareAnswer:
        budget = int(SETTINGS.context_tokens * SETTINGS.tuning.chars_per_token)
        win = window(text, offset, budget, SETTINGS.tuning.prefix_ratio)
        prompt = self.template.render(win.prefix, win.suffix)
        stops = self.template.stop if multiline else ("\n", *self.template.stop)
        max_tokens = SETTINGS.multiline_max_tokens if multiline else SETTINGS.max_tokens
        started = time.perf_counter()
        tokens = self.llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        raw = b""
        finish = "length"
        generator: Any = self.llm.generate(tokens, temp=0.0, top_k=1, repeat_penalty=1.0)
        for count, token in enumerate(generator, start=1):
            if self.is_end(token):
                finish = "stop"
                break
            raw += self.llm.detokenize([token], special=True)
            decoded = raw.decode("utf-8", "ignore")
            if any(stop in decoded for stop in stops):
                finish = "stop"
                break
            if count >= max_tokens:
                break
        generator.close()
        decoded = raw.decode("utf-8", "replace")
        cut = min((decoded.find(s) for s in stops if s in decoded), default=len(decoded))
        return BareAnswer(decoded[:cut], finish, time.perf_counter() - started, len(tokens))
