"""Settings parsing: camelCase in, typed frozen config out, one message per bad setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex_ls.config import Config, load_env_config, load_settings, merge, parse_config, to_wire


def test_example_settings_from_the_docs_parse_without_errors() -> None:
    raw = {
        "backend": {
            "kind": "openai",
            "url": "http://127.0.0.1:8080/v1",
            "model": "qwen2.5-coder-1.5b",
            "fimFamily": "qwen",
            "fim": "template",
            "apiKeyEnv": "OPENAI_API_KEY",
        },
        "completion": {"temperature": 0.1, "maxTokens": 128},
    }
    config, errors = parse_config(raw)
    assert errors == []
    assert config.backend.kind == "openai"
    assert config.backend.base_url == "http://127.0.0.1:8080/v1"
    assert config.backend.fim_family == "qwen"
    assert config.backend.api_key_env == "OPENAI_API_KEY"
    assert config.completion.max_tokens == 128


def test_no_settings_means_the_local_backend() -> None:
    config, errors = parse_config(None)
    assert errors == []
    assert config == Config()
    assert config.backend.kind == "local"


@pytest.mark.parametrize(
    ("raw", "setting", "field"),
    [
        pytest.param({"completion": {"temperature": "hot"}}, "codexLs.completion.temperature", "temperature", id="str"),
        pytest.param({"completion": {"temperature": 7}}, "codexLs.completion.temperature", "temperature", id="range"),
        pytest.param({"completion": {"maxTokens": 1.5}}, "codexLs.completion.maxTokens", "max_tokens", id="fraction"),
        pytest.param({"completion": {"maxTokens": True}}, "codexLs.completion.maxTokens", "max_tokens", id="bool"),
        pytest.param({"backend": {"kind": "gpt"}}, "codexLs.backend.kind", "kind", id="literal"),
        pytest.param({"backend": {"url": "ftp://x"}}, "codexLs.backend.url", "url", id="url-scheme"),
        pytest.param({"backend": {"readTimeout": -1}}, "codexLs.backend.readTimeout", "read_timeout", id="negative"),
    ],
)
def test_an_invalid_setting_is_named_and_falls_back_to_its_default(raw: dict, setting: str, field: str) -> None:
    config, errors = parse_config(raw)
    assert len(errors) == 1
    assert errors[0].startswith(setting)
    assert "using the default" in errors[0]
    section = config.completion if "completion" in raw else config.backend
    default = Config().completion if "completion" in raw else Config().backend
    assert getattr(section, field) == getattr(default, field)


def test_valid_settings_next_to_an_invalid_one_are_kept() -> None:
    config, errors = parse_config({"completion": {"temperature": "x", "maxTokens": 64}})
    assert len(errors) == 1
    assert config.completion.max_tokens == 64


def test_unknown_settings_are_reported_not_fatal() -> None:
    config, errors = parse_config({"backend": {"kind": "openai", "colour": "red"}})
    assert errors == ["codexLs.backend.colour: unknown setting, ignored"]
    assert config.backend.kind == "openai"


def test_a_section_of_the_wrong_type_is_reported() -> None:
    config, errors = parse_config({"backend": "openai"})
    assert errors
    assert "expected an object" in errors[0]
    assert config.backend == Config().backend


def test_snake_case_keys_are_accepted_too() -> None:
    config, errors = parse_config({"completion": {"max_tokens": 32}})
    assert errors == []
    assert config.completion.max_tokens == 32


def test_config_is_frozen() -> None:
    with pytest.raises(AttributeError):
        Config().completion.max_tokens = 3  # type: ignore[misc]


def test_wire_form_round_trips() -> None:
    config, _ = parse_config({"backend": {"kind": "ollama", "apiKeyCommand": ["pass", "show", "k"]}})
    again, errors = parse_config(to_wire(config))
    assert errors == []
    assert again == config


def test_env_config_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "codex.json"
    path.write_text(json.dumps({"completion": {"maxTokens": 99}}))
    raw, errors = load_env_config({"CODEX_LS_CONFIG": str(path)})
    assert errors == []
    assert parse_config(raw)[0].completion.max_tokens == 99


def test_unreadable_env_config_file_is_reported(tmp_path: Path) -> None:
    raw, errors = load_env_config({"CODEX_LS_CONFIG": str(tmp_path / "missing.json")})
    assert raw is None
    assert errors
    assert "CODEX_LS_CONFIG" in errors[0]


def test_merge_lets_the_editor_override_the_file() -> None:
    merged = merge({"backend": {"kind": "openai", "model": "a"}}, {"backend": {"model": "b"}})
    assert merged == {"backend": {"kind": "openai", "model": "b"}}


def test_settings_are_the_files_under_the_editors_with_the_problems_of_both(tmp_path: Path) -> None:
    path = tmp_path / "codex.json"
    path.write_text('{"backend": {"kind": "openai", "model": "a"}, "completion": {"maxTokens": 64}}')
    editor = {"backend": {"model": "b"}, "completion": {"temperature": "warm"}}
    config, errors = load_settings(editor, {"CODEX_LS_CONFIG": str(path)})
    assert (config.backend.kind, config.backend.model, config.completion.max_tokens) == ("openai", "b", 64)
    (error,) = errors
    assert error.startswith("codexLs.completion.temperature: ")
    _, errors = load_settings(None, {"CODEX_LS_CONFIG": str(tmp_path / "missing.json")})
    assert len(errors) == 1
    assert "CODEX_LS_CONFIG" in errors[0]
