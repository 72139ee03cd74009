"""A backend that accepts the connection and never answers, with the default settings.

One real server process over stdio; its only setting is the backend's URL, a fake on
127.0.0.1 that reads each request and never sends a byte back. At once it is asked
for an inline completion (bounded by ``completion.timeout``, 30 s) and for an
explanation (``codex/explain``; a code action, bounded by ``backend.tuning.requestTimeout``,
60 s). Measured: how long each takes to be answered, and how many requests reached
the backend. Takes about a minute.

    python -m bench.hang [--out bench/results/hang.json]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.client import LanguageClient
from tests.fakes.fake_backend import FakeBackend, Reply

from bench.common import RESULTS, ROOT, command, write_results
from codex_ls.cli.complete import spawn_server

SOURCE = "def area(r):\n    return \n"
#: Longer than anything the server may take; a request still open then is a hang.
GIVE_UP = 150.0


async def timed(request: Any) -> dict[str, Any]:
    started = time.monotonic()
    try:
        result = await asyncio.wait_for(request, GIVE_UP)
        outcome = "answered" if result is not None else "answered null"
    except JsonRpcException as exc:
        outcome = f"error: {exc}"
    except TimeoutError:
        outcome = f"no answer in {GIVE_UP:g} s"
    return {"seconds": round(time.monotonic() - started, 2), "outcome": outcome}


async def measure() -> dict[str, Any]:
    with FakeBackend() as fake:
        fake.default = Reply(hang=True)
        client = LanguageClient("bench-hang", "1")
        messages: list[str] = []

        @client.feature(types.WINDOW_SHOW_MESSAGE)  # type: ignore[untyped-decorator]
        def show(params: types.ShowMessageParams) -> None:
            messages.append(params.message)

        @client.feature("codex/status")  # type: ignore[untyped-decorator]
        def status(params: Any) -> None:
            pass

        await spawn_server(client, [], "--log-level", "error")
        settings = {"backend": {"kind": "openai", "url": fake.openai_url}}
        await client.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options=settings)
        )
        client.initialized(types.InitializedParams())
        uri = "file:///bench/hang.py"
        client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, SOURCE)))
        where = types.Position(1, len("    return "))
        inline = client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
                text_document=types.TextDocumentIdentifier(uri),
                position=where,
            )
        )
        point = {"line": where.line, "character": where.character}
        explain = client.protocol.send_request_async(
            "codex/explain", {"textDocument": {"uri": uri}, "range": {"start": point, "end": point}}
        )
        completion, explanation = await asyncio.gather(timed(inline), timed(explain))
        await asyncio.sleep(0.5)  # messages may trail the answers
        paths = [r.path for r in fake.requests]
        await asyncio.wait_for(client.shutdown_async(None), 10)
        client.exit(None)
        await client.stop()  # type: ignore[no-untyped-call]
    return {
        "inline_completion": completion | {"backend_requests": paths.count("/v1/completions")},
        "explain": explanation | {"backend_requests": paths.count("/v1/chat/completions")},
        "messages": messages,
    }


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def markdown(results: dict[str, Any]) -> str:
    r = results["hang"]
    rows = [
        ("inline completion (`completion.timeout` 30 s)", r["inline_completion"]),
        ("`codex/explain` (`backend.tuning.requestTimeout` 60 s)", r["explain"]),
    ]
    lines = [
        "# A backend that never answers, default settings",
        "",
        f"`{results['command']}` — {results['date']}, {results['machine']}, server code at `{results['commit']}`.",
        "",
        "| request | answered after | how | requests that reached the backend |",
        "|---|---|---|---|",
        *(f"| {name} | {x['seconds']} s | {x['outcome']} | {x['backend_requests']} |" for name, x in rows),
        "",
        "Messages shown: " + ("; ".join(f"“{m}”" for m in r["messages"]) or "none") + ".",
    ]
    return "\n".join(lines) + "\n"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=RESULTS / "hang.json")
    args = parser.parse_args()
    results = {
        "command": command(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, nproc {os.cpu_count()}, Python {platform.python_version()}",
        "commit": commit(),
        "hang": await measure(),
    }
    write_results(args.out, results, markdown)


if __name__ == "__main__":
    asyncio.run(main())
