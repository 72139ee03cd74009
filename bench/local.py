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

    python bench/local.py [--models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b] [--tasks 100] [--keystrokes 30]
                          [--settings '{"completion": {"contextTokens": 512}}'] [--out-dir bench/results]

Writes ``bench/results/local.json`` and ``bench/results/local.md`` (``--out-dir``).
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
import contextlib
import gzip
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("/work/shared/data/HumanEval-SingleLineInfilling.jsonl.gz")
MODELS = ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b")
REQUEST_TIMEOUT = 60.0


def measured(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` with the server's completion.timeout at the client's own REQUEST_TIMEOUT.

    The benchmarks measure how long the model takes; an editor's default deadline
    (completion.timeout) would turn the slow answers into empty ones.
    """
    completion = {"timeout": REQUEST_TIMEOUT, **settings.get("completion", {})}
    return {**settings, "completion": completion}


TEST_TIMEOUT = 10.0

GENERATION = re.compile(
    r"local generation ended: finish=(?P<finish>\w+), prompt (?P<prompt>\d+) tokens "
    r"\((?P<reused>\d+) reused\) in (?P<prompt_s>[\d.]+)s, (?P<generated>\d+) tokens in (?P<gen_s>[\d.]+)s"
)
LOADED = re.compile(r"loaded (?P<file>\S+) in (?P<seconds>[\d.]+)s")

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


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSample:
    """CPU time (jiffies) of the whole machine and of the server process at one moment."""

    wall: float
    busy: int
    steal: int
    server: int

    @classmethod
    def take(cls, pid: int) -> CpuSample:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        server = 0
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            after = stat[stat.rindex(")") + 2 :].split()
            server = int(after[11]) + int(after[12])  # utime, stime
        return cls(time.perf_counter(), user + nice + system + irq + softirq, steal, server)

    def until(self, end: CpuSample) -> dict[str, float]:
        """Average cores used in between: by the server, by everything (server, this script, others), stolen."""
        wall = max(end.wall - self.wall, 1e-9)
        return {
            "wall_s": round(wall, 1),
            "server_cores": round((end.server - self.server) / CLOCK_TICKS / wall, 2),
            "machine_busy_cores": round((end.busy - self.busy) / CLOCK_TICKS / wall, 2),
            "steal_cores": round((end.steal - self.steal) / CLOCK_TICKS / wall, 2),
        }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def common_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def latency_summary(seconds: list[float]) -> dict[str, Any]:
    if not seconds:
        return {"n": 0}
    return {
        "n": len(seconds),
        "p50_s": round(percentile(seconds, 50), 3),
        "p95_s": round(percentile(seconds, 95), 3),
        "mean_s": round(statistics.fmean(seconds), 3),
        "max_s": round(max(seconds), 3),
    }


@dataclass
class Generation:
    """One ``local generation ended`` log line."""

    finish: str
    prompt: int
    reused: int
    prompt_seconds: float
    generated: int
    generate_seconds: float

    @classmethod
    def parse(cls, message: str) -> Generation | None:
        m = GENERATION.search(message)
        if m is None:
            return None
        return cls(
            finish=m["finish"],
            prompt=int(m["prompt"]),
            reused=int(m["reused"]),
            prompt_seconds=float(m["prompt_s"]),
            generated=int(m["generated"]),
            generate_seconds=float(m["gen_s"]),
        )


def generation_summary(gens: list[Generation]) -> dict[str, Any]:
    if not gens:
        return {"n": 0}
    # The last prompt token is evaluated by the sampling loop, not the prompt pass.
    evaluated = [max(0, g.prompt - g.reused - 1) for g in gens]
    prompt_seconds = sum(g.prompt_seconds for g in gens)
    generate_seconds = sum(g.generate_seconds for g in gens)
    return {
        "n": len(gens),
        "prompt_tokens_p50": percentile([float(g.prompt) for g in gens], 50),
        "reused_tokens_p50": percentile([float(g.reused) for g in gens], 50),
        "reused_tokens_min": min(g.reused for g in gens),
        "reused_tokens_max": max(g.reused for g in gens),
        "evaluated_tokens_p50": percentile([float(e) for e in evaluated], 50),
        "prompt_seconds_p50": round(percentile([g.prompt_seconds for g in gens], 50), 3),
        "prompt_eval_tok_per_s": round(sum(evaluated) / prompt_seconds, 1) if prompt_seconds else None,
        "generated_tokens_p50": percentile([float(g.generated) for g in gens], 50),
        "generation_tok_per_s": round(sum(g.generated for g in gens) / generate_seconds, 1)
        if generate_seconds
        else None,
        "finish": {f: sum(g.finish == f for g in gens) for f in sorted({g.finish for g in gens})},
    }


@dataclass
class Answer:
    text: str | None
    replace: int
    seconds: float
    generation: Generation | None
    error: str | None = None


@dataclass
class Server:
    """One server process and what it said."""

    client: LanguageClient
    pid: int
    spawned: float
    logs: list[str] = field(default_factory=list)
    generations: list[Generation] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    drain: asyncio.Future[None] | None = None
    #: Set when a ``local generation ended`` line arrives.
    logged: asyncio.Event = field(default_factory=asyncio.Event)
    next_id: int = 0
    #: CPU jiffies (server, whole machine, stolen) and wall seconds spent in requests since the last section.
    account: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])

    def cpu_section(self) -> dict[str, float]:
        """Average cores used while this server answered requests since the last call, then reset."""
        server, busy, steal, wall = self.account
        self.account = [0.0, 0.0, 0.0, 0.0]
        wall = max(wall, 1e-9)
        return {
            "wall_s": round(wall, 1),
            "server_cores": round(server / CLOCK_TICKS / wall, 2),
            "machine_busy_cores": round(busy / CLOCK_TICKS / wall, 2),
            "steal_cores": round(steal / CLOCK_TICKS / wall, 2),
        }

    @classmethod
    async def start(cls, settings: dict[str, Any], env: dict[str, str], *args: str) -> Server:
        client = LanguageClient("bench-local", "1")
        spawned = time.perf_counter()
        await client.start_io(sys.executable, "-m", "codex_ls", "--stdio", *args, env=env)
        process = client._server
        assert process is not None
        server = cls(client, process.pid, spawned)

        @client.feature(types.WINDOW_LOG_MESSAGE)  # type: ignore[untyped-decorator]
        def log_message(params: types.LogMessageParams) -> None:
            server.logs.append(params.message)
            if (gen := Generation.parse(params.message)) is not None:
                server.generations.append(gen)
                server.logged.set()

        @client.feature(types.WINDOW_SHOW_MESSAGE)  # type: ignore[untyped-decorator]
        def show_message(params: types.ShowMessageParams) -> None:
            server.logs.append(f"[shown] {params.message}")

        server.drain = asyncio.ensure_future(server._drain())
        await asyncio.wait_for(
            client.initialize_async(
                types.InitializeParams(
                    capabilities=types.ClientCapabilities(),
                    root_uri="file:///bench",
                    initialization_options=measured(settings),
                )
            ),
            REQUEST_TIMEOUT,
        )
        client.initialized(types.InitializedParams())
        return server

    async def _drain(self) -> None:
        """Keep the server's stderr flowing (a full pipe would block it); keep its last lines."""
        process = self.client._server
        stream = process.stderr if process is not None else None
        if stream is None:
            return
        while line := await stream.readline():
            self.stderr.append(line.decode("utf-8", "replace").rstrip())
            del self.stderr[:-50]

    def configure(self, settings: dict[str, Any]) -> None:
        """New settings, as an editor pushes them (``workspace/didChangeConfiguration``, section ``codexLs``).

        The server builds a new engine and backend; the loaded model (and its KV cache) is shared.
        """
        self.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams({"codexLs": measured(settings)})
        )

    def open(self, uri: str, text: str) -> None:
        item = types.TextDocumentItem(uri, "python", 1, text)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(item))

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))

    def change(self, uri: str, version: int, edits: list[tuple[types.Range, str]]) -> None:
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangePartial(range=r, text=t) for r, t in edits],
            )
        )

    async def complete(self, uri: str, position: types.Position, *, manual: bool = False) -> Answer:
        """One inline completion, awaited (60 s at most), with the generation the server logged for it."""
        before = len(self.generations)
        self.logged.clear()
        self.next_id += 1
        msg_id = f"bench-{self.next_id}"
        params = types.InlineCompletionParams(
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Invoked
                if manual
                else types.InlineCompletionTriggerKind.Automatic
            ),
            text_document=types.TextDocumentIdentifier(uri),
            position=position,
        )
        cpu = CpuSample.take(self.pid)
        started = time.perf_counter()
        future = self.client.protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=msg_id)
        try:
            result = await asyncio.wait_for(future, REQUEST_TIMEOUT)
        except TimeoutError:
            self.client.protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))
            return Answer(None, 0, time.perf_counter() - started, None, "timeout")
        seconds = time.perf_counter() - started
        after = CpuSample.take(self.pid)
        for i, delta in enumerate(
            (after.server - cpu.server, after.busy - cpu.busy, after.steal - cpu.steal, after.wall - cpu.wall)
        ):
            self.account[i] += delta
        items = result.items if isinstance(result, types.InlineCompletionList) else result or []
        # The worker logs its statistics once it has released the model, just after the answer.
        # An answer served without a model call (type-through, cache) logs nothing: wait only
        # about as long as a model call that fast could take to log its end.
        if len(self.generations) == before:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.logged.wait(), min(5.0, 1.0 + seconds))
        generation = self.generations[-1] if len(self.generations) > before else None
        if not items:
            return Answer(None, 0, seconds, generation)
        item = items[0]
        text = item.insert_text if isinstance(item.insert_text, str) else item.insert_text.value
        replace = 0
        if item.range is not None and item.range.end != item.range.start:
            if item.range.end.line != item.range.start.line:
                return Answer(text, 0, seconds, generation, "multi-line range")
            replace = item.range.end.character - item.range.start.character  # UTF-16 units
        return Answer(text, replace, seconds, generation)

    def memory(self) -> dict[str, int]:
        """VmHWM / VmRSS / RssAnon / RssFile of the server process, in KiB."""
        wanted = ("VmHWM", "VmRSS", "RssAnon", "RssFile")
        values: dict[str, int] = {}
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                key, _, rest = line.partition(":")
                if key in wanted:
                    values[key + "_kib"] = int(rest.split()[0])
        return values

    async def stop(self) -> None:
        """shutdown + exit; the process is killed (by its pid) if it does not leave within 20 s."""
        client, process = self.client, self.client._server
        try:
            await asyncio.wait_for(client.shutdown_async(None), 20)
            client.exit(None)
        except Exception as exc:  # a wedged server must not wedge the benchmark
            print(f"  shutdown failed: {exc!r}", file=sys.stderr)
        if process is not None:
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                print(f"  server {process.pid} did not exit; killing it", file=sys.stderr)
                process.kill()
                await process.wait()
        await asyncio.wait_for(client.stop(), 20)  # type: ignore[no-untyped-call]
        if self.drain is not None:
            self.drain.cancel()


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


def load_tasks(count: int) -> list[tuple[int, dict[str, Any]]]:
    with gzip.open(DATA, "rt", encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream if line.strip()]
    return [(i, rows[i]) for i in range(0, len(rows), 10)][:count]


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


def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def snapshot(ref: str) -> Path:
    """``server/codex_ls`` as committed in ``ref``, extracted into a new temporary directory."""
    folder = Path(tempfile.mkdtemp(prefix="bench-local-src-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", git("rev-parse", ref), "server/codex_ls"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def server_source(ref: str, env: dict[str, str]) -> dict[str, Any]:
    """Which code the servers will run: the commit, and where ``codex_ls`` is imported from with ``env``."""
    where = subprocess.run(
        [sys.executable, "-c", "import codex_ls; print(codex_ls.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    ).stdout.strip()
    if ref == "installed":
        return {"ref": "installed", "imported_from": where, "head": git("describe", "--always", "--dirty")}
    return {"ref": ref, "commit": git("rev-parse", ref), "imported_from": where}


# -- report ----------------------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if ":" in line]
    keys = [line.split(":", 1)[0].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if ":" in line]
    cpu = next((name for key, name in zip(keys, names, strict=True) if key == "model name"), platform.processor())
    import llama_cpp

    return {
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "python": platform.python_version(),
        "llama_cpp_python": llama_cpp.__version__,
        "loadavg_start": os.getloadavg(),
    }


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
        f"* HumanEval single-line infilling (`{DATA.name}`, MIT): {results['tasks']} tasks, every 10th by file "
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
    parser.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "results")
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
        "command": " ".join(["python bench/local.py", *sys.argv[1:]]),
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
    (args.out_dir / "local.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.out_dir / "local.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


if __name__ == "__main__":
    asyncio.run(main())
