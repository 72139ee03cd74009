"""An empty function body typed, then taken line by line with Tab, through the real server, as VS Code does it.

The tasks are code nobody here wrote:

* Python: HumanEval's docstring-to-body problems (every ``--stride``-th), judged by their tests;
* JavaScript: the bodies of 2 to 12 lines of the functions in Django's admin and GIS scripts
  (``django/contrib/*/static/**/*.js`` of the Django 5.1.4 sdist from PyPI, BSD-3-Clause), judged
  by exact match and edit similarity of the whole body (``bench/judge.py``).

At each task, on one server per configuration (``--configs``, each a git ref's
``server/codex_ls``; both embedded models installed, ``model.large: auto``; the other
configurations' servers stopped meanwhile), the client:

1. opens the document without the body, the line before it (the docstring's closing
   quotes, the function's signature) short of its last :data:`CUT` characters, puts
   the cursor there and rests :data:`REST` seconds, as a user who opened the file and
   reads it (VS Code's light bulb asks for code actions where the cursor rests, here
   and after each edit);
2. types those characters at :data:`KEY_INTERVAL` a key with the VS Code client of
   ``bench/replay.py`` (each keystroke cancels the unanswered request), then presses
   Enter: one change that inserts the line break and the body's indentation, as
   VS Code's auto-indent does, and asks after VS Code's debounce;
3. reads each suggestion shown for ``--read`` seconds, takes it as Tab does (one change
   inserting it) and asks again, until an answer is empty, :data:`MAX_TABS`
   suggestions were taken, or one takes longer than :data:`REQUEST_TIMEOUT`.

Measured: the time from Enter to the first suggestion shown, from each Tab to the
next one, the body taken and its verdict, and the embedded models' prompt tokens
per second (the server's ``local generation ended`` lines) of the whole run.

    python -m bench.local_lines [--configs before=REF,after=HEAD] [--stride 8] [--js 16] [--read 0.5] [--records DIR]

Writes ``bench/results/local-lines.md`` (``--out``), and with ``--records`` one JSON line per task.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types

from bench.client import Server, prompt_speed
from bench.common import RESULTS, command, machine, percentile, snapshot, utf16_len
from bench.judge import judge
from bench.replay import VSCODE_DEBOUNCE, VSCODE_LIGHT_BULB, EditorRequests
from bench.sets import Task, docstring_body

CUT = 3
KEY_INTERVAL = 0.130
REST = 4.0
MAX_TABS = 40
REQUEST_TIMEOUT = 60.0
DJANGO = "django==5.1.4"
CACHE = Path.home() / ".cache" / "codex-ls" / "bench"
#: A line that opens a function's body: a declaration, a function expression, an arrow function or a method.
OPENS_BODY = re.compile(
    r"^(\s*)(?!if\b|for\b|while\b|switch\b|catch\b|else\b|try\b|do\b)"
    r"(?:.*\bfunction\b[^{]*\)|.*\)\s*=>|(?:async\s+|static\s+)?\w+\s*\([^()]*\))\s*\{\s*$"
)


@dataclass(frozen=True)
class Body:
    """One task: the document around an empty body, where the body goes, and the body that belongs there."""

    task: Task
    language: str
    #: The document without the body; the cursor goes at the end of ``head``.
    head: str
    tail: str
    indent: str


def python_bodies(stride: int) -> list[Body]:
    bodies = []
    for task in docstring_body(stride):
        head = task.prefix.rstrip(" ")
        indent = task.prefix[len(head) :]
        bodies.append(Body(task, "python", head.rstrip("\n"), "\n" + task.suffix.lstrip("\n"), indent))
    return bodies


def django_sources() -> list[tuple[str, str]]:
    """``(path, text)`` of the sdist's admin and GIS scripts, downloaded once from PyPI."""
    folder = CACHE / "django-5.1.4"
    if not folder.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        download = [sys.executable, "-m", "pip", "download", DJANGO, "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*download, "-d", str(CACHE), "-q"], check=True)
        with tarfile.open(CACHE / "Django-5.1.4.tar.gz") as tar:
            members = [m for m in tar.getmembers() if re.search(r"contrib/\w+/static/.*\.js$", m.name)]
            tar.extractall(CACHE / "extract", members=members, filter="data")
        (CACHE / "extract" / "Django-5.1.4").rename(folder)
        shutil.rmtree(CACHE / "extract", ignore_errors=True)
    scripts = sorted(p for p in folder.rglob("*.js") if "vendor" not in p.parts and ".min." not in p.name)
    return [(str(p.relative_to(folder)), p.read_text(encoding="utf-8")) for p in scripts]


def js_bodies(count: int) -> list[Body]:
    """``count`` function bodies of 2-12 lines, spread evenly over all of them."""
    found = []
    for path, text in django_sources():
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if (m := OPENS_BODY.match(line)) is None:
                continue
            indent = m.group(1)
            closing = re.compile(re.escape(indent) + r"\}.*")
            end = next((j for j in range(i + 1, min(len(lines), i + 40)) if closing.fullmatch(lines[j])), None)
            body = lines[i + 1 : end] if end is not None else []
            if not 2 <= len(body) <= 12 or not all(b.startswith(indent + " ") or not b.strip() for b in body):
                continue
            inner = body[0][: len(body[0]) - len(body[0].lstrip())]
            head = "\n".join(lines[: i + 1])
            tail = "\n" + "\n".join(lines[end:])
            expected = "\n".join(body)[len(inner) :]
            task = Task("jsbody", len(found), f"{path}:{i + 1}", head + "\n" + inner, tail, expected)
            found.append(Body(task, "javascript", head, tail, inner))
    step = max(1, len(found) // max(1, count))
    return found[::step][:count]


# -- one task --------------------------------------------------------------------------------------------------------


def position(text: str) -> types.Position:
    """The position at the end of ``text``."""
    return types.Position(text.count("\n"), utf16_len(text.rsplit("\n", 1)[-1]))


class Editor:
    """One open document, edited at its end (the cursor), as the user types and takes suggestions."""

    def __init__(self, server: Server, uri: str, language: str, head: str, tail: str) -> None:
        self.server, self.uri, self.head, self.tail, self.version = server, uri, head, tail, 1
        item = types.TextDocumentItem(uri, language, 1, head + tail)
        server.client.text_document_did_open(types.DidOpenTextDocumentParams(item))

    def insert(self, text: str) -> None:
        at = position(self.head)
        self.version += 1
        self.server.change(self.uri, self.version, [(types.Range(at, at), text)])
        self.head += text

    async def ask(self) -> tuple[str, float | None]:
        """The suggestion shown after VS Code's debounce, and how long it took (``None``: too long)."""
        await asyncio.sleep(VSCODE_DEBOUNCE)
        answer = await self.server.complete(self.uri, position(self.head))
        if answer.error:
            return "", None
        # The request's own time: the client may wait on for the server's log of the generation.
        return answer.text or "", VSCODE_DEBOUNCE + answer.seconds

    def close(self) -> None:
        self.server.close(self.uri)


async def run_task(server: Server, body: Body, n: int, config: str, read: float) -> dict[str, Any]:
    typed = body.head[-CUT:]
    uri = f"file:///bench/lines/{config}/{n:03d}.{'py' if body.language == 'python' else 'js'}"
    editor = Editor(server, uri, body.language, body.head[:-CUT], body.tail)
    prefix = f"lines-{config}-{n}"
    keys = EditorRequests(
        server.client, cancels=True, debounce=VSCODE_DEBOUNCE, prefix=prefix, light_bulb=VSCODE_LIGHT_BULB
    )
    keys.rest(uri, position(editor.head))  # the user put the cursor there
    await asyncio.sleep(REST)
    for k, char in enumerate(typed):
        keys.cancel_pending()
        editor.insert(char)
        keys.schedule(uri, k, position(editor.head))
        await asyncio.sleep(KEY_INTERVAL)
    keys.stop()
    editor.insert("\n" + body.indent)  # Enter
    keys.rest(uri, position(editor.head))
    seen = len(server.generations)
    first, first_s = await editor.ask()
    taken, tabs, shown = "", [], first
    while shown and len(tabs) < MAX_TABS:
        await asyncio.sleep(read)
        editor.insert(shown)  # Tab
        keys.rest(uri, position(editor.head))
        taken += shown
        shown, seconds = await editor.ask()
        if seconds is None:
            break
        tabs.append((round(seconds, 3), bool(shown)))
    await keys.settle()
    editor.close()
    verdict = await asyncio.to_thread(judge, body.task, taken)
    generations = server.generations[seen:]
    return {
        "config": config,
        "language": body.language,
        "task_id": body.task.task_id,
        "first_s": None if first_s is None else round(first_s, 3),
        "first": first,
        # Seconds from each Tab to the next answer, and whether it showed something.
        "tabs": tabs,
        "body": taken,
        "generations": len(generations),
        # What each generation from Enter on cost: its prompt, the tokens reused, its model.
        "work": [dataclasses.asdict(g) for g in generations],
        **verdict,
    }


# -- the run ---------------------------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    bodies = python_bodies(args.stride) + js_bodies(args.js)
    configs = [tuple(c.split("=", 1)) for c in args.configs.split(",")]
    folders = {name: snapshot(ref) for name, ref in configs}
    servers: dict[str, Server] = {}
    records: list[dict[str, Any]] = []
    out = args.records / "local-lines.jsonl" if args.records else None
    try:
        for name, _ in configs:
            env = {"PYTHONPATH": str(folders[name] / "server"), "PATH": "/usr/bin:/bin"}
            servers[name] = await Server.start({"model": {"large": "auto"}}, env)
        # Task by task, each configuration in turn: the machine's load falls on both alike. The
        # others are stopped meanwhile, so their warm-ups do not take the measured one's cores.
        for n, body in enumerate(bodies):
            for name, _ in configs:
                others = [server for other, server in servers.items() if other != name]
                for server in others:
                    server.suspend()
                try:
                    record = await asyncio.wait_for(run_task(servers[name], body, n, name, args.read), 600)
                finally:
                    for server in others:
                        server.resume()
                records.append(record)
                print(
                    f"{n + 1}/{len(bodies)} {name} {body.task.task_id}: first {record['first_s']} s, "
                    f"{len(record['tabs'])} tabs, passed={record.get('passed')}",
                    file=sys.stderr,
                    flush=True,
                )
                if out is not None:
                    with out.open("a", encoding="utf-8") as f:
                        f.write(json.dumps(record) + "\n")
        speeds = {name: prompt_speed(server) for name, server in servers.items()}
        memory = {name: server.memory() for name, server in servers.items()}
    finally:
        for server in servers.values():
            await server.stop()
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)
    return {"records": records, "prompt_tokens_per_s": speeds, "memory": memory, "configs": dict(configs)}


def summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    firsts = [r["first_s"] for r in records if r["first_s"] is not None and r["first"]]
    tabs = [s for r in records for s, shown in r["tabs"] if shown]
    found: dict[str, Any] = {
        "tasks": len(records),
        "first shown": len(firsts),
        "first p50 / p90 s": f"{percentile(firsts, 50):.2f} / {percentile(firsts, 90):.2f}" if firsts else "-",
        "next line after Tab p50 / p90 s": f"{percentile(tabs, 50):.2f} / {percentile(tabs, 90):.2f}" if tabs else "-",
        "suggestions taken per body": round(statistics.fmean(len(r["tabs"]) for r in records), 1),
        "exact": round(statistics.fmean(r["exact"] for r in records), 3),
        "similarity": round(statistics.fmean(r["similarity"] for r in records), 3),
    }
    if "passed" in records[0]:
        found["pass@1"] = round(statistics.fmean(r["passed"] for r in records), 3)
    return found


def report(result: dict[str, Any], args: argparse.Namespace, seconds: float) -> str:
    lines = [
        "# An empty body typed, then taken line by line with Tab (`bench/local_lines.py`)",
        "",
        f"`{command()}` — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {seconds / 60:.0f} min; "
        f"machine: {json.dumps(machine())}",
        "",
        "Configurations: "
        + ", ".join(f"`{n}` = `{ref}`" for n, ref in result["configs"].items())
        + f"; both embedded models installed, `model.large: auto`; each suggestion read {args.read} s before Tab. "
        "Prompt tokens per second of the run "
        "(evaluated, over the servers' prompt time): "
        + ", ".join(f"{n} {s}" for n, s in result["prompt_tokens_per_s"].items())
        + ". Peak RSS: "
        + ", ".join(f"{n} {m.get('VmHWM_kib', 0) / 1048576:.2f} GiB" for n, m in result["memory"].items())
        + ".",
        "",
    ]
    for language in ("python", "javascript"):
        rows = {
            n: [r for r in result["records"] if r["config"] == n and r["language"] == language]
            for n in result["configs"]
        }
        if not any(rows.values()):
            continue
        summaries = {n: summary(r) for n, r in rows.items() if r}
        keys = list(next(iter(summaries.values())))
        lines += [f"## {language}", "", "| | " + " | ".join(summaries) + " |", "|---|" + "---|" * len(summaries)]
        lines += [f"| {k} | " + " | ".join(str(s[k]) for s in summaries.values()) + " |" for k in keys]
        lines.append("")
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default="after=HEAD", help="comma-separated NAME=GITREF")
    parser.add_argument("--stride", type=int, default=8, help="every N-th HumanEval problem")
    parser.add_argument("--js", type=int, default=16, help="JavaScript bodies")
    parser.add_argument("--read", type=float, default=0.5, help="seconds the user reads a suggestion before Tab")
    parser.add_argument("--out", type=Path, default=RESULTS / "local-lines.md")
    parser.add_argument("--records", type=Path, help="folder for one JSON line per task")
    return parser.parse_args()


async def main() -> None:
    args = parse_args()
    if args.records:
        args.records.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result = await run(args)
    text = report(result, args, time.perf_counter() - started)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    asyncio.run(main())
