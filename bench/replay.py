"""Typing replay: what the engine saves and shows while someone types real code.

Function bodies of modules from the installed Python standard library (code not
written for this benchmark) are deleted and typed back in, one character every
60 ms (the indentation after a line break arrives at once, as editors
auto-indent). After every keystroke one inline completion request is sent without
waiting for the previous one, as VS Code does. The backend is the fake server
acting as a perfect model with a local model's pace: it streams the file's true
continuation from the cursor, after a first-token delay, in 4-character pieces.

Reported per configuration: backend requests per 100 keystrokes; the share of
keystrokes after which a correct suggestion (a non-empty prefix of the true
continuation) was on screen before the next keystroke; latency p50/p95 of the
requests that got a suggestion. Configurations switch the engine's features
off one at a time, in one run, so they are compared on the same machine state.

    python bench/replay.py [--keystrokes 400] [--out bench/results/replay.json]
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import inspect
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.fake_backend import FakeBackend, RecordedRequest, Reply  # noqa: E402

from codex_ls.cli.complete import spawn_server  # noqa: E402

MODULES = ["textwrap", "fnmatch", "shlex", "colorsys", "bisect", "heapq"]
KEY_INTERVAL = 0.060
FIRST_TOKEN = 0.150
PER_CHUNK = 0.010

CONFIGS = {
    "all features": {"reuse": True, "debounce": True},
    "no reuse (type-through, cache, stream reuse)": {"reuse": False, "debounce": True},
    "no reuse, no debounce": {"reuse": False, "debounce": False},
}


@dataclass
class Region:
    """A function body removed from a module, to be typed back in."""

    before: str
    body: str
    after: str


@dataclass
class Replay:
    keystrokes: int = 0
    correct_visible: int = 0
    latencies: list[float] = field(default_factory=list)


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


def keystrokes(body: str) -> list[str]:
    """Characters as typed; a line break brings its indentation with it (auto-indent)."""
    keys: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\n":
            j = i + 1
            while j < len(body) and body[j] == " ":
                j += 1
            keys.append(body[i:j])
            i = j
        else:
            keys.append(body[i])
            i += 1
    return keys


class Oracle:
    """Answers each request with the true continuation of the region being typed."""

    def __init__(self) -> None:
        self.region: Region | None = None

    def __call__(self, request: RecordedRequest) -> Reply:
        assert self.region is not None
        prompt = str((request.body or {}).get("prompt", ""))
        prefix = prompt.split("<|fim_prefix|>", 1)[-1].split("<|fim_suffix|>", 1)[0]
        full = self.region.before + self.region.body
        tail = prefix[-120:]
        at = full.rfind(tail, len(self.region.before) - len(tail))
        rest = full[at + len(tail) :] if at >= 0 and tail else ""
        pieces = [rest[i : i + 4] for i in range(0, min(len(rest), 240), 4)] or [""]
        return Reply(chunks=pieces, first_delay=FIRST_TOKEN, chunk_delay=PER_CHUNK)


async def replay_region(client: LanguageClient, region: Region, uri: str, result: Replay) -> None:
    text = region.before + region.after
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
    line = region.before.count("\n")
    character = 0
    typed = ""
    latest: dict[str, Any] = {"id": -1, "items": [], "at": 0.0}
    pending: list[asyncio.Task[None]] = []

    async def request(index: int, position: types.Position, sent: float) -> None:
        params = types.InlineCompletionParams(
            context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
            text_document=types.TextDocumentIdentifier(uri),
            position=position,
        )
        answer = await client.text_document_inline_completion_async(params)
        items = [i.insert_text for i in (answer.items if answer else [])]
        if items:
            result.latencies.append(time.monotonic() - sent)
        if index > latest["id"]:
            latest.update(id=index, items=items, at=time.monotonic())

    keys = keystrokes(region.body)
    for index, key in enumerate(keys):
        position = types.Position(line, character)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=index + 2),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=types.Range(position, position), text=key)
                ],
            )
        )
        typed += key
        if "\n" in key:
            line += key.count("\n")
            character = len(key.rsplit("\n", 1)[-1])
        else:
            character += len(key.encode("utf-16-le")) // 2
        pending.append(asyncio.ensure_future(request(index, types.Position(line, character), time.monotonic())))
        await asyncio.sleep(KEY_INTERVAL)
        truth = region.body[len(typed) :]
        shown = latest["items"] if latest["id"] == index else []
        if shown and shown[0] and truth.startswith(shown[0]):
            result.correct_visible += 1
        result.keystrokes += 1
    await asyncio.gather(*pending, return_exceptions=True)
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))


def percentile_ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000, 1)


async def run_config(name: str, features: dict[str, bool], chosen: list[Region]) -> dict[str, Any]:
    oracle = Oracle()
    with FakeBackend() as fake:
        fake.responder = oracle
        client = LanguageClient("replay", "1")
        drain = await spawn_server(client, [], "--log-level", "warning")
        settings = {
            "backend": {"kind": "openai", "url": fake.openai_url, "model": "qwen2.5-coder-1.5b"},
            "completion": features,
        }
        await client.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options=settings)
        )
        client.initialized(types.InitializedParams())
        result = Replay()
        try:
            for n, region in enumerate(chosen):
                oracle.region = region
                await replay_region(client, region, f"file:///replay/{n}.py", result)
            await client.shutdown_async(None)
            client.exit(None)
        finally:
            await client.stop()
            drain.cancel()
        requests = len(fake.requests)
    return {
        "config": name,
        "keystrokes": result.keystrokes,
        "backend_requests_per_100_keystrokes": round(100 * requests / max(result.keystrokes, 1), 1),
        "correct_suggestion_visible_share": round(result.correct_visible / max(result.keystrokes, 1), 3),
        "latency_p50_ms": percentile_ms(result.latencies, 50),
        "latency_p95_ms": percentile_ms(result.latencies, 95),
        "answers_with_a_suggestion": len(result.latencies),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keystrokes", type=int, default=400, help="about this many characters of code typed")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "replay.json")
    args = parser.parse_args()
    chosen = regions(args.keystrokes)
    rows = [await run_config(name, features, chosen) for name, features in CONFIGS.items()]
    report = {
        "command": "python bench/replay.py " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "modules": MODULES,
        "regions": len(chosen),
        "key_interval_ms": KEY_INTERVAL * 1000,
        "model_first_token_ms": FIRST_TOKEN * 1000,
        "model_ms_per_4_chars": PER_CHUNK * 1000,
        "results": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
