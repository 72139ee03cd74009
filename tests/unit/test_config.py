"""Settings parsing: camelCase in, typed frozen config out, one message per bad setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex_ls.config import Config, merge, parse_config, to_wire
from codex_ls.settings_sources import load_env_config, load_settings


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
        "completion": {"maxTokens": 128, "tuning": {"temperature": 0.1}},
    }
    config, errors = parse_config(raw)
    assert errors == []
    assert config.backend.kind == "openai"
    assert config.backend.base_url == "http://127.0.0.1:8080/v1"
    assert config.backend.fim_family == "qwen"
    assert config.backend.api_key_env == "OPENAI_API_KEY"
    assert config.completion.max_tokens == 128
    assert config.completion.tuning.temperature == 0.1


def test_no_settings_means_the_local_backend() -> None:
    config, errors = parse_config(None)
    assert errors == []
    assert config == Config()
    assert config.backend.kind == "local"


@pytest.mark.parametrize(
    ("raw", "setting", "field"),
    [
        pytest.param({"actions": {"maxTokens": "many"}}, "codexLs.actions.maxTokens", "max_tokens", id="str"),
        pytest.param({"actions": {"maxTokens": 7}}, "codexLs.actions.maxTokens", "max_tokens", id="range"),
        pytest.param({"completion": {"maxTokens": 1.5}}, "codexLs.completion.maxTokens", "max_tokens", id="fraction"),
        pytest.param({"completion": {"maxTokens": True}}, "codexLs.completion.maxTokens", "max_tokens", id="bool"),
        pytest.param({"backend": {"kind": "gpt"}}, "codexLs.backend.kind", "kind", id="literal"),
        pytest.param({"backend": {"url": "ftp://x"}}, "codexLs.backend.url", "url", id="url-scheme"),
        pytest.param({"completion": {"timeout": -1}}, "codexLs.completion.timeout", "timeout", id="negative"),
    ],
)
def test_an_invalid_setting_is_named_and_falls_back_to_its_default(raw: dict, setting: str, field: str) -> None:
    config, errors = parse_config(raw)
    assert len(errors) == 1
    assert errors[0].startswith(setting)
    assert "using the default" in errors[0]
    (name,) = raw
    section, default = getattr(config, name), getattr(Config(), name)
    assert getattr(section, field) == getattr(default, field)


def test_valid_settings_next_to_an_invalid_one_are_kept() -> None:
    config, errors = parse_config({"completion": {"timeout": "x", "maxTokens": 64}})
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
    editor = {"backend": {"model": "b"}, "completion": {"timeout": "warm"}}
    config, errors = load_settings(editor, {"CODEX_LS_CONFIG": str(path)})
    assert (config.backend.kind, config.backend.model, config.completion.max_tokens) == ("openai", "b", 64)
    (error,) = errors
    assert error.startswith("codexLs.completion.timeout: ")
    _, errors = load_settings(None, {"CODEX_LS_CONFIG": str(tmp_path / "missing.json")})
    assert len(errors) == 1
    assert "CODEX_LS_CONFIG" in errors[0]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(
            {"model": {"cacheLayout": False}},
            "codexLs.model.cacheLayout: unknown setting, ignored; it is codexLs.model.tuning.cacheLayout",
            id="model",
        ),
        pytest.param(
            {"backend": {"max_stop_sequences": 1}},
            "codexLs.backend.max_stop_sequences: unknown setting, ignored; "
            "it is codexLs.backend.tuning.maxStopSequences",
            id="snake-case",
        ),
        pytest.param(
            {"completion": {"reuse": False}},
            "codexLs.completion.reuse: unknown setting, ignored; it is codexLs.completion.tuning.reuse",
            id="completion",
        ),
        pytest.param(
            {"backend": {"requestTimeout": 120}},
            "codexLs.backend.requestTimeout: unknown setting, ignored; it is codexLs.backend.tuning.requestTimeout",
            id="network",
        ),
        pytest.param(
            {"completion": {"samples": 1}},
            "codexLs.completion.samples: unknown setting, ignored; it is codexLs.completion.tuning.samples",
            id="samples",
        ),
        pytest.param(
            {"actions": {"temperature": 0.5}},
            "codexLs.actions.temperature: unknown setting, ignored; it is codexLs.actions.tuning.temperature",
            id="actions",
        ),
    ],
)
def test_a_tuning_knob_at_its_old_place_is_named_with_its_new_one(raw: dict, message: str) -> None:
    config, errors = parse_config(raw)
    assert errors == [message]
    assert config == Config()


def test_tuning_knobs_parse_in_their_sections_tuning_object() -> None:
    raw = {
        "backend": {"tuning": {"readTimeout": 5, "requestTimeout": 20, "maxRetries": 0}},
        "model": {"name": "m", "tuning": {"cacheLayout": False, "coldTokens": 0}},
        "completion": {"tuning": {"samples": 1, "contextFiles": 0}},
        "actions": {"tuning": {"samples": 2, "temperature": 0.5}},
    }
    config, errors = parse_config(raw)
    assert errors == []
    network = config.backend.tuning
    assert (network.read_timeout, network.request_timeout, network.max_retries) == (5, 20, 0)
    assert (config.model.name, config.model.tuning.cache_layout, config.model.tuning.cold_tokens) == ("m", "off", 0)
    assert (config.completion.tuning.samples, config.completion.tuning.context_files) == (1, 0)
    assert (config.actions.tuning.samples, config.actions.tuning.temperature) == (2, 0.5)
    _, errors = parse_config({"model": {"tuning": {"coldTokens": -1}}})
    assert len(errors) == 1
    assert errors[0].startswith("codexLs.model.tuning.coldTokens: ")


@pytest.mark.parametrize(
    ("value", "mode", "errors"),
    [
        (True, "on", 0),
        (False, "off", 0),
        ("off", "off", 0),
        ("auto", "auto", 0),
        (1, "auto", 1),
        ("yes", "auto", 1),
    ],
)
def test_the_cache_layout_was_a_switch_and_its_true_and_false_still_mean_on_and_off(
    value: object, mode: str, errors: int
) -> None:
    config, found = parse_config({"model": {"tuning": {"cacheLayout": value}}})
    assert (config.model.tuning.cache_layout, len(found)) == (mode, errors)


def test_openai_chat_is_refused_with_what_to_use_instead() -> None:
    config, errors = parse_config({"backend": {"kind": "openai-chat", "url": "http://127.0.0.1:8080/v1"}})
    (error,) = errors
    assert error.startswith("codexLs.backend.kind: 'openai-chat' cannot serve completions")
    assert "use 'openai' with the same url" in error
    assert (config.backend.kind, config.backend.url) == ("local", "http://127.0.0.1:8080/v1")
