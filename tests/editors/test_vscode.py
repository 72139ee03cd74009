"""The VS Code extension: compiles, its unit tests pass, it packages; its settings match the server's.

VS Code itself cannot run here, so the extension is built as its release would be
(``npm ci``, ``tsc``, ``vsce package``) in a copy of editors/vscode, and its pure
modules (settings mapping, executable lookup, status text) are tested under
Node's own test runner.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import pytest

from codex_ls.config import BackendKind, Config, to_wire
from tests.editors.harness import EDITORS, require_tool

EXTENSION = EDITORS / "vscode"
#: The extension's own settings (src/settings.ts CLIENT_SETTINGS), never sent to the server.
CLIENT_SETTINGS = {"server.path", "server.args", "trace.server"}
STEP_TIMEOUT = 300


def leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"backend.kind": "local", ...}`` from the nested settings object."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and key != "headers":
            flat |= leaves(value, path + ".")
        else:
            flat[path] = value
    return flat


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    return data


def test_every_server_setting_is_a_vscode_setting_with_the_servers_default() -> None:
    properties = manifest()["contributes"]["configuration"]["properties"]
    server = leaves(to_wire(Config()))
    declared = {key.removeprefix("codexLs."): value for key, value in properties.items()}
    missing = sorted(set(server) - set(declared))
    assert not missing, f"server settings missing from package.json: {missing}"
    unknown = sorted(set(declared) - set(server) - CLIENT_SETTINGS)
    assert not unknown, f"package.json settings the server does not have: {unknown}"
    for path, default in server.items():
        vscode_default = declared[path].get("default")
        if default is None:
            # Unset optional values: "" / [] / null in VS Code, left out when sent.
            assert vscode_default in ("", [], None), path
        else:
            assert vscode_default == default, f"{path}: VS Code says {vscode_default!r}, the server {default!r}"


def test_backend_kinds_are_the_servers() -> None:
    properties = manifest()["contributes"]["configuration"]["properties"]
    assert properties["codexLs.backend.kind"]["enum"] == list(get_args(BackendKind))


@dataclass
class Build:
    root: Path
    steps: dict[str, subprocess.CompletedProcess[str]]

    def check(self, name: str) -> subprocess.CompletedProcess[str]:
        done = self.steps.get(name)
        assert done is not None, f"{name} did not run (an earlier step failed): {list(self.steps)}"
        assert done.returncode == 0, f"{name} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        return done


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    npm, node = shutil.which("npm"), shutil.which("node")
    require_tool(npm and node, "Node.js and npm are not installed")
    assert npm is not None
    root = tmp_path_factory.mktemp("vscode") / "extension"
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
                timeout=STEP_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            steps[name] = subprocess.CompletedProcess(command, -9, str(exc.stdout), f"killed after {STEP_TIMEOUT} s")
        if steps[name].returncode != 0:
            break
    return Build(root, steps)


def test_dependencies_install_from_the_lockfile(build: Build) -> None:
    build.check("npm ci")
    installed = json.loads((build.root / "node_modules" / "vscode-languageclient" / "package.json").read_text())
    assert installed["version"] == manifest()["dependencies"]["vscode-languageclient"]


def test_typescript_compiles_without_errors(build: Build) -> None:
    done = build.check("compile")
    assert "error TS" not in done.stdout + done.stderr
    assert (build.root / "out" / "extension.js").exists()


def test_node_unit_tests_pass(build: Build) -> None:
    done = build.check("npm test")
    report = done.stdout
    passed = re.search(r"^# pass (\d+)$", report, re.MULTILINE)
    failed = re.search(r"^# fail (\d+)$", report, re.MULTILINE)
    assert passed, report[-3000:]
    assert failed, report[-3000:]
    assert int(failed.group(1)) == 0
    assert int(passed.group(1)) >= 30  # the suites ran, not an empty glob


def test_vsce_packages_the_extension_with_its_runtime_dependencies_only(build: Build) -> None:
    build.check("vsce package")
    with zipfile.ZipFile(build.root / "codex-ls.vsix") as vsix:
        names = set(vsix.namelist())
        packaged = json.loads(vsix.read("extension/package.json"))
    main = "extension/" + packaged["main"].removeprefix("./")
    assert main in names
    assert "extension/node_modules/vscode-languageclient/package.json" in names
    assert "extension/LICENSE.md" in names
    assert not [n for n in names if n.startswith(("extension/src/", "extension/out/test/"))]
    assert not [n for n in names if "/node_modules/typescript/" in n or "/node_modules/@vscode/vsce" in n]
