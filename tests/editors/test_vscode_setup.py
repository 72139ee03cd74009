"""VS Code finding the server: the selected Python environment, or one clear next step.

Each test starts its own code-server (about 20 s) with no ``codexLs.server.path``, a
``PATH`` without codex-ls and a workspace without a virtual environment, as a new
user's machine is before codex-ls is installed.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.editors.code_server import Workbench, missing_pieces, wait_until, workbench
from tests.editors.harness import Build, codex_ls_command, require_tool


def bare_path() -> str:
    """A PATH with Node and the system's tools but no codex-ls."""
    node = shutil.which("node")
    assert node is not None
    dirs = [str(Path(node).parent), "/usr/bin", "/bin"]
    path = os.pathsep.join(dict.fromkeys(d for d in dirs if not (Path(d) / "codex-ls").exists()))
    assert shutil.which("codex-ls", path=path) is None
    return path


def extension_log(bench: Workbench) -> str:
    """The extension's own output channel (codex-ls), as VS Code writes it to disk."""
    logs = sorted((bench.server.user_data / "logs").glob("*/exthost*/codex-ls.codex-ls/codex-ls.log"))
    return "\n".join(log.read_text(encoding="utf-8", errors="replace") for log in logs)


@contextmanager
def fresh_vscode(extension_build: Build, tmp_path: Path, settings: dict[str, str], name: str) -> Iterator[Workbench]:
    missing = missing_pieces()
    require_tool(not missing, "missing for the real-VS-Code tests: " + "; ".join(missing))
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "app.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    with workbench(tmp_path, folder, extension_build.vsix, settings, env={"PATH": bare_path()}) as bench:
        try:
            yield bench
        finally:
            bench.screenshot(f"vscode-{name}")


def test_without_a_server_it_says_where_it_looked_and_the_next_step_works(
    extension_build: Build, tmp_path: Path
) -> None:
    server = codex_ls_command()
    assert server is not None, "codex-ls is not installed in this environment"
    with fresh_vscode(extension_build, tmp_path, {}, "no-server") as bench:
        toast = bench.page.locator(".notifications-toasts .notification-toast", has_text="codex-ls was not found")
        toast.wait_for(timeout=60_000)
        message = " ".join(toast.inner_text().split())
        assert "the workspace's .venv, nor on PATH" in message
        assert "pip install /path/to/codex-ls" in message
        assert (bench.status_item() or {}).get("icons") == "codicon-circle-slash"
        # One message and no stack trace: nothing else went wrong on the way.
        assert len(bench.notifications()) == 1, bench.notifications()
        assert "Error:" not in extension_log(bench)
        # Its button leads to the setting; setting it starts the server.
        toast.get_by_role("button", name="Set codexLs.server.path").click()
        field = bench.page.locator('.settings-editor [data-key="codexLs.server.path"] input.input').first
        field.wait_for(timeout=10_000)
        field.fill(server)
        bench.keys("Tab")
        wait_until(
            lambda: (bench.status_item() or {}).get("icons") == "codicon-sparkle",
            30.0,
            f"the server to start; the status item is {bench.status_item()}\n{extension_log(bench)[-2000:]}",
        )
        assert f"Starting {server} (from setting)" in extension_log(bench)


def test_the_server_of_the_selected_python_environment_is_used(extension_build: Build, tmp_path: Path) -> None:
    interpreter = Path(sys.executable)
    assert (interpreter.parent / "codex-ls").exists(), "codex-ls is not installed beside this Python"
    settings = {"python.defaultInterpreterPath": str(interpreter)}
    with fresh_vscode(extension_build, tmp_path, settings, "python-environment") as bench:
        wait_until(
            lambda: (bench.status_item() or {}).get("icons") == "codicon-sparkle",
            60.0,
            f"the server to start; the status item is {bench.status_item()}\n{extension_log(bench)[-2000:]}",
        )
        assert f"Starting {interpreter.parent / 'codex-ls'} (from python)" in extension_log(bench)
        assert bench.notifications() == []
