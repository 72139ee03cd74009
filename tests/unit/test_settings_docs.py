"""The settings' documentation is config.py's: the README tables and VS Code's schema regenerate identically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex_ls import settings_doc
from codex_ls.config import Config

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / settings_doc.README).read_text(encoding="utf-8")
PACKAGE_JSON = (ROOT / settings_doc.PACKAGE_JSON).read_text(encoding="utf-8")
#: Entries the VS Code settings UI lists for the extension: every contributed property, the
#: extension's own and each section's tuning object included.
MAX_SETTINGS_SHOWN = 30


def test_the_readme_tables_are_generated_from_config_py() -> None:
    assert settings_doc.readme_drift(README) == [], "run: python -m codex_ls.settings_doc --write"


def test_the_vscode_schema_is_generated_from_config_py() -> None:
    assert settings_doc.package_drift(PACKAGE_JSON) == [], "run: python -m codex_ls.settings_doc --write"


def test_a_readme_row_that_drifts_is_named() -> None:
    row = next(line for line in README.splitlines() if line.startswith("| `completion.maxTokens` |"))
    drifted = README.replace(row, row.replace("`128`", "`64`"))
    (problem,) = settings_doc.readme_drift(drifted)
    assert "completion.maxTokens differs" in problem
    missing = README.replace(row + "\n", "")
    assert settings_doc.readme_drift(missing) == ["README settings table: completion.maxTokens is missing"]


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        pytest.param(("codexLs.completion.maxTokens",), "codexLs.completion.maxTokens differs", id="setting"),
        pytest.param(
            ("codexLs.model.tuning", "properties", "coldTokens"), "codexLs.model.tuning.coldTokens differs", id="knob"
        ),
    ],
)
def test_a_vscode_setting_that_drifts_is_named(path: tuple[str, ...], problem: str) -> None:
    manifest = json.loads(PACKAGE_JSON)
    node = manifest["contributes"]["configuration"]["properties"]
    for key in path:
        node = node[key]
    node["default"] = 7
    (found,) = settings_doc.package_drift(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    assert problem in found


def test_regenerating_changes_nothing_else() -> None:
    assert settings_doc.readme(README) == README
    assert settings_doc.package_json(PACKAGE_JSON) == PACKAGE_JSON
    before = json.loads(PACKAGE_JSON)
    after = json.loads(settings_doc.package_json(PACKAGE_JSON))
    assert {k: v for k, v in after.items() if k != "contributes"} == {
        k: v for k, v in before.items() if k != "contributes"
    }
    own = [
        key for key in after["contributes"]["configuration"]["properties"] if key.split(".")[1] in ("server", "trace")
    ]
    assert own == ["codexLs.server.path", "codexLs.server.args", "codexLs.trace.server"]


def test_the_settings_ui_lists_at_most_thirty_entries_and_one_per_tuning_section() -> None:
    shown = json.loads(PACKAGE_JSON)["contributes"]["configuration"]["properties"]
    assert len(shown) <= MAX_SETTINGS_SHOWN
    tuning = [key for key in settings_doc.schema() if key.endswith(".tuning")]
    assert tuning == [f"codexLs.{section}.tuning" for section in ("backend", "model", "completion", "actions")]


def test_every_setting_has_a_short_one_line_description() -> None:
    found = list(settings_doc.settings())
    assert len(found) == 51
    for setting in found:
        assert "\n" not in setting.doc, setting.path
        assert 10 < len(setting.doc) <= 320, setting.path
        assert setting.doc.endswith("."), setting.path


def test_the_documented_defaults_are_the_configs() -> None:
    properties = settings_doc.schema()
    assert properties["codexLs.completion.maxTokens"]["default"] == Config().completion.max_tokens
    knobs = properties["codexLs.model.tuning"]["properties"]
    assert knobs["coldTokens"]["default"] == Config().model.tuning.cold_tokens
    assert properties["codexLs.backend.apiKeyEnv"]["default"] == ""  # unset: left out when the extension sends
    assert properties["codexLs.model.nThreads"]["type"] == ["integer", "null"]


def test_write_and_check_on_a_checkout(tmp_path: Path) -> None:
    (tmp_path / "editors/vscode").mkdir(parents=True)
    stale = README.replace("| `completion.maxTokens` | `128` |", "| `completion.maxTokens` | `64` |")
    (tmp_path / "README.md").write_text(stale, encoding="utf-8")
    (tmp_path / settings_doc.PACKAGE_JSON).write_text(PACKAGE_JSON, encoding="utf-8")
    assert settings_doc.main(["--check", "--root", str(tmp_path)]) == 1
    assert settings_doc.main(["--write", "--root", str(tmp_path)]) == 0
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == README
    assert settings_doc.main(["--check", "--root", str(tmp_path)]) == 0
