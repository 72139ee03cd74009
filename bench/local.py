"""The embedded model (llama.cpp in-process) measured by what the user waits for, through the real server.

For each embedded model (``--models``) and each lever configuration (``--configs``),
one fresh ``python -m codex_ls --stdio`` process is driven over stdio by a pygls
client that behaves as VS Code does, with initializationOptions
``{"model": {"name": MODEL, "large": LARGE, "tuning": levers}}`` and default settings otherwise
(``--large``: ``""`` by default, each model alone as a default install runs it; ``auto``
for the cascade, where an empty body and the actions go to the 1.5B). In order:

1. **open → first suggestion**: after ``initialize``, the client waits until the
   server logs that the model is loaded, or 20 s; then it opens the stdlib's
   ``textwrap.py`` and at once asks for an inline completion at the first place
   (two lines above the first typing place, so that the typing does not find its
   answer in the server's cache). Cold start is spawn → that answer.
2. **typing with a cancelling client** (``bench/local_typing.py``): at ``--places``
   lines, the last 12 characters deleted, 6 typed back at 400 ms a key by the VS
   Code client of ``bench/replay.py``, then a pause for the last answer (30 s at most).
3. **per-keystroke cost**: the server's ``local generation ended`` log lines during 2.
4. **during an Explain** (``bench/local_explain.py``): a completion that needs a
   model call, idle and while ``codex/explain`` generates on the same model.
5. peak RSS (VmHWM), cores used per section, and HumanEval single-line pass@1 at the
   line start and mid-line (``bench/local_humaneval.py``) for ``--humaneval-configs``.

Configurations: ``after`` (the ``--after`` code, default settings), ``levers off``
(all of :data:`LEVERS_OFF`), ``no <lever>`` (that one lever off), ``cache layout``
(``model.tuning.cacheLayout`` on, whatever its default; ``cache layout no warm`` with ``model.tuning.warm``
off too), and ``before`` (the ``--before`` code, default settings). Each runs from a
frozen copy of its commit's ``server/codex_ls``.

    python -m bench.local [--models M1,M2] [--configs 'after,levers off,...'] [--before REF] [--after REF]
                          [--places 10] [--tasks 100] [--humaneval-configs 'after,levers off'] [--records]

Writes ``bench/results/local.md`` (``--out-dir``), and with ``--records`` ``local.json``.
Every request has a timeout, and the whole run stops at ``--deadline``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types

from bench.client import REQUEST_TIMEOUT, Server
from bench.common import RESULTS, CpuSample, command, machine, server_source, snapshot
from bench.humaneval import load_tasks, score
from bench.local_explain import explain_section
from bench.local_humaneval import VARIANTS, run_tasks, variant_tasks
from bench.local_report import markdown
from bench.local_typing import open_to_first, places, source, typing_section

MODELS = ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b")
#: The server's levers, each switched off (``model.tuning`` settings section).
LEVERS_OFF: dict[str, Any] = {
    "cacheLayout": False,
    "suffixChars": 0,
    "warm": False,
    "completionsFirst": False,
    "coldTokens": 0,
}
DEFAULT_HUMANEVAL = ("after", "levers off")
SECTIONS = ("open", "typing", "explain", "humaneval")
#: The client announces progress support, so that a running Explain reports it.
CAPABILITIES = types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True))


@dataclass(frozen=True)
class Variant:
    """One lever configuration: its name, the git ref whose server runs, the ``model.tuning`` settings it adds."""

    name: str
    ref: str
    levers: dict[str, Any]


def all_configs(after: str, before: str | None) -> dict[str, Variant]:
    configs = {"after": Variant("after", after, {}), "levers off": Variant("levers off", after, dict(LEVERS_OFF))}
    for lever, off in LEVERS_OFF.items():
        configs[f"no {lever}"] = Variant(f"no {lever}", after, {lever: off})
    configs["cache layout"] = Variant("cache layout", after, {"cacheLayout": True})
    # Without the warm-up, what the KV cache holds at a request does not depend on timing,
    # so two configurations that build the same prompt answer alike.
    configs["cache layout no warm"] = Variant("cache layout no warm", after, {"cacheLayout": True, "warm": False})
    # The cold prompt's cost in accuracy, with what the cache holds independent of timing as above.
    configs["no warm no coldTokens"] = Variant("no warm no coldTokens", after, {"warm": False, "coldTokens": 0})
    for tokens in (128, 192, 256, 512, 640, 768):
        configs[f"coldTokens {tokens}"] = Variant(f"coldTokens {tokens}", after, {"coldTokens": tokens})
        name = f"no warm coldTokens {tokens}"
        configs[name] = Variant(name, after, {"warm": False, "coldTokens": tokens})
    if before is not None:
        configs["before"] = Variant("before", before, {})
    return configs


def names(raw: str) -> list[str]:
    return [n.strip() for n in raw.split(",") if n.strip()]


# -- one server ------------------------------------------------------------------------------------------------------


async def measure(server: Server, model: str, variant: Variant, args: argparse.Namespace, out: dict[str, Any]) -> None:
    """The sections in order on one server; each result lands in ``out`` as soon as it is known."""
    text = source()
    # The other places sit between the typing places: an answer there cannot be served
    # again from the server's cache while typing.
    typing_places, other_places = places(text, args.places, mid_line=args.mid_line), places(text, 10, 0.0)
    steps: list[tuple[str, Any]] = [
        ("open", lambda: open_to_first(server, text, other_places[0])),
        ("typing", lambda: typing_section(server, text, typing_places)),
        ("explain", lambda: explain_section(server, text, other_places[3], other_places[6], other_places[8])),
    ]
    for section, run in steps:
        if section not in args.sections:
            continue
        progress(f"{model} / {variant.name}: {section}")
        cpu = CpuSample.take(server.pid)
        out[section] = await run()
        out["cpu"][section] = cpu.until(CpuSample.take(server.pid))
    if variant.name in args.humaneval_configs and "humaneval" in args.sections:
        out["humaneval_records"] = {}
        for kind in VARIANTS:
            progress(f"{model} / {variant.name}: humaneval {kind}")
            cpu = CpuSample.take(server.pid)
            out["humaneval_records"][kind] = await run_tasks(server, variant_tasks(args.task_list, kind), kind)
            out["cpu"][f"humaneval {kind}"] = cpu.until(CpuSample.take(server.pid))


async def bench_one(model: str, variant: Variant, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"model": model, "config": variant.name, "levers": variant.levers, "cpu": {}}
    args.results["runs"].append(out)
    settings = {"model": {"name": model, "large": args.large, "tuning": variant.levers}}
    server = await Server.start(settings, env, capabilities=CAPABILITIES)
    try:
        await measure(server, model, variant, args, out)
    finally:
        out["memory"] = server.memory()
        out["warnings"] = [m for m in server.logs if m.startswith("[shown]") or "ignored" in m][:10]
        await server.stop()
        out["server_stderr_tail"] = server.stderr[-10:]
    for kind, records in out.get("humaneval_records", {}).items():
        out.setdefault("humaneval", {})[kind] = await asyncio.to_thread(
            score, variant_tasks(args.task_list, kind), records
        )
    return out


async def bench_all(models: list[str], configs: list[Variant], envs: dict[str, dict[str, str]], args: Any) -> None:
    for model in models:
        for variant in configs:
            await bench_one(model, variant, envs[variant.ref], args)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the command -----------------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated embedded model names")
    parser.add_argument("--configs", help="comma-separated configurations (default: all; 'before' needs --before)")
    parser.add_argument("--before", help="git ref whose server code the 'before' configuration runs")
    parser.add_argument("--after", default="HEAD", help="git ref whose server code the other configurations run")
    parser.add_argument("--places", type=int, default=10, help="typing places in textwrap.py")
    parser.add_argument(
        "--mid-line", action="store_true", help="type the deleted part back between code: the line's end stays"
    )
    parser.add_argument("--tasks", type=int, default=100, help="HumanEval tasks (every 10th)")
    parser.add_argument("--large", default="", help="model.large: '' each model alone, 'auto' the cascade")
    parser.add_argument("--humaneval-configs", default=",".join(DEFAULT_HUMANEVAL), help="'' for none")
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help="comma-separated: what to measure (quality alone for a run "
        "on a busy machine: its latencies mean nothing, its pass rates do)",
    )
    parser.add_argument("--deadline", type=float, default=5 * 3600, help="seconds before the run stops itself")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    parser.add_argument("--records", action="store_true", help="also write local.json: every answer")
    args = parser.parse_args()
    known = all_configs(args.after, args.before)
    args.config_list = [known[n] for n in names(args.configs or ",".join(known)) if n in known]
    unknown = [n for n in names(args.configs or "") + names(args.humaneval_configs) if n not in known]
    if unknown:
        parser.error(f"unknown configuration(s) {unknown}; known: {', '.join(known)} ('before' needs --before)")
    args.humaneval_configs = set(names(args.humaneval_configs))
    args.sections = set(names(args.sections))
    if args.sections - set(SECTIONS):
        parser.error(f"unknown section(s); known: {', '.join(SECTIONS)}")
    args.model_list = names(args.models)
    if bad := [m for m in args.model_list if m not in MODELS]:
        parser.error(f"unknown model(s) {', '.join(bad)}; known: {', '.join(MODELS)}")
    if not 1 <= args.places <= 20:
        parser.error("--places must be 1..20")
    return args


def frozen_sources(refs: set[str]) -> tuple[dict[str, Path], dict[str, dict[str, str]]]:
    """A frozen copy of each ref's ``server/codex_ls``, and the environment that imports it."""
    folders = {ref: snapshot(ref) for ref in refs}
    envs = {}
    for ref, folder in folders.items():
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(folder / "server"), *filter(None, [env.get("PYTHONPATH")])])
        envs[ref] = env
    return folders, envs


async def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    args.task_list = load_tasks(args.tasks)
    args.results = results = {
        "command": command(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z", time.gmtime()),
        "machine": machine(),
        "places": args.places,
        "sections": sorted(args.sections),
        "large": args.large,
        "tasks": len(args.task_list),
        "request_timeout_s": REQUEST_TIMEOUT,
        "configs": {v.name: {"ref": v.ref, "levers": v.levers} for v in args.config_list},
        "runs": [],
    }
    folders, envs = frozen_sources({v.ref for v in args.config_list})
    results["sources"] = {ref: server_source(ref, env) for ref, env in envs.items()}
    try:
        await asyncio.wait_for(bench_all(args.model_list, args.config_list, envs, args), args.deadline)
    except TimeoutError:
        results["incomplete"] = f"--deadline {args.deadline:.0f} s reached"
        progress(results["incomplete"])
    finally:
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)
    results["machine"]["loadavg_end"] = os.getloadavg()
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.records:
        (args.out_dir / "local.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    report = markdown(results)
    (args.out_dir / "local.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    asyncio.run(main())
