"""SAFIM in Python, Java, C++ and C#: the bare model, then the server, on the same holes.

Splits (``bench/data/safim/``, a fixed subset: ``bench/safim_data.py``): ``block``
(algorithmic blocks, the cursor mostly at the block's indentation on the hole's
line), ``control`` (the condition of an ``if``/``while``/``for`` header, mid-line),
``api`` (an API call's text, mid-line). Rows, for one model (``--model``):

* ``bare``: the model called directly through llama-cpp-python with the same FIM
  template and window as the server (``bench/bare.py``): no line-break stop on
  ``block`` (256 tokens at most), a line-break stop on ``control`` and ``api``.
* ``post``: no model run; the server's post-processing of the bare row's answers
  (``bench/safim_offline.py``): what post-processing alone does to the same samples.
* ``plain``: the same server with the bare row's prompt (``SERVED``): the cursor's line
  before the FIM middle marker, the whole suffix share of the window, no cold window.
  What it loses against ``bare`` is post-processing's; what ``auto`` loses beyond it, the prompt's.
* ``whole``: the same server without the cold prompt (``model.tuning.coldTokens`` 0): every
  answer from the whole prompt, where ``auto`` answers the first key at a new place from
  the cursor's surroundings alone.
* ``auto``: the real server (``python -m codex_ls --stdio``, a frozen copy of
  ``--source``), an inline completion on an automatic trigger, the first item applied.
  On ``block``, where the server shows a block line by line as the model writes it, the
  suggestions are taken Tab after Tab as VS Code asks again after each
  (``bench.client.take_suggestions``),
  until none is shown.
* ``manual``: the same server on a manual trigger (``Alt+\\`` in VS Code): with the 1.5B
  installed (``--model 1.5b``, the cascade) the 1.5B answers it, several samples ranked;
  its whole suggestion is taken at once.
  Its ``completion.timeout`` is ``--timeout`` (120 s by default) so that a loaded
  machine does not turn answers empty.

Scores (``bench/safim_tasks.py``): block and control tasks run their unit tests,
API tasks by the dataset's syntax match; every task also exact match and edit
similarity of the first line. Records: one JSONL per model, row and split
(``--records``), resumable; the verdicts are added to them by ``--report``.

    python -m bench.safim --model 0.5b --rows bare,auto --splits block,control --langs python,java,cpp --limit 20
    python -m bench.safim --report
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from lsprotocol import types

import bench.client
from bench.client import position, record_speed
from bench.common import RESULTS, command, percentile, snapshot
from bench.humaneval import BARE, raw_candidates
from bench.safim_exec import Verdict, run_program
from bench.safim_tasks import EXTENSIONS, LANGUAGE_IDS, Task, document_after, inserted, line_scores, load, syntax_match

SPLITS = ("block", "control", "api")
LANGS = ("python", "java", "cpp", "csharp")
ROWS = ("bare", "post", "plain", "flat", "whole", "before", "auto", "manual")
#: ``0.5b``: the default install; ``1.5b``: the cascade (typing on the 0.5B); ``1.5b-alone``: the
#: 1.5B for everything (``model.name``), so that its automatic trigger meets the bare 1.5B.
SETTINGS = {
    "0.5b": {"model": {"large": ""}},
    "1.5b": {"model": {"large": "qwen2.5-coder-1.5b"}},
    "1.5b-alone": {"model": {"name": "qwen2.5-coder-1.5b", "large": ""}},
}
BARE_MODELS = {**BARE, "1.5b-alone": BARE["1.5b"]}
#: What each server row changes in the model's settings. ``plain``: the bare row's prompt (the
#: cursor's line before the middle marker, the whole suffix share, no cold window), so that
#: what it loses against the bare model is the pipeline's, not the prompt's. ``flat``: the cursor's
#: line before the middle marker, with the server's bounded suffix, so that ``plain`` and ``whole``
#: tell the two apart.
#: ``before``: the same settings as ``auto``, run with ``--source`` at the code before a change, so that
#: a change is measured against the code it replaces on the same tasks.
SERVED: dict[str, dict[str, Any]] = {
    "auto": {},
    "manual": {},
    "before": {},
    "plain": {"cacheLayout": False, "suffixChars": 0, "coldTokens": 0},
    "flat": {"cacheLayout": False, "coldTokens": 0},
    "whole": {"coldTokens": 0},
}


def records_file(folder: Path, model: str, row: str, split: str) -> Path:
    return folder / f"{model}-{row}-{split}.jsonl"


def recorded(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    return {r["key"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r}


def run_bare(model: str, tasks: list[Task], path: Path) -> None:
    from bench.bare import BareModel

    todo = [t for t in tasks if t.key not in recorded(path)]
    if not todo:
        return
    bare = BareModel(BARE_MODELS[model], os.cpu_count() or 2)
    with path.open("a", encoding="utf-8") as out:
        for task in todo:
            answer = bare.complete(task.text, len(task.prefix), multiline=task.split == "block")
            record = {"key": task.key, "completion": answer.text, "replace": 0, "error": None}
            record |= {"seconds": round(answer.seconds, 3), "finish": answer.finish}
            out.write(json.dumps(record) + "\n")
            out.flush()


def derive_post(tasks: list[Task], bare: Path, path: Path) -> None:
    """The ``post`` row from the bare row's answers (``bench/safim_offline.py``): no model runs."""
    from bench.safim_offline import post

    answers, done = recorded(bare), recorded(path)
    with path.open("a", encoding="utf-8") as out:
        for task in tasks:
            if task.key in answers and task.key not in done:
                record = {"key": task.key, "error": None, "seconds": answers[task.key]["seconds"]}
                answer = answers[task.key]
                out.write(json.dumps(record | post(task, answer["completion"], answer.get("finish"))) + "\n")


async def run_server(server: bench.client.Server, tasks: list[Task], path: Path, *, manual: bool = False) -> None:
    """Each task's answer; ``manual``: on a manual trigger, its whole suggestion taken at once."""
    done = recorded(path)
    with path.open("a", encoding="utf-8") as out:
        for task in tasks:
            if task.key in done:
                continue
            uri = f"file:///bench/safim/{task.split}/{task.task_id}.{EXTENSIONS[task.lang]}"
            item = types.TextDocumentItem(uri, LANGUAGE_IDS[task.lang], 1, task.text)
            server.client.text_document_did_open(types.DidOpenTextDocumentParams(item))
            seen = len(server.logs)
            try:
                answer = await server.complete(uri, position(task.text, len(task.prefix)), manual=manual)
                taken = None
                if task.split == "block" and not manual:
                    taken = await bench.client.take_suggestions(server, uri, task.prefix, task.suffix, answer)
            finally:
                server.close(uri)
            record: dict[str, Any] = {"key": task.key, "completion": answer.text, "replace": answer.replace}
            record["error"] = answer.error
            if taken is not None:
                record |= {"completion": taken[0] or None, "replace": taken[1], "tabs": taken[2]}
            record |= {"seconds": round(answer.seconds, 3), "raw": raw_candidates(server.logs[seen:])}
            record["logs"] = [line for line in server.logs[seen:] if line.startswith("completion")][:6]
            out.write(json.dumps(record) + "\n")
            out.flush()
            del server.logs[:]


def score(task: Task, record: dict[str, Any], cache: dict[str, Verdict]) -> dict[str, Any]:
    """The verdicts of one recorded answer; programs already run (``cache``) are not run again."""
    text, replace = record["completion"], record["replace"]
    hole = inserted(task, text, replace)
    verdict: dict[str, Any] = {
        "inserted": hole,
        "empty": not (text or "").strip(),
        **line_scores(hole, task.ground_truth),
    }
    if task.tests:
        program = document_after(task, text, replace)
        if program not in cache:
            cache[program] = run_program(task.lang, program, list(task.tests))
        verdict |= {"passed": cache[program].passed, "outcome": cache[program].outcome, "detail": cache[program].detail}
    else:
        verdict["passed"] = syntax_match(hole, task.ground_truth, task.lang)
        verdict["outcome"] = "MATCH" if verdict["passed"] else "NO_MATCH"
    return verdict


def judge_file(path: Path, tasks: dict[str, Task], cache: dict[str, Verdict]) -> None:
    """Add the verdicts a record lacks, in place."""
    rows = list(recorded(path).values())
    changed = False
    for row in rows:
        if "passed" not in row and row["key"] in tasks:
            row |= score(tasks[row["key"]], row, cache)
            changed = True
    if changed:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


async def collect(args: argparse.Namespace) -> None:
    args.records.mkdir(parents=True, exist_ok=True)
    # Split after split, every row: a run stopped early leaves whole splits to compare.
    for split in args.splits:
        tasks = load(split, args.langs, args.stride, args.limit)
        if "bare" in args.rows:
            print(f"bare {args.model} {split}: {len(tasks)} tasks", file=sys.stderr, flush=True)
            await asyncio.to_thread(run_bare, args.model, tasks, records_file(args.records, args.model, "bare", split))
        if "post" in args.rows:
            derive_post(tasks, *(records_file(args.records, args.model, row, split) for row in ("bare", "post")))
        for row in (r for r in args.rows if r in SERVED):
            await serve(args, row, {split: tasks})


async def serve(args: argparse.Namespace, row: str, splits: dict[str, list[Task]]) -> None:
    source = snapshot(args.source) if args.source != "installed" else None
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source / "server"), *filter(None, [env.get("PYTHONPATH")])])
    # The client waits a little longer than the server's own deadline, so that the server's answer is what counts.
    bench.client.REQUEST_TIMEOUT = args.timeout + 15
    model = {**SETTINGS[args.model]["model"], "tuning": SERVED[row]}
    server = await bench.client.Server.start(
        {"model": model, "completion": {"timeout": args.timeout}}, env, "--log-level", "debug"
    )
    try:
        for split, tasks in splits.items():
            print(f"{row} {args.model} {split}: {len(tasks)} tasks", file=sys.stderr, flush=True)
            await run_server(server, tasks, records_file(args.records, args.model, row, split), manual=row == "manual")
        record_speed(server, args.records, model=args.model, row=row, splits=list(splits))
    finally:
        await server.stop()
        if source is not None:
            shutil.rmtree(source, ignore_errors=True)


def all_tasks(split: str) -> dict[str, Task]:
    return {t.key: t for t in load(split, list(LANGS))}


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    seconds = [r["seconds"] for r in rows if not r.get("error")]
    return {
        "tasks": n,
        "passed": round(sum(r["passed"] for r in rows) / n, 3),
        "exact": round(sum(r["exact_line"] for r in rows) / n, 3),
        "similarity": round(statistics.fmean(r["similarity_line"] for r in rows), 3),
        "empty": sum(r["empty"] for r in rows),
        "p50": round(percentile(seconds, 50), 2) if seconds else None,
        "p90": round(percentile(seconds, 90), 2) if seconds else None,
    }


def report(folder: Path) -> str:
    lines = [
        "| split | language | model | row | tasks | pass@1 (api: syntax match) | exact (line 1) | similarity (line 1) "
        "| empty | p50 | p90 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    cache: dict[str, Verdict] = {}
    for split in SPLITS:
        tasks = all_tasks(split)
        for model in SETTINGS:
            paths = {row: p for row in ROWS if (p := records_file(folder, model, row, split)).exists()}
            for path in paths.values():
                judge_file(path, tasks, cache)
            rows = {row: recorded(p) for row, p in paths.items()}
            for lang in LANGS:
                keys = (
                    set.intersection(*(({k for k in r if k.startswith(lang + "/")}) for r in rows.values()))
                    if rows
                    else set()
                )
                for row, records in rows.items() if keys else ():
                    s = summary([records[k] for k in sorted(keys)])
                    cells = [split, lang, model, row, s["tasks"], f"**{s['passed']:.3f}**", f"{s['exact']:.3f}"]
                    cells += [f"{s['similarity']:.3f}", s["empty"], f"{s['p50']} s", f"{s['p90']} s"]
                    lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=sorted(SETTINGS), default="0.5b")
    parser.add_argument("--rows", default="bare,auto", type=lambda s: s.split(","))
    parser.add_argument("--splits", default="block,control,api", type=lambda s: s.split(","))
    parser.add_argument("--langs", default="python,java,cpp,csharp", type=lambda s: s.split(","))
    parser.add_argument("--stride", type=int, default=1, help="every n-th task of each language")
    parser.add_argument("--limit", type=int, help="at most this many tasks of each language and split")
    parser.add_argument("--records", type=Path, default=RESULTS / "safim-records")
    parser.add_argument("--source", default="HEAD", help="commit whose server/codex_ls runs, or 'installed'")
    parser.add_argument("--timeout", type=float, default=120.0, help="the server's completion.timeout, seconds")
    parser.add_argument("--report", action="store_true", help="only score what is recorded and print the table")
    args = parser.parse_args()
    if not args.report:
        started = time.perf_counter()
        asyncio.run(collect(args))
        print(f"{command()}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(report(args.records))


if __name__ == "__main__":
    main()
