"""HumanEval single-line infilling, all 1033 tasks, through the real server and the embedded model.

One ``python -m codex_ls --stdio --log-level debug`` process (default settings: the
0.5B model, the local backend; completion.timeout at 60 s, ``bench/local.py``'s own
limit, so that slow answers are measured rather than cut) is driven by a pygls client as an editor would drive
it. For each task the document (prompt + suffix) is opened and an automatic inline
completion is requested at the end of the prompt. Three variants are scored:

* **raw**: the model's text as it streamed, cut only at the stop sequences, read from
  the server's debug log (``candidate 0: … raw=…``), inserted at the cursor;
* **post-processed**: what the editor is shown (the inline item, with its range);
* **ranked**: on every 10th task, a manual trigger, where the server draws 3 samples
  and ranks them; the first item is scored, against post-processed on the same tasks.

pass@1 runs each task's test in a subprocess (``bench/local.py``'s ``score``: with the
line break appended, and as inserted); exact match compares with the canonical line.
Records go to a JSONL file as they are made, so a run that stops can be resumed.

    python -m bench.humaneval [--tasks 1033] [--deadline 6000] [--records FILE.jsonl]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types

from bench.client import Server
from bench.common import (
    DATA,
    RESULTS,
    command,
    latency_summary,
    machine,
    percentile,
    server_source,
    snapshot,
    utf16_len,
)

RANKED_EVERY = 10
#: HumanEval single-line infilling (1033 tasks; MIT licence beside it).
TASKS = DATA / "HumanEval-SingleLineInfilling.jsonl.gz"
TEST_TIMEOUT = 10.0


def all_tasks() -> list[tuple[int, dict[str, Any]]]:
    with gzip.open(TASKS, "rt", encoding="utf-8") as stream:
        return list(enumerate(json.loads(line) for line in stream if line.strip()))


def load_tasks(count: int) -> list[tuple[int, dict[str, Any]]]:
    with gzip.open(TASKS, "rt", encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream if line.strip()]
    return [(i, rows[i]) for i in range(0, len(rows), 10)][:count]


def cut_utf16(text: str, units: int) -> int:
    """How many code points of ``text`` make ``units`` UTF-16 units."""
    done = 0
    for i, char in enumerate(text):
        if done >= units:
            return i
        done += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def run_test(program: str) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="bench-local-") as folder:
        path = Path(folder, "task.py")
        path.write_text(program, encoding="utf-8")
        try:
            done = subprocess.run(
                [sys.executable, "-I", str(path)], cwd=folder, capture_output=True, timeout=TEST_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            return False, "timeout"
    if done.returncode == 0:
        return True, ""
    last = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return False, last[-1][:200] if last else f"exit {done.returncode}"


def score(tasks: list[tuple[int, dict[str, Any]]], records: list[dict[str, Any]]) -> dict[str, Any]:
    by_index = dict(tasks)
    passed = passed_raw = exact = empty = 0
    for record in records:
        task = by_index[record["index"]]
        completion = record["completion"] or ""
        empty += not completion
        suffix = task["suffix"]
        rest = suffix[cut_utf16(suffix, record["replace_utf16"]) :]
        tail = f"\n\n{task['test']}\n\ncheck({task['entry_point']})\n"
        as_line = completion if completion.endswith("\n") else completion + "\n"
        ok, why = run_test(task["prompt"] + as_line + rest + tail)
        ok_raw, _ = run_test(task["prompt"] + completion + rest + tail) if completion else (False, "")
        record.update(passed=ok, passed_as_inserted=ok_raw, failure=why)
        record["exact"] = bool(completion) and completion.strip() == task["canonical_solution"].strip()
        passed += ok
        passed_raw += ok_raw
        exact += record["exact"]
    n = len(records)
    seconds = [r["seconds"] for r in records if r["error"] is None]
    return {
        "tasks": n,
        "subset": "every 10th task in file order (indices 0, 10, 20, ...)",
        "pass_at_1": round(passed / n, 3) if n else None,
        "pass_at_1_as_inserted": round(passed_raw / n, 3) if n else None,
        "exact_match": round(exact / n, 3) if n else None,
        "passed": passed,
        "passed_as_inserted": passed_raw,
        "exact": exact,
        "empty": empty,
        "errors": sum(r["error"] is not None for r in records),
        "latency": latency_summary(seconds),
        "prompt_tokens_p50": percentile([float(r["prompt_tokens"]) for r in records if r["prompt_tokens"]], 50)
        if any(r["prompt_tokens"] for r in records)
        else None,
    }


def raw_candidates(logs: list[str]) -> list[tuple[str, str]]:
    """``(finish, raw text)`` of each candidate the server logged, in order."""
    found = []
    for line in logs:
        head, sep, raw = line.partition(" raw=")
        if sep and head.startswith("candidate ") and ": finish=" in head:
            found.append((head.rsplit("finish=", 1)[1], json.loads(raw)))
    return found


async def run_task(server: Server, n: int, index: int, task: dict[str, Any]) -> dict[str, Any]:
    prefix, suffix = task["prompt"], task["suffix"]
    uri = f"file:///bench/humaneval/{index:04d}.py"
    cursor = types.Position(prefix.count("\n"), utf16_len(prefix.rsplit("\n", 1)[-1]))
    server.open(uri, prefix + suffix)
    try:
        seen = len(server.logs)
        answer = await server.complete(uri, cursor)
        raws = raw_candidates(server.logs[seen:])
        record: dict[str, Any] = {
            "index": index,
            "task_id": task["task_id"],
            "completion": answer.text,
            "replace_utf16": answer.replace,
            "seconds": round(answer.seconds, 3),
            "error": answer.error,
            "raw": raws[0][1] if raws else None,
            "raw_finish": raws[0][0] if raws else None,
            "served_without_model": not raws,
            "prompt_tokens": answer.generation.prompt if answer.generation else None,
        }
        if n % RANKED_EVERY == 0:
            seen = len(server.logs)
            ranked = await server.complete(uri, cursor, manual=True)
            record["ranked"] = {
                "completion": ranked.text,
                "replace_utf16": ranked.replace,
                "seconds": round(ranked.seconds, 3),
                "error": ranked.error,
                "samples": len(raw_candidates(server.logs[seen:])),
            }
        return record
    finally:
        server.close(uri)


def load_records(path: Path) -> dict[int, dict[str, Any]]:
    if not path.exists():
        return {}
    records = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            records[record["index"]] = record
    return records


async def collect(tasks: list[tuple[int, dict[str, Any]]], records_path: Path, env: dict[str, str]) -> None:
    done = load_records(records_path)
    todo = [(n, index, task) for n, (index, task) in enumerate(tasks) if index not in done]
    print(f"{len(done)} tasks recorded before, {len(todo)} to go", file=sys.stderr, flush=True)
    if not todo:
        return
    server = await Server.start({}, env, "--log-level", "debug")
    try:
        with records_path.open("a", encoding="utf-8") as out:
            for count, (n, index, task) in enumerate(todo, start=1):
                record = await run_task(server, n, index, task)
                out.write(json.dumps(record) + "\n")
                out.flush()
                del server.logs[:]  # the debug log is large; each task reads only its own lines
                if count % 25 == 0:
                    print(f"  {count}/{len(todo)} (task {index})", file=sys.stderr, flush=True)
    finally:
        await server.stop()


def variant(records: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The records as ``score`` reads them, for one variant."""
    out = []
    for r in records:
        r = {"prompt_tokens": None, **r}
        if kind == "raw":
            text = r["raw"] if not r["served_without_model"] else r["completion"]
            out.append({**r, "completion": text, "replace_utf16": 0})
        elif kind == "ranked":
            ranked = r["ranked"]
            out.append({**r, **{k: ranked[k] for k in ("completion", "replace_utf16", "seconds", "error")}})
        else:
            out.append(dict(r))
    return out


def scored(tasks: list[tuple[int, dict[str, Any]]], records: list[dict[str, Any]]) -> dict[str, Any]:
    result = score(tasks, records)
    result.pop("subset", None)
    result.pop("prompt_tokens_p50", None)
    return result


def markdown(results: dict[str, Any]) -> str:
    full, subset = results["full"], results["subset"]

    def row(name: str, r: dict[str, Any]) -> str:
        return (
            f"| {name} | {r['tasks']} | **{r['pass_at_1']:.3f}** | {r['pass_at_1_as_inserted']:.3f} "
            f"| {r['exact_match']:.3f} | {r['empty']} | {r['latency'].get('p50_s', '-')} s |"
        )

    head = "| variant | tasks | pass@1 (line break appended) | pass@1 as inserted | exact match | empty | p50 |"
    rule = "|---|---|---|---|---|---|---|"
    lines = [
        "# HumanEval single-line infilling through the LSP pipeline (embedded 0.5B model)",
        "",
        f"`{results['command']}` — {results['date']}, {results['total_seconds']} s in all.",
        "",
        f"Machine: {results['machine']['cpu']}, nproc {results['machine']['nproc']}, Python "
        f"{results['machine']['python']}, llama-cpp-python {results['machine']['llama_cpp_python']}; load "
        f"average {results['machine']['loadavg_start'][0]:.2f} at the start, "
        f"{results['machine']['loadavg_end'][0]:.2f} at the end. Server code: commit "
        f"`{results['source'].get('commit', results['source'].get('head'))}` (a frozen copy), default settings.",
        "",
        f"All {full['raw']['tasks']} tasks (`{DATA.name}`), one automatic trigger each:",
        "",
        head,
        rule,
        row("raw model output", full["raw"]),
        row("post-processed (what the editor shows)", full["processed"]),
        "",
        f"Every {RANKED_EVERY}th task ({subset['processed']['tasks']}), the same automatic answer against a "
        f"manual trigger (3 samples at temperature 0.4, ranked):",
        "",
        head,
        rule,
        row("raw", subset["raw"]),
        row("post-processed", subset["processed"]),
        row("ranked (manual trigger)", subset["ranked"]),
        "",
        f"Answers served without a model call (the server's cache): {results['served_without_model']}. "
        "Raw text is the model's stream cut only at the stop sequences, as the server logged it, inserted "
        "at the cursor; post-processed is the inline item with its range. pass@1 runs the task's tests in "
        "a subprocess (10 s limit); 'line break appended' adds a newline when the completion has none, as "
        "an editor's Enter would.",
    ]
    return "\n".join(lines) + "\n"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=1033)
    parser.add_argument("--deadline", type=float, default=6000.0, help="seconds before collection stops")
    parser.add_argument(
        "--records",
        type=Path,
        help="keep every task's record in this JSONL file (a run that stops resumes from it); else a temporary one",
    )
    parser.add_argument("--source", default="HEAD", help="commit whose server/codex_ls runs (a frozen copy)")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-humaneval-") as scratch:
        await run(args, args.records or Path(scratch) / "records.jsonl")


async def run(args: argparse.Namespace, records_path: Path) -> None:
    started = time.perf_counter()
    tasks = all_tasks()[: args.tasks]
    source = snapshot(args.source)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(source / "server"), *filter(None, [env.get("PYTHONPATH")])])
    results: dict[str, Any] = {
        "command": command(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "source": server_source(args.source, env),
    }
    try:
        await asyncio.wait_for(collect(tasks, records_path, env), args.deadline)
    except TimeoutError:
        results["incomplete"] = f"--deadline {args.deadline:.0f} s reached"
        print(results["incomplete"], file=sys.stderr)
    finally:
        shutil.rmtree(source, ignore_errors=True)
    records = sorted(load_records(records_path).values(), key=lambda r: r["index"])
    wanted = {index for index, _ in tasks}
    records = [r for r in records if r["index"] in wanted]
    subset = [r for r in records if "ranked" in r]
    print(f"scoring {len(records)} tasks", file=sys.stderr, flush=True)
    results["full"] = {
        "raw": await asyncio.to_thread(scored, tasks, variant(records, "raw")),
        "processed": await asyncio.to_thread(scored, tasks, variant(records, "processed")),
    }
    results["subset"] = {
        "raw": await asyncio.to_thread(scored, tasks, variant(subset, "raw")),
        "processed": await asyncio.to_thread(scored, tasks, variant(subset, "processed")),
        "ranked": await asyncio.to_thread(scored, tasks, variant(subset, "ranked")),
        "ranked_samples_drawn": [r["ranked"]["samples"] for r in subset],
        "ranked_latency": latency_summary([r["ranked"]["seconds"] for r in subset if r["ranked"]["error"] is None]),
    }
    results["served_without_model"] = sum(r["served_without_model"] for r in records)
    results["machine"]["loadavg_end"] = os.getloadavg()
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "humaneval.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.out_dir / "humaneval.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


if __name__ == "__main__":
    asyncio.run(main())
