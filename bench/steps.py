"""Each step that ends a multi-line insertion, applied one after another to the bare model's own answers.

Reads the ``bare`` records of ``bench/humaneval.py`` (greedy, no newline stop, up to
``multilineMaxTokens``: what a model writes when nothing ends it but its own stop)
and scores them as they are, then with each of the server's steps added in turn:

1. the block's end (the stream closed once a complete line leaves the cursor's block, that line cut);
2. the suffix repeat (the first whole line that repeats the code after the cursor);
3. the rest of the post-processing (special tokens, seams, junk, overlaps, line breaks).

No model runs: the same answers, cut differently. ::

    python -m bench.steps --model 0.5b --sets docstring,holes
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable
from pathlib import Path

from bench.common import RESULTS
from bench.judge import judge
from bench.sets import Task, load
from codex_ls.completion.fim import TEMPLATES
from codex_ls.completion.nextline import trim_at_next_line
from codex_ls.completion.postprocess import postprocess, trim_block
from codex_ls.completion.samples import block_closed
from codex_ls.completion.syntax import Extent

STOPS = TEMPLATES["qwen"].stop


def at_block_end(task: Task, text: str) -> str:
    """``text`` where the stream reader closes the stream (a complete line left the block), then trimmed there."""
    ended = block_closed(task.prefix)
    end = 0
    while end < len(text):
        end = text.find("\n", end) + 1 or len(text)
        if ended(text[:end]):
            break
    return trim_block(task.prefix, text[:end])


STEPS: list[tuple[str, Callable[[Task, str], str]]] = [
    ("the bare answer", lambda task, text: text),
    ("+ block end", at_block_end),
    ("+ suffix repeat", lambda task, text: trim_at_next_line(task.prefix, at_block_end(task, text), task.suffix)),
    (
        "+ the rest of the post-processing (the server's answer)",
        lambda task, text: _postprocessed(task, at_block_end(task, text)),
    ),
]


def _postprocessed(task: Task, text: str) -> str:
    result = postprocess(task.prefix, task.suffix, text, extent=Extent.BLOCK, stop_tokens=STOPS)
    return result.text if result is not None else ""


def table(model: str, name: str, stride: int, folder: Path) -> list[str]:
    tasks = {t.index: t for t in load(name, stride)}
    path = folder / f"{model}-bare-{name}.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    lines = []
    for label, step in STEPS:
        verdicts = [judge(tasks[r["index"]], step(tasks[r["index"]], r["completion"])) for r in records]
        passed = f"{statistics.fmean(v['passed'] for v in verdicts):.3f}" if "passed" in verdicts[0] else "-"
        exact = statistics.fmean(v["exact"] for v in verdicts)
        similarity = statistics.fmean(v["similarity"] for v in verdicts)
        lines.append(f"| {name} | {model} | {label} | {len(records)} | {passed} | {exact:.3f} | {similarity:.3f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="0.5b,1.5b", type=lambda s: s.split(","))
    parser.add_argument("--sets", default="docstring,holes", type=lambda s: s.split(","))
    parser.add_argument("--stride-docstring", type=int, default=8)
    parser.add_argument("--stride-holes", type=int, default=4)
    parser.add_argument("--records", type=Path, default=RESULTS / "humaneval-records")
    args = parser.parse_args()
    print("| set | model | step | tasks | pass@1 | exact | similarity |")
    print("|---|---|---|---|---|---|---|")
    for model in args.model:
        for name in args.sets:
            if (args.records / f"{model}-bare-{name}.jsonl").exists():
                print("\n".join(table(model, name, getattr(args, f"stride_{name}"), args.records)))


if __name__ == "__main__":
    main()
