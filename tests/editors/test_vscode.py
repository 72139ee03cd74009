"""The VS Code extension: compiles, its unit tests pass, it packages; its settings match the server's.

The extension is built as its release would be (``npm ci``, ``tsc``, ``vsce package``)
in a copy of editors/vscode, and its pure modules (settings mapping, executable
lookup, status text) are tested under Node's own test runner. The packaged ``.vsix``
is what test_vscode_live.py installs into a running VS Code.
"""

from __future__ import annotations

import json
import re
import zipfile
from typing import Any, get_args

from codex_ls.actions.specs import ACTIONS as SERVER_ACTIONS
from codex_ls.config import BackendKind, Config, to_wire
from tests.editors.harness import EXTENSION, Build

#: The extension's own settings (src/settings.ts CLIENT_SETTINGS), never sent to the server.
CLIENT_SETTINGS = {"server.path", "server.args", "trace.server"}


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
    # A section's tuning knobs are the properties of its one object-typed setting.
    objects = {key for key, value in declared.items() if "properties" in value}
    declared |= {f"{key}.{name}": knob for key in objects for name, knob in declared[key]["properties"].items()}
    missing = sorted(set(server) - set(declared))
    assert not missing, f"server settings missing from package.json: {missing}"
    unknown = sorted(set(declared) - set(server) - CLIENT_SETTINGS - objects)
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


def test_dependencies_install_from_the_lockfile(extension_build: Build) -> None:
    extension_build.check("npm ci")
    installed = json.loads(
        (extension_build.root / "node_modules" / "vscode-languageclient" / "package.json").read_text()
    )
    assert installed["version"] == manifest()["dependencies"]["vscode-languageclient"]


def test_typescript_compiles_without_errors(extension_build: Build) -> None:
    done = extension_build.check("compile")
    assert "error TS" not in done.stdout + done.stderr
    assert (extension_build.root / "dist" / "extension.js").exists()  # the bundle


def test_node_unit_tests_pass(extension_build: Build) -> None:
    done = extension_build.check("npm test")
    report = done.stdout
    passed = re.search(r"^# pass (\d+)$", report, re.MULTILINE)
    failed = re.search(r"^# fail (\d+)$", report, re.MULTILINE)
    assert passed, report[-3000:]
    assert failed, report[-3000:]
    assert int(failed.group(1)) == 0
    assert int(passed.group(1)) >= 30  # the suites ran, not an empty glob


def test_vsce_packages_the_bundle_and_nothing_else(extension_build: Build) -> None:
    extension_build.check("vsce package")
    with zipfile.ZipFile(extension_build.root / "codex-ls.vsix") as vsix:
        names = set(vsix.namelist())
        packaged = json.loads(vsix.read("extension/package.json"))
    main = "extension/" + packaged["main"].removeprefix("./")
    assert main in names
    assert main == "extension/dist/extension.js"
    assert "extension/LICENSE.md" in names
    # vscode-languageclient is inside the bundle: no node_modules, sources or tsc output.
    assert not [n for n in names if n.startswith(("extension/src/", "extension/out/", "extension/node_modules/"))]
    assert len(names) <= 8, sorted(names)
    done = extension_build.check("vsce package")
    assert "files" in done.stdout
    assert "unbundled" not in (done.stdout + done.stderr).lower()


def test_the_palette_titles_are_the_servers() -> None:
    titles = {c["command"]: c["title"].removesuffix("\u2026") for c in manifest()["contributes"]["commands"]}
    for spec in SERVER_ACTIONS.values():
        command = "codexLs." + spec.command.removeprefix("codex.")
        assert titles[command] == spec.title, command
