"""Emacs + eglot with editors/emacs/codex-ls.el against the real codex-ls and a scripted model.

Debian's Emacs 28 has eglot 1.9 as the package elpa-eglot, which ``emacs -Q`` does
not activate: the session activates Debian's elpa directory first (Emacs 29 and
later have eglot built in).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.editors.harness import (
    EDITORS,
    HERE,
    ScriptedModel,
    assert_grew,
    chat_text,
    codex_ls_command,
    editor_env,
    fim_prefix,
    requests_to,
    require_tool,
    run_session,
    version_of,
)
from tests.fakes.fake_backend import FakeBackend, Reply

SOURCE = "def add(a, b):\n    return \n\ndef sub(a, b):\n    return a\n"
#: The model writes the explanation in three parts, a pause before each of the next two.
EXPLANATION_PARTS = ["`add` returns", " the sum of `a`", " and `b`."]
EXPLANATION = "".join(EXPLANATION_PARTS)
EDITED = "```python\ndef add(a, b):\n    return sum((a, b))\n```"
DEBIAN_ELPA = Path("/usr/share/emacs/site-lisp/elpa")
SESSION_TIMEOUT = 90


def eglot_loader(emacs: str, env: dict[str, str]) -> list[str] | None:
    """The arguments that make ``require 'eglot`` work under ``emacs -Q``, or None if nothing does."""
    activate_debian = (
        f"(progn (require 'package) (setq package-directory-list (list {json.dumps(str(DEBIAN_ELPA))}))"
        " (package-initialize))"
    )
    for loader in ([], ["--eval", activate_debian]):
        probe = [emacs, "--batch", "-Q", *loader, "--eval", "(require 'eglot)"]
        try:
            if subprocess.run(probe, env=env, capture_output=True, timeout=60, check=False).returncode == 0:
                return loader
        except (OSError, subprocess.TimeoutExpired):
            return None
    return None


@dataclass
class Emacs:
    """``emacs --batch -Q`` with eglot loadable, in a home of its own."""

    command: list[str]
    env: dict[str, str]
    work: Path


@pytest.fixture(scope="module")
def emacs(tmp_path_factory: pytest.TempPathFactory) -> Emacs:
    binary = shutil.which("emacs")
    require_tool(binary, "Emacs is not installed (apt-get install emacs-nox elpa-eglot)")
    assert binary is not None
    version = version_of([binary, "--version"], r"GNU Emacs (\d+)\.(\d+)")
    require_tool(version is not None and version >= (28, 1), f"Emacs {version} is older than 28.1")
    work = tmp_path_factory.mktemp("emacs")
    env = editor_env(work / "home")
    loader = eglot_loader(binary, env)
    require_tool(loader is not None, "eglot is not installed (apt-get install elpa-eglot)")
    assert loader is not None
    # The directory on the load path, as the README has it: the files require each other.
    return Emacs([binary, "--batch", "-Q", "-L", str(EDITORS / "emacs"), *loader], env, work)


@pytest.mark.parametrize("name", ["codex-ls.el", "codex-ls-mode.el", "codex-ls-text.el"])
def test_each_file_byte_compiles_without_warnings(emacs: Emacs, name: str) -> None:
    copy = emacs.work / f"compile-{name}" / name
    copy.parent.mkdir()
    shutil.copy(EDITORS / "emacs" / name, copy)
    compile_it = (
        f"(progn (setq byte-compile-error-on-warn t) (kill-emacs (if (byte-compile-file {json.dumps(str(copy))}) 0 1)))"
    )
    done = subprocess.run(
        [*emacs.command, "--eval", compile_it], env=emacs.env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert copy.with_suffix(".elc").exists()


@dataclass
class Session:
    result: dict[str, Any]
    backend: FakeBackend
    output: str


@pytest.fixture(scope="module")
def session(model: tuple[FakeBackend, ScriptedModel], emacs: Emacs) -> Session:
    work = emacs.work
    server = codex_ls_command()
    assert server is not None, "codex-ls is not installed in this environment"

    backend, script = model
    script.completions += [("    return ", "a + b"), ("    return a", " - b"), ("total = mul(", "2, 3)")]
    # The last chat answer is slow: the server is killed while it is "busy" with it.
    script.chats += [
        Reply(chunks=EXPLANATION_PARTS, chunk_delay=0.4),
        Reply(chunks=["```js\n", "function add(a, b) {\n", "  return a + b;\n", "}\n```\n"], chunk_delay=0.4),
        EDITED,
        Reply(chunks=["late"], first_delay=30.0),
    ]
    project = work / "project"
    (project / ".git").mkdir(parents=True)  # so that project.el finds the project, as in a checkout
    file = project / "app.py"
    file.write_text(SOURCE, encoding="utf-8")
    result_path, server_log = work / "result.json", work / "codex-ls.log"
    env = emacs.env | {
        "CODEX_TEST_SERVER": server,
        "CODEX_TEST_URL": backend.openai_url,
        "CODEX_TEST_FILE": str(file),
        "CODEX_TEST_RESULT": str(result_path),
        "CODEX_TEST_SERVER_LOG": str(server_log),
        "CODEX_TEST_EXPLAIN": "1",
        "CODEX_TEST_EDIT": "1",
        "CODEX_TEST_RECOVER": "1",
    }
    command = [
        *emacs.command,
        "-l",
        str(EDITORS / "emacs" / "codex-ls.el"),
        "-l",
        str(HERE / "emacs_session.el"),
    ]
    result, describe = run_session("Emacs", command, project, env, result_path, server_log, SESSION_TIMEOUT)
    assert not result.get("error"), f"the session failed: {result['error']}\n{describe()}"
    assert not result.get("timed-out"), f"the session timed out\n{describe()}"
    return Session(result, backend, describe())


def test_eglot_starts_codex_ls_from_the_registered_entry(session: Session) -> None:
    result = session.result
    assert result["major-mode"] == "python-mode"
    assert result["contact"].startswith('("')
    assert ":initializationOptions codex-ls--initialization-options" in result["contact"]
    assert result["connected"] is True, session.output
    assert result["server-name"] == "codex-ls"
    assert result["mode-line"] == " codex"


def test_completion_at_point_offers_the_suggestion(session: Session) -> None:
    assert session.result["candidates"] == ["a + b"], session.output
    (request, *_) = requests_to(session.backend, "/v1/completions")
    assert (request.body or {})["model"] == "qwen2.5-coder-1.5b"  # the settings arrived


def test_completion_at_point_inserts_it_through_the_text_edit(session: Session) -> None:
    assert session.result["before"] == SOURCE
    assert session.result["after"] == SOURCE.replace("return \n", "return a + b\n"), session.output
    assert session.result["point"] == [2, 16]


def test_completion_right_after_a_word_is_offered_and_inserted(session: Session) -> None:
    assert session.result["mid-word-candidates"] == ["a - b"]
    assert session.result["mid-word-after"].endswith("def sub(a, b):\n    return a - b\n")


def test_codex_ls_explain_shows_the_markdown_answer(session: Session) -> None:
    assert not session.result.get("explain-error"), session.result.get("explain-error")
    assert session.result["explanation"] == EXPLANATION
    assert_grew([(text, done is True) for text, done, _ in session.result["explanation-changes"]], EXPLANATION_PARTS)


def test_codex_ls_translate_shows_the_code_as_the_model_writes_it(session: Session) -> None:
    assert not session.result.get("explain-error"), session.result.get("explain-error")
    lines = ["function add(a, b) {", "\n  return a + b;", "\n}"]
    assert_grew([(text, done is True) for text, done, _ in session.result["translation-changes"]], lines)
    assert session.result["translation-mode"] == "js-mode"  # javascript-mode, without its hooks


def test_codex_ls_edit_applies_the_servers_edit(session: Session) -> None:
    assert not session.result.get("edit-error"), session.result.get("edit-error")
    assert session.result["edited"].startswith("def add(a, b):\n    return sum((a, b))\n\ndef sub(a, b):")
    chats = requests_to(session.backend, "/v1/chat/completions")
    assert any("use the built-in sum" in chat_text(chat) for chat in chats)


def test_eglot_connects_again_after_a_kill_and_completion_resumes(session: Session) -> None:
    result = session.result
    assert not result.get("recover-error"), result.get("recover-error")
    assert result["recover-killed"] is True
    assert result["recover-reconnected"] is True, session.output
    # Killed after "tot"; "al = mu" typed while it was down, "l(" once it was back.
    assert result["recover-after"] == result["recover-before"] + "total = mul("
    assert result["recover-candidates"] == ["2, 3)"]
    assert "Reconnecting after unexpected server exit" in result["recover-messages"]
    # Killed while busy with an explanation: the new server starts idle, and so does the mode line.
    assert result["recover-busy-mode-line"] == " codex…"
    assert result["recover-mode-line"] == " codex"


# -- codex-ls-mode: its own connection, beside eglot running pylsp ------------------------------------

SHAPES = (
    "import math\n\n\ndef area(r):\n    return math.pi * r * r\n\n\n"
    'def add(a, b):\n    """Return the sum of a and b."""\n    ...\n'
)
MODE_SOURCE = "def mul(a, b):\n    return a\n" + SHAPES
COMMENTED = "def area(r):\n    # pi r squared\n    return math.pi * r * r\n"
EDITED_AREA = "```python\ndef area(r):\n    # pi r squared\n    return math.pi * r ** 2\n```"
DOCSTRING = 'def area(r):\n    """Area of a circle of radius r."""\n    return math.pi * r ** 2\n'
TESTS = "```python\nfrom shapes import area\n\n\ndef test_unit_circle():\n    assert area(1) > 3\n```"
MODE_EXPLANATION_PARTS = ["`area` multiplies", " pi by `r`", " twice."]
#: The lines of a translation as they are shown while the model writes its answer.
MODE_TRANSLATION_LINES = ["function area(r) {", "\n  return Math.PI * r * r;", "\n}"]
GO = "```go\nfunc area(r float64) float64 {\n\treturn math.Pi * r * r\n}\n```"


@pytest.fixture(scope="module")
def mode_session(model: tuple[FakeBackend, ScriptedModel], emacs: Emacs) -> Session:
    server = codex_ls_command()
    assert server is not None, "codex-ls is not installed in this environment"
    pylsp = Path(server).with_name("pylsp")
    require_tool(pylsp.exists(), "pylsp is not installed beside codex-ls (pip install python-lsp-server)")
    backend, script = model
    script.completions += [
        ("    return a * ", "b"),
        ("print(add(", "1, 2)"),
        ("def area(w, h):\n    ", "product = w * h\n    return product"),
        ("total = mul(", "2, 3)"),
        ('b."""\n    ', "return a + b"),
    ]
    script.chats += [
        COMMENTED,
        "`area` is the area of a circle of radius `r`.",
        EDITED_AREA,
        f"```python\n{DOCSTRING}```",
        TESTS,
        "6: r may be negative",
        GO,
        Reply(chunks=MODE_EXPLANATION_PARTS, chunk_delay=0.4),
        Reply(
            chunks=["Here:\n```javascript\n", *(line.lstrip("\n") + "\n" for line in MODE_TRANSLATION_LINES), "```\n"],
            chunk_delay=0.4,
        ),
    ]
    work = emacs.work / "mode"
    project = work / "project"
    (project / ".git").mkdir(parents=True)
    file = project / "shapes.py"
    file.write_text(MODE_SOURCE, encoding="utf-8")
    result_path, server_log = work / "result.json", work / "codex-ls.log"
    env = emacs.env | {
        "CODEX_TEST_SERVER": server,
        "CODEX_TEST_PYLSP": str(pylsp),
        "CODEX_TEST_URL": backend.openai_url,
        "CODEX_TEST_FILE": str(file),
        "CODEX_TEST_RESULT": str(result_path),
        "CODEX_TEST_SERVER_LOG": str(server_log),
    }
    command = [
        *emacs.command,
        "-l",
        str(EDITORS / "emacs" / "codex-ls-mode.el"),
        "-l",
        str(HERE / "emacs_mode_session.el"),
    ]
    result, describe = run_session("Emacs", command, project, env, result_path, server_log, 180)
    assert not result.get("error"), f"the session failed: {result['error']}\n{describe()}"
    assert not result.get("timed-out"), f"the session timed out\n{describe()}"
    return Session(result, backend, describe())


def no_error(session: Session, step: str) -> dict[str, Any]:
    result = session.result
    assert not result.get(f"{step}-error"), f"{step}: {result.get(f'{step}-error')}\n{session.output}"
    return result


def test_the_mode_runs_its_own_server_beside_eglots(mode_session: Session) -> None:
    result = no_error(mode_session, "setup")
    assert result["major-mode"] == "python-mode"
    assert result["language-id"] == "python"
    assert result["eglot-connected"] is True  # pylsp, through eglot, in the same buffer
    assert result["connected"] is True
    assert result["mode-line"] == " codex"
    assert result["tab"] == "indent-for-tab-command"  # TAB is left alone
    assert list(result["titles"]) == [
        "Explain",
        "Add unit tests",
        "Edit with instruction",
        "Implement function",
        "Add docstring",
        "Add comments",
        "Find bugs",
        "Translate",
    ]


def test_ghost_text_appears_while_typing_and_is_accepted_whole(mode_session: Session) -> None:
    result = no_error(mode_session, "accept")
    assert result["ghost"] == "b"
    assert result["ghost-keys"] == "codex-ls-mode-accept"
    assert result["accept-command"] == "codex-ls-mode-accept"
    assert result["accepted-line"] == "    return a * b"
    assert result["accepted-ghost"] is None
    assert result["keys-after"] != "codex-ls-mode-accept"  # the keys are active only while a suggestion is shown


def test_accept_word_then_line_shows_the_rest_without_a_model_call(mode_session: Session) -> None:
    result = no_error(mode_session, "partial")
    assert result["partial-first"] == "product = w * h\n    return product"
    assert result["word-command"] == "codex-ls-mode-accept-word"
    assert result["word-line"] == "    product"
    assert result["word-at-once"] == " = w * h\n    return product"
    assert result["word-settled"] == " = w * h\n    return product"  # as the server answered it
    assert result["line-command"] == "codex-ls-mode-accept-line"
    assert result["line-lines"] == ["    product = w * h", ""]
    assert result["line-at-once"] == "    return product"
    assert result["line-settled"] == "    return product"
    assert result["partial-text"].endswith("def area(w, h):\n    product = w * h\n    return product")
    # The server's count of model calls, before the word and after the rest of the line was shown.
    assert result["model-after-partial"] == result["model-before-partial"]
    prefixes = [fim_prefix(r) or "" for r in requests_to(mode_session.backend, "/v1/completions")]
    assert any(p.endswith("def area(w, h):\n    ") for p in prefixes)
    stats = result["partial-stats"]["suggestions"]
    assert stats["partiallyAccepted"] == 2
    assert stats["accepted"] == 2  # the whole of "a * b", then the rest of this one


def test_alternatives_cycle_and_a_dismissal_is_counted(mode_session: Session) -> None:
    result = no_error(mode_session, "cycle")
    assert (result["cycle-shown"], result["cycle-next"], result["cycle-previous"]) == (
        "first (1/2)",
        "second (2/2)",
        "first (1/2)",
    )
    assert result["dismiss-command"] == "codex-ls-mode-dismiss"
    assert result["dismissed-ghost"] is None
    assert result["dismiss-stats"]["suggestions"]["dismissed"] == 1


def test_pylsp_still_answers_xref_and_hover_while_ghost_text_is_shown(mode_session: Session) -> None:
    result = no_error(mode_session, "other")
    assert result["other-ghost"] == "1, 2)"
    assert result["xref-backend"] == "eglot"
    assert list(result["xref-lines"]) == [10]
    assert "Return the sum of a and b." in result["hover"]
    assert result["other-ghost-after"] == "1, 2)"


@pytest.mark.parametrize(
    "name", ["comments", "explain", "edit", "docstring", "implement", "tests", "bugs", "translate"]
)
def test_every_code_action_runs_through_the_modes_connection(mode_session: Session, name: str) -> None:
    result = no_error(mode_session, "actions")
    assert result[f"{name}-done"].endswith(":done t)"), result[f"{name}-done"]
    assert result[f"{name}-busy"]


def test_the_code_actions_change_the_buffer_and_show_their_documents(mode_session: Session) -> None:
    result = no_error(mode_session, "actions")
    assert COMMENTED in result["comments-text"]
    assert "`area` is the area of a circle of radius `r`." in result["explained"]
    assert "    return math.pi * r ** 2\n" in result["edit-text"]
    assert '    """Area of a circle of radius r."""\n' in result["docstring-text"]
    assert '    """Return the sum of a and b."""\n    return a + b\n' in result["implement-text"]
    assert "r may be negative" in result["findings"]
    assert result["translated"].startswith("func area(r float64) float64 {")
    assert "def test_unit_circle():\n    assert area(1) > 3\n" in result["tests-file"]


def test_explain_by_its_title_grows_the_help_buffer_as_the_model_writes(mode_session: Session) -> None:
    result = no_error(mode_session, "stream")
    assert result["streamed"] == "".join(MODE_EXPLANATION_PARTS)
    assert_grew([(text, done is True) for text, done, _ in result["streamed-changes"]], MODE_EXPLANATION_PARTS)


def test_translate_by_its_title_grows_a_buffer_of_code_as_the_model_writes(mode_session: Session) -> None:
    result = no_error(mode_session, "stream")
    assert result["streamed-code"] == "".join(MODE_TRANSLATION_LINES)
    assert_grew([(text, done is True) for text, done, _ in result["streamed-code-changes"]], MODE_TRANSLATION_LINES)
    assert result["streamed-code-mode"] == "js-mode"  # javascript-mode, without its hooks


def test_a_killed_server_takes_its_ghost_text_and_comes_back(mode_session: Session) -> None:
    result = no_error(mode_session, "kill")
    assert result["kill-ghost"] == "2, 3)"
    assert result["kill-ghost-after"] is None
    assert result["kill-text-kept"] is True
    assert result["kill-restarted"] is True
    assert result["kill-ghost-again"] == "2, 3)"
    assert "codex-ls exited; starting it again" in result["kill-messages"]
    assert "codex-ls is running again" in result["kill-messages"]
