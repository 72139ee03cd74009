"""Security end to end: one session that uses every feature, watched from inside the server.

The server runs under a Python audit hook (``sys.addaudithook``) that writes down every
socket connection, name lookup and process start, and every execution of code built
from a string that carries a canary. The model answers with code that would create a
canary file if anything ran it, and the backend echoes the API key back in its errors.
Afterwards: the key went only to the backend, in its header, and appears in no message,
progress report, diagnostic, result, or log line; the only address ever connected to is
the backend's; nothing was started or executed; prompts name files relative to the
workspace.
"""

from __future__ import annotations

import ast
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.editor import Editor, start_editor
from tests.e2e.lsp import API_KEY, openai_settings, server_config
from tests.fakes.fake_backend import FakeBackend, RecordedRequest, Reply

AUDIT_BOOT = r"""
import json, os, sys

out = open(os.environ["CODEX_TEST_AUDIT"], "a", buffering=1, encoding="utf-8")
canary = os.environ["CODEX_TEST_CANARY"]
WATCHED = {"socket.connect", "socket.getaddrinfo", "socket.sendto", "socket.sendmsg", "subprocess.Popen",
           "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "pty.spawn"}


def carries_canary(code, depth=0):
    for const in getattr(code, "co_consts", ()):
        if isinstance(const, str) and canary in const:
            return True
        if depth < 20 and hasattr(const, "co_consts") and carries_canary(const, depth + 1):
            return True
    return False


def hook(event, args):
    if event in WATCHED:
        out.write(json.dumps({"event": event, "args": [repr(a)[:300] for a in args]}) + "\n")
    elif event == "exec" and carries_canary(args[0]):
        out.write(json.dumps({"event": "exec", "args": [args[0].co_filename]}) + "\n")
    elif event == "compile" and isinstance(args[0], (str, bytes)) and canary in str(args[0]):
        out.write(json.dumps({"event": "compile", "args": [str(args[1])]}) + "\n")


sys.addaudithook(hook)
from codex_ls.cli.main import main

sys.exit(main())
"""

ROOT_MODULE = (
    """import math


def area(r):
    return math.pi * r * r


def perimeter(r):
    return 2 * math.pi * r


def describe(r):
"""
    + "    return \n"
)
UTIL_MODULE = """import math


def circle_area(radius):
    return math.pi * radius * radius
"""


@pytest.fixture
def watch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("security")
    names = {"audit": "audit.jsonl", "log": "server.log", "canary": "CANARY", "cache": "cache"}
    return {key: root / name for key, name in names.items()}


def watched_server(paths: dict[str, Path]) -> ClientServerConfig:
    base = server_config(
        CODEX_TEST_AUDIT=str(paths["audit"]),
        CODEX_TEST_CANARY=str(paths["canary"]),
        CODEX_LS_CACHE_DIR=str(paths["cache"]),
    )
    command = [sys.executable, "-c", AUDIT_BOOT, "--log-level", "debug", "--log-file", str(paths["log"])]
    return ClientServerConfig(server_command=command, server_env=base.server_env)


def malicious(canary: Path) -> str:
    """Code that creates ``canary`` if anything runs it."""
    return f"__import__('os').system('touch {canary}') or open({str(canary)!r}, 'w').close()"


def answer_for(canary: Path, key_echoes: list[Reply]) -> Any:
    def respond(request: RecordedRequest) -> Reply:
        if key_echoes:
            return key_echoes.pop(0)
        code = malicious(canary)
        if request.path.endswith("/chat/completions"):
            fence = "```python\n" + f"import os\n\n\ndef test_area():\n    {code}\n" + "```"
            return Reply(chunks=[fence[:40], fence[40:]])
        return Reply(chunks=[code[:30], code[30:]])

    return respond


def everything_said(client: LanguageClient, results: list[Any]) -> list[str]:
    texts = [m.message for m in client.messages] + [m.message for m in client.log_messages]
    for reports in client.progress_reports.values():
        texts += [json.dumps(client.protocol._converter.unstructure(p)) for p in reports]
    for diagnostics in client.diagnostics.values():
        texts += [d.message for d in diagnostics]
    converter = client.protocol._converter
    texts += [json.dumps(converter.unstructure(r)) for r in results]
    return texts


def files_containing(text: str, *folders: Path) -> list[Path]:
    files = [p for folder in folders for p in folder.rglob("*") if p.is_file()]
    assert files, "the session wrote no file to look into"
    return [p for p in files if text in p.read_text(encoding="utf-8", errors="replace")]


async def test_a_full_session_leaks_no_key_reaches_no_other_host_and_runs_no_model_output(
    fake: FakeBackend, watch: dict[str, Path], tmp_path: Path
) -> None:
    canary = watch["canary"]
    echoes = [
        Reply(status=401, error_body={"error": {"message": f"Incorrect API key provided: {API_KEY}"}}),
        Reply(status=500, raw_body=f"upstream rejected Bearer {API_KEY}".encode(), content_type="text/plain"),
        Reply(status=500, raw_body=f"upstream rejected Bearer {API_KEY}".encode(), content_type="text/plain"),
        Reply(status=500, raw_body=f"upstream rejected Bearer {API_KEY}".encode(), content_type="text/plain"),
    ]
    fake.responder = answer_for(canary, echoes)
    settings = openai_settings(fake)
    config = watched_server(watch)
    client = await config.start(None)  # type: ignore[arg-type]
    results: list[Any] = []
    try:
        await start_editor(client, settings, tmp_path)
        editor = Editor(client)
        uri = editor.open(tmp_path / "src" / "shapes.py", ROOT_MODULE)
        editor.open(tmp_path / "src" / "util.py", UTIL_MODULE)
        where = types.Position(line=12, character=11)
        for manual in (False, True, True):
            kind = types.InlineCompletionTriggerKind.Invoked if manual else types.InlineCompletionTriggerKind.Automatic
            params = types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri),
                position=where,
                context=types.InlineCompletionContext(trigger_kind=kind),
            )
            results.append(await asyncio.wait_for(client.text_document_inline_completion_async(params), 20))
        span = {"start": {"line": 3, "character": 0}, "end": {"line": 4, "character": 26}}
        for command, extra in (
            ("codex.explain", {}),
            ("codex.addTests", {}),
            ("codex.edit", {"instruction": "handle a negative radius"}),
            ("codex.implement", {}),
            ("codex.findBugs", {}),
        ):
            params = types.ExecuteCommandParams(command=command, arguments=[{"uri": uri, "range": span, **extra}])
            results.append(await asyncio.wait_for(client.workspace_execute_command_async(params), 30))
        said = everything_said(client, results)
        await client.shutdown_session()
    finally:
        await client.stop()

    # The key went to the backend, in its header, and nowhere else.
    generation = [r for r in fake.requests if r.method == "POST"]
    assert len(generation) >= 8
    assert {r.headers.get("authorization") for r in generation} == {f"Bearer {API_KEY}"}
    assert any("upstream rejected Bearer ***" in s for s in said), "the echoed error reached the client, redacted"
    assert not [s for s in said if API_KEY in s]
    assert not files_containing(API_KEY, tmp_path, watch["cache"])
    log_text = watch["log"].read_text(encoding="utf-8")
    assert "upstream rejected Bearer ***" in log_text
    assert API_KEY not in log_text

    # The only address ever connected to is the backend's; nothing was started.
    events = [json.loads(line) for line in watch["audit"].read_text(encoding="utf-8").splitlines()]
    connects = [e["args"][1] for e in events if e["event"] == "socket.connect"]
    assert connects, "the audit hook saw no connection at all"
    assert set(connects) == {repr(("127.0.0.1", int(fake.url.rsplit(":", 1)[1])))}
    lookups = {e["args"][0] for e in events if e["event"] == "socket.getaddrinfo"}
    assert lookups <= {repr("127.0.0.1")}
    assert not [e for e in events if e["event"] not in ("socket.connect", "socket.getaddrinfo", "compile")]

    # The model's code was parsed (the checks that keep broken code out) but never run.
    assert [e for e in events if e["event"] == "compile"], "the model's code never reached the parser"
    assert not canary.exists()
    ast.parse((tmp_path / "tests" / "test_shapes.py").read_text(encoding="utf-8"))

    # Prompts name the other file relative to the workspace and never show its absolute path.
    bodies = [json.dumps(r.body) for r in generation]
    assert any("src/util.py" in b for b in bodies)
    assert not [b for b in bodies if str(tmp_path) in b]
