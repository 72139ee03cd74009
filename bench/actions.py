"""Every code action once, on the embedded model, through the real server: what it produced and how long it took.

Starts ``codex-ls --stdio`` with the default settings (the local 0.5B model), opens
a small Python file in a temporary workspace, runs each ``codex.*`` command the way
an editor plugin would, and records the result the editor received (the applied
edit, the shown document, the published diagnostics) with the command's latency.

    python -m bench.actions [--out bench/results/actions.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path, to_fs_path

from bench.common import RESULTS
from codex_ls.cli.complete import spawn_server

SOURCE = '''import math


def is_palindrome(s: str) -> bool:
    """Return True if s reads the same forwards and backwards, else False.

    >>> is_palindrome("level")
    True
    """


def mean(values):
    total = 0
    for value in values:
        total += value
    return total / len(values)


def area(r):
    # codex: raise ValueError if r is negative
    return math.pi * r * r
'''


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n")


#: (label, command, the cursor's line in the current text, extra arguments)
RUNS: list[tuple[str, str, str, dict[str, str]]] = [
    ("Explain", "codex.explain", "    total = 0", {}),
    ("Implement function", "codex.implement", "def is_palindrome", {}),
    ("Find bugs", "codex.findBugs", "def mean", {}),
    ("Add docstring", "codex.addDocstring", "def mean", {}),
    ("Add comments", "codex.addComments", "def mean", {}),
    ("Edit (instruction comment)", "codex.edit", "    return math.pi", {}),
    ("Edit (instruction)", "codex.edit", "def mean", {"instruction": "use sum() and return 0.0 for []"}),
    ("Add unit tests", "codex.addTests", "def mean", {}),
    ("Translate to Rust", "codex.translate", "def mean", {"target": "rust"}),
]


class Recorder:
    """The editor side: applies edits to its buffer, records documents, diagnostics and messages."""

    def __init__(self, client: LanguageClient, uri: str) -> None:
        self.client, self.uri, self.text, self.version = client, uri, SOURCE, 1
        self.events: list[dict[str, Any]] = []
        handlers = {
            types.WORKSPACE_APPLY_EDIT: self.apply_edit,
            types.WINDOW_SHOW_DOCUMENT: self.show_document,
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: self.diagnostics,
            types.WINDOW_SHOW_MESSAGE: self.message,
            types.WINDOW_WORK_DONE_PROGRESS_CREATE: self.ignore,
            types.PROGRESS: self.ignore,
            types.WINDOW_LOG_MESSAGE: self.log,
            "codex/status": self.ignore,
        }
        for method, handler in handlers.items():
            # pygls marks handlers with attributes, which bound methods cannot take.
            client.feature(method)(lambda params, handler=handler: handler(params))

    def apply_edit(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        for change in params.edit.document_changes or []:
            if isinstance(change, types.CreateFile):
                self.events.append({"created": change.uri})
            elif isinstance(change, types.TextDocumentEdit):
                self._edit(change)
        return types.ApplyWorkspaceEditResult(applied=True)

    def _edit(self, change: types.TextDocumentEdit) -> None:
        for edit in change.edits:
            self.events.append({"edit": change.text_document.uri, "new_text": edit.new_text})
        if change.text_document.uri != self.uri:
            path = Path(to_fs_path(change.text_document.uri) or "")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(e.new_text for e in change.edits), encoding="utf-8")
            return
        lines = self.text.split("\n")
        for edit in sorted(change.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            start = sum(len(x) + 1 for x in lines[: edit.range.start.line]) + edit.range.start.character
            end = sum(len(x) + 1 for x in lines[: edit.range.end.line]) + edit.range.end.character
            self.text = self.text[:start] + edit.new_text + self.text[end:]
            lines = self.text.split("\n")
        self.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=self.text)],
            )
        )

    def show_document(self, params: types.ShowDocumentParams) -> types.ShowDocumentResult:
        path = Path(to_fs_path(params.uri) or "")
        self.events.append({"shown": str(path), "text": path.read_text(encoding="utf-8")})
        return types.ShowDocumentResult(success=True)

    def diagnostics(self, params: types.PublishDiagnosticsParams) -> None:
        found = [f"line {d.range.start.line + 1}: {d.message}" for d in params.diagnostics]
        self.events.append({"diagnostics": found})

    def message(self, params: types.ShowMessageParams) -> None:
        self.events.append({"message": params.message})

    def log(self, params: types.LogMessageParams) -> None:
        if "samples" in params.message:  # what Implement function drew and kept
            self.events.append({"log": params.message})

    def ignore(self, params: Any) -> None:
        return None


def capabilities() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            apply_edit=True,
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True, resource_operations=[types.ResourceOperationKind.Create]
            ),
        ),
        window=types.WindowClientCapabilities(
            work_done_progress=True, show_document=types.ShowDocumentClientCapabilities(support=True)
        ),
    )


async def run_all(root: Path) -> list[dict[str, Any]]:
    client = LanguageClient("codex-ls-bench", "0")
    path = root / "shapes.py"
    uri = from_fs_path(str(path)) or path.as_uri()
    recorder = Recorder(client, uri)
    stderr: list[str] = []
    await spawn_server(client, stderr)
    folder = types.WorkspaceFolder(uri=from_fs_path(str(root)) or root.as_uri(), name="bench")
    await client.initialize_async(types.InitializeParams(capabilities=capabilities(), workspace_folders=[folder]))
    client.initialized(types.InitializedParams())
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, SOURCE)))
    results = []
    for label, command, needle, extra in RUNS:
        recorder.events.clear()
        cursor = {"line": line_of(recorder.text, needle), "character": 4}
        argument = {"uri": uri, "range": {"start": cursor, "end": cursor}, **extra}
        started = time.perf_counter()
        await client.workspace_execute_command_async(types.ExecuteCommandParams(command, [argument]))
        seconds = time.perf_counter() - started
        await asyncio.sleep(0.2)  # notifications sent just before the answer
        results.append(
            {"action": label, "command": command, "seconds": round(seconds, 2), "events": list(recorder.events)}
        )
        print(f"== {label}: {seconds:.1f} s", flush=True)
        print(json.dumps(recorder.events, indent=1, ensure_ascii=False)[:3000], flush=True)
    results.append({"final_document": recorder.text, "server_stderr": stderr[-20:]})
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", default=str(RESULTS / "actions.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="codex-ls-actions-") as tmp:
        results = asyncio.run(run_all(Path(tmp)))
    report = {"machine": platform.machine(), "python": platform.python_version(), "model": "qwen2.5-coder-0.5b"}
    Path(args.out).write_text(json.dumps({**report, "runs": results}, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
