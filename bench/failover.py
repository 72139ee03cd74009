"""Completion success rate with two backends when one of them is down.

Each scenario runs one real server process over stdio (``backend.kind`` openai,
``backend.url`` the primary, ``backend.fallbackUrls`` the secondary, both fakes on
127.0.0.1 unless the primary is a closed port) and sends N inline completions, each
after a keystroke, with ``completion.tuning.reuse`` and ``debounce`` off so that every
request goes to a backend. A request succeeds when a suggestion comes back.

    python -m bench.failover [--requests 200] [--out bench/results/failover.json]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from tests.fakes.fake_backend import FakeBackend, Reply

from bench.common import RESULTS, write_results
from bench.latency import SOURCE, params, percentile, type_char
from codex_ls.cli.complete import spawn_server

COLUMN = 11
GOOD = Reply(chunks=["math", ".pi", " * radius", " ** 2"])


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


async def run_scenario(
    name: str,
    count: int,
    primary: str | Callable[[FakeBackend], None] | None,
    *,
    fallback: bool = True,
    cooldown: float = 30.0,
    during: Callable[[int, FakeBackend], None] | None = None,
) -> dict[str, Any]:
    """``primary``: a URL (a closed port), or a function that scripts the primary fake."""
    with FakeBackend() as first, FakeBackend() as second:
        first.default = second.default = GOOD
        if callable(primary):
            primary(first)
        url = primary if isinstance(primary, str) else first.openai_url
        backend: dict[str, Any] = {
            "kind": "openai",
            "url": url,
            "model": "qwen2.5-coder-1.5b",
            "tuning": {"readTimeout": 2, "requestTimeout": 10, "maxRetries": 2, "failoverCooldown": cooldown},
        }
        if fallback:
            backend["fallbackUrls"] = [second.openai_url]
        settings = {"backend": backend, "completion": {"tuning": {"reuse": False, "debounce": False}}}
        client = LanguageClient("bench", "1")
        notices: list[str] = []

        @client.feature(types.WINDOW_SHOW_MESSAGE)
        def shown(message: types.ShowMessageParams) -> None:
            notices.append(message.message)

        await spawn_server(client, [], "--log-level", "error")
        try:
            await client.initialize_async(
                types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options=settings)
            )
            client.initialized(types.InitializedParams())
            uri = "file:///bench/failover.py"
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, SOURCE))
            )
            ok, seconds = 0, []
            started_all = time.monotonic()
            for i in range(count):
                if during is not None:
                    during(i, first)
                type_char(client, uri, i + 2, COLUMN + i, "x")
                started = time.monotonic()
                result = await asyncio.wait_for(
                    client.text_document_inline_completion_async(params(uri, COLUMN + i + 1)), 60
                )
                seconds.append(time.monotonic() - started)
                ok += bool(result and result.items)  # type: ignore[union-attr]
            wall = time.monotonic() - started_all
            await client.shutdown_async(None)
            client.exit(None)
        finally:
            await client.stop()
        primary_served = 0 if isinstance(primary, str) else len(first.requests)
        return {
            "scenario": name,
            "requests": count,
            "succeeded": ok,
            "success_rate": round(ok / count, 4),
            "p50_ms": round(percentile(seconds, 50) * 1000, 1),
            "p99_ms": round(percentile(seconds, 99) * 1000, 1),
            "max_ms": round(max(seconds) * 1000, 1),
            "wall_s": round(wall, 1),
            "primary_requests": primary_served,
            "fallback_requests": len(second.requests),
            "notices_shown": len(notices),
        }


def hang(fake: FakeBackend) -> None:
    fake.default = Reply(hang=True)


def errors_500(fake: FakeBackend) -> None:
    fake.default = Reply(status=500)


def dies_halfway(count: int) -> Callable[[int, FakeBackend], None]:
    def during(i: int, fake: FakeBackend) -> None:
        if i == count // 2:
            fake.stop()

    return during


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Failover: completion success rate with one of two backends down",
        "",
        f"`{results['command']}` — {results['date']}, {results['wall_s']} s in all.",
        "",
        f"Machine: {results['machine']}. Each scenario is a new server process over stdio; every request goes "
        "to a backend (`completion.tuning.reuse` and `debounce` off); `backend.tuning`: readTimeout 2 s, "
        "maxRetries 2, failoverCooldown 30 s unless said.",
        "",
        "| scenario | success | p50 | p99 | max | requests to primary / fallback | notices shown |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results["scenarios"]:
        lines.append(
            f"| {r['scenario']} | {r['succeeded']}/{r['requests']} ({r['success_rate']:.0%}) | {r['p50_ms']} ms "
            f"| {r['p99_ms']} ms | {r['max_ms']} ms | {r['primary_requests']} / {r['fallback_requests']} "
            f"| {r['notices_shown']} |"
        )
    return "\n".join(lines) + "\n"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS / "failover.json")
    args = parser.parse_args()
    n = args.requests
    started = time.monotonic()
    scenarios = [
        await run_scenario("both up", n, None),
        await run_scenario("primary refuses connections, no fallback", n, closed_port_url(), fallback=False),
        await run_scenario("primary refuses connections", n, closed_port_url()),
        await run_scenario("primary answers 500", n, errors_500),
        await run_scenario("primary stops halfway through", n, None, during=dies_halfway(n)),
        await run_scenario("primary accepts and never answers", n, hang),
        await run_scenario("primary refuses connections, cooldown 0 s", n, closed_port_url(), cooldown=0.0),
    ]
    results = {
        "command": "python -m bench.failover" + (f" --requests {n}" if n != 200 else ""),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.processor() or platform.machine()}, nproc {os.cpu_count()}, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}",
        "wall_s": round(time.monotonic() - started, 1),
        "scenarios": scenarios,
    }
    write_results(args.out, results, markdown)


if __name__ == "__main__":
    asyncio.run(main())
