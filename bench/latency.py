"""Added latency of the server over its backend, and time from cancel to disconnect.

Runs the real server process over stdio against the fake backend on 127.0.0.1:

* overhead: N sequential inline completions; for each, the LSP round trip minus
  the backend's own serve time (request received → last byte sent, as the fake
  records it). What is left is the server: parsing, windowing, HTTP client,
  post-processing and JSON-RPC (the benchmark's own client is in it too). The
  backend keeps connections alive, as real model servers do; the same run is
  repeated with a backend that closes every connection (``Connection: close``),
  where each request also pays a TCP connect.
* cancel: a slow stream is superseded by the next keystroke (or cancelled with
  ``$/cancelRequest``); the time from sending that message to the fake seeing the
  connection close.

    python -m bench.latency [--requests 200] [--cancels 50] [--out bench/results/latency.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from tests.fakes.fake_backend import FakeBackend, Reply

from bench.common import RESULTS, command
from codex_ls.cli.complete import spawn_server

SOURCE = "import math\n\n\ndef area(radius: float) -> float:\n    return \n\n\nprint(area(2.0))\n"
LINE, COLUMN = 4, 11


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 3),
        "p99_ms": round(percentile(values, 99) * 1000, 3),
        "mean_ms": round(statistics.fmean(values) * 1000, 3),
        "max_ms": round(max(values) * 1000, 3),
    }


def params(uri: str, character: int) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
        text_document=types.TextDocumentIdentifier(uri),
        position=types.Position(LINE, character),
    )


async def start_server(fake: FakeBackend) -> LanguageClient:
    client = LanguageClient("bench", "1")
    await spawn_server(client, [], "--log-level", "warning")
    settings = {
        "backend": {
            "kind": "openai",
            "url": fake.openai_url,
            "model": "qwen2.5-coder-1.5b",
            "tuning": {"readTimeout": 10},
        },
    }
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options=settings)
    )
    client.initialized(types.InitializedParams())
    return client


def type_char(client: LanguageClient, uri: str, version: int, character: int, text: str) -> None:
    position = types.Position(LINE, character)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(position, position), text=text)],
        )
    )


async def overhead(
    client: LanguageClient, fake: FakeBackend, count: int, keep_alive: bool, typed: str
) -> dict[str, Any]:
    uri = f"file:///bench/overhead-{'keep-alive' if keep_alive else 'close'}.py"
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, SOURCE)))
    fake.reset()
    fake.keep_alive = keep_alive
    fake.default = Reply(chunks=["math", ".pi", " * radius", " ** 2"])
    added, totals, served = [], [], []
    for i in range(count):
        # A keystroke before each request, as in real typing (the cursor moves on);
        # each run types its own character, so no request is answered from the cache.
        type_char(client, uri, i + 2, COLUMN + i, typed)
        started = time.monotonic()
        result = await client.text_document_inline_completion_async(params(uri, COLUMN + i + 1))
        total = time.monotonic() - started
        record = fake.requests[-1]
        if result is None or not result.items:  # type: ignore[union-attr]
            raise SystemExit(f"request {i} got no completion back")
        # The server may answer from the stream before the fake's thread has noted the
        # end of what it wrote: wait for that note (the round trip is taken already).
        if not await asyncio.to_thread(fake.wait_until_finished, record):
            raise SystemExit(f"request {i}: the fake never finished its answer")
        assert record.finished_at is not None
        serve = record.finished_at - record.received_at
        totals.append(total)
        served.append(serve)
        added.append(total - serve)
    return {
        "added": summary(added),
        "round_trip": summary(totals),
        "backend_serve": summary(served),
        "connections": fake.connections,
    }


async def cancel_latency(client: LanguageClient, fake: FakeBackend, count: int, how: str) -> dict[str, Any]:
    slow = Reply(chunks=["x"] * 200, chunk_delay=0.02)
    fake.keep_alive = True
    delays: list[float] = []
    for i in range(count):
        uri = f"file:///bench/cancel-{how}-{i}.py"
        item = types.TextDocumentItem(uri, "python", 1, SOURCE)
        client.text_document_did_open(types.DidOpenTextDocumentParams(item))
        fake.reset()
        fake.push(slow, Reply(chunks=["y"]))
        msg_id = f"{how}-{i}"
        first = client.protocol.send_request_async(
            types.TEXT_DOCUMENT_INLINE_COMPLETION, params(uri, COLUMN), msg_id=msg_id
        )
        await asyncio.to_thread(fake.wait_for_requests, 1)
        await asyncio.sleep(0.05)  # the stream is flowing
        sent = time.monotonic()
        if how == "cancelRequest":
            client.protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))
        # A new keystroke that the stream ("xxx…") does not predict, and its request:
        # it supersedes the first (or follows its cancel).
        type_char(client, uri, 2, COLUMN, "q")
        second = await client.text_document_inline_completion_async(params(uri, COLUMN + 1))
        if second is None or not second.items:
            raise SystemExit(f"{how} {i}: the request after the cancelled one got nothing")
        record = await asyncio.to_thread(fake.wait_for_disconnect, 0, 5.0)
        await asyncio.gather(first, return_exceptions=True)
        if record.disconnected_at is None:
            raise SystemExit(f"{how} {i}: the backend never saw the superseded stream closed")
        delays.append(record.disconnected_at - sent)
        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    open_streams = fake.active_streams
    return {**summary(delays), "streams_left_open": open_streams}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--cancels", type=int, default=50)
    parser.add_argument("--out", type=Path, default=RESULTS / "latency.json")
    args = parser.parse_args()
    with FakeBackend() as fake:
        client = await start_server(fake)
        try:
            results = {
                "command": command(),
                "machine": f"{platform.machine()}, {platform.python_version()}, {platform.node()}",
                "date": time.strftime("%Y-%m-%d %H:%M"),
                "overhead": await overhead(client, fake, args.requests, keep_alive=True, typed="x"),
                "overhead_connection_close": await overhead(client, fake, args.requests, keep_alive=False, typed="y"),
                "cancel_supersede": await cancel_latency(client, fake, args.cancels, "supersede"),
                "cancel_request": await cancel_latency(client, fake, args.cancels, "cancelRequest"),
            }
            await client.shutdown_async(None)
            client.exit(None)
        except BaseException:
            # The server was told nothing and would never leave, and stop() waits for it.
            if client._server is not None:
                client._server.kill()
            raise
        finally:
            await client.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
