"""VS Code itself: code-server 4.96.4 (VS Code 1.96.4) in headless Chromium, with the packaged extension.

Each test does what a user does in the workbench (types, presses Tab or Escape, runs a
command from the palette, edits settings.json) against the real codex-ls and a scripted
model on loopback, and checks what VS Code shows, what is saved on disk, and what went
over LSP. The LSP traffic is recorded by ``lsp_tap.py``, which sits between VS Code
and the server (``codexLs.server.path`` points at it) and passes every byte on as is.

One code-server serves the whole module; each test works in a file of its own. Every
test leaves a screenshot in ``tests/editors/artifacts/``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.editors.code_server import Ghost, Workbench, missing_pieces, wait_until, workbench
from tests.editors.harness import HERE, Build, ScriptedModel, chat_text, codex_ls_command, fim_prefix, require_tool
from tests.fakes.fake_backend import FakeBackend, RecordedRequest, Reply

EXPLANATION = "`mean` divides the sum of the values by their count."
EDITED = "```python\ndef scale(x):\n    return 2 * x\n```"
FINDING = "divides by zero when b is 0"
#: An explanation the model writes in two parts, the second only once the test lets it.
STREAMED = ("`median` sorts the values", " and returns the one in the middle.")
#: A translation the model writes a line at a time; its last lines only once the test lets it.
TRANSLATED = ("```go\n", "func half(x float64) float64 {\n", "\treturn x / 2\n", "}\n```\n")
#: What holds back the rest of an answer after its first words, by the code the answer is about.
HOLDS = {
    "def median(values):": threading.Event(),
    "def half(x):": threading.Event(),
    "def lines(w):": threading.Event(),
}

FILES = {
    "typing.py": "def total(a, b):\n    \n",
    "manual.py": "def difference(a, b):\n    return \n",
    "accept.py": "def plus(a, b):\n    \n\n\nprint(plus(1, 2))\n",
    "through.py": "def through(a, b):\n    \n",
    "against.py": "def against(a, b):\n    \n",
    "escape.py": "def dismiss(a, b):\n    \n",
    "multi.py": "def product(a, b):",
    "partial.py": "def area(w, h):",
    "lines.py": "def lines(w):",
    "decide.py": "def decide(a, b):\n    \n",
    "explain.py": "def mean(values):\n    return sum(values) / len(values)\n",
    "stream.py": "def median(values):\n    return sorted(values)[len(values) // 2]\n",
    "translate.py": "def half(x):\n    return x / 2\n",
    "edit.py": "def scale(x):\n    return x * 2\n",
    "bugs.py": "def ratio(a, b):\n    return a / b\n",
    "settings.py": "def configured(a, b):\n    \n",
    "kill.py": "def survive(a, b):\n    \n",
    "auth.py": "def secret(a, b):\n    \n",
    "paren.py": "def wrap(a, b):\n    \n",
}


def typed_towards(head: str, typed: str, rest: str) -> list[tuple[str, str | Reply]]:
    """What a model answers at each keystroke of ``typed`` after ``head``: the rest of the line.

    A real model asked at ``ret`` says ``urn a + b``; a script that said nothing there
    would be a model that changes its mind at every key.
    """
    return [(head + typed[:i], typed[i:] + rest) for i in range(len(typed), 0, -1)]


COMPLETIONS: list[tuple[str, str | Reply]] = [
    *typed_towards("def total(a, b):\n    ", "return ", "a + b"),
    ("def difference(a, b):\n    return ", "a - b"),
    *typed_towards("def plus(a, b):\n    ", "return ", "a + b"),
    *typed_towards("def through(a, b):\n    ", "return ", "a + b"),
    *typed_towards("def against(a, b):\n    ", "return ", "a + b"),
    *typed_towards("def dismiss(a, b):\n    ", "return ", "a + b"),
    ("def product(a, b):\n    ", "result = a * b\n    return result\n"),
    ("def area(w, h):\n    ", "product = w * h\n    return product"),
    # A body the model writes a line at a time: the second line only once the test lets it.
    (
        "def lines(w):\n    ",
        Reply(choices=[["width = w * 2\n", "    return width\n"]], hold=HOLDS["def lines(w):"], hold_after=1),
    ),
    *typed_towards("def decide(a, b):\n    ", "return ", "a + b"),
    *typed_towards("def configured(a, b):\n    ", "return ", "a * b"),
    *typed_towards("def survive(a, b):\n    ", "return ", "a + b"),
    *[(f"def secret(a, b):\n    {typed}", Reply(status=401)) for typed in ("r", "re", "ret")],
    *typed_towards("def wrap(a, b):\n    ", "print", "(a, b)"),
]


class Tap:
    """The LSP messages recorded by lsp_tap.py, newest last."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def records(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def mark(self) -> int:
        return len(self.records())

    def sent(self, method: str, since: int = 0, side: str = "client") -> list[dict[str, Any]]:
        """Messages of ``method`` sent by ``side`` since record ``since``."""
        return [
            r["message"] for r in self.records()[since:] if r["from"] == side and r["message"].get("method") == method
        ]

    def answer_to(self, request_id: Any, side: str = "server") -> dict[str, Any] | None:
        for record in self.records():
            message = record["message"]
            if record["from"] == side and message.get("id") == request_id and "method" not in message:
                return message
        return None

    def server_pids(self) -> list[int]:
        pids: list[int] = []
        for record in self.records():
            if not pids or pids[-1] != record["pid"]:
                pids.append(record["pid"])
        return pids


@dataclass
class Session:
    bench: Workbench
    backend: FakeBackend
    tap: Tap
    folder: Path

    def open(self, name: str, line: int, column: int) -> None:
        """Open a file and put the cursor at a 1-based line and column, then let the editor settle."""
        self.bench.open_file(name)
        self.bench.go_to(line, column)
        time.sleep(1.0)

    def inline_requests(self, since: int, line: int, character: int) -> list[dict[str, Any]]:
        return [
            m
            for m in self.tap.sent("textDocument/inlineCompletion", since)
            if m["params"]["position"] == {"line": line, "character": character}
        ]

    def type_first(self, text: str, line: int, character: int) -> None:
        """Type ``text`` into a file just opened; its last keystroke must ask for ghost text at (line, character).

        Right after a file opens, VS Code sets up its editor features lazily, and a
        keystroke may make no request (one run in four, when this was measured). Then
        the last keystroke is typed again, once; a second miss fails the test.
        """
        mark = self.tap.mark()
        self.bench.type(text)
        try:
            wait_until(lambda: self.inline_requests(mark, line, character), 3.0, "the inline request")
        except AssertionError:
            self.bench.keys("Backspace")
            self.bench.type(text[-1])
            wait_until(
                lambda: self.inline_requests(mark, line, character),
                5.0,
                f"an inline request at {line}:{character}, after typing the last key again",
            )

    def ghost(self, expected: str, timeout: float = 10.0) -> Ghost:
        """Wait for ``expected`` as ghost text; on failure say what the model and the server were asked."""
        try:
            return self.bench.wait_for_ghost(expected, timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.describe()}") from None

    def describe(self, last: int = 25) -> str:
        asked = [repr((fim_prefix(r) or r.path)[-60:]) for r in self.backend.requests[-8:]]
        exchange = []
        for record in self.tap.records()[-last:]:
            message = record["message"]
            if message.get("method") == "window/logMessage":
                exchange.append(f"  log: {message['params']['message'][:160]}")
                continue
            what = message.get("method") or f"answer {message.get('id')}"
            detail = message.get("params", {}).get("position") if "method" in message else message.get("result")
            exchange.append(f"  {record['from']}: {what} {json.dumps(detail)[:160]}")
        return "model asked for: " + ", ".join(asked) + "\nLSP:\n" + "\n".join(exchange)

    def completions_for(self, ending: str) -> list[RecordedRequest]:
        """Model calls whose code before the cursor ends with ``ending``."""
        return [
            r
            for r in self.backend.requests
            if r.path.startswith("/v1/completions") and (fim_prefix(r) or "").endswith(ending)
        ]

    def model_calls(self, head: str) -> list[RecordedRequest]:
        """Model calls made while typing in the function that starts with ``head``."""
        return [r for r in self.backend.requests if head in (fim_prefix(r) or "")]

    def beside(self) -> str:
        """The text of the editor beside the code, its wrapped lines joined; empty while there is none."""
        if len(self.bench.editor_groups()) < 2:
            return ""
        return " ".join(" ".join(self.bench.visible_lines(1)).split())

    def ready(self) -> bool:
        """The status item shows the server running and idle."""
        return (self.bench.status_item() or {}).get("icons") == "codicon-sparkle"

    def on_disk(self, name: str) -> str:
        return (self.folder / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def session(
    model: tuple[FakeBackend, ScriptedModel], extension_build: Build, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Session]:
    missing = missing_pieces()
    require_tool(not missing, "missing for the real-VS-Code tests: " + "; ".join(missing))
    server = codex_ls_command()
    assert server is not None, "codex-ls is not installed in this environment"
    vsix = extension_build.vsix

    backend, script = model
    script.completions += COMPLETIONS
    script.chat_answers += [
        ("def mean(values):", EXPLANATION),
        # Held after the role-only opening event and the first words (or line).
        ("def median(values):", Reply(chunks=list(STREAMED), hold=HOLDS["def median(values):"], hold_after=2)),
        ("def half(x):", Reply(chunks=list(TRANSLATED), hold=HOLDS["def half(x):"], hold_after=3)),
        ("def scale(x):", EDITED),
        ("def ratio(a, b):", f"2: {FINDING}"),
    ]

    root = tmp_path_factory.mktemp("vscode-live")
    folder = root / "project"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    log = root / "lsp.jsonl"
    tap = root / "codex-ls-tap"
    tap.write_text(
        f'#!/bin/sh\nexec {sys.executable} {HERE / "lsp_tap.py"} {log} {server} "$@"\n',
        encoding="utf-8",
    )
    tap.chmod(0o755)
    settings = {
        "codexLs.server.path": str(tap),
        "codexLs.backend.kind": "openai",
        "codexLs.backend.url": backend.openai_url,
    }
    with workbench(root, folder, vsix, settings) as bench:
        try:
            wait_until(lambda: (bench.status_item() or {}).get("icons") == "codicon-sparkle", 60.0, "ready")
        except AssertionError:
            bench.screenshot("vscode-startup")
            pytest.fail(f"the status item never said ready: {bench.status_item()}\n{bench.server.log_tail()}")
        yield Session(bench, backend, Tap(log), folder)
        blocked = bench.browser.blocked
    assert not blocked, f"the page tried to load from elsewhere than code-server: {blocked}"


@pytest.fixture(autouse=True)
def screenshot(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "session" in request.fixturenames:
        current: Session = request.getfixturevalue("session")
        current.bench.screenshot(f"vscode-{request.node.name}")


def test_the_status_item_goes_from_starting_to_ready(session: Session) -> None:
    history = session.bench.status_history()
    starting = "loading~spin  Codex, codex-ls is starting"
    ready = "sparkle  Codex, codex-ls is ready"
    assert starting in history, history
    assert ready in history, history
    assert history.index(starting) < history.index(ready)
    assert not [h for h in history if "error" in h or "circle-slash" in h], history


def test_ghost_text_appears_while_typing(session: Session) -> None:
    session.open("typing.py", 2, 5)
    session.type_first("return ", 1, 11)
    ghost = session.ghost("a + b")
    assert ghost.below == []
    session.bench.screenshot("vscode-ghost-text")
    assert session.bench.visible_lines()[:2] == ["def total(a, b):", "    return "]
    calls = session.model_calls("def total(a, b):")
    assert calls
    assert all("<|fim_suffix|>\n<|fim_middle|>" in (r.body or {})["prompt"] for r in calls)


def test_the_trigger_key_asks_for_ghost_text_now(session: Session) -> None:
    session.open("manual.py", 2, 12)
    mark = session.tap.mark()
    assert session.bench.ghost() is None  # moving the cursor asks for nothing
    session.bench.keys("Alt+Backslash")
    session.ghost("a - b")
    (request,) = session.inline_requests(mark, 1, 11)
    assert request["params"]["context"]["triggerKind"] == 1  # Invoked: asked for, not typed


def test_tab_inserts_exactly_the_suggestion_and_the_saved_file_has_it(session: Session) -> None:
    session.open("accept.py", 2, 5)
    session.type_first("return ", 1, 11)
    session.ghost("a + b")
    session.bench.keys("Tab")
    session.bench.wait_for_no_ghost()
    assert session.bench.visible_lines()[:2] == ["def plus(a, b):", "    return a + b"]
    session.bench.wait_for_cursor("Ln 2, Col 17")
    session.bench.save()
    assert session.on_disk("accept.py") == "def plus(a, b):\n    return a + b\n\n\nprint(plus(1, 2))\n"


def test_typing_through_the_suggestion_keeps_it(session: Session) -> None:
    session.open("through.py", 2, 5)
    session.type_first("return ", 1, 11)
    session.ghost("a + b")
    session.bench.type("a ")
    session.ghost("+ b", timeout=3.0)
    assert session.bench.visible_lines()[1] == "    return a "


def test_a_bracket_vs_code_closes_is_typed_through_the_suggestion_without_a_model_call(session: Session) -> None:
    session.open("paren.py", 2, 5)
    session.type_first("print", 1, 9)
    session.ghost("(a, b)")
    asked = len(session.model_calls("def wrap(a, b):"))
    mark = session.tap.mark()
    session.bench.type("(")  # VS Code writes "()" and leaves the cursor between
    session.ghost("a, b", timeout=3.0)
    assert session.bench.visible_lines()[1] == "    print()"
    # The server answered from the suggestion it had shown, over the closer VS Code wrote.
    answer = wait_until(
        lambda: (asked_there := session.inline_requests(mark, 1, 10)) and session.tap.answer_to(asked_there[-1]["id"]),
        5.0,
        "the answer after the bracket",
    )
    (item,) = answer["result"]["items"]
    assert item["insertText"] == "a, b)"
    assert item["range"] == {"start": {"line": 1, "character": 10}, "end": {"line": 1, "character": 11}}
    session.bench.keys("Tab")
    session.bench.wait_for_no_ghost()
    assert session.bench.visible_lines()[:2] == ["def wrap(a, b):", "    print(a, b)"]
    assert len(session.model_calls("def wrap(a, b):")) == asked


def test_typing_against_the_suggestion_removes_it(session: Session) -> None:
    session.open("against.py", 2, 5)
    session.type_first("return ", 1, 11)
    session.ghost("a + b")
    session.bench.type("x")
    session.bench.wait_for_no_ghost(timeout=3.0)
    time.sleep(1.0)  # and it does not come back when the server answers the new text
    assert session.bench.ghost() is None
    assert session.bench.visible_lines()[1] == "    return x"


def test_escape_dismisses_the_suggestion(session: Session) -> None:
    session.open("escape.py", 2, 5)
    session.type_first("return ", 1, 11)
    session.ghost("a + b")
    session.bench.keys("Escape")
    session.bench.wait_for_no_ghost(timeout=3.0)
    time.sleep(1.0)
    assert session.bench.ghost() is None
    assert session.bench.visible_lines()[:2] == ["def dismiss(a, b):", "    return "]
    assert session.bench.cursor() == "Ln 2, Col 12"


def test_a_multiline_suggestion_is_drawn_over_several_lines_and_accepted_whole(session: Session) -> None:
    session.open("multi.py", 1, 19)
    session.bench.keys("Enter")  # VS Code indents the new line; typing there asks for a block
    ghost = session.ghost("result = a * b\n    return result")
    assert ghost.inline == "result = a * b"
    assert ghost.below == ["    return result"]
    session.bench.screenshot("vscode-ghost-text-multiline")
    session.bench.keys("Tab")
    session.bench.wait_for_no_ghost()
    assert session.bench.visible_lines()[:3] == ["def product(a, b):", "    result = a * b", "    return result"]
    session.bench.save()
    assert session.on_disk("multi.py") == "def product(a, b):\n    result = a * b\n    return result"


def test_a_body_arrives_line_by_line_and_tab_takes_each_line_from_one_model_call(session: Session) -> None:
    session.open("lines.py", 1, 14)
    session.bench.keys("Enter")
    # The first line is shown while the model has not written the second.
    session.ghost("width = w * 2")
    session.bench.keys("Tab")
    session.bench.wait_for_no_ghost()
    HOLDS["def lines(w):"].set()
    session.ghost("\n    return width")
    session.bench.keys("Tab")
    session.bench.wait_for_no_ghost()
    body = ["def lines(w):", "    width = w * 2", "    return width"]
    wait_until(
        lambda: session.bench.visible_lines()[:3] == body, 5.0, f"the body; shown: {session.bench.visible_lines()}"
    )
    assert len(session.model_calls("def lines(w):")) == 1


def test_accept_next_word_then_next_line_then_tab_cost_one_model_call(session: Session) -> None:
    session.open("partial.py", 1, 16)
    mark = session.tap.mark()
    session.bench.keys("Enter")
    session.ghost("product = w * h\n    return product")
    session.bench.keys("Control+ArrowRight")  # editor.action.inlineSuggest.acceptNextWord
    session.ghost(" = w * h\n    return product")
    assert session.bench.visible_lines()[1] == "    product"
    session.bench.keys("Control+ArrowDown")  # acceptNextLine, bound by the extension
    session.ghost("    return product")
    # At the start of a line, before a suggestion that begins with indentation, VS Code's
    # Tab indents (inlineSuggestionHasIndentationLessThanTabSize); the next Tab accepts.
    session.bench.keys("Tab")
    session.ghost("return product")
    session.bench.keys("Tab")
    session.bench.wait_for_no_ghost()
    assert session.bench.visible_lines()[:3] == ["def area(w, h):", "    product = w * h", "    return product"]
    assert len(session.model_calls("def area(w, h):")) == 1
    # The client runs the item's command after the edit, a moment later.
    wait_until(lambda: session.tap.sent("workspace/executeCommand", mark), 5.0, "the accept command")
    accepted = session.tap.sent("workspace/executeCommand", mark)
    assert [m["params"]["command"] for m in accepted] == ["codex.didAcceptCompletion"]


def test_vs_code_asks_for_ghost_text_only_so_one_model_call_serves_a_keystroke(session: Session) -> None:
    """VS Code asks for completion items too if the server offers them: the same text twice, two calls racing."""
    (initialize,) = session.tap.sent("initialize")[:1]
    answer = session.tap.answer_to(initialize["id"])
    assert answer is not None
    capabilities = answer["result"]["capabilities"]
    assert "inlineCompletionProvider" in capabilities
    assert "completionProvider" not in capabilities

    session.open("decide.py", 2, 5)
    mark = session.tap.mark()
    session.type_first("return ", 1, 11)
    session.ghost("a + b")
    assert session.tap.sent("textDocument/completion", mark) == []
    assert not session.bench.page.locator(".suggest-widget.visible").count()
    # Each model call was asked for by one inline request; none was cancelled by a sibling request.
    calls = [r for r in session.backend.requests if (fim_prefix(r) or "").startswith("def decide(a, b):")]
    inline = session.tap.sent("textDocument/inlineCompletion", mark)
    assert 1 <= len(calls) <= len(inline)


def test_codex_explain_opens_the_explanation_beside_the_code(session: Session) -> None:
    session.open("explain.py", 2, 5)
    session.bench.run_command("Codex: Explain")
    wait_until(lambda: len(session.bench.editor_groups()) == 2, 10.0, "a second editor group")
    wait_until(
        lambda: EXPLANATION in " ".join(" ".join(session.bench.visible_lines(1)).split()),  # lines wrap
        10.0,
        f"the explanation; shown: {session.bench.visible_lines(1)}",
    )
    groups = session.bench.editor_groups()
    assert groups[0] == {"active": True, "tab": "explain.py"}  # the focus stays in the code
    assert groups[1]["tab"] == "explain.py explained.md"
    chats = [r for r in session.backend.requests if r.path.startswith("/v1/chat/completions")]
    assert any("def mean(values):" in chat_text(chat) for chat in chats)
    session.bench.screenshot("vscode-explanation")
    # A view, not an unsaved file: it closes without asking to be saved.
    session.bench.keys("Control+2", "Control+W")
    wait_until(lambda: len(session.bench.editor_groups()) == 1, 5.0, "the explanation to close without a prompt")


def shown_while_held(session: Session, ask: Callable[[], None], about: str, first: str, later: str) -> None:
    """Run ``ask``; ``first`` shows beside the code while the model, asked ``about`` some code,
    holds the rest of its answer (``later`` is not shown); then the model goes on."""
    try:
        ask()
        wait_until(lambda: first in session.beside(), 15.0, f"the first words; shown: {session.beside()!r}")
        (chat,) = [r for r in session.backend.requests if about in chat_text(r)]
        assert chat.finished_at is None  # the model holds the rest of its answer
        assert later not in session.beside()
    finally:
        HOLDS[about].set()


def test_codex_explain_shows_the_first_words_while_the_model_writes(session: Session) -> None:
    session.open("stream.py", 2, 5)
    explain = lambda: session.bench.run_command("Codex: Explain")  # noqa: E731
    shown_while_held(session, explain, "def median(values):", STREAMED[0], "middle")
    session.bench.screenshot("vscode-explanation-streaming")
    wait_until(lambda: "".join(STREAMED) in session.beside(), 15.0, f"the whole explanation: {session.beside()!r}")
    assert session.bench.editor_groups()[1]["tab"] == "stream.py explained.md"
    session.bench.keys("Control+2", "Control+W")
    wait_until(lambda: len(session.bench.editor_groups()) == 1, 5.0, "the explanation to close")


def test_codex_translate_shows_the_first_lines_while_the_model_writes(session: Session) -> None:
    def translate() -> None:
        session.bench.run_command("Codex: Translate…")
        box = session.bench.page.locator(".quick-input-widget")
        box.get_by_text("Codex: translate the selection to which language?").wait_for(timeout=10_000)
        session.bench.type("Go")
        session.bench.keys("Enter")

    session.open("translate.py", 2, 5)
    shown_while_held(session, translate, "def half(x):", TRANSLATED[1].strip(), "return x / 2")
    wait_until(lambda: "return x / 2 }" in session.beside(), 15.0, f"the whole translation: {session.beside()!r}")
    assert "```" not in session.beside()
    assert session.bench.editor_groups()[1]["tab"] == "translate.py in Go"
    session.bench.keys("Control+2", "Control+W")
    wait_until(lambda: len(session.bench.editor_groups()) == 1, 5.0, "the translation to close")


def test_codex_edit_applies_a_versioned_edit_that_undo_reverts(session: Session) -> None:
    session.open("edit.py", 2, 5)
    mark = session.tap.mark()
    session.bench.run_command("Codex: Edit with instruction…")
    box = session.bench.page.locator(".quick-input-widget")
    box.get_by_text("Codex: how should the selection change?").wait_for(timeout=10_000)
    session.bench.type("put the constant first")
    session.bench.keys("Enter")
    wait_until(
        lambda: session.bench.visible_lines()[:2] == ["def scale(x):", "    return 2 * x"],
        15.0,
        f"the edit; shown: {session.bench.visible_lines()}",
    )
    (apply,) = session.tap.sent("workspace/applyEdit", mark, side="server")
    (change,) = apply["params"]["edit"]["documentChanges"]
    uri = change["textDocument"]["uri"]
    assert uri.endswith("/edit.py")
    opened = [m["params"]["textDocument"] for m in session.tap.sent("textDocument/didOpen")]
    opened = [document for document in opened if document["uri"] == uri]
    assert change["textDocument"]["version"] == opened[-1]["version"]  # the version the server was shown
    reply = session.tap.answer_to(apply["id"], side="client")
    assert reply is not None
    assert reply["result"]["applied"] is True
    chats = [chat_text(r) for r in session.backend.requests if r.path.startswith("/v1/chat/completions")]
    assert any("put the constant first" in chat for chat in chats)
    session.bench.save()
    assert session.on_disk("edit.py") == "def scale(x):\n    return 2 * x\n"
    session.bench.keys("Control+Z")
    wait_until(
        lambda: session.bench.visible_lines()[:2] == ["def scale(x):", "    return x * 2"],
        5.0,
        f"the undo; shown: {session.bench.visible_lines()}",
    )
    session.bench.save()
    assert session.on_disk("edit.py") == FILES["edit.py"]


def test_codex_find_bugs_shows_a_diagnostic(session: Session) -> None:
    session.open("bugs.py", 2, 5)
    session.bench.run_command("Codex: Find bugs")
    squiggle = session.bench.page.locator(".editor-group-container.active .squiggly-warning")
    squiggle.first.wait_for(timeout=15_000)
    session.bench.keys("Control+Shift+M")
    problems = session.bench.page.locator(".markers-panel .monaco-list-row", has_text=FINDING)
    problems.first.wait_for(timeout=10_000)
    row = problems.first.inner_text()
    assert "codex" in row
    assert "[Ln 2" in row
    session.bench.run_command("View: Hide Panel")


def test_a_codex_setting_reaches_the_server_without_a_restart(session: Session) -> None:
    mark = session.tap.mark()
    pids = session.tap.server_pids()
    session.bench.change_setting("codexLs.completion.maxTokens", "32")
    wait_until(lambda: session.tap.sent("workspace/didChangeConfiguration", mark), 10.0, "didChangeConfiguration")
    session.open("settings.py", 2, 5)
    session.type_first("return ", 1, 11)
    session.ghost("a * b")
    calls = session.model_calls("def configured(a, b):")
    assert calls
    assert {(r.body or {})["max_tokens"] for r in calls} == {32}
    assert session.tap.sent("initialize", mark) == []
    assert session.tap.server_pids() == pids


def test_a_server_killed_while_typing_is_restarted_and_ghost_text_comes_back(session: Session) -> None:
    session.open("kill.py", 2, 5)
    session.type_first("ret", 1, 7)
    session.ghost("urn a + b")  # a suggestion is on screen when the server dies
    mark = session.tap.mark()
    history = len(session.bench.status_history())
    (pid,) = session.tap.server_pids()[-1:]
    os.kill(pid, signal.SIGKILL)
    # The dead server's suggestion goes away; the buffer keeps only what was typed.
    session.bench.wait_for_no_ghost(10.0)
    assert session.bench.visible_lines()[:2] == ["def survive(a, b):", "    ret"]
    session.bench.type("urn ")
    wait_until(lambda: session.tap.sent("initialize", mark), 30.0, "vscode-languageclient to start the server again")
    wait_until(session.ready, 30.0, f"ready again; the status item is {session.bench.status_item()}")
    # The user saw it restart: starting, then ready, with nothing left of the old server's status.
    assert session.bench.status_history()[history:][-2:] == [
        "loading~spin  Codex, codex-ls is starting",
        "sparkle  Codex, codex-ls is ready",
    ]
    assert session.tap.server_pids()[-1] != pid
    # The new server is shown the buffer as it is, keystrokes typed while it was down included.
    reopened = [
        m["params"]["textDocument"]
        for m in session.tap.sent("textDocument/didOpen", mark)
        if m["params"]["textDocument"]["uri"].endswith("/kill.py")
    ]
    assert reopened, "the restarted server was not shown kill.py"
    assert session.bench.visible_lines()[:2] == ["def survive(a, b):", "    return "]
    mark, asked = session.tap.mark(), len(session.backend.requests)
    session.bench.keys("Backspace")
    session.bench.type(" ")
    session.ghost("a + b")
    # The new server's: it asked the model there.
    assert [r for r in session.backend.requests[asked:] if (fim_prefix(r) or "").endswith("    return ")]
    session.bench.save()
    assert session.on_disk("kill.py") == "def survive(a, b):\n    return \n"


def test_a_401_from_the_backend_shows_one_error_popup(session: Session) -> None:
    session.open("auth.py", 2, 5)
    session.type_first("r", 1, 5)
    for count, key in enumerate("ret", start=1):
        if count > 1:
            session.bench.type(key)
        wait_until(
            lambda n=count: len(session.completions_for("def secret(a, b):\n    " + "ret"[:n])) >= 1,
            5.0,
            f"the request after {key!r}",
        )
    time.sleep(1.5)  # time for a second or third popup to appear, if one were sent
    popups = [n for n in session.bench.notifications() if "401" in n]
    assert len(popups) == 1, session.bench.notifications()
    assert "refused the API key" in popups[0]
