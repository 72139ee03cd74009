"""Where the server loses a SAFIM task the bare model wins, and why, task by task.

For every task where the base row (``--base``: ``bare`` or ``post``) passes, or has
the first line exact, and a server row (``--row``: ``auto``, ``plain`` or ``post``)
does not, and for every empty server answer: the end of the
prefix, the start of the suffix, both answers, the server's raw sample (its debug
log), and the steps of ``codex_ls.completion.postprocess`` that changed it, replayed
on that sample; then one cause, by the rules of :func:`cause`, and a count of the
causes per split and language. Reads the records of ``bench/safim.py`` (judged by
its ``--report``).

    python -m bench.safim_diagnose --model 0.5b --row post > /tmp/losses.txt
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path
from typing import Any

from bench.common import RESULTS
from bench.safim import SPLITS, all_tasks, recorded, records_file
from bench.safim_tasks import Task

STOP = ("<|endoftext|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|file_sep|>", "<|repo_name|>")


def replay(task: Task, raw: str, multiline: bool, finish: str | None = None) -> list[tuple[str, str]]:
    """The post-processing filters, in the server's order, that changed ``raw``: (filter, text after it)."""
    from codex_ls.completion.cursor import cursor_at
    from codex_ls.completion.filters import Filter, auto_closed, filters_for
    from codex_ls.completion.syntax import Extent

    extent = Extent.BLOCK if multiline else Extent.LINE
    cursor = cursor_at(task.prefix, task.suffix, extent=extent, stop_tokens=STOP, cut_short=finish == "length")
    chosen = filters_for(cursor)
    steps: list[tuple[str, str]] = []
    text = raw.replace("\r\n", "\n")

    def run(filters: tuple[Filter, ...], at: Any) -> bool:
        nonlocal text
        for keep in filters:
            after = keep(text, at)
            if after is None:
                steps.append((keep.__name__, ""))
                return False
            if after != text:
                steps.append((keep.__name__, after))
            text = after
        return True

    if run(chosen.clean, cursor):
        run(chosen.fit, cursor.replacing(auto_closed(text, cursor)))
    return steps


def decided(record: dict[str, Any]) -> str:
    for line in record.get("logs", []):
        if "asks the model (" in line:
            return line.rsplit("(", 1)[1].rstrip(")")
        if "mid-word, nothing" in line:
            return "nothing (mid-word)"
    return "no model call logged"


def cause(task: Task, bare: dict[str, Any], served: dict[str, Any], steps: list[tuple[str, str]]) -> str:
    """One line: the first of these rules that fits."""
    mode = decided(served)
    want = "multi-line" if task.split == "block" else "one line"
    raw = served["raw"][0][1] if served.get("raw") else None
    mine, theirs = (served.get("inserted") or ""), (bare.get("inserted") or "")
    if served.get("error"):
        return f"client/server error: {served['error']}"
    if raw is None:
        return f"no sample: {mode}"
    if mode != want:
        if task.prefix.rsplit("\n", 1)[-1].rstrip().endswith("{"):
            return f"decided {mode} after a `{{` that ends the line (syntax.heuristic_extent)"
        return f"decided {mode} where the bare row is {want} (syntax.decide_extent)"
    clean = raw.split("<|", 1)[0]
    if not (clean.startswith(theirs.rstrip()) or theirs.startswith(clean.rstrip())):
        if clean.strip().startswith("}"):
            return "the model closed the block first (its prompt differs: model.cacheLayout, suffixChars, coldTokens)"
        if clean.strip().split("\n")[0].strip() != theirs.strip().split("\n")[0].strip():
            return "the model wrote another answer (its prompt differs: model.cacheLayout, suffixChars, coldTokens)"
        return "the model's later lines differ (its prompt differs, or a second sample ranked first)"
    if mine[:1].isspace() and not theirs[:1].isspace() and mine.strip() == theirs.strip():
        return "extra indentation kept on the first line (postprocess.fix_seam)"
    if len(clean.rstrip()) < len(theirs.rstrip()) and served["raw"][0][0] != "length":
        return f"stream ended early (finish={served['raw'][0][0]}: samples.block_ended or a stop)"
    if not mine.strip():
        last = steps[-1][0] if steps else "?"
        return f"empty after post-processing ({last})"
    cutters = [name for name, after in steps if len(after) < len(clean)]
    if theirs.startswith(mine.rstrip()) and len(mine.rstrip()) < len(theirs.rstrip()):
        return f"cut shorter than the bare answer by {', '.join(cutters) or '?'}"
    if mine.startswith(theirs.rstrip()) and len(mine.rstrip()) > len(theirs.rstrip()):
        return "kept more than the bare answer: not cut where the bare model stopped"
    return f"changed by {', '.join(name for name, _ in steps) or '?'}"


def tail(text: str, lines: int) -> str:
    return "\n".join(text.split("\n")[-lines:])


def head(text: str, lines: int) -> str:
    return "\n".join(text.split("\n")[:lines])


def diagnose(
    folder: Path, model: str, row: str = "auto", every: bool = False, base: str = "bare", brief: bool = False
) -> str:
    out: list[str] = []
    counts: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for split in SPLITS:
        tasks = all_tasks(split)
        bare, served = (recorded(records_file(folder, model, name, split)) for name in (base, row))
        for key in sorted(bare.keys() & served.keys()):
            b, s, task = bare[key], served[key], tasks[key]
            if "passed" not in b or "passed" not in s:
                continue
            lost = (b["passed"] and not s["passed"]) or (b["exact_line"] and not s["exact_line"])
            if not (every or lost or s["empty"]):
                continue
            multiline = decided(s) == "multi-line"
            finish, raw = s["raw"][0] if s.get("raw") else (None, None)
            steps = replay(task, raw, multiline, finish) if raw is not None else []
            why = cause(task, b, s, steps)
            counts[(split, task.lang)][why.split(":")[0].split(" (")[0]] += 1
            if brief:
                first = json.dumps((s["completion"] or "").split("\n", 1)[0])[:70]
                was = json.dumps((b["completion"] or "").split("\n", 1)[0])[:70]
                out.append(f"| {split} | {key} | {b['outcome']} → {s['outcome']} | `{was}` → `{first}` | {why} |")
                continue
            out += [
                f"=== {split} {key}  {base} {b['outcome']}  {row} {s['outcome']}  ({decided(s)})",
                f"--- prefix tail:\n{tail(task.prefix, 4)}",
                f"--- suffix head:\n{head(task.suffix, 3)}",
                f"--- ground truth: {json.dumps(task.ground_truth)}",
                f"--- {base}:   {json.dumps(b['completion'])}",
                f"--- raw:    {json.dumps(raw)} finish={finish}",
                *(f"    {name}: {json.dumps(after)}" for name, after in steps),
                f"--- server: {json.dumps(s['completion'])} replace={s['replace']}",
                f"--- cause: {why}",
                "",
            ]
    if brief:
        out.insert(0, f"| split | task | {base} → {row} | first line: {base} → {row} | cause |\n|---|---|---|---|---|")
    out.append("| split | language | cause | tasks |")
    out.append("|---|---|---|---|")
    for (split, lang), counter in sorted(counts.items()):
        out += [f"| {split} | {lang} | {why} | {n} |" for why, n in counter.most_common()]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="0.5b")
    parser.add_argument("--records", type=Path, default=RESULTS / "safim-records-languages")
    parser.add_argument("--row", default="auto", help="the row compared with the bare one: auto, plain or post")
    parser.add_argument("--base", default="bare", help="the row it is compared with: bare, or post")
    parser.add_argument("--brief", action="store_true", help="one table row per task")
    parser.add_argument("--every", action="store_true", help="every task, not only those lost or empty")
    args = parser.parse_args()
    print(diagnose(args.records, args.model, args.row, args.every, args.base, args.brief))


if __name__ == "__main__":
    main()
