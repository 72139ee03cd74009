"""The embedded local backend (llama.cpp in-process) measured through the real server over stdio.

For each embedded model, one ``python -m codex_ls --stdio`` process (backend kind
``local``, ``initializationOptions = {"model": {"name": MODEL}}``) is driven by a
pygls ``LanguageClient``, as an editor would drive it. The servers run side by side
and the models take turns request by request (the order flipped every step), so
that on this shared machine both meet the same background load:

1. cold start: process spawn → first ``textDocument/inlineCompletion`` answer on a
   realistic 2.4 KB Python module (cursor on a line being typed in a function body).
   Includes interpreter start, imports, model load (mmap) and the first full prompt.
2. warm typing: in the same process, characters are typed one at a time at the end
   of a line in a function body (incremental ``didChange``), each followed by an
   inline completion request awaited before the next keystroke; p50/p95 latency.
   Run (c) with the default settings: what a user sees, where keystrokes that type
   through the shown suggestion are answered without a model call. Runs (a) and (b)
   switch that off (``completion.reuse: false``) so that every keystroke is a model
   call. Run (a) as is: the KV cache keeps the evaluated prompt prefix. Run (b) with KV
   reuse defeated: the same keystrokes, but before each request the document's
   first line (a comment, the first line of the prompt because the whole file fits
   the context window) is replaced by a different one, so the prompt differs right
   after ``<|fim_prefix|>`` and nothing past that marker can be reused. Prompt/reused
   tokens and prompt-eval / generation speeds come from the server's
   ``window/logMessage`` lines ``local generation ended: ...``.
3. peak RSS: ``VmHWM`` of the server process (``/proc/<pid>/status``) before shutdown.
4. HumanEval single-line infilling on a fixed subset (every 10th task in file order:
   indices 0, 10, …, 990 → 100 tasks): a new document ``prompt + suffix`` per task,
   completion requested at the end of the prompt, the first item applied (its range
   replaces that many characters of the suffix), then ``test`` + ``check(entry_point)``
   run in a subprocess (10 s timeout) once the server has shut down. The held-out span
   is a whole line (it ends in a line break) while a single-line suggestion never
   contains one, so two pass rates are reported: ``pass@1`` (the standard protocol:
   the suggestion is the line, a line break is appended) and ``pass@1 as inserted``
   (the text exactly as an editor would insert it).

    python -m bench.local [--models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b] [--tasks 100] [--keystrokes 30]
                          [--settings '{"completion": {"contextTokens": 512}}'] [--out-dir bench/results]

Writes ``bench/results/local.md`` (``--out-dir``), and with ``--records`` ``local.json``,
every answer and every task.
The machine is shared, so each section also records how many cores the server and
the whole machine used (``/proc/stat``, ``/proc/<pid>/stat``): a server getting well
under 2 cores means someone else was running. Both models take about 25 minutes on
2 cores.
Every request has a 60 s timeout and the whole run a deadline (``--deadline``), so it
always stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from lsprotocol import types

from bench.client import LOADED, REQUEST_TIMEOUT, Answer, Server, generation_summary
from bench.common import (
    RESULTS,
    CpuSample,
    command,
    common_prefix,
    latency_summary,
    machine,
    server_source,
    snapshot,
    utf16_len,
)
from bench.humaneval import TASKS, load_tasks, score

MODELS = ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b")


#: The realistic file: a small module, the cursor on ``CURSOR`` in a function body.
SOURCE = '''\
"""Word statistics for plain-text corpora.

Reads text files, splits them into words and reports frequencies, lengths
and the vocabulary shared between documents.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

WORD = re.compile(r"[A-Za-z']+")
STOPWORDS = frozenset({"a", "an", "and", "the", "of", "to", "in", "is", "it", "that"})


@dataclass
class Document:
    name: str
    text: str
    tags: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return WORD.findall(self.text)


def load(path: Path) -> Document:
    """Read one document; its name is the file name without the extension."""
    return Document(name=path.stem, text=path.read_text(encoding="utf-8"))


def load_all(folder: Path, pattern: str = "*.txt") -> list[Document]:
    return [load(path) for path in sorted(folder.glob(pattern))]


def normalise(word: str) -> str:
    return word.strip(string.punctuation).lower()


def word_counts(doc: Document, skip_stopwords: bool = True) -> Counter[str]:
    """How often each (lower-cased) word occurs in ``doc``, digits left out."""
    words = [normalise(w) for w in doc.words]
    CURSOR
    if skip_stopwords:
        for word in STOPWORDS:
            counts.pop(word, None)
    return counts


def top_words(doc: Document, n: int = 10) -> list[tuple[str, int]]:
    return word_counts(doc).most_common(n)


def average_length(doc: Document) -> float:
    words = doc.words
    if not words:
        return 0.0
    return sum(len(w) for w in words) / len(words)


def shared_vocabulary(docs: list[Document]) -> set[str]:
    """Words that occur in every document."""
    if not docs:
        return set()
    vocab = set(word_counts(docs[0]))
    for doc in docs[1:]:
        vocab &= set(word_counts(doc))
    return vocab


def report(docs: list[Document]) -> str:
    lines = []
    for doc in docs:
        common = ", ".join(f"{w} ({c})" for w, c in top_words(doc, 5))
        lines.append(f"{doc.name}: {len(doc.words)} words, avg {average_length(doc):.1f}, top: {common}")
    shared = sorted(shared_vocabulary(docs))
    lines.append(f"shared by all: {', '.join(shared[:20]) or '-'}")
    return "\\n".join(lines)


if __name__ == "__main__":
    import sys

    print(report(load_all(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("."))))
'''
#: What is typed at the cursor, one character per keystroke.
TYPED = "counts = Counter(w for w in words if w and not w.isdigit())"
#: First line of the typing documents; run (b) replaces it before every request.
HEADER = "# rev 000000000000"
#: A typing suggestion is useful when at least this many of its characters are what the user goes on to type.
USEFUL_CHARS = 8


# -- the realistic file ------------------------------------------------------------------------------------------


def typing_document() -> tuple[str, types.Position]:
    """The realistic file with an empty (indented) line at the cursor, and the cursor's position."""
    text = HEADER + "\n" + SOURCE
    before = text[: text.index("CURSOR")]
    text = text.replace("CURSOR", "")
    line = before.count("\n")
    return text, types.Position(line, utf16_len(before.rsplit("\n", 1)[-1]))


async def cold_start(server: Server) -> dict[str, Any]:
    """Spawn → first answer, on the realistic file with the first character of the line typed."""
    text, cursor = typing_document()
    lines = text.split("\n")
    lines[cursor.line] += TYPED[0]
    uri = "file:///bench/cold.py"
    server.open(uri, "\n".join(lines))
    answer = await server.complete(uri, types.Position(cursor.line, cursor.character + 1))
    spawn_to_answer = time.perf_counter() - server.spawned
    server.close(uri)
    load = next((m for m in server.logs if LOADED.search(m)), None)
    return {
        "spawn_to_first_answer_s": round(spawn_to_answer, 3),
        "request_s": round(answer.seconds, 3),
        "model_load_s": float(m["seconds"]) if load and (m := LOADED.search(load)) else None,
        "suggestion": answer.text,
        "error": answer.error,
        "generation": asdict(answer.generation) if answer.generation else None,
        "file_chars": len(text),
    }


def ordered(servers: list[tuple[str, Server]], step: int) -> list[tuple[str, Server]]:
    """The servers in turn, the order flipped every step, so that neither model always goes first."""
    return servers if step % 2 == 0 else servers[::-1]


async def typing(
    servers: list[tuple[str, Server]], keystrokes: int, defeat_reuse: bool, name: str, how: str
) -> dict[str, dict[str, Any]]:
    """Type ``keystrokes`` characters of TYPED into each server's copy of the file, keystroke by keystroke in turn."""
    text, cursor = typing_document()
    uri = f"file:///bench/typing-{name}.py"
    answers: dict[str, list[Answer]] = {model: [] for model, _ in servers}
    for _, server in servers:
        server.open(uri, text)
    for i in range(keystrokes):
        for model, server in ordered(servers, i):
            at = types.Position(cursor.line, cursor.character + i)
            edits = [(types.Range(at, at), TYPED[i])]
            if defeat_reuse:
                # A different first line every time, same length: the prompt changes right after <|fim_prefix|>.
                header = f"# rev {os.urandom(6).hex()}"
                edits.append((types.Range(types.Position(0, 0), types.Position(0, utf16_len(HEADER))), header))
            server.change(uri, i + 2, edits)
            answers[model].append(await server.complete(uri, types.Position(cursor.line, cursor.character + i + 1)))
    for _, server in servers:
        server.close(uri)
    return {
        model: {**typing_summary(answers[model], keystrokes, how), "cpu": server.cpu_section()}
        for model, server in servers
    }


def typing_summary(answers: list[Answer], keystrokes: int, how: str) -> dict[str, Any]:
    gens = [a.generation for a in answers if a.generation is not None]
    model = [a.seconds for a in answers if a.generation is not None and a.error is None]
    other = [a.seconds for a in answers if a.generation is None and a.error is None]
    # How much of each suggestion is what the user goes on to type; "useful" saves at least a word.
    agree = [common_prefix(a.text or "", TYPED[i + 1 :]) for i, a in enumerate(answers)]
    useful = [i for i, n in enumerate(agree) if n >= USEFUL_CHARS or (n and n == len(TYPED) - i - 1)]
    return {
        "how": how,
        "typed": TYPED[:keystrokes],
        "latency": latency_summary([a.seconds for a in answers if a.error is None]),
        "model_calls": len(model),
        "latency_model_calls": latency_summary(model),
        "latency_without_model": latency_summary(other),
        "latencies_s": [round(a.seconds, 3) for a in answers],
        "errors": sum(a.error is not None for a in answers),
        "empty": sum(not a.text for a in answers),
        "suggestions": [a.text for a in answers],
        "generation": generation_summary(gens),
        "reused_per_request": [a.generation.reused if a.generation else None for a in answers],
        "agreeing_chars_per_request": agree,
        "useful": len(useful),
        "first_useful_keystroke": useful[0] + 1 if useful else None,
        "first_useful_latency_s": round(answers[useful[0]].seconds, 3) if useful else None,
        "first_useful_typing_s": round(sum(a.seconds for a in answers[: useful[0] + 1]), 3) if useful else None,
    }


# -- HumanEval ------------------------------------------------------------------------------------------------------


async def humaneval(
    servers: list[tuple[str, Server]], tasks: list[tuple[int, dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """Each task on each server in turn: a new document, one completion at the end of the prompt."""
    records: dict[str, list[dict[str, Any]]] = {model: [] for model, _ in servers}
    previous: str | None = None
    for n, (index, task) in enumerate(tasks):
        prefix, suffix = task["prompt"], task["suffix"]
        uri = f"file:///bench/humaneval/{n:03d}.py"
        cursor = types.Position(prefix.count("\n"), utf16_len(prefix.rsplit("\n", 1)[-1]))
        for model, server in ordered(servers, n):
            if previous is not None:
                server.close(previous)
            server.open(uri, prefix + suffix)
            answer = await server.complete(uri, cursor)
            records[model].append(
                {
                    "index": index,
                    "task_id": task["task_id"],
                    "completion": answer.text,
                    "replace_utf16": answer.replace,
                    "seconds": round(answer.seconds, 3),
                    "error": answer.error,
                    "prompt_tokens": answer.generation.prompt if answer.generation else None,
                    "reused_tokens": answer.generation.reused if answer.generation else None,
                }
            )
        previous = uri
        if (n + 1) % 10 == 0:
            print(f"  humaneval {n + 1}/{len(tasks)}", file=sys.stderr, flush=True)
    if previous is not None:
        for _, server in servers:
            server.close(previous)
    return records


# -- one model -------------------------------------------------------------------------------------------------------


def page_cache_resident(model: str) -> str | None:
    """How much of the model file sits in the page cache before the server starts (``fincore``)."""
    from codex_ls.models.assembly import cached_path

    path = cached_path(model)
    if shutil.which("fincore") is None or not path.is_file():
        return None
    done = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--output", "RES,SIZE", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    parts = done.stdout.split()
    if len(parts) != 2:
        return None
    return f"{int(parts[0]) / int(parts[1]):.0%} of {int(parts[1]) / 2**20:.0f} MiB"


async def bench_all(
    models: list[str],
    keystrokes: int,
    tasks: list[tuple[int, dict[str, Any]]],
    extra: dict[str, Any],
    env: dict[str, str],
    out: list[dict[str, Any]],
) -> None:
    """All the measurements, one server per model, the models interleaved request by request.

    On a shared machine the load changes from minute to minute; interleaving makes both models
    meet the same load, so that their figures can be compared. Results go to ``out``.
    """
    results = {model: {"model": model, "cpu": {}} for model in models}
    servers: list[tuple[str, Server]] = []

    def settings_for(model: str, **completion: Any) -> dict[str, Any]:
        settings = {**extra, "model": {**extra.get("model", {}), "name": model}}
        if completion:
            settings["completion"] = {**settings.get("completion", {}), **completion}
        return settings

    def section(name: str, by_model: dict[str, dict[str, Any]]) -> None:
        for model, server in servers:
            result = by_model[model]
            results[model]["cpu"][name] = result.pop("cpu", None) or server.cpu_section()
            results[model][name] = result

    try:
        for model in models:
            # Each cold start alone: the other servers are idle meanwhile.
            print(f"{model}: cold start", file=sys.stderr, flush=True)
            results[model]["page_cache_before_start"] = page_cache_resident(model)
            machine_before = CpuSample.take(-1)
            server = await Server.start(settings_for(model), env)
            servers.append((model, server))
            results[model]["cold_start"] = await cold_start(server)
            results[model]["cpu"]["cold_start"] = machine_before.until(CpuSample.take(server.pid))
            server.cpu_section()
            results[model]["memory_after_cold_start"] = server.memory()
            print(f"  {results[model]['cold_start']['spawn_to_first_answer_s']} s", file=sys.stderr, flush=True)
        print("typing", file=sys.stderr, flush=True)
        section(
            "typing_default",
            await typing(
                servers, keystrokes, False, "default", "default settings: type-through, cache, in-flight reuse"
            ),
        )
        # (a) and (b) measure the model call on every keystroke: the server's answers without one are off.
        for model, server in servers:
            server.configure(settings_for(model, reuse=False))
        section(
            "typing_kv_reuse",
            await typing(
                servers, keystrokes, False, "kv", "completion.reuse off (a model call per keystroke); KV prefix reuse"
            ),
        )
        section(
            "typing_no_reuse",
            await typing(
                servers,
                keystrokes,
                True,
                "nokv",
                "completion.reuse off; first line replaced by '# rev <12 random hex digits>' in the same didChange "
                "as each keystroke, so the KV cache holds nothing past '<|fim_prefix|># rev'",
            ),
        )
        for model, server in servers:
            server.configure(settings_for(model))
        print("humaneval", file=sys.stderr, flush=True)
        records = await humaneval(servers, tasks)
        for model, server in servers:
            results[model]["cpu"]["humaneval"] = server.cpu_section()
            results[model]["memory"] = server.memory()
            results[model]["warnings"] = [m for m in server.logs if m.startswith("[shown]") or "failed" in m][:20]
    finally:
        for model, server in servers:
            await server.stop()
            results[model]["server_stderr_tail"] = server.stderr[-10:]
    print("running the tests", file=sys.stderr, flush=True)
    for model in models:
        results[model]["humaneval"] = await asyncio.to_thread(score, tasks, records[model])
        results[model]["humaneval_records"] = records[model]
        out.append(results[model])


# -- the code under test ---------------------------------------------------------------------------------------------


# -- report ----------------------------------------------------------------------------------------------------------


def _fmt(value: Any, unit: str = "") -> str:
    return "-" if value is None else f"{value}{unit}"


TYPING_RUNS = (
    ("typing_default", "(c) default settings"),
    ("typing_kv_reuse", "(a) model call per key, KV reuse"),
    ("typing_no_reuse", "(b) model call per key, no KV reuse"),
)


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    source = results["source"]
    code = source.get("commit") or f"the installed package ({source.get('head')})"
    out = [
        "# Local backend (llama.cpp in-process) benchmark",
        "",
        f"`{results['command']}` — {results['date']}, {results['total_seconds']:.0f} s in all.",
        "",
        f"Machine: {m['cpu']}, nproc {m['nproc']}, Python {m['python']}, llama-cpp-python {m['llama_cpp_python']}; "
        f"load average {m['loadavg_start'][0]:.2f} at the start, {m['loadavg_end'][0]:.2f} at the end. "
        "The machine is shared: the 'cores used' rows show how much of the 2 cores the server got "
        "(the rest of 'whole machine' is other work); compare figures within one run.",
        "",
        f"Server code: `server/codex_ls` at commit `{code}`, run from a frozen copy (`git archive`). Everything "
        "goes through the real server process over stdio (`python -m codex_ls --stdio`, initializationOptions "
        '`{"model": {"name": MODEL}}`, default settings otherwise), one process per model; the local backend '
        "runs llama.cpp with as many threads as cores (2). The servers run side by side and, after each cold "
        "start (measured alone), the models take turns request by request (the order flipped every step), so "
        "both meet the same background load; 'cores used' is measured over each server's own requests."
        + (f" Extra settings: `{json.dumps(results['settings'])}`." if results["settings"] else ""),
        "",
        "| | " + " | ".join(r["model"] for r in results["models"]) + " |",
        "|---|" + "---|" * len(results["models"]),
    ]

    def row(label: str, get: Any) -> None:
        cells = []
        for r in results["models"]:
            try:
                cells.append(str(get(r)))
            except (KeyError, TypeError, ValueError):
                cells.append("-")
        out.append(f"| {label} | " + " | ".join(cells) + " |")

    def lat(summary: dict[str, Any]) -> str:
        return f"{summary['p50_s']:.2f} / {summary['p95_s']:.2f} s" if summary.get("n") else "-"

    row("**cold start**: spawn → first answer", lambda r: f"**{r['cold_start']['spawn_to_first_answer_s']:.2f} s**")
    row("… model load (in the first request)", lambda r: _fmt(r["cold_start"]["model_load_s"], " s"))
    row("… the first request", lambda r: f"{r['cold_start']['request_s']:.2f} s")
    row("… model file in page cache before the spawn", lambda r: _fmt(r["page_cache_before_start"]))
    for key, label in TYPING_RUNS:
        row(f"**typing {label}**: latency p50 / p95", lambda r, k=key: f"**{lat(r[k]['latency'])}**")
        if key == "typing_default":
            row(
                "… answers that needed a model call; their p50 / p95",
                lambda r, k=key: f"{r[k]['model_calls']} of {r[k]['latency']['n']}; {lat(r[k]['latency_model_calls'])}",
            )
        else:
            row(
                "… prompt / reused / evaluated tokens (p50)",
                lambda r, k=key: (
                    f"{r[k]['generation']['prompt_tokens_p50']:.0f} / {r[k]['generation']['reused_tokens_p50']:.0f}"
                    f" / {r[k]['generation']['evaluated_tokens_p50']:.0f}"
                ),
            )
            row(
                "… prompt eval / generation speed",
                lambda r, k=key: (
                    f"{r[k]['generation']['prompt_eval_tok_per_s']} / {r[k]['generation']['generation_tok_per_s']} "
                    f"tok/s ({r[k]['generation']['generated_tokens_p50']:.0f} tokens generated p50)"
                ),
            )
        row(
            f"… useful suggestions (>= {USEFUL_CHARS} chars right) / empty; first useful at key",
            lambda r, k=key: (
                f"{r[k]['useful']} / {r[k]['empty']} of {r[k]['latency']['n']}; {_fmt(r[k]['first_useful_keystroke'])}"
            ),
        )
    row("**peak RSS** (VmHWM)", lambda r: f"**{r['memory']['VmHWM_kib'] / 1024:.0f} MiB**")
    row(
        "… RSS anon / file-backed at the end",
        lambda r: f"{r['memory']['RssAnon_kib'] / 1024:.0f} / {r['memory']['RssFile_kib'] / 1024:.0f} MiB",
    )
    row("**HumanEval-SL pass@1** (line break appended)", lambda r: f"**{r['humaneval']['pass_at_1']:.2f}**")
    row("… pass@1 as inserted", lambda r: f"{r['humaneval']['pass_at_1_as_inserted']:.2f}")
    row("… exact match", lambda r: f"{r['humaneval']['exact_match']:.2f}")
    row("… empty suggestions", lambda r: f"{r['humaneval']['empty']} of {r['humaneval']['tasks']}")
    row("… latency p50 / p95", lambda r: lat(r["humaneval"]["latency"]))
    row("… prompt tokens p50", lambda r: _fmt(r["humaneval"]["prompt_tokens_p50"]))
    for key, label in (("cold_start", "cold start"), *TYPING_RUNS, ("humaneval", "HumanEval")):
        row(
            f"cores used during {label.split(',')[0]}: server / whole machine / stolen",
            lambda r, k=key: (
                f"{r['cpu'][k]['server_cores']:.2f} / {r['cpu'][k]['machine_busy_cores']:.2f} / "
                f"{r['cpu'][k]['steal_cores']:.2f}"
            ),
        )
    out += [
        "",
        f"**Incomplete run: {results['incomplete']}**\n" if "incomplete" in results else "",
        "## How",
        "",
        f"* Realistic file: a {len(typing_document()[0])}-character module (word statistics), small enough that "
        "the whole file is the prompt window (1024 tokens x 3.5 = 3584 characters by default). Cold start: the "
        "document is opened with the first character of a new line in a function body typed, and one inline "
        "completion is requested there.",
        f"* Typing: {results['keystrokes']} keystrokes of `{TYPED[: results['keystrokes']]}` at the end of that "
        "line, one incremental didChange each, every inline completion awaited before the next keystroke. "
        "(c) default settings: what a user sees; the server answers a keystroke that types through the shown "
        "suggestion (or repeats a cached window) without a model call. (a) and (b) set `completion.reuse: false` "
        "(workspace/didChangeConfiguration; the loaded model and its KV cache stay) so that every keystroke is a "
        "model call. (a): the local backend keeps the evaluated prompt in the KV cache and re-evaluates from the "
        "first changed token, which is at the cursor: everything after it (the suffix and the FIM markers) is "
        "evaluated again on every keystroke. (b) KV reuse defeated: the same keystrokes, and in the same "
        "didChange the file's first line (the first line of the prompt) is replaced by "
        "`# rev <12 random hex digits>`, so the prompt differs right after `<|fim_prefix|># rev` and only those "
        "few tokens are reused (the reused column shows it).",
        "* Keystroke 1 of each run repeats the cold-start request's prompt, so in (a) and (c) it is answered "
        "from a full KV cache.",
        "* Token counts and speeds come from the server's `local generation ended` log lines (window/logMessage): "
        "prompt eval = evaluated tokens / prompt seconds, generation = generated tokens / generation seconds, "
        "summed over the run. A single-line request ends at the first line break; the generated count includes "
        "the tokens the worker produced before it saw the stop flag.",
        f"* Useful typing suggestion: at least {USEFUL_CHARS} of its first characters are what the user goes on "
        "to type (or all of the rest of the line).",
        f"* HumanEval single-line infilling (`{TASKS.name}`, MIT): {results['tasks']} tasks, every 10th by file "
        "order (indices 0, 10, 20, …). One server per model for all tasks; each task is a new document "
        "`prompt + suffix` (didOpen with a new URI, didClose of the previous), the cursor at the end of "
        "`prompt`; the first item is applied (its range replaces that many characters of the suffix) and "
        "`test` + `check(entry_point)` run in a subprocess with a 10 s timeout, after the server has shut down. "
        "The held-out span is a whole line including its line break, and the cursor sits at column 0 of the "
        "following line; a single-line suggestion never ends in a line break, so **pass@1 appends one** (the "
        "usual single-line infilling protocol) and **pass@1 as inserted** uses the text exactly as an editor "
        "would insert it (it then runs into the next line). Exact match: "
        "`completion.strip() == canonical_solution.strip()`.",
        "* Peak RSS: VmHWM of the server process just before shutdown (after HumanEval). File-backed RSS is the "
        "mmapped model; anonymous RSS is the KV cache, compute buffers and any weights llama.cpp repacked.",
        "",
        "## Default model",
        "",
        results.get("recommendation", "(no recommendation: fewer than two models were run)"),
        "",
    ]
    return "\n".join(out)


#: Time from keystroke to suggestion above which ghost text lags the typing (a typist does 3-6 keys a second).
INTERACTIVE_S = 1.0


def recommend(models: list[dict[str, Any]]) -> str | None:
    """The default-model advice, from the figures: time to a suggestion while typing first, correctness second."""
    by_name = {r["model"]: r for r in models}
    small, large = by_name.get(MODELS[0]), by_name.get(MODELS[1])
    if small is None or large is None:
        return None

    def p50(r: dict[str, Any], *path: str) -> float:
        value: Any = r
        for key in path:
            value = value[key]
        return float(value["p50_s"]) if value.get("n") else float("nan")

    ask_s, ask_l = p50(small, "typing_kv_reuse", "latency"), p50(large, "typing_kv_reuse", "latency")
    seen_s, seen_l = p50(small, "typing_default", "latency"), p50(large, "typing_default", "latency")
    s_pass, l_pass = small["humaneval"]["pass_at_1"], large["humaneval"]["pass_at_1"]
    s_def, l_def = small["typing_default"], large["typing_default"]
    slower = ask_l / ask_s
    figures = (
        f"* A model call while typing (run (a), p50): {ask_s:.2f} s with {MODELS[0]}, {ask_l:.2f} s with "
        f"{MODELS[1]} ({slower:.1f}x).\n"
        f"* What the user sees with the default settings (run (c), p50 over all keystrokes): {seen_s:.2f} s vs "
        f"{seen_l:.2f} s; {s_def['model_calls']} vs {l_def['model_calls']} of {s_def['latency']['n']} keystrokes "
        f"needed the model (p50 {p50(small, 'typing_default', 'latency_model_calls'):.2f} s vs "
        f"{p50(large, 'typing_default', 'latency_model_calls'):.2f} s when they did); useful suggestions "
        f"{s_def['useful']} vs {l_def['useful']}.\n"
        f"* HumanEval single-line pass@1: {s_pass:.2f} vs {l_pass:.2f} (exact match "
        f"{small['humaneval']['exact_match']:.2f} vs {large['humaneval']['exact_match']:.2f}; p50 "
        f"{p50(small, 'humaneval', 'latency'):.2f} s vs {p50(large, 'humaneval', 'latency'):.2f} s per suggestion).\n"
        f"* Cold start {small['cold_start']['spawn_to_first_answer_s']:.1f} s vs "
        f"{large['cold_start']['spawn_to_first_answer_s']:.1f} s; peak RSS {small['memory']['VmHWM_kib'] / 1024:.0f} "
        f"vs {large['memory']['VmHWM_kib'] / 1024:.0f} MiB."
    )
    gain = l_pass - s_pass
    if gain > 0 and (ask_l <= INTERACTIVE_S or slower <= 1.25):
        verdict = (
            f"Make **{MODELS[1]}** the default: it is right more often ({gain:+.2f} pass@1) and a model call "
            f"while typing is {'interactive' if ask_l <= INTERACTIVE_S else 'about as fast as with the small model'}."
        )
    else:
        verdict = (
            f"Keep **{MODELS[0]}** as the default on a {len(os.sched_getaffinity(0))}-core machine. "
            f"{MODELS[1]} is right more often ({gain:+.2f} pass@1), but every time the typing leaves the shown "
            f"suggestion the user waits for a model call, and that takes {slower:.1f}x as long ({ask_l:.1f} s "
            f"against {ask_s:.1f} s at the median): the suggestion arrives after several more keystrokes, when it "
            f"is already stale. Offer {MODELS[1]} as the opt-in for machines with more cores and for invoked "
            "(manual) completion, where a slower but better answer is wanted."
        )
    if ask_s > INTERACTIVE_S:
        gen = small["typing_kv_reuse"]["generation"]
        verdict += (
            f" Even {MODELS[0]} takes more than {INTERACTIVE_S:.0f} s per model call here: with KV reuse it still "
            f"evaluates {gen['evaluated_tokens_p50']:.0f} of {gen['prompt_tokens_p50']:.0f} prompt tokens per "
            "keystroke (everything after the cursor), so bounding the suffix for the local backend would help "
            "either model more than the choice between them."
        )
    return figures + "\n\n" + verdict


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated embedded model names")
    parser.add_argument("--tasks", type=int, default=100, help="HumanEval tasks (every 10th, 0..104)")
    parser.add_argument("--keystrokes", type=int, default=30, help=f"characters typed (at most {len(TYPED)})")
    parser.add_argument("--deadline", type=float, default=50 * 60, help="seconds before the run is abandoned")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    parser.add_argument("--records", action="store_true", help="also write local.json: every answer, every task")
    parser.add_argument("--settings", default="{}", help="more initializationOptions as JSON (default: none)")
    parser.add_argument(
        "--source",
        default="HEAD",
        help="git commit whose server/codex_ls the servers run (a frozen copy, so that edits made to the "
        "work tree during the run cannot reach them), or 'installed' for whatever the venv imports",
    )
    args = parser.parse_args()
    if not 1 <= args.keystrokes <= len(TYPED):
        parser.error(f"--keystrokes must be 1..{len(TYPED)}")
    settings = json.loads(args.settings)
    if not isinstance(settings, dict):
        parser.error("--settings must be a JSON object")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    started = time.perf_counter()
    results: dict[str, Any] = {
        "command": command(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "keystrokes": args.keystrokes,
        "tasks": args.tasks,
        "request_timeout_s": REQUEST_TIMEOUT,
        "settings": settings,
        "models": [],
    }
    tasks = load_tasks(args.tasks)
    results["tasks"] = len(tasks)
    source = None if args.source == "installed" else snapshot(args.source)
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source / "server"), *filter(None, [env.get("PYTHONPATH")])])
    results["source"] = server_source(args.source, env)
    print(f"server code: {results['source']}", file=sys.stderr, flush=True)

    try:
        await asyncio.wait_for(
            bench_all(models, args.keystrokes, tasks, settings, env, results["models"]), args.deadline
        )
    except TimeoutError:
        results["incomplete"] = f"--deadline {args.deadline:.0f} s reached"
        print(results["incomplete"], file=sys.stderr)
    finally:
        if source is not None:
            shutil.rmtree(source, ignore_errors=True)
    results["machine"]["loadavg_end"] = os.getloadavg()
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    if (advice := recommend(results["models"])) is not None:
        results["recommendation"] = advice
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.records:
        (args.out_dir / "local.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.out_dir / "local.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


if __name__ == "__main__":
    asyncio.run(main())
