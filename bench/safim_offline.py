"""The ``post`` row: the server's post-processing applied to the bare model's own answers, no model run.

For each answer of the ``bare`` row, in the server's order: the window, the
one-line or block decision (``syntax.decide_extent``), the stream's end of a
multi-line sample (``samples.block_ended``, asked wherever a line's indentation is
complete, as the stream asks it at each token), then ``postprocess``. What this row
loses against ``bare`` is post-processing's alone: the same greedy sample, the same
prompt. Not replayed: the second sample and the ranking of an automatic multi-line
request, and the second request of a misplaced Python line (they need the model).
"""

from __future__ import annotations

from typing import Any

from bench.safim_tasks import Task


def stream_end(prefix: str, suffix: str, raw: str, language_id: str = "") -> tuple[str, bool]:
    """``raw`` as far as a multi-line stream reads it, and whether ``block_ended`` closed it there."""
    from codex_ls.completion.samples import block_ended

    ended = block_ended(prefix, suffix, language_id)
    first_break = raw.find("\n")
    if first_break < 0:
        return raw, False
    for end in range(first_break + 1, len(raw) + 1):
        if not raw[end - 1].isspace() and ended(raw[:end]):
            return raw[:end], True
    return raw, False


def post(task: Task, raw: str, finish: str | None = None) -> dict[str, Any]:
    """The record the server would have made of the bare answer ``raw``, which ended for ``finish``."""
    from codex_ls.completion.fim import TEMPLATES
    from codex_ls.completion.postprocess import postprocess
    from codex_ls.completion.syntax import Extent, decide_extent
    from codex_ls.completion.window import window
    from codex_ls.config import CompletionConfig

    config = CompletionConfig()
    win = window(
        task.text,
        len(task.prefix),
        int(config.context_tokens * config.tuning.chars_per_token),
        config.tuning.prefix_ratio,
    )
    extent = decide_extent(task.lang, win.prefix, win.suffix)
    if extent is Extent.NONE:
        return {"completion": None, "replace": 0, "raw": [], "logs": ["completion at 0: mid-word, nothing"]}
    text, closed = stream_end(win.prefix, win.suffix, raw, task.lang) if extent is Extent.BLOCK else (raw, False)
    cut_short = finish == "length" and not closed
    stops = TEMPLATES["qwen"].stop
    result = postprocess(
        win.prefix, win.suffix, text, extent=extent, stop_tokens=stops, language_id=task.lang, cut_short=cut_short
    )
    mode = "multi-line" if extent is Extent.BLOCK else "one line"
    return {
        "completion": None if result is None else result.text,
        "replace": 0 if result is None else result.replace_suffix,
        "raw": [["stop" if closed else "bare", text]],
        "logs": [f"completion at 0: asks the model ({mode})"],
    }
