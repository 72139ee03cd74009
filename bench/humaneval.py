"""HumanEval and standard-library holes, single-line and multi-line: the bare model, then the server.

Three sets (``bench/sets.py``): HumanEval single-line infilling, HumanEval's
docstring-to-body task, holes of several lines inside standard-library functions.
Rows, for one model (``--model``):

* ``bare``: the model called directly through llama-cpp-python with the same FIM
  template and window (``bench/bare.py``): a newline stop for single-line tasks,
  none for multi-line ones. The floor.
* ``auto`` / ``manual``: the real server (``python -m codex_ls --stdio``, a frozen
  copy of ``--source``), an inline completion on an automatic or a manual trigger.
  ``--model 0.5b`` is the default install; ``--model 1.5b`` is the cascade.
* ``implement``: *Implement function* on the docstring-to-body set.

Records go to one JSONL file per model, row and set (``--records``); a run that
stops resumes from them. ``--report`` prints the table of what is recorded.

    python -m bench.humaneval --model 0.5b --stride-single 10 --stride-docstring 4 --stride-holes 2
    python -m bench.humaneval --report

``TASKS``, ``load_tasks`` and ``score`` (the single-line set as ``bench/local.py``
reads it) stay here.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types

from bench.client import REQUEST_TIMEOUT, Server, position, prompt_speed, take_suggestions
from bench.common import DATA, RESULTS, command, latency_summary, percentile, snapshot
from bench.judge import judge
from bench.sets import Task, load

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


SETTINGS = {
    # The default install: the 0.5B model for everything.
    "0.5b": {"model": {"large": ""}},
    # With the 1.5B installed: the cascade (typing on the 0.5B, the rest on the 1.5B).
    "1.5b": {"model": {"large": "qwen2.5-coder-1.5b"}},
}
BARE = {"0.5b": "qwen2.5-coder-0.5b", "1.5b": "qwen2.5-coder-1.5b"}
ROWS = ("bare", "auto", "manual", "implement")


def records_file(folder: Path, model: str, row: str, name: str) -> Path:
    return folder / f"{model}-{row}-{name}.jsonl"


def recorded(path: Path, tasks: list[Task] | None = None) -> dict[int, dict[str, Any]]:
    """The records of ``path`` by task index. With ``tasks``, each record must be of the task at
    its index: an index means another task under another stride, and a run resumed from such
    records would skip tasks it never ran."""
    if not path.exists():
        return {}
    found = {r["index"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r}
    by_index = {t.index: t for t in tasks or ()}
    for index, record in found.items():
        if index in by_index and record["task_id"] != by_index[index].task_id:
            raise SystemExit(
                f"{path}: record {index} is {record['task_id']}, the task at that index {by_index[index].task_id}: "
                "the records are of another stride or set; give another --records folder"
            )
    return found


def raw_candidates(logs: list[str]) -> list[tuple[str, str]]:
    """``(finish, raw text)`` of each candidate the server logged, in order."""
    found = []
    for line in logs:
        head, sep, raw = line.partition(" raw=")
        if sep and head.startswith("candidate ") and ": finish=" in head:
            found.append((head.rsplit("finish=", 1)[1], json.loads(raw)))
    return found


def run_bare(model: str, tasks: list[Task], path: Path) -> None:
    from bench.bare import BareModel

    todo = [t for t in tasks if t.index not in recorded(path, tasks)]
    if not todo:
        return
    bare = BareModel(BARE[model], os.cpu_count() or 2)
    with path.open("a", encoding="utf-8") as out:
        for task in todo:
            answer = bare.complete(task.text, len(task.prefix), multiline=task.set != "single")
            record = {"index": task.index, "task_id": task.task_id, "completion": answer.text, "error": None}
            record |= {"seconds": round(answer.seconds, 3), "finish": answer.finish, **judge(task, answer.text)}
            out.write(json.dumps(record) + "\n")
            out.flush()


async def run_server(server: Server, row: str, tasks: list[Task], path: Path) -> None:
    done = recorded(path, tasks)
    with path.open("a", encoding="utf-8") as out:
        for task in tasks:
            if task.index in done:
                continue
            uri = f"file:///bench/{task.set}/{task.index:04d}.py"
            server.open(uri, task.text)
            try:
                if row == "implement":
                    record = await implement(server, uri, task)
                else:
                    seen = len(server.logs)
                    answer = await server.complete(uri, position(task.text, len(task.prefix)), manual=row == "manual")
                    text, replace, tabs = answer.text or "", answer.replace, None
                    if task.set != "single":
                        # A body is shown line by line while the model writes it: taken Tab after Tab.
                        text, replace, tabs = await take_suggestions(server, uri, task.prefix, task.suffix, answer)
                    if replace:
                        rest = task.suffix[cut_utf16(task.suffix, replace) :]
                        verdict = judge(task, text, task.prefix + text + rest)
                    else:
                        verdict = judge(task, text)
                    record = {"completion": text or None, "seconds": round(answer.seconds, 3), "error": answer.error}
                    if tabs is not None:
                        record["tabs"] = tabs
                    # The samples as the model wrote them (the server's debug log), for offline comparisons.
                    record |= verdict | {"raw": raw_candidates(server.logs[seen:])}
            finally:
                server.close(uri)
            out.write(json.dumps({"index": task.index, "task_id": task.task_id, **record}) + "\n")
            out.flush()
            del server.logs[:]


#: The edits each server's client was asked to apply (``workspace/applyEdit``), by ``id(client)``.
_APPLIED: dict[int, list[types.TextEdit]] = {}


def applied_edits(server: Server) -> list[types.TextEdit]:
    """The list the server's ``workspace/applyEdit`` requests fill (a client takes one handler per method)."""
    edits = _APPLIED.get(id(server.client))
    if edits is not None:
        return edits
    edits = _APPLIED[id(server.client)] = []

    def apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        for change in params.edit.document_changes or []:
            if isinstance(change, types.TextDocumentEdit):
                edits.extend(e for e in change.edits if isinstance(e, types.TextEdit))
        for changes in (params.edit.changes or {}).values():
            edits.extend(changes)
        return types.ApplyWorkspaceEditResult(applied=True)

    server.client.feature(types.WORKSPACE_APPLY_EDIT)(apply)
    return edits


async def implement(server: Server, uri: str, task: Task) -> dict[str, Any]:
    """*Implement function* on the task's function, the edit applied as an editor applies it."""
    edits = applied_edits(server)
    edits.clear()
    assert task.row is not None
    line = task.text[: task.text.index(f"def {task.row['entry_point']}(")].count("\n")
    where = {"start": {"line": line, "character": 4}, "end": {"line": line, "character": 4}}
    started = time.perf_counter()
    error = None
    try:
        await asyncio.wait_for(
            server.client.workspace_execute_command_async(
                types.ExecuteCommandParams("codex.implement", [{"uri": uri, "range": where}])
            ),
            REQUEST_TIMEOUT * 3,
        )
    except Exception as exc:  # a failed action is a wrong answer, recorded with its reason
        error = str(exc)[:200]
    seconds = time.perf_counter() - started
    if not edits:
        return {"completion": None, "seconds": round(seconds, 3), "error": error or "no edit", **judge(task, None)}
    text = task.text
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = offset_of(text, edit.range.start), offset_of(text, edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    body = edits[0].new_text
    return {"completion": body, "seconds": round(seconds, 3), "error": error, **judge(task, body, text)}


def offset_of(text: str, at: types.Position) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[: at.line]) + at.character


def summary(path: Path, indices: set[int]) -> dict[str, Any]:
    rows = [r for index, r in recorded(path).items() if index in indices]
    n = len(rows)
    seconds = [r["seconds"] for r in rows if not r.get("error")]
    result: dict[str, Any] = {
        "tasks": n,
        "exact": round(sum(r["exact"] for r in rows) / n, 3),
        "similarity": round(statistics.fmean(r["similarity"] for r in rows), 3),
        "empty": sum(r.get("empty", False) for r in rows),
        "errors": sum(bool(r.get("error")) for r in rows),
        "p50_s": round(percentile(seconds, 50), 2) if seconds else None,
        "p90_s": round(percentile(seconds, 90), 2) if seconds else None,
    }
    if rows and "passed" in rows[0]:
        result["pass_at_1"] = round(sum(r["passed"] for r in rows) / n, 3)
    return result


async def collect(args: argparse.Namespace) -> None:
    args.records.mkdir(parents=True, exist_ok=True)
    sets = {name: load(name, getattr(args, f"stride_{name}"), args.limit) for name in args.sets}
    if "bare" in args.rows:
        for name, tasks in sets.items():
            print(f"bare {args.model} {name}: {len(tasks)} tasks", file=sys.stderr, flush=True)
            await asyncio.to_thread(run_bare, args.model, tasks, records_file(args.records, args.model, "bare", name))
    served = [row for row in args.rows if row != "bare"]
    if not served:
        return
    source = snapshot(args.source) if args.source != "installed" else None
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source / "server"), *filter(None, [env.get("PYTHONPATH")])])
    settings = SETTINGS[args.model]
    if args.timeout is not None:
        settings = {**settings, "completion": {"timeout": args.timeout}}
    server = await Server.start(settings, env, "--log-level", "debug")
    try:
        for row in served:
            for name, tasks in sets.items():
                if row == "implement" and name != "docstring":
                    continue
                print(f"{row} {args.model} {name}: {len(tasks)} tasks", file=sys.stderr, flush=True)
                await run_server(server, row, tasks, records_file(args.records, args.model, row, name))
        # Peak RSS of the server (both models, where a run asked both).
        # And the prompt tokens a second of the run, from the server's own log.
        memory = {"rows": served, "sets": list(sets), "prompt_tokens_per_s": prompt_speed(server), **server.memory()}
        print(f"prompt tokens/s: {memory['prompt_tokens_per_s']}", file=sys.stderr)
        with (args.records / f"{args.model}-memory.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(memory) + "\n")
    finally:
        await server.stop()
        if source is not None:
            shutil.rmtree(source, ignore_errors=True)


def report(folder: Path) -> str:
    lines = [
        "| set | model | row | tasks | pass@1 | exact | similarity | empty | p50 | p90 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("single", "docstring", "holes", "bodyholes"):
        for model in SETTINGS:
            paths = [p for row in ROWS if (p := records_file(folder, model, row, name)).exists()]
            if not paths:
                continue
            # Every row of a model on the same tasks: those all of them answered.
            rows = [recorded(p) for p in paths]
            indices = set.intersection(*(set(r) for r in rows))
            for index in indices:
                if len({r[index]["task_id"] for r in rows}) > 1:
                    raise SystemExit(f"{folder}: {model} {name} record {index} is of other tasks in other rows")
            for path in paths if indices else []:
                row = path.stem.split("-")[1]
                s = summary(path, indices)
                passed = f"**{s['pass_at_1']:.3f}**" if "pass_at_1" in s else "-"
                lines.append(
                    f"| {name} | {model} | {row} | {s['tasks']} | {passed} | {s['exact']:.3f} | {s['similarity']:.3f} "
                    f"| {s['empty']} | {s['p50_s']} s | {s['p90_s']} s |"
                )
    return "\n".join(lines) + "\n"


def compare(folder: Path, model: str, row: str, name: str) -> str:
    """Task by task, where the server's answer and the bare model's differ in pass (or exact match)."""
    bare = recorded(records_file(folder, model, "bare", name))
    served = recorded(records_file(folder, model, row, name))
    key = "passed" if name != "holes" else "exact"
    out = []
    for index in sorted(bare.keys() & served.keys()):
        b, s = bare[index], served[index]
        if b["task_id"] != s["task_id"]:
            raise SystemExit(f"record {index}: {b['task_id']} (bare) against {s['task_id']}: another stride or set")
        if b[key] != s[key]:
            verdict = "server wins" if s[key] else "server loses"
            out.append(f"{verdict} {b['task_id']}\n  bare:   {b['completion']!r}\n  server: {s['completion']!r}")
    wins = sum(line.startswith("server wins") for line in out)
    out.append(f"{model} {row} {name}: server wins {wins}, loses {len(out) - wins} against the bare model")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=sorted(SETTINGS), default="0.5b")
    parser.add_argument("--rows", default="bare,auto,manual,implement", type=lambda s: s.split(","))
    parser.add_argument("--sets", default="single,docstring,holes", type=lambda s: s.split(","))
    parser.add_argument("--stride-single", type=int, default=10)
    parser.add_argument("--stride-docstring", type=int, default=1)
    parser.add_argument("--stride-holes", type=int, default=1)
    parser.add_argument("--stride-bodyholes", type=int, default=1)
    parser.add_argument("--limit", type=int, help="at most this many tasks of each set (quick runs)")
    parser.add_argument("--records", type=Path, default=RESULTS / "humaneval-records")
    parser.add_argument("--source", default="HEAD", help="commit whose server/codex_ls runs, or 'installed'")
    parser.add_argument(
        "--timeout",
        type=float,
        help="the server's completion.timeout (default: the client's own 60 s, so that slow answers are "
        "measured; 30 is what a user gets); give such runs their own --records folder",
    )
    parser.add_argument("--report", action="store_true", help="only print the table of what is recorded")
    parser.add_argument("--compare", metavar="ROW", help="list the tasks where ROW and the bare model differ")
    args = parser.parse_args()
    if args.compare:
        for name in args.sets:
            print(compare(args.records, args.model, args.compare, name))
        return
    if not args.report:
        started = time.perf_counter()
        asyncio.run(collect(args))
        print(f"{command()}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(report(args.records))


if __name__ == "__main__":
    main()
