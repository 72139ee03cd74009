"""Load and soak: many documents typed at once, most requests superseded, nothing left behind.

One real server process over stdio against the fake backend (a short first-token
delay, a few chunks). ``--documents`` typists work at once; each types a character
at the end of its line (an incremental ``didChange``) and asks for an inline
completion. With probability ``--superseded`` the next keystroke follows at once,
before the answer, as fast typing does (a tenth of those also send
``$/cancelRequest`` for the request they leave behind); otherwise the typist waits
for the answer. Every request must get a response within 30 s.

Measured: latency of the awaited answers, how requests ended, the server's RSS over
the run and its peak, and at the end, with the server still up and idle: the streams
the fake still has open, requests the fake saw that never ended, the server's
connections to the backend (read from /proc/PID/fd and /proc/PID/net/tcp: none may
be left, since the fake closes every connection after its answer), its other sockets
and its threads against their count after start-up.

    python -m bench.soak [--requests 10000] [--documents 20] [--out bench/results/soak.json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.client import LanguageClient
from tests.fakes.fake_backend import FakeBackend, Reply

from bench.common import RESULTS, command, write_results
from codex_ls.cli.complete import spawn_server

RESPONSE_TIMEOUT = 30.0
BODY = "def handler_{n}(event, context):\n    payload = \n    return payload\n"
LINE, COLUMN = 1, len("    payload = ")
ALPHABET = "abcdefghijklmnopqrstuvwxyz_.("


@dataclass
class Tally:
    sent: int = 0
    answered: int = 0
    with_text: int = 0
    cancelled: int = 0
    errors: int = 0
    missing: int = 0
    awaited_seconds: list[float] = field(default_factory=list)
    rss_kib: list[tuple[int, int]] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)


def proc_status(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                values[key] = int(rest.split()[0])
    return values


#: /proc/net/tcp's state codes.
TCP_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}


@dataclass(frozen=True)
class Socket:
    """One socket a process holds: ``tcp`` with its state and peer, or ``unix`` (a socketpair)."""

    kind: str
    state: str = ""
    local: str = ""
    peer: str = ""
    #: Bytes received and not yet read by the process.
    unread: int = 0

    def __str__(self) -> str:
        if self.kind != "tcp":
            return self.kind
        unread = f" ({self.unread} bytes unread)" if self.unread else ""
        return f"tcp {self.state} {self.local} -> {self.peer}{unread}"


def _address(hex_address: str) -> str:
    host, port = hex_address.split(":")
    if len(host) == 8:
        return f"{'.'.join(str(b) for b in reversed(bytes.fromhex(host)))}:{int(port, 16)}"
    return f"[{host}]:{int(port, 16)}"


def open_sockets(pid: int) -> list[Socket]:
    """The sockets ``pid`` holds, with the state and peer of its TCP ones (from /proc)."""
    inodes: list[str] = []
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.append(target[len("socket:[") : -1])
    tcp: dict[str, Socket] = {}
    unix: set[str] = set()
    with contextlib.suppress(OSError):
        unix = {line.split()[6] for line in Path(f"/proc/{pid}/net/unix").read_text().splitlines()[1:]}
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
                fields = line.split()
                unread = int(fields[4].split(":")[1], 16)
                state = TCP_STATES.get(fields[3], fields[3])
                tcp[fields[9]] = Socket("tcp", state, _address(fields[1]), _address(fields[2]), unread)
    return [tcp.get(inode) or Socket("unix" if inode in unix else "other") for inode in inodes]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else float("nan")


class Typist:
    def __init__(self, client: LanguageClient, n: int, tally: Tally, rng: random.Random, superseded: float) -> None:
        self.client, self.tally, self.rng, self.superseded = client, tally, rng, superseded
        self.uri = f"file:///soak/handler_{n}.py"
        self.version, self.column = 1, COLUMN
        self.pending: list[asyncio.Task[None]] = []
        item = types.TextDocumentItem(self.uri, "python", 1, BODY.format(n=n))
        client.text_document_did_open(types.DidOpenTextDocumentParams(item))

    def type_char(self) -> None:
        self.version += 1
        where = types.Position(LINE, self.column)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(where, where), text=self.rng.choice(ALPHABET)
                    )
                ],
            )
        )
        self.column += 1
        if self.column > 60:  # start the line again, as a user who deletes and retypes
            self.version += 1
            span = types.Range(types.Position(LINE, COLUMN), types.Position(LINE, self.column))
            self.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                    content_changes=[types.TextDocumentContentChangePartial(range=span, text="")],
                )
            )
            self.column = COLUMN

    async def request(self, *, awaited: bool) -> None:
        protocol = self.client.protocol
        msg_id = f"soak-{self.tally.sent}"
        self.tally.sent += 1
        params = types.InlineCompletionParams(
            context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
            text_document=types.TextDocumentIdentifier(self.uri),
            position=types.Position(LINE, self.column),
        )
        started = time.monotonic()
        future = protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=msg_id)
        if not awaited and self.rng.random() < 0.1:
            protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))
        try:
            result = await asyncio.wait_for(future, RESPONSE_TIMEOUT)
        except TimeoutError:
            self.tally.missing += 1
            return
        except JsonRpcException as exc:
            if "cancel" in str(exc).lower() or getattr(exc, "code", None) == -32800:
                self.tally.cancelled += 1
            else:
                self.tally.errors += 1
            return
        self.tally.answered += 1
        if isinstance(result, types.InlineCompletionList) and result.items:
            self.tally.with_text += 1
        if awaited:
            self.tally.awaited_seconds.append(time.monotonic() - started)

    async def run(self, count: int) -> None:
        for _ in range(count):
            self.type_char()
            if self.rng.random() < self.superseded:
                # The next keystroke comes before this answer: leave it to the server to drop.
                self.pending.append(asyncio.ensure_future(self.request(awaited=False)))
                await asyncio.sleep(self.rng.uniform(0.0, 0.01))
            else:
                await self.request(awaited=True)
        await asyncio.gather(*self.pending)

    def close(self) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(self.uri)))


async def soak(requests: int, documents: int, superseded: float = 0.8, seed: int = 7) -> dict[str, Any]:
    """Run the soak; the figures, and the leaks found (an empty list when there are none)."""
    rng = random.Random(seed)
    tally = Tally()
    with FakeBackend() as fake:
        fake.default = Reply(chunks=["payload", "[", "'body'", "]"], first_delay=0.02, chunk_delay=0.003)
        client = LanguageClient("soak", "1")
        await spawn_server(client, [], "--log-level", "error")
        process = client._server
        assert process is not None
        pid = process.pid
        settings = {"backend": {"kind": "openai", "url": fake.openai_url, "model": "qwen2.5-coder-1.5b"}}
        await client.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options=settings)
        )
        client.initialized(types.InitializedParams())
        warm = Typist(client, 999, Tally(), rng, 0.0)
        await warm.run(3)
        warm.close()
        await asyncio.sleep(0.5)
        backend_address = fake.url.removeprefix("http://")
        # Sockets other than connections to the backend (asyncio's self-pipe is a socketpair).
        others = [x for x in open_sockets(pid) if x.peer != backend_address]
        baseline = {"sockets": len(others), "threads": proc_status(pid).get("Threads", 0)}
        typists = [Typist(client, n, tally, rng, superseded) for n in range(documents)]
        share = [requests // documents + (1 if n < requests % documents else 0) for n in range(documents)]
        started = time.monotonic()

        async def sample_rss() -> None:
            while True:
                status = proc_status(pid)
                tally.rss_kib.append((tally.sent, status.get("VmRSS", 0)))
                tally.threads.append(status.get("Threads", 0))
                await asyncio.sleep(0.25)

        sampler = asyncio.ensure_future(sample_rss())
        try:
            await asyncio.gather(*(t.run(n) for t, n in zip(typists, share, strict=True)))
        finally:
            sampler.cancel()
        wall = time.monotonic() - started
        for typist in typists:
            typist.close()
        # Idle now: give the last cancellations a moment to reach the fake and the last
        # connections to close. The fake answers with Connection: close, so with no request
        # in flight every connection to it that the server still holds is a leak: one in
        # CLOSE-WAIT (the fake closed it, the server never did) or still ESTABLISHED.
        settled = time.monotonic()
        while True:
            held = [x for x in open_sockets(pid) if x.peer == backend_address]
            if (fake.active_streams == 0 and not held) or time.monotonic() - settled > 5.0:
                break
            await asyncio.sleep(0.1)
        settle_s = time.monotonic() - settled
        status = proc_status(pid)
        end_sockets = open_sockets(pid)
        others = [x for x in end_sockets if x.peer != backend_address]
        end = {
            "sockets": len(others),
            "threads": status.get("Threads", 0),
            "backend_connections": [str(x) for x in end_sockets if x.peer == backend_address],
            "other_sockets": [str(x) for x in others],
        }
        unfinished = [r for r in fake.requests if not r.completed and r.disconnected_at is None]
        open_streams = fake.active_streams
        backend_requests = len(fake.requests)
        await asyncio.wait_for(client.shutdown_async(None), 10)
        client.exit(None)
        await client.stop()

    rss = [kib for _, kib in tally.rss_kib]
    quarter = max(1, len(rss) // 4)
    first, last = statistics.median(rss[:quarter]), statistics.median(rss[-quarter:])
    leaks = []
    if open_streams:
        leaks.append(f"{open_streams} backend streams still open")
    if unfinished:
        leaks.append(f"{len(unfinished)} backend requests neither finished nor closed")
    if held := end["backend_connections"]:
        leaks.append(f"{len(held)} connections to the backend open with no request in flight: {held}")
    if end["sockets"] > baseline["sockets"]:
        leaks.append(f"other sockets: {baseline['sockets']} after start-up, {end['other_sockets']} at the end")
    # Worker threads (asyncio's default executor) start on demand and stay, up to its bound.
    pool_bound = min(32, (os.cpu_count() or 1) + 4)
    if max(tally.threads, default=0) > baseline["threads"] + pool_bound:
        leaks.append(f"threads grew from {baseline['threads']} to {max(tally.threads)}")
    if tally.missing:
        leaks.append(f"{tally.missing} requests never answered")
    return {
        "requests": tally.sent,
        "documents": documents,
        "superseded_share": superseded,
        "wall_s": round(wall, 1),
        "requests_per_s": round(tally.sent / wall, 1),
        "answered": tally.answered,
        "answered_with_text": tally.with_text,
        "cancelled": tally.cancelled,
        "errors": tally.errors,
        "never_answered": tally.missing,
        "backend_requests": backend_requests,
        "awaited_latency_ms": {
            "n": len(tally.awaited_seconds),
            "p50": round(percentile(tally.awaited_seconds, 50) * 1000, 1),
            "p99": round(percentile(tally.awaited_seconds, 99) * 1000, 1),
            "max": round(max(tally.awaited_seconds, default=float("nan")) * 1000, 1),
        },
        "rss_mib": {
            "first_quarter_median": round(first / 1024, 1),
            "last_quarter_median": round(last / 1024, 1),
            "growth": round((last - first) / 1024, 1),
            "peak_vmhwm": round(status.get("VmHWM", 0) / 1024, 1),
            "samples": len(rss),
            #: (requests sent, MiB), every tenth sample: the shape of the curve.
            "curve": [(sent, round(kib / 1024, 1)) for sent, kib in tally.rss_kib[::10]],
        },
        "baseline": baseline,
        "end": end,
        "threads_max": max(tally.threads, default=0),
        "idle_after_s": round(settle_s, 2),
        "backend_streams_open_at_end": open_streams,
        "backend_requests_unfinished": len(unfinished),
        "leaks": leaks,
    }


def markdown(results: dict[str, Any]) -> str:
    r = results["soak"]
    lat, rss = r["awaited_latency_ms"], r["rss_mib"]
    lines = [
        "# Load and soak",
        "",
        f"`{results['command']}` — {results['date']}.",
        "",
        f"Machine: {results['machine']}. One server process over stdio, the fake backend on 127.0.0.1 "
        "(20 ms to the first chunk, 4 chunks 3 ms apart), default settings.",
        "",
        "| | |",
        "|---|---|",
        f"| requests | {r['requests']} over {r['documents']} documents at once, {r['superseded_share']:.0%} "
        f"superseded by the next keystroke before their answer, {r['wall_s']} s ({r['requests_per_s']}/s) |",
        f"| how they ended | {r['answered']} answered ({r['answered_with_text']} with a suggestion), "
        f"{r['cancelled']} cancelled, {r['errors']} errors, {r['never_answered']} never answered |",
        f"| backend requests | {r['backend_requests']} |",
        f"| latency of the awaited answers | p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms "
        f"({lat['n']} answers) |",
        f"| RSS | median {rss['first_quarter_median']} MiB in the first quarter, {rss['last_quarter_median']} MiB "
        f"in the last (growth {rss['growth']} MiB); peak {rss['peak_vmhwm']} MiB |",
        f"| at the end | backend streams open {r['backend_streams_open_at_end']}, backend requests unfinished "
        f"{r['backend_requests_unfinished']}; connections to the backend still open "
        f"{len(r['end']['backend_connections'])}; other server sockets {r['baseline']['sockets']} after start-up → "
        f"{r['end']['sockets']} at the end; threads "
        f"{r['baseline']['threads']} after start-up, at most {r['threads_max']} during the run, {r['end']['threads']} "
        "at the end (worker threads start on demand and stay) |",
        f"| leaks found | {len(r['leaks'])}{': ' + '; '.join(r['leaks']) if r['leaks'] else ''} |",
    ]
    return "\n".join(lines) + "\n"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--deadline", type=float, default=1800.0)
    parser.add_argument("--out", type=Path, default=RESULTS / "soak.json")
    args = parser.parse_args()
    results = {
        "command": command(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f} at the start",
        "soak": await asyncio.wait_for(soak(args.requests, args.documents), args.deadline),
    }
    write_results(args.out, results, markdown)


if __name__ == "__main__":
    asyncio.run(main())
