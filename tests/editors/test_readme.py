"""The configuration snippets of editors/README.md are valid settings for the server.

Helix cannot be installed here: its snippet is at least parsed as TOML and its
``config`` checked by the server's own settings parser.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import pytest

from codex_ls.config import parse_config
from tests.editors.harness import EDITORS

README = (EDITORS / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.MULTILINE | re.DOTALL)


def test_the_helix_snippet_starts_codex_ls_with_valid_settings() -> None:
    (snippet,) = blocks("toml")
    config = tomllib.loads(snippet)
    server = config["language-server"]["codex-ls"]
    assert server["command"] == "codex-ls"
    _, errors = parse_config(server["config"])
    assert errors == []
    (python,) = [lang for lang in config["language"] if lang["name"] == "python"]
    assert {"name": "codex-ls", "only-features": ["completion", "code-action"]} in python["language-servers"]


@pytest.mark.parametrize("snippet", blocks("json"), ids=lambda s: s.split("\n")[0][:40])
def test_json_snippets_are_valid_settings(snippet: str) -> None:
    data: dict[str, Any] = json.loads(snippet)
    if any(key.startswith("codexLs.") for key in data):  # VS Code's flat keys
        nested: dict[str, Any] = {}
        for key, value in data.items():
            *parents, leaf = key.removeprefix("codexLs.").split(".")
            node = nested
            for parent in parents:
                node = node.setdefault(parent, {})
            node[leaf] = value
        data = nested
    _, errors = parse_config(data)
    assert errors == []
