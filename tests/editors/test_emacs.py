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
    chat_text,
    codex_ls_command,
    editor_env,
    requests_to,
    require_tool,
    run_session,
    version_of,
)
from tests.fakes.fake_backend import FakeBackend, Reply

SOURCE = "def add(a, b):\n    return \n\ndef sub(a, b):\n    return a\n"
EXPLANATION = "`add` returns the sum of `a` and `b`."
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
    return Emacs([binary, "--batch", "-Q", *loader], env, work)


def test_codex_ls_el_byte_compiles_without_warnings(emacs: Emacs) -> None:
    copy = emacs.work / "compile" / "codex-ls.el"
    copy.parent.mkdir()
    shutil.copy(EDITORS / "emacs" / "codex-ls.el", copy)
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
    script.chats += [EXPLANATION, EDITED, Reply(chunks=["late"], first_delay=30.0)]
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
