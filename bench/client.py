"""One real server process driven as an editor drives it, and what it logged about each model call."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from bench.common import CLOCK_TICKS, CpuSample, percentile, utf16_len

REQUEST_TIMEOUT = 60.0

GENERATION = re.compile(
    r"local generation ended: finish=(?P<finish>\w+), prompt (?P<prompt>\d+) tokens "
    r"\((?P<reused>\d+) reused\) in (?P<prompt_s>[\d.]+)s, (?P<generated>\d+) tokens in (?P<gen_s>[\d.]+)s"
    r"(?P<cold>, cold prompt)?(?:; (?P<model>\S+))?"
)
LOADED = re.compile(r"loaded (?P<file>\S+) in (?P<seconds>[\d.]+)s")


def measured(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` with the server's completion.timeout at the client's own REQUEST_TIMEOUT.

    The benchmarks measure how long the model takes; an editor's default deadline
    (completion.timeout) would turn the slow answers into empty ones.
    """
    completion = {"timeout": REQUEST_TIMEOUT, **settings.get("completion", {})}
    return {**settings, "completion": completion}


@dataclass
class Generation:
    """One ``local generation ended`` log line."""

    finish: str
    prompt: int
    reused: int
    prompt_seconds: float
    generated: int
    generate_seconds: float
    #: Answered from the cold prompt.
    cold: bool = False
    #: The model's file name (servers before it was logged: "").
    model: str = ""

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
            cold=bool(m["cold"]),
            model=m["model"] or "",
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
    #: ``$/progress`` messages (``time.monotonic()``, message), when the client announced progress support.
    progress: list[tuple[float, str]] = field(default_factory=list)
    #: Partial results (``time.monotonic()``, text): ``$/progress`` values ``{markdown}`` of ``codex/explain``.
    partials: list[tuple[float, str]] = field(default_factory=list)

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
    async def start(
        cls,
        settings: dict[str, Any],
        env: dict[str, str],
        *args: str,
        capabilities: types.ClientCapabilities | None = None,
        workspace: Path | None = None,
    ) -> Server:
        """A new server process, initialized; ``capabilities`` are the client's (none by default),
        ``workspace`` its workspace folder (by default none, and a root URI that is no folder)."""
        client = LanguageClient("bench-local", "1")
        spawned = time.perf_counter()
        # A session of its own: a server stopped by ``suspend`` would otherwise be sent SIGHUP (and
        # die) when the shell that started the benchmark exits and leaves its process group orphaned.
        await client.start_io(sys.executable, "-m", "codex_ls", "--stdio", *args, env=env, start_new_session=True)
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

        @client.feature("codex/status")  # type: ignore[untyped-decorator]
        def status(params: Any) -> None:
            return None  # the action's busy/idle state: the benchmarks read $/progress instead

        @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)  # type: ignore[untyped-decorator]
        def create_progress(params: types.WorkDoneProgressCreateParams) -> None:
            return None

        @client.feature(types.PROGRESS)  # type: ignore[untyped-decorator]
        def progress(params: types.ProgressParams) -> None:
            value = params.value
            markdown = value.get("markdown") if isinstance(value, dict) else getattr(value, "markdown", None)
            if isinstance(markdown, str):
                server.partials.append((time.monotonic(), markdown))
                return
            message = value.get("message") if isinstance(value, dict) else getattr(value, "message", None)
            kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
            server.progress.append((time.monotonic(), f"{kind}: {message or ''}"))

        server.drain = asyncio.ensure_future(server._drain())
        await asyncio.wait_for(
            client.initialize_async(
                types.InitializeParams(
                    capabilities=capabilities or types.ClientCapabilities(),
                    root_uri=workspace.as_uri() if workspace else "file:///bench",
                    workspace_folders=[types.WorkspaceFolder(workspace.as_uri(), workspace.name)]
                    if workspace
                    else None,
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

    def suspend(self) -> None:
        """Stop the process (SIGSTOP) while another server is measured: a user runs one server, and
        this one's background work (warming a model) would otherwise take the cores it is measured on."""
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        try:
            os.kill(self.pid, signal.SIGCONT)
        except ProcessLookupError:
            raise RuntimeError(f"server {self.pid} is gone; its last words:\n" + "\n".join(self.stderr[-20:])) from None

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


def position(text: str, offset: int) -> types.Position:
    """The LSP position of the character ``offset`` of ``text``."""
    before = text[:offset]
    return types.Position(before.count("\n"), utf16_len(before.rsplit("\n", 1)[-1]))


#: Suggestions taken at most, Tab after Tab; the seconds a user reads each one first.
MAX_TABS = 24
READ = 0.5


async def take_suggestions(server: Server, uri: str, prefix: str, suffix: str, answer: Answer) -> tuple[str, int, int]:
    """Suggestions taken Tab after Tab from ``answer`` on, as a user takes a block the server shows
    line by line while the model writes it: VS Code asks again after each Tab. What was inserted
    in all, how many characters after the cursor it replaced, and how many suggestions were
    taken (at most ``MAX_TABS``, each read ``READ`` seconds first). The document is
    ``prefix + suffix`` at version 1, the cursor between them."""
    inserted, replaced, tabs = "", 0, 0
    while answer.text and not answer.error and tabs < MAX_TABS:
        document = prefix + inserted + suffix[replaced:]
        at = len(prefix) + len(inserted)
        edit = types.Range(position(document, at), position(document, at + answer.replace))
        await asyncio.sleep(READ)
        tabs += 1
        server.change(uri, tabs + 1, [(edit, answer.text)])
        inserted, replaced = inserted + answer.text, replaced + answer.replace
        document = prefix + inserted + suffix[replaced:]
        answer = await server.complete(uri, position(document, len(prefix) + len(inserted)))
    return inserted, replaced, tabs


def prompt_speed(server: Server) -> float | None:
    """Prompt tokens evaluated (not reused) per second of prompt evaluation, over the whole run."""
    evaluated = sum(g.prompt - g.reused for g in server.generations)
    seconds = sum(g.prompt_seconds for g in server.generations)
    return round(evaluated / seconds, 1) if seconds else None


def record_speed(server: Server, folder: Path, **row: Any) -> float | None:
    """The run's :func:`prompt_speed`, printed and appended with ``row`` to ``folder/speeds.jsonl``."""
    speed = prompt_speed(server)
    print(f"prompt tokens/s: {speed}", file=sys.stderr, flush=True)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with (folder / "speeds.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps({**row, "prompt_tokens_per_s": speed, "at": stamp}) + "\n")
    return speed
