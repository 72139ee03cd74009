"""Cross-file completions from real packages, built CrossCodeEval's way (Ding et al., 2023).

The packages are sdists from PyPI, pinned, written by nobody here, each with many
imports between its own modules (``--cache``, outside the repository):

* ``rich`` 13.7.1: ~80 modules that construct each other's classes (``Segment(``, ``Style(``);
* ``click`` 8.1.7: a dozen large modules calling each other's helpers (``_(``, ``echo(``);
* ``jinja2`` 3.1.4: the compiler, parser and runtime reach into ``nodes.`` and ``utils.``;
* ``httpx`` 0.27.0: the client, models and transports share ``URL(``, ``Headers(`` and ``_utils``.

A task is a line of a package module that calls a name imported from another module of
the same package (``Name(``) or reads an attribute of such a module (``module.``); the
cursor is right after the ``(`` or the ``.``, and the answer is the rest of the line. The
document is the file with that rest cut away; it is the only open document, and the
workspace is the sdist's tree. Scored as CrossCodeEval scores: exact match (EM) and edit
similarity (ES, 100 times the indel ratio) of the first line, stripped.

Rows: ``bare`` (the model called directly, ``bench/bare.py``: the file alone, the same
template and window), ``server`` (the real server process, no workspace folder: the file
alone), ``repo`` (the server with the sdist's tree as its workspace folder).

    python -m bench.crossfile --rows bare,server,repo --per-package 50
    python -m bench.crossfile --report

The server rows ask at once after the file opens, the cursor already after the bracket.
With ``--type-keys MS`` (and a ``--label``), the user types there: the file opens without
the name and its bracket, the cursor comes to the line a second later, and the name and
bracket are typed a key every MS milliseconds, each key's request cancelled by the next as
VS Code does; the answer to the last key is scored.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tarfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import RESULTS, command, percentile

PACKAGES = {"rich": "13.7.1", "click": "8.1.7", "jinja2": "3.1.4", "httpx": "0.27.0"}
CACHE = Path(os.environ.get("CODEX_LS_CROSSFILE_CACHE") or Path.home() / ".cache" / "codex-ls-bench" / "crossfile")
#: At most this many tasks from one file, and from one imported name in one package.
PER_FILE = 6
PER_NAME = 4
#: ``--recall``: the start of the best entry that a short prompt would keep.
FOCUS_CHARS = 600
#: With ``--type-keys``: from the file's opening to the first key, the time to find the line.
NAVIGATE = 1.0


@dataclass(frozen=True)
class Task:
    package: str
    #: Relative to the sdist's tree.
    path: str
    line: int
    #: The imported name before the cursor, and how it is used: "call" or "attribute".
    name: str
    kind: str
    prefix: str
    suffix: str
    answer: str

    @property
    def task_id(self) -> str:
        return f"{self.package}/{self.path}:{self.line + 1}:{self.name}"

    @property
    def text(self) -> str:
        return self.prefix + self.suffix


def fetch(cache: Path) -> dict[str, Path]:
    """The sdists' trees, downloaded (``pip download``) and unpacked once into ``cache``."""
    trees = {}
    for name, version in PACKAGES.items():
        tree = cache / "trees" / f"{name}-{version}"
        if not tree.is_dir():
            sdists = cache / "sdists"
            found = [p for p in sdists.glob("*.tar.gz") if p.name.lower().startswith(f"{name}-{version}")]
            if not found:
                pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
                subprocess.run([*pip, f"{name}=={version}", "-d", str(sdists)], check=True)
                found = [p for p in sdists.glob("*.tar.gz") if p.name.lower().startswith(f"{name}-{version}")]
            with tarfile.open(found[0]) as archive:
                archive.extractall(cache / "trees", filter="data")
            next(p for p in (cache / "trees").iterdir() if p.name.lower() == tree.name).rename(tree)
        trees[name] = tree
    return trees


def package_dir(tree: Path, name: str) -> Path:
    for candidate in (tree / "src" / name, tree / name):
        if (candidate / "__init__.py").is_file():
            return candidate
    raise FileNotFoundError(f"no package {name} in {tree}")


def _module_of(package: str, relative: Path) -> list[str]:
    parts = [package, *relative.with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported_names(package: str, relative: Path, source: ast.Module, modules: set[str]) -> dict[str, str]:
    """The names ``source`` binds from other modules of ``package``: local name → "call" for a name,
    "attribute" for a module. ``modules`` are the package's dotted module names."""
    here = _module_of(package, relative)
    parent = here if relative.name == "__init__.py" else here[:-1]
    found: dict[str, str] = {}
    for node in ast.walk(source):
        if isinstance(node, ast.ImportFrom):
            base = parent[: len(parent) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            if module.split(".")[0] != package or module == ".".join(here):
                continue
            for alias in node.names:
                local = alias.asname or alias.name
                kind = "attribute" if f"{module}.{alias.name}" in modules else "call"
                if alias.name != "*" and (kind == "attribute" or module in modules):
                    found[local] = kind
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == package and alias.name in modules and alias.asname:
                    found[alias.asname] = "attribute"
    return found


def _column(line: str, byte_offset: int) -> int:
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


def _uses(source: ast.Module, names: dict[str, str]) -> list[tuple[int, int, str, str]]:
    """(line, byte column after the ``(`` or ``.``, name, kind) of each use of an imported name."""
    found = []
    for node in ast.walk(source):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and names.get(node.func.id) == "call":
            assert node.func.end_col_offset is not None
            found.append((node.func.lineno - 1, node.func.end_col_offset + 1, node.func.id, "call"))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and names.get(node.value.id) == "attribute"
        ):
            assert node.value.end_col_offset is not None
            found.append((node.value.lineno - 1, node.value.end_col_offset + 1, node.value.id, "attribute"))
    return sorted(set(found))


def tasks_in(package: str, path: str, relative: Path, text: str, modules: set[str]) -> list[Task]:
    """Every task of one module: a use of an imported name with something to write after it."""
    try:
        source = ast.parse(text)
    except SyntaxError:
        return []
    names = imported_names(package, relative, source, modules)
    lines = text.split("\n")
    found = []
    for line, byte_column, name, kind in _uses(source, names):
        column = _column(lines[line], byte_column)
        before, answer = lines[line][:column], lines[line][column:].rstrip()
        if not before.endswith("(" if kind == "call" else ".") or sum(c.isalnum() for c in answer) < 2:
            continue
        prefix = "\n".join([*lines[:line], before])
        suffix = "\n" + "\n".join(lines[line + 1 :])
        found.append(Task(package, path, line, name, kind, prefix, suffix, answer))
    return found


def _order(task: Task) -> str:
    return hashlib.sha256(task.task_id.encode()).hexdigest()


def build(package: str, tree: Path, per_package: int) -> list[Task]:
    """``per_package`` tasks of one package, chosen by a hash of their id (deterministic), at most
    ``PER_FILE`` from one file and ``PER_NAME`` of one imported name."""
    root = package_dir(tree, package)
    files = sorted(root.rglob("*.py"))
    modules = {".".join(_module_of(package, f.relative_to(root))) for f in files}
    candidates = []
    for file in files:
        path = file.relative_to(tree).as_posix()
        candidates += tasks_in(package, path, file.relative_to(root), file.read_text(encoding="utf-8"), modules)
    chosen: list[Task] = []
    per_file: dict[str, int] = {}
    per_name: dict[str, int] = {}
    for task in sorted(candidates, key=_order):
        if per_file.get(task.path, 0) >= PER_FILE or per_name.get(task.name, 0) >= PER_NAME:
            continue
        per_file[task.path] = per_file.get(task.path, 0) + 1
        per_name[task.name] = per_name.get(task.name, 0) + 1
        chosen.append(task)
        if len(chosen) == per_package:
            break
    return chosen


def first_line(text: str | None) -> str:
    return (text or "").lstrip("\n").split("\n", 1)[0].strip()


def edit_similarity(a: str, b: str) -> float:
    """100 times the indel ratio (rapidfuzz's ``fuzz.ratio``, as CrossCodeEval scores): 2·LCS / (|a| + |b|)."""
    if not a and not b:
        return 100.0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return 200.0 * previous[-1] / (len(a) + len(b))


def judge(task: Task, completion: str | None) -> dict[str, Any]:
    got, want = first_line(completion), task.answer.strip()
    return {"exact": got == want, "similarity": round(edit_similarity(got, want), 2), "empty": not got}


ROWS = ("bare", "server", "repo")
BARE_MODEL = {"0.5b": "qwen2.5-coder-0.5b", "1.5b": "qwen2.5-coder-1.5b"}
SETTINGS = {"0.5b": {"model": {"large": ""}}, "1.5b": {"model": {"large": "qwen2.5-coder-1.5b"}}}


def records_file(folder: Path, model: str, row: str) -> Path:
    return folder / f"{model}-{row}.jsonl"


def row_settings(model: str, cold_tokens: int | None) -> dict[str, Any]:
    """The server's settings for ``model``; ``cold_tokens`` sets ``model.tuning.coldTokens`` (0: every
    answer from the whole prompt, the repository context included)."""
    settings = SETTINGS[model]
    if cold_tokens is None:
        return settings
    return {**settings, "model": {**settings["model"], "tuning": {"coldTokens": cold_tokens}}}


def recorded(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    return {r["task_id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r}


def run_bare(model: str, tasks: list[Task], path: Path) -> None:
    from bench.bare import BareModel

    todo = [t for t in tasks if t.task_id not in recorded(path)]
    if not todo:
        return
    bare = BareModel(BARE_MODEL[model], os.cpu_count() or 2)
    with path.open("a", encoding="utf-8") as out:
        for task in todo:
            answer = bare.complete(task.text, len(task.prefix), multiline=False)
            record = {"task_id": task.task_id, "completion": answer.text, "seconds": round(answer.seconds, 3)}
            out.write(json.dumps(record | {"error": None} | judge(task, answer.text)) + "\n")
            out.flush()


async def start_server(settings: dict[str, Any], env: dict[str, str], root: Path | None) -> Any:
    """A server process (``bench/client.py``), told the workspace folder ``root`` (none: ``None``)."""
    from bench.client import Server

    server = await Server.start(settings, env, "--log-level", "debug", workspace=root)
    return server


async def type_name(server: Any, uri: str, task: Task, key_seconds: float) -> None:
    """Type the imported name and its ``(`` or ``.`` as VS Code sends them: the document opened
    without them, the cursor put there after ``NAVIGATE`` seconds, one key every ``key_seconds``,
    each key's request cancelled by the next; the last key's request is the caller's."""
    from lsprotocol import types

    from bench.client import position
    from bench.replay import VSCODE_DEBOUNCE, EditorRequests

    typed = task.name + ("(" if task.kind == "call" else ".")
    start = len(task.prefix) - len(typed)
    if task.prefix[start:] != typed:
        raise ValueError(f"{task.task_id}: the line does not end with {typed!r}")
    text = task.prefix[:start] + task.suffix
    server.open(uri, text)
    await asyncio.sleep(NAVIGATE)
    requests = EditorRequests(server.client, cancels=True, debounce=VSCODE_DEBOUNCE, prefix="typed")
    version = 1
    for k, key in enumerate(typed):
        if k:
            await asyncio.sleep(key_seconds)
        requests.cancel_pending()
        version += 1
        at = position(text, start + k)
        server.change(uri, version, [(types.Range(at, at), key)])
        text = text[: start + k] + key + text[start + k :]
        if k < len(typed) - 1:
            requests.schedule(uri, k, position(text, start + k + 1))
    requests.stop()
    await requests.settle()
    await asyncio.sleep(VSCODE_DEBOUNCE)


async def run_server(server: Any, tasks: list[Task], tree: Path, path: Path, key_seconds: float | None = None) -> None:
    from bench.client import position

    done = recorded(path)
    with path.open("a", encoding="utf-8") as out:
        for task in tasks:
            if task.task_id in done:
                continue
            uri = (tree / task.path).as_uri()
            try:
                if key_seconds is None:
                    server.open(uri, task.text)
                else:
                    await type_name(server, uri, task, key_seconds)
                answer = await server.complete(uri, position(task.text, len(task.prefix)))
            finally:
                server.close(uri)
            record = {"task_id": task.task_id, "completion": answer.text, "seconds": round(answer.seconds, 3)}
            ended = [line for line in server.logs if "local generation ended" in line]
            # Which prompt answered: the cold one carries no context (``engine.cold_prompt``).
            record |= {"cold": "cold prompt" in ended[-1] if ended else None}
            if answer.generation is not None:
                record |= {"prompt_tokens": answer.generation.prompt, "reused": answer.generation.reused}
            out.write(json.dumps(record | {"error": answer.error} | judge(task, answer.text)) + "\n")
            out.flush()
            del server.logs[:]


async def wait_for_index(server: Any, seconds: float = 120.0) -> str:
    """The server's log line that says the workspace is indexed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = next((line for line in server.logs if "files indexed" in line), None)
        if line is not None:
            return line
        await asyncio.sleep(0.2)
    return "(no index reported)"


def all_tasks(args: argparse.Namespace) -> dict[str, list[Task]]:
    trees = fetch(args.cache)
    return {name: build(name, trees[name], args.per_package) for name in PACKAGES if name in args.packages}


async def collect(args: argparse.Namespace) -> None:
    from bench.client import record_speed

    args.records.mkdir(parents=True, exist_ok=True)
    sets = all_tasks(args)
    trees = fetch(args.cache)
    tasks = [t for name in sets for t in sets[name]]
    print(f"{len(tasks)} tasks: " + ", ".join(f"{n} {len(t)}" for n, t in sets.items()), file=sys.stderr)
    if "bare" in args.rows:
        await asyncio.to_thread(run_bare, args.model, tasks, records_file(args.records, args.model, "bare"))
    env = dict(os.environ)
    settings = row_settings(args.model, args.cold_tokens)
    if "server" in args.rows:
        server = await start_server(settings, env, None)
        try:
            for name, chosen in sets.items():
                await run_server(
                    server,
                    chosen,
                    trees[name],
                    records_file(args.records, args.model, "server" + args.label),
                    args.type_keys,
                )
            record_speed(server, args.records, model=args.model, row="server" + args.label)
        finally:
            await server.stop()
    if "repo" in args.rows:
        for name, chosen in sets.items():
            server = await start_server(settings, env, trees[name])
            try:
                print(f"repo {name}: {await wait_for_index(server)}", file=sys.stderr)
                await run_server(
                    server,
                    chosen,
                    trees[name],
                    records_file(args.records, args.model, "repo" + args.label),
                    args.type_keys,
                )
                record_speed(server, args.records, model=args.model, row=f"repo{args.label} {name}")
            finally:
                await server.stop()


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = [r["seconds"] for r in rows if not r.get("error")]
    n = len(rows)
    return {
        "tasks": n,
        "em": round(sum(r["exact"] for r in rows) / n, 3),
        "es": round(statistics.fmean(r["similarity"] for r in rows), 1),
        "empty": sum(r["empty"] for r in rows),
        "errors": sum(bool(r.get("error")) for r in rows),
        "p50_s": round(percentile(seconds, 50), 2) if seconds else None,
    }


def _row_order(row: str) -> tuple[int, str]:
    base = row.split("-", 1)[0]
    return (ROWS.index(base) if base in ROWS else len(ROWS), row)


def report(folder: Path, model: str, tasks: list[Task], rows: list[str] | None = None) -> str:
    """The rows (every recorded one by default) on the tasks all of them answered, per package and in all."""
    names = sorted({p.stem.split("-", 1)[1] for p in folder.glob(f"{model}-*.jsonl")}, key=_row_order)
    names = [n for n in names if rows is None or n in rows]
    paths = {row: records_file(folder, model, row) for row in names}
    if not paths:
        return "nothing recorded\n"
    found = {row: recorded(p) for row, p in paths.items()}
    common = set.intersection(*(set(r) for r in found.values()))
    lines = ["| package | row | tasks | EM | ES | empty | p50 |", "|---|---|---|---|---|---|---|"]
    for package in [*PACKAGES, "all"]:
        ids = [t.task_id for t in tasks if t.task_id in common and package in ("all", t.package)]
        for row, records in found.items():
            if ids:
                s = summary([records[i] for i in ids])
                cells = [package, row, s["tasks"], f"{s['em']:.3f}", f"{s['es']:.1f}", s["empty"], f"{s['p50_s']} s"]
                lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines) + "\n"


def context_recall(sets: dict[str, list[Task]], trees: dict[str, Path], budget: int) -> dict[str, Any]:
    """Without a model: how often the repository context chosen at the cursor holds the answer's
    first identifier (a keyword argument, a member's name), and what choosing it costs."""
    import re

    from codex_ls.workspace.context import repository_context
    from codex_ls.workspace.index import WorkspaceIndex

    held = total = 0
    # Calls whose answer passes keyword arguments: does the context's best entry name them all,
    # and within its first FOCUS_CHARS (what a short prompt would keep of it)?
    keyword_calls = keywords_held = keywords_early = 0
    seconds: list[float] = []
    sizes: list[float] = []
    for name, tasks in sets.items():
        index = WorkspaceIndex([trees[name]])
        index.build_now()
        for task in tasks:
            started = time.perf_counter()
            found = repository_context(index, task.path, "python", task.text, len(task.prefix), budget_chars=budget)
            elapsed = time.perf_counter() - started
            keywords = re.findall(r"(?<![=!<>])\b([A-Za-z_]\w*)=(?!=)", task.answer)
            if task.kind == "call" and keywords and found:
                best = found[0][1]
                keyword_calls += 1
                keywords_held += all(re.search(rf"\b{k}\b", best) for k in keywords)
                keywords_early += all(re.search(rf"\b{k}\b", best[:FOCUS_CHARS]) for k in keywords)
            word = re.search(r"[A-Za-z_]\w{2,}", task.answer)
            if word is None:
                continue
            seconds.append(elapsed)
            context = "\n".join(text for _, text in found)
            sizes.append(float(len(context)))
            total += 1
            held += re.search(rf"\b{re.escape(word.group(0))}\b", context) is not None
    return {
        "tasks_with_an_identifier": total,
        "context_holds_it": held,
        "share": round(held / total, 3) if total else None,
        "budget_chars": budget,
        "calls_with_keyword_arguments": keyword_calls,
        "best_entry_names_them": keywords_held,
        f"in_its_first_{FOCUS_CHARS}_chars": keywords_early,
        "context_chars_p50": percentile(sizes, 50) if sizes else None,
        "choose_ms_p50": round(percentile(seconds, 50) * 1000, 2) if seconds else None,
        "choose_ms_max": round(max(seconds) * 1000, 2) if seconds else None,
    }


def written_elsewhere(sets: dict[str, list[Task]], trees: dict[str, Path]) -> dict[str, Any]:
    """Without a model: where else the package writes each task's answer right after the same
    name (``Name(`` + the answer's first line): above the cursor in the task's file, elsewhere in
    it, only in another file, or nowhere. Another file's uses of the name can give a model the
    answer to copy only in the third case."""
    where = {"above_in_the_file": 0, "below_in_the_file": 0, "only_in_another_file": 0, "nowhere": 0}
    for name, tasks in sets.items():
        files = {
            p.relative_to(trees[name]).as_posix(): p.read_text(encoding="utf-8") for p in trees[name].rglob("*.py")
        }
        for task in tasks:
            written = task.name + ("(" if task.kind == "call" else ".") + first_line(task.answer)
            if written in task.prefix:
                where["above_in_the_file"] += 1
            elif written in task.suffix:
                where["below_in_the_file"] += 1
            elif any(written in text for path, text in files.items() if path != task.path):
                where["only_in_another_file"] += 1
            else:
                where["nowhere"] += 1
    return {"tasks": sum(where.values()), **where}


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure_index(tree: Path) -> dict[str, Any]:
    """Indexing ``tree`` as the server does (a worker thread): the time, the extra RSS, the files,
    and how long one file takes to index again once saved (the median of 20 saves)."""
    import gc

    from codex_ls.workspace.index import WorkspaceIndex
    from codex_ls.workspace.outline import outline

    outline("python", "x = 1\n")  # the grammar loaded before the baseline is taken
    gc.collect()
    before = rss_kib()
    index = WorkspaceIndex([tree])
    started = time.perf_counter()
    asyncio.run(index.build())
    seconds = time.perf_counter() - started
    gc.collect()
    after = rss_kib()
    saved = max((f for f in index.files if f.endswith(".py")), key=lambda f: len(index.files[f].outline.definitions))
    path = index.folders.roots[0] / saved
    text = path.read_text(encoding="utf-8")
    times = []
    for _ in range(20):
        start = time.perf_counter()
        index.update_now(path, text)
        times.append(time.perf_counter() - start)
    return {
        "tree": str(tree),
        "files": len(index.files),
        "full": index.full,
        "build_s": round(seconds, 2),
        "extra_rss_mib": round((after - before) / 1024, 1),
        "reindex_file": saved,
        "reindex_file_bytes": len(text.encode("utf-8")),
        "reindex_ms_p50": round(percentile(times, 50) * 1000, 1),
        "load": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=sorted(SETTINGS), default="0.5b")
    parser.add_argument("--rows", default="bare,server,repo", type=lambda s: s.split(","))
    parser.add_argument("--packages", default=",".join(PACKAGES), type=lambda s: s.split(","))
    parser.add_argument("--per-package", type=int, default=50)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--cold-tokens", type=int, help="the servers' model.coldTokens (default: the install's)")
    parser.add_argument(
        "--type-keys",
        type=lambda ms: float(ms) / 1000,
        metavar="MS",
        help="type the name and its bracket at MS a key, as VS Code sends the keys, instead of asking at once",
    )
    parser.add_argument("--label", default="", help="appended to the server rows' names (e.g. -whole)")
    parser.add_argument("--records", type=Path, default=RESULTS / "crossfile-records")
    parser.add_argument("--report", action="store_true", help="only print the table of what is recorded")
    parser.add_argument("--report-rows", type=lambda s: s.split(","), help="the rows in the table (default: all)")
    parser.add_argument("--list", action="store_true", help="print the tasks as JSON lines and stop")
    parser.add_argument("--recall", type=int, metavar="CHARS", help="how often the context holds the answer's word")
    parser.add_argument("--elsewhere", action="store_true", help="where else the package writes each answer")
    parser.add_argument("--measure-index", type=Path, metavar="TREE", help="index TREE and report time and memory")
    args = parser.parse_args()
    if args.recall is not None:
        print(json.dumps(context_recall(all_tasks(args), fetch(args.cache), args.recall), indent=2))
        return
    if args.elsewhere:
        print(json.dumps(written_elsewhere(all_tasks(args), fetch(args.cache)), indent=2))
        return
    if args.measure_index:
        print(json.dumps(measure_index(args.measure_index), indent=2))
        return
    if args.list:
        for chosen in all_tasks(args).values():
            for task in chosen:
                print(json.dumps(asdict(task) | {"task_id": task.task_id}))
        return
    if not args.report:
        started = time.perf_counter()
        asyncio.run(collect(args))
        print(f"{command()}: {time.perf_counter() - started:.0f} s, load {os.getloadavg()}", file=sys.stderr)
    tasks = [t for chosen in all_tasks(args).values() for t in chosen]
    print(report(args.records, args.model, tasks, args.report_rows))


if __name__ == "__main__":
    main()
