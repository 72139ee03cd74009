"""A team on one engine: N language servers, each typed into by a VS Code-like client, sharing one llama-server.

Each user is a codex-ls process of its own, driven as VS Code drives it (a keystroke
cancels the unanswered request, the next request follows VS Code's 50 ms debounce;
``bench/replay.py``'s client), typing a function body of its own from the standard
library at a fixed pace, with a few wrong keys taken back. All of them complete
against one ``llama-server --parallel P`` serving the embedded 0.5B model. Each
user's server reaches the engine through its own metering relay
(``tests/engines/relay.py``), which reads the engine's account of every request.

Before the typing, each user's server asks once where its typing will start and the
answer is awaited (``--warm-seconds``, 0: not): the engine has then seen each user's
file, as it has where people have been at work for a while, and the typing's figures
are not those of a cold prompt (about 800 tokens here; at the 60 to 80 prompt tokens a
second these shared cores give, 10 s and more). The warm-up's seconds are reported.

Phases (``--phases``):

* ``alone``: user 0 alone, the baseline;
* ``team``: every user at once. Per user: keystrokes with a correct suggestion (a
  non-empty prefix of what is typed next) in time (before the next key), keystrokes
  with any suggestion in time, backend requests per keystroke, latency p50/p90 of the
  answers with a suggestion, engine prompt tokens per request (``timings.prompt_n``:
  all requests, and those after the first at a line), requests left unanswered, and
  the engine's busy slots a second after the typing, and the seconds until none is
  busy once the servers have gone (llama-server drops a cancelled request only when
  the batch it is evaluating ends);
* ``restart``: every user types; the engine is killed (SIGKILL) mid-run and started
  again. Per user: answers while it is down (all should be empty), messages shown,
  seconds from its return to the first request that reaches it, to its first token
  and to the first suggestion, edits the server asked the editor to apply (none:
  completions never touch the text);
* ``failover``: every user has ``fallbackUrls`` to a second engine; the first is
  killed mid-run. Per user: seconds from the kill to the first suggestion, from the
  second engine.

``--layout cache`` runs the servers as they are: for ``openai``, the prompt laid out for
the engine's prompt cache (``backends.http.SERVER_CACHE_LAYOUT``: a head that stays
put, the typed part of the line last, after the FIM middle token, at most 512
characters of suffix); ``llamacpp`` keeps the template's layout (``/infill`` has no
place for the typed part after the middle token). ``--layout plain`` runs them with the
FIM template's own layout for both kinds: the typed character at the end of the prefix,
the window's share of suffix.

    python -m bench.team [--users 8] [--keys 120] [--ms-per-key 120] [--parallel 4]
                         [--kind llamacpp|openai] [--layout plain|cache] [--phases alone,team,restart,failover]
                         [--samples 3] [--warm-seconds 120]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from tests.engines.engines import ALIAS, Engine, llama_server, llama_server_binary, loopback_env, model_file
from tests.engines.relay import Relay

from bench.common import RESULTS, command
from bench.replay import VSCODE_DEBOUNCE, Answered, EditorRequests, Key, Region, keystrokes, regions
from bench.team_figures import summary

#: The servers' Python with the FIM template's own layout for the HTTP backends (``--layout plain``).
PLAIN_LAYOUT = """
import sys
from codex_ls.backends.llamacpp import LlamaCppBackend
from codex_ls.backends.openai import OpenAIBackend
from codex_ls.cli.main import main
OpenAIBackend.cache_layout = LlamaCppBackend.cache_layout = None
sys.exit(main())
"""


@dataclass
class Sent:
    """One inline completion request and its answer."""

    key: int
    at: float
    answered: float | None = None
    items: list[str] | None = None
    error: str | None = None


class Requests(EditorRequests):
    """The VS Code client's requests, every one of them kept with its answer (or error)."""

    def __init__(self, client: LanguageClient, prefix: str) -> None:
        super().__init__(client, cancels=True, debounce=VSCODE_DEBOUNCE, prefix=prefix)
        self.sent: list[Sent] = []
        self.on_send = lambda index, _: self.sent.append(Sent(index, time.monotonic()))

    async def _receive(self, index: int, sent: float, future: asyncio.Future[Any]) -> None:
        record = next(s for s in reversed(self.sent) if s.key == index)
        try:
            answer = await future
        except Exception as exc:  # cancelled by the client, as editors cancel
            record.answered, record.error = time.monotonic(), type(exc).__name__
            return
        record.answered = time.monotonic()
        record.items = [i.insert_text for i in (answer.items if answer else []) if isinstance(i.insert_text, str)]
        self.answers[index] = Answered(record.answered, record.answered - sent, record.items)


@dataclass
class User:
    index: int
    region: Region
    keys: list[Key]
    relays: list[Relay]
    client: LanguageClient = field(default_factory=lambda: LanguageClient("bench-team", "1"))
    shown: list[tuple[float, str]] = field(default_factory=list)
    edits_asked: int = 0
    #: Per keystroke: when it was typed, whether it was a wrong key or a backspace, the truth after it.
    typed: list[tuple[float, bool, str]] = field(default_factory=list)
    requests: Requests | None = None
    stderr: list[str] = field(default_factory=list)
    drain: asyncio.Task[None] | None = None
    #: Seconds the request before the typing took to be answered (``None``: not within the bound, or none made).
    warmed: float | None = None
    #: Requests the relays saw before the typing (the warm-up's), left out of the typing's figures.
    warm_exchanges: int = 0

    async def start(self, settings: dict[str, Any], layout: str) -> None:
        @self.client.feature(types.WINDOW_SHOW_MESSAGE)  # type: ignore[untyped-decorator]
        def show(params: types.ShowMessageParams) -> None:
            self.shown.append((time.monotonic(), params.message))

        @self.client.feature(types.WORKSPACE_APPLY_EDIT)  # type: ignore[untyped-decorator]
        def apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            self.edits_asked += 1
            return types.ApplyWorkspaceEditResult(applied=False, failure_reason="the benchmark applies no edits")

        args = ["-c", PLAIN_LAYOUT] if layout == "plain" else ["-m", "codex_ls"]
        await self.client.start_io(sys.executable, *args, "--stdio", "--log-level", "warning", env=loopback_env())
        self.drain = asyncio.ensure_future(self._drain())
        await self.client.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options=settings)
        )
        self.client.initialized(types.InitializedParams())
        self.requests = Requests(self.client, f"user{self.index}")

    async def _drain(self) -> None:
        process = self.client._server
        while process is not None and process.stderr is not None and (line := await process.stderr.readline()):
            self.stderr = [*self.stderr[-20:], line.decode("utf-8", "replace").rstrip()]

    @property
    def uri(self) -> str:
        return f"file:///team/user{self.index}.py"

    def open(self) -> None:
        item = types.TextDocumentItem(self.uri, "python", 1, self.region.before + self.region.after)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(item))

    async def warm(self, within: float) -> None:
        """One request where the typing will start, answered before the typing (at most ``within`` seconds):
        the engine has seen the file, as it has where a user has been working for a while."""
        started = time.monotonic()
        params = types.InlineCompletionParams(
            context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
            text_document=types.TextDocumentIdentifier(self.uri),
            position=types.Position(self.region.before.count("\n"), 0),
        )
        msg_id = f"user{self.index}-warm"
        future = self.client.protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=msg_id)
        try:
            await asyncio.wait_for(asyncio.shield(future), within)
            self.warmed = round(time.monotonic() - started, 2)
        except TimeoutError:
            self.client.protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))
        self.warm_exchanges = sum(len(relay.exchanges) for relay in self.relays)

    async def type(self, interval: float, start: float) -> None:
        """Type the keys at ``interval`` from ``start``; the answers are read afterwards."""
        assert self.requests is not None
        uri, region = self.uri, self.region
        line, character, typed = region.before.count("\n"), 0, ""
        for index, key in enumerate(self.keys):
            await asyncio.sleep(max(0.0, start + index * interval - time.monotonic()))
            self.requests.cancel_pending()
            if key.backspace:
                edit = types.Range(types.Position(line, character - 1), types.Position(line, character))
                character, typed, text = character - 1, typed[:-1], ""
            else:
                edit = types.Range(types.Position(line, character), types.Position(line, character))
                typed, text = typed + key.text, key.text
                line += key.text.count("\n")
                character = len(key.text.rsplit("\n", 1)[-1]) if "\n" in key.text else character + len(key.text)
            self.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    types.VersionedTextDocumentIdentifier(uri=uri, version=index + 2),
                    [types.TextDocumentContentChangePartial(range=edit, text=text)],
                )
            )
            self.typed.append((time.monotonic(), key.wrong or key.backspace, region.body[len(typed) :]))
            self.requests.schedule(uri, index, types.Position(line, character))
        await asyncio.sleep(max(0.0, start + len(self.keys) * interval - time.monotonic()) + 0.5)
        self.requests.stop()
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))

    async def stop(self) -> dict[str, int]:
        stats: dict[str, int] = {}
        try:
            answer = await asyncio.wait_for(self.client.protocol.send_request_async("codex/stats", None), 10)
            stats = {str(k): int(v) for k, v in answer.completions._asdict().items()}
            await asyncio.wait_for(self.client.shutdown_async(None), 10)
            self.client.exit(None)
        except Exception as exc:
            print(f"  user {self.index}: shutdown failed: {exc!r}", file=sys.stderr)
        process = self.client._server
        if process is not None:
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
        await self.client.stop()  # type: ignore[no-untyped-call]
        if self.drain is not None:
            self.drain.cancel()
        return stats


def settings(user: User, args: argparse.Namespace) -> dict[str, Any]:
    urls = [relay.url + ("/v1" if args.kind == "openai" else "") for relay in user.relays]
    backend: dict[str, Any] = {"kind": args.kind, "url": urls[0], "model": ALIAS}
    if len(urls) > 1:
        backend["fallbackUrls"] = urls[1:]
    # The warm-up's answer may take longer than an editor's deadline, and a request's, on a slow engine.
    completion = {"timeout": max(30.0, args.warm_seconds), "tuning": {"samples": args.samples}}
    backend["tuning"] = {"requestTimeout": max(60.0, args.warm_seconds)}
    return {"backend": backend, "completion": completion}


async def run_phase(
    name: str, engines: list[Engine], users: list[User], args: argparse.Namespace, event: Any = None
) -> dict[str, Any]:
    """Start the users' servers, let them type, run ``event`` (the kill) alongside; their figures."""
    for user in users:
        user.relays = [await Relay(engine.port).start() for engine in engines]
    await asyncio.gather(*(user.start(settings(user, args), args.layout) for user in users))
    for user in users:
        user.open()
    if args.warm_seconds:
        await asyncio.gather(*(user.warm(args.warm_seconds) for user in users))
    start = time.monotonic() + 1.0
    interval = args.ms_per_key / 1000
    happened: dict[str, float] = {}
    # Each user starts a fraction of a keystroke after the previous one: typists are not in step.
    typing = asyncio.gather(*(user.type(interval, start + u * interval / len(users)) for u, user in enumerate(users)))
    if event is not None:
        happened = await event(start, interval)
    await typing
    await asyncio.sleep(1.0)
    unanswered = sum(1 for u in users for s in (u.requests.sent if u.requests else []) if s.answered is None)
    busy = await asyncio.to_thread(engines[0].busy_slots) if engines[0].process is not None else []
    stats = [await user.stop() for user in users]
    for user in users:
        for relay in user.relays:
            await relay.stop()
    return summary(
        name, users, stats, happened, unanswered=unanswered, busy_slots_after=len(busy),
        seconds_until_no_slot_busy=await until_idle(engines[0], 60.0),
    )  # fmt: skip


async def until_idle(engine: Engine, within: float) -> float | None:
    """Seconds until no slot of ``engine`` is busy (it finishes the batch it is in before it drops a
    cancelled request); ``None`` if some still were after ``within``."""
    started = time.monotonic()
    while engine.process is not None and len(await asyncio.to_thread(engine.busy_slots)):
        if time.monotonic() - started > within:
            return None
        await asyncio.sleep(0.1)
    return round(time.monotonic() - started, 1)


def new_users(chosen: list[Region], count: int, keys: int, seed: int) -> list[User]:
    rng = random.Random(seed)
    return [User(i, region, keystrokes(region.body, 0.03, rng)[:keys], []) for i, region in enumerate(chosen[:count])]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--keys", type=int, default=120, help="keystrokes per user and phase (at most)")
    parser.add_argument("--ms-per-key", type=int, default=120)
    parser.add_argument("--parallel", type=int, default=4, help="llama-server's slots")
    parser.add_argument("--ctx-size", type=int, default=8192, help="llama-server's context, shared by its slots")
    parser.add_argument("--kind", choices=["llamacpp", "openai"], default="llamacpp")
    parser.add_argument(
        "--layout", choices=["plain", "cache"], default="cache",
        help="the FIM template's own layout, or the one for the server's prompt cache (codex-ls's)",
    )  # fmt: skip
    parser.add_argument("--phases", default="alone,team,restart,failover")
    parser.add_argument("--down-seconds", type=float, default=3.0, help="how long the engine stays dead")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--samples", type=int, default=3, help="completion.tuning.samples of each user's codex-ls")
    parser.add_argument(
        "--warm-seconds", type=float, default=120.0,
        help="each user's first request, where its typing starts, answered before the typing (0: none)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=RESULTS / "team.json")
    args = parser.parse_args()
    binary, model = llama_server_binary(), model_file()
    if binary is None or model is None:
        raise SystemExit("needs llama-server (make install-engines) and the 0.5B model (codex-ls model install)")
    # Regions with enough to type, one per user, from the standard library (replay's modules).
    chosen = [r for r in regions(40_000) if len(r.body) >= 100][: args.users]
    logs = Path(tempfile.mkdtemp(prefix="bench-team-"))

    def engine(name: str) -> Engine:
        return llama_server(binary, model, logs / f"{name}.log", parallel=args.parallel, ctx_size=args.ctx_size)

    results: list[dict[str, Any]] = []
    with engine("primary") as primary:
        for phase in args.phases.split(","):
            users = new_users(chosen, 1 if phase == "alone" else args.users, args.keys, args.seed)
            if phase in ("alone", "team"):
                results.append(await run_phase(phase, [primary], users, args))
            elif phase == "restart":
                results.append(await run_phase(phase, [primary], users, args, restart_midway(primary, args)))
            elif phase == "failover":
                with engine("second") as second:
                    results.append(await run_phase(phase, [primary, second], users, args, kill_midway(primary, args)))
                await asyncio.to_thread(primary.start)
            print(json.dumps({k: v for k, v in results[-1].items() if k != "users"}), flush=True)
    report = {
        "command": command(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "settings": {**vars(args), "out": str(args.out)},
        "engine_logs": str(logs),
        "phases": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["phases"], indent=1))


def restart_midway(engine: Engine, args: argparse.Namespace) -> Any:
    async def event(start: float, interval: float) -> dict[str, float]:
        await asyncio.sleep(max(0.0, start + args.keys * interval / 3 - time.monotonic()))
        killed = time.monotonic()
        await asyncio.to_thread(engine.stop, signal.SIGKILL)
        await asyncio.sleep(args.down_seconds)
        await asyncio.to_thread(engine.start)
        return {"killed": killed, "back": time.monotonic()}

    return event


def kill_midway(engine: Engine, args: argparse.Namespace) -> Any:
    async def event(start: float, interval: float) -> dict[str, float]:
        await asyncio.sleep(max(0.0, start + args.keys * interval / 3 - time.monotonic()))
        killed = time.monotonic()
        await asyncio.to_thread(engine.stop, signal.SIGKILL)
        return {"killed": killed}

    return event


if __name__ == "__main__":
    asyncio.run(main())
