"""Typing replay: what a typist sees, and what the backend pays, with the editors' own request habits.

Function bodies of modules from the installed Python standard library (code not
written for this benchmark) are deleted and typed back in at a fixed pace; a line
break brings its indentation with it, as editors auto-indent. Now and then the
typist hits a wrong key and takes it back with a backspace, so some keystrokes
contradict what the model is streaming.

The client behaves as a real editor does (``--modes``):

* ``vscode``: VS Code 1.96 with vscode-languageclient. A keystroke cancels the
  previous request if it is still unanswered (``$/cancelRequest``, sent before the
  ``didChange``), and the next request follows after VS Code's own 50 ms debounce
  (``InlineCompletionsDebounce``), unless another key comes first.
* ``neovim``: the Neovim plugin in ``editors/nvim``. A keystroke cancels the
  request in flight; a request goes out once the plugin's ``debounce_ms`` (read
  from its defaults, or ``--neovim-debounce-ms``) passes without typing.
* ``none``: a request per keystroke at once, never cancelled; the server's
  latest-wins supersedes the older ones.

The backend is the fake server acting as a perfect model: it answers each request
with the file's true continuation from the cursor, cut at the request's first
stop sequence as a real server does (at most 240 characters), at the pace of a
fast server: 60 ms to the first token, then a 4-character chunk every 8 ms, so a
48-character line takes 156 ms. It runs in a process of its own, as a model server
does (``bench/fake_process.py``).

Reported per mode and typing speed, all through the real server process:

* the share of keystrokes after which a correct suggestion (a non-empty prefix of
  the true continuation), answering that keystroke's own request, was on screen
  before the next keystroke; keystrokes that typed a wrong key are not counted;
* backend requests per keystroke;
* streams aborted (the backend saw the client leave), and streams taken over by a
  later request after their own was cancelled or superseded (``codex/stats``);
* from a contradiction to the backend's disconnect, p50/p99: a backspace
  contradicts every stream open at that keystroke; a wrong key contradicts a
  stream that has said something (from the keystroke) or says it later (from its
  first event). The keystroke counts from the write of its ``didChange`` into the
  server's stdin (stamped just before the write, after the message is encoded), the
  disconnect from when the backend's event loop reads the end of the connection;
* backend streams still open 400 ms after the last keystroke of each body, and
  right after its ``didClose``.

    python -m bench.replay [--keystrokes 300] [--modes vscode,neovim,none] [--speeds 60,120,200]
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import inspect
import itertools
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from tests.fakes.fake_backend import RecordedRequest, Reply

from bench.common import RESULTS, ROOT, command
from bench.fake_process import FakeProcess, Record
from codex_ls.cli.complete import spawn_server

MODULES = ["textwrap", "fnmatch", "shlex", "colorsys", "bisect", "heapq"]
FIRST_TOKEN = 0.060
CHUNK_CHARS = 4
CHUNK_DELAY = 0.008
#: The longest answer the oracle gives, in characters (about 70 tokens).
MAX_ANSWER = 240
VSCODE_DEBOUNCE = 0.050
#: VS Code asks for code actions (its light bulb) where the cursor has rested this long
#: (``CodeActionOracle``'s delay), cancelling the previous request if unanswered.
VSCODE_LIGHT_BULB = 0.250
#: What a stream stays open for at most once the typing stops, plus a margin.
SETTLE = 0.400
MODES = ("vscode", "neovim", "none")
WRONG_KEYS = "qzjxkv"


@dataclass
class Region:
    """A function body removed from a module, to be typed back in."""

    before: str
    body: str
    after: str


@dataclass
class Key:
    """One keystroke: ``text`` inserted at the cursor, or a backspace (``text`` empty)."""

    text: str
    #: A wrong key: the document is no longer a prefix of the truth.
    wrong: bool = False

    @property
    def backspace(self) -> bool:
        return not self.text


@dataclass
class Tally:
    keystrokes: int = 0
    counted: int = 0
    correct_visible: int = 0
    latencies: list[float] = field(default_factory=list)
    contradictions: list[float] = field(default_factory=list)
    #: Each contradiction: how it came (backspace, said, says later) and its milliseconds.
    contradiction_kinds: list[tuple[str, float]] = field(default_factory=list)
    open_after_typing: int = 0
    open_after_close: int = 0
    #: Keystrokes without a correct suggestion in time: what was typed, the truth, the answer.
    misses: list[dict[str, Any]] = field(default_factory=list)


def regions(limit: int) -> list[Region]:
    found: list[Region] = []
    for name in MODULES:
        module = __import__(name)
        source = Path(inspect.getfile(module)).read_text()
        lines = source.splitlines(keepends=True)
        for node in ast.parse(source).body:
            if not isinstance(node, ast.FunctionDef) or len(node.body) < 2:
                continue
            first = node.body[0]
            start = (first.end_lineno or first.lineno) if isinstance(first, ast.Expr) else first.lineno - 1
            end = node.end_lineno or node.lineno
            body = "".join(lines[start:end])
            if not 80 <= len(body) <= 600:
                continue
            found.append(Region("".join(lines[:start]), body, "".join(lines[end:])))
            if sum(len(r.body) for r in found) >= limit:
                return found
    return found


def keystrokes(body: str, typo_rate: float, rng: random.Random) -> list[Key]:
    """Keys as typed; a line break brings its indentation; some keys are wrong, then taken back."""
    keys: list[Key] = []
    i = 0
    while i < len(body):
        if body[i] == "\n" or i == 0:
            # The first line's indentation too: the body starts after the line break
            # that ends the signature (or docstring), where editors auto-indent.
            j = i + (body[i] == "\n")
            while j < len(body) and body[j] == " ":
                j += 1
            keys.append(Key(body[i:j]))
            i = j
            continue
        if i and body[i - 1] != "\n" and rng.random() < typo_rate:
            keys += [Key(rng.choice([c for c in WRONG_KEYS if c != body[i]]), wrong=True), Key("")]
        keys.append(Key(body[i]))
        i += 1
    return keys


class Oracle:
    """Answers each request with the true continuation of the region being typed."""

    def __init__(self) -> None:
        self.region: Region | None = None

    def __call__(self, request: RecordedRequest) -> Reply:
        assert self.region is not None
        body = request.body or {}
        prompt = str(body.get("prompt", ""))
        prefix = prompt.split("<|fim_prefix|>", 1)[-1].split("<|fim_suffix|>", 1)[0]
        prefix += prompt.partition("<|fim_middle|>")[2]  # the typed part of the line, laid out last
        full = self.region.before + self.region.body
        tail = prefix[-120:]
        at = full.rfind(tail, len(self.region.before) - len(tail)) if tail else -1
        # After a wrong key the model cannot know the truth: it guesses something else.
        rest = full[at + len(tail) :] if at >= 0 else "pass  # ..."
        finish = "stop"
        stops = [s for s in body.get("stop") or [] if isinstance(s, str) and s]
        cuts = [rest.find(s) for s in stops if s in rest]
        if cuts:
            rest = rest[: min(cuts)]
        elif len(rest) > MAX_ANSWER:
            rest, finish = rest[:MAX_ANSWER], "length"
        pieces = [rest[i : i + CHUNK_CHARS] for i in range(0, len(rest), CHUNK_CHARS)] or [""]
        # A batching server decodes the n choices side by side: the fake writes their
        # chunks one after another, so each of them waits 1/n of a token's time.
        n = body.get("n") if isinstance(body.get("n"), int) and body["n"] > 1 else 1
        return Reply(chunks=pieces, finish_reason=finish, first_delay=FIRST_TOKEN, chunk_delay=CHUNK_DELAY / n)


def neovim_debounce() -> float:
    """The Neovim plugin's default ``debounce_ms``, in seconds."""
    defaults = (ROOT / "editors" / "nvim" / "lua" / "codex" / "init.lua").read_text(encoding="utf-8")
    found = re.search(r"debounce_ms = (\d+)", defaults)
    assert found, "no debounce_ms in the plugin's defaults"
    return int(found.group(1)) / 1000


@dataclass
class Answered:
    """The answer to one keystroke's request: when it came, how long after the request, the items' texts."""

    at: float
    seconds: float
    items: list[str]


class EditorRequests:
    """An editor's inline completion requests while the user types, one keystroke at a time.

    A keystroke first cancels the request still unanswered (``$/cancelRequest``,
    when ``cancels``), before its ``didChange``; its own request follows after
    ``debounce`` unless another keystroke comes first. Answers to cancelled
    requests are ignored, as editors ignore them. With ``light_bulb``, a code action
    request follows where the cursor rested that long, as VS Code's light bulb asks.
    """

    def __init__(
        self,
        client: LanguageClient,
        *,
        cancels: bool,
        debounce: float,
        prefix: str = "replay",
        on_send: Callable[[int, str], None] | None = None,
        light_bulb: float | None = None,
    ) -> None:
        self.client = client
        self.light_bulb = light_bulb
        self.bulb: asyncio.Task[None] | None = None
        self.bulb_pending: tuple[str, asyncio.Future[Any]] | None = None
        self.cancels = cancels
        self.debounce = debounce
        self.prefix = prefix
        #: Called with the keystroke's index and the request id just before a request goes out.
        self.on_send = on_send
        self.ids = itertools.count()
        #: The request in flight: its id and its answer's future.
        self.pending: tuple[str, asyncio.Future[Any]] | None = None
        self.timer: asyncio.Task[None] | None = None
        self.answers: dict[int, Answered] = {}
        self.tasks: list[asyncio.Task[None]] = []

    def cancel_pending(self) -> None:
        if self.cancels and self.pending is not None and not self.pending[1].done():
            self.client.protocol.notify("$/cancelRequest", types.CancelParams(id=self.pending[0]))
        self.pending = None

    def schedule(self, uri: str, index: int, position: types.Position) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer = asyncio.ensure_future(self._request_after(self.debounce, uri, index, position))
        self.rest(uri, position)

    def rest(self, uri: str, position: types.Position) -> None:
        """The cursor was put at ``position`` without an edit: only the light bulb asks, once it rests."""
        if self.light_bulb is not None:
            if self.bulb is not None:
                self.bulb.cancel()
            self.bulb = asyncio.ensure_future(self._code_actions_after(self.light_bulb, uri, position))

    def stop(self) -> None:
        """The typing is over: no request waits any more, and the one in flight is cancelled."""
        self.cancel_pending()
        if self.timer is not None:
            self.timer.cancel()
        if self.bulb is not None:
            self.bulb.cancel()

    async def _code_actions_after(self, delay: float, uri: str, position: types.Position) -> None:
        await asyncio.sleep(delay)
        if self.bulb_pending is not None and not self.bulb_pending[1].done():
            self.client.protocol.notify("$/cancelRequest", types.CancelParams(id=self.bulb_pending[0]))
        msg_id = f"{self.prefix}-bulb-{next(self.ids)}"
        params = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=types.Range(position, position),
            context=types.CodeActionContext(diagnostics=[], trigger_kind=types.CodeActionTriggerKind.Automatic),
        )
        future = self.client.protocol.send_request_async(types.TEXT_DOCUMENT_CODE_ACTION, params, msg_id=msg_id)
        future.add_done_callback(lambda f: f.cancelled() or f.exception())  # the answer is not read
        self.bulb_pending = (msg_id, future)

    async def settle(self) -> dict[int, Answered]:
        """Wait for the answers still being received; return them all and forget them."""
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()
        answers, self.answers = self.answers, {}
        return answers

    async def _request_after(self, delay: float, uri: str, index: int, position: types.Position) -> None:
        if delay:
            await asyncio.sleep(delay)
        msg_id = f"{self.prefix}-{next(self.ids)}"
        params = types.InlineCompletionParams(
            context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
            text_document=types.TextDocumentIdentifier(uri),
            position=position,
        )
        if self.on_send is not None:
            self.on_send(index, msg_id)
        sent = time.monotonic()
        future = self.client.protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=msg_id)
        self.pending = (msg_id, future)
        self.tasks.append(asyncio.ensure_future(self._receive(index, sent, future)))

    async def _receive(self, index: int, sent: float, future: asyncio.Future[Any]) -> None:
        try:
            answer = await future
        except Exception:
            return  # cancelled: the editor ignores the answer
        items = [i.insert_text for i in (answer.items if answer else []) if isinstance(i.insert_text, str)]
        now = time.monotonic()
        self.answers[index] = Answered(now, now - sent, items)


class WriteStamp:
    """Stands between the client's protocol and the server's stdin: ``at`` is when the
    last message's bytes were handed to the pipe (stamped just before the write)."""

    def __init__(self, client: LanguageClient) -> None:
        writer = client.protocol.writer
        assert writer is not None, "the client is not connected"
        self._writer = writer
        self.at = 0.0
        client.protocol.writer = self

    def write(self, data: bytes) -> Any:
        self.at = time.monotonic()
        return self._writer.write(data)

    def close(self) -> Any:
        return self._writer.close()


class Typist:
    """Types one region into the server as the chosen editor would, and keeps the score."""

    def __init__(
        self,
        client: LanguageClient,
        stamp: WriteStamp,
        mode: str,
        interval: float,
        fake: FakeProcess,
        tally: Tally,
        debounce: float,
    ) -> None:
        self.client = client
        self.stamp = stamp
        self.interval = interval
        self.fake = fake
        self.tally = tally
        bulb = VSCODE_LIGHT_BULB if mode == "vscode" else None
        self.requests = EditorRequests(client, cancels=mode != "none", debounce=debounce, light_bulb=bulb)
        self.tasks: list[asyncio.Task[None]] = []

    async def type_region(self, region: Region, uri: str, keys: list[Key]) -> None:
        text = region.before + region.after
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
        )
        line, character = region.before.count("\n"), 0
        typed = ""
        start = time.monotonic() + 0.2
        for index, key in enumerate(keys):
            await asyncio.sleep(max(0.0, start + index * self.interval - time.monotonic()))
            self.requests.cancel_pending()
            open_streams = self._streaming()
            line, character, typed = self._edit(uri, index + 2, line, character, typed, key)
            arrived = self.stamp.at  # the didChange's bytes went into the server's pipe
            if key.wrong or key.backspace:
                watch = self._watch_contradiction(open_streams, arrived, key.backspace)
                self.tasks.append(asyncio.ensure_future(watch))
            self.requests.schedule(uri, index, types.Position(line, character))
            await asyncio.sleep(max(0.0, start + (index + 1) * self.interval - time.monotonic()))
            self.tally.keystrokes += 1
            if not key.wrong:
                self.tally.counted += 1
                answered = self.requests.answers.get(index)
                truth = region.body[len(typed) :]
                if answered and answered.items and answered.items[0] and truth.startswith(answered.items[0]):
                    self.tally.correct_visible += 1
                else:
                    shown = answered.items[:1] if answered else None
                    self.tally.misses.append({"typed": typed[-30:], "truth": truth[:30], "answer": shown})
        await asyncio.sleep(SETTLE)
        self.tally.open_after_typing += self.fake.active_streams
        self.requests.stop()
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
        await asyncio.sleep(0.05)
        self.tally.open_after_close += self.fake.active_streams
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()
        answers = await self.requests.settle()
        self.tally.latencies += [a.seconds for a in answers.values() if a.items]

    def _edit(self, uri: str, version: int, line: int, character: int, typed: str, key: Key) -> tuple[int, int, str]:
        if key.backspace:
            span = types.Range(types.Position(line, character - 1), types.Position(line, character))
            change = types.TextDocumentContentChangePartial(range=span, text="")
            character, typed = character - 1, typed[:-1]
        else:
            at = types.Position(line, character)
            change = types.TextDocumentContentChangePartial(range=types.Range(at, at), text=key.text)
            typed += key.text
            if "\n" in key.text:
                line += key.text.count("\n")
                character = len(key.text.rsplit("\n", 1)[-1])
            else:
                character += len(key.text.encode("utf-16-le")) // 2
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[change],
            )
        )
        return line, character, typed

    def _streaming(self) -> list[Record]:
        return [r for r in self.fake.requests if r.finished_at is None]

    async def _watch_contradiction(self, streams: list[Record], arrived: float, backspace: bool) -> None:
        """Time from the contradiction to the disconnect of the streams open at a wrong key or a backspace.

        A backspace contradicts any stream at once; a wrong key contradicts what a
        stream has said (at the key) or says later (at its first event).
        """
        for open_stream in streams:
            stream = await asyncio.to_thread(self.fake.finished, open_stream, 2.0)
            if stream.disconnected_at is None:
                continue  # it ended by itself
            said = stream.first_event_at
            if backspace:
                kind, since = "backspace", arrived
            elif said is not None and said <= stream.disconnected_at:
                kind, since = ("said" if said <= arrived else "says later"), max(arrived, said)
            else:
                continue
            self.tally.contradictions.append(stream.disconnected_at - since)
            self.tally.contradiction_kinds.append((kind, round((stream.disconnected_at - since) * 1000, 2)))


def percentile_ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000, 1)


async def run(
    mode: str, interval: float, chosen: list[Region], typo_rate: float, seed: int, debounce: float
) -> dict[str, Any]:
    oracle = Oracle()
    rng = random.Random(seed)
    with FakeProcess(oracle) as fake:
        client = LanguageClient("replay", "1")
        drain = await spawn_server(client, [], "--log-level", "warning")
        stamp = WriteStamp(client)
        settings = {"backend": {"kind": "openai", "url": fake.openai_url, "model": "qwen2.5-coder-1.5b"}}
        await client.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options=settings)
        )
        client.initialized(types.InitializedParams())
        tally = Tally()
        stats: dict[str, int] = {}
        try:
            for n, region in enumerate(chosen):
                fake.set("region", region)
                typist = Typist(client, stamp, mode, interval, fake, tally, debounce)
                await typist.type_region(region, f"file:///replay/{n}.py", keystrokes(region.body, typo_rate, rng))
            stats = await completion_stats(client)
            await client.shutdown_async(None)
            client.exit(None)
        finally:
            await client.stop()
            drain.cancel()
        requests = list(fake.requests)
    aborted = sum(1 for r in requests if r.disconnected_at is not None)
    return {
        "mode": mode,
        "ms_per_key": round(interval * 1000),
        "client_debounce_ms": round(debounce * 1000),
        "keystrokes": tally.keystrokes,
        "wrong_keys": tally.keystrokes - tally.counted,
        "correct_suggestion_visible_share": round(tally.correct_visible / max(tally.counted, 1), 3),
        "backend_requests_per_keystroke": round(len(requests) / max(tally.keystrokes, 1), 3),
        "streams_aborted": aborted,
        "streams_adopted_after_cancel": stats.get("adopted_after_cancel"),
        "contradiction_to_disconnect_p50_ms": percentile_ms(tally.contradictions, 50),
        "contradiction_to_disconnect_p99_ms": percentile_ms(tally.contradictions, 99),
        "contradictions_measured": len(tally.contradictions),
        "contradictions_ms": sorted(tally.contradiction_kinds, key=lambda k: k[1]),
        "streams_open_after_typing_stopped": tally.open_after_typing,
        "streams_open_after_did_close": tally.open_after_close,
        "latency_p50_ms": percentile_ms(tally.latencies, 50),
        "latency_p99_ms": percentile_ms(tally.latencies, 99),
        "server_counts": stats,
        "misses": tally.misses,
    }


async def completion_stats(client: LanguageClient) -> dict[str, int]:
    """``codex/stats``: how the server answered its completion requests so far (empty if it cannot say)."""
    return await stats_answer(client.protocol.send_request_async("codex/stats", None))


async def stats_answer(future: asyncio.Future[Any]) -> dict[str, int]:
    """The counts of a ``codex/stats`` request already sent (empty if the server has no such method)."""
    try:
        answer = await asyncio.wait_for(future, 5)
    except Exception:
        return {}  # a server without codex/stats (before it existed)
    return {str(k): int(v) for k, v in answer.completions._asdict().items()}


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| client (its debounce) | ms/key | correct suggestion in time | backend requests/key | streams aborted"
        " | adopted after cancel | contradiction → disconnect p50 / p99 ms | open after typing / after close |"
    )
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        lines.append(
            f"| {r['mode']} ({r['client_debounce_ms']} ms) | {r['ms_per_key']}"
            f" | {r['correct_suggestion_visible_share']:.0%}"
            f" | {r['backend_requests_per_keystroke']:.3f} | {r['streams_aborted']}"
            f" | {r['streams_adopted_after_cancel']}"
            f" | {r['contradiction_to_disconnect_p50_ms']} / {r['contradiction_to_disconnect_p99_ms']}"
            f" ({r['contradictions_measured']})"
            f" | {r['streams_open_after_typing_stopped']} / {r['streams_open_after_did_close']} |"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keystrokes", type=int, default=300, help="about this many characters of code typed")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--speeds", default="60,120,200", help="milliseconds per key")
    parser.add_argument("--typos", type=float, default=0.03, help="share of keys typed wrong, then taken back")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--neovim-debounce-ms", type=int, help="instead of the plugin's default")
    parser.add_argument("--misses", action="store_true", help="record each keystroke without a correct suggestion")
    parser.add_argument("--out", type=Path, default=RESULTS / "replay.json")
    args = parser.parse_args()
    chosen = regions(args.keystrokes)
    nvim = args.neovim_debounce_ms / 1000 if args.neovim_debounce_ms is not None else neovim_debounce()
    debounces = {"vscode": VSCODE_DEBOUNCE, "neovim": nvim, "none": 0.0}
    rows = []
    for mode in args.modes.split(","):
        for ms in (int(s) for s in args.speeds.split(",")):
            row = await run(mode, ms / 1000, chosen, args.typos, args.seed, debounces[mode])
            print(json.dumps({k: v for k, v in row.items() if k not in ("server_counts", "misses")}), flush=True)
            if not args.misses:
                del row["misses"]
            rows.append(row)
    report = {
        "command": command(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "modules": MODULES,
        "regions": len(chosen),
        "model_first_token_ms": FIRST_TOKEN * 1000,
        "model_chars_per_chunk": CHUNK_CHARS,
        "model_ms_between_chunks": CHUNK_DELAY * 1000,
        "typo_rate": args.typos,
        "results": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(table(rows))


if __name__ == "__main__":
    asyncio.run(main())
