"""Reading the FIM family from GGUF headers written here byte by byte."""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from codex_ls.models import gguf
from codex_ls.models.registry import ModelError

U8, I32, U32, F32, BOOL, STRING, ARRAY, U64, F64 = 0, 5, 4, 6, 7, 8, 9, 10, 12
_FORMATS = {U8: "<B", I32: "<i", U32: "<I", F32: "<f", BOOL: "<?", U64: "<Q", F64: "<d"}


def _gguf_string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def _gguf_value(kind: int, value: Any) -> bytes:
    if kind == STRING:
        return _gguf_string(value)
    if kind == ARRAY:
        element, items = value
        return struct.pack("<IQ", element, len(items)) + b"".join(_gguf_value(element, item) for item in items)
    return struct.pack(_FORMATS[kind], value)


def _write_gguf(path: Path, pairs: Sequence[tuple[str, int, Any]], *, version: int = 3) -> Path:
    body = b"".join(
        _gguf_string(key) + struct.pack("<I", kind) + _gguf_value(kind, value) for key, kind, value in pairs
    )
    # Tensor info and data would follow; a reader of the metadata must not need them.
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", version, 1, len(pairs)) + body + b"\0" * 64)
    return path


def _tokens(*extra: str) -> tuple[str, int, Any]:
    return ("tokenizer.ggml.tokens", ARRAY, (STRING, ["<s>", "hello", "▁world", *extra]))


@pytest.mark.parametrize(
    ("pairs", "family"),
    [
        pytest.param(
            [("general.architecture", STRING, "qwen2"), ("general.name", STRING, "Tiny"), _tokens()],
            "qwen",
            id="qwen2-architecture",
        ),
        pytest.param(
            [("general.architecture", STRING, "llama"), ("general.name", STRING, "Qwen2.5 Coder 0.5B Instruct")],
            "qwen",
            id="qwen-in-name",
        ),
        pytest.param(
            [("general.architecture", STRING, "llama"), ("general.name", STRING, "CodeLlama 7B")],
            "codellama",
            id="codellama",
        ),
        pytest.param([("general.architecture", STRING, "starcoder2")], "starcoder", id="starcoder2"),
        pytest.param(
            [("general.architecture", STRING, "llama"), ("general.basename", STRING, "deepseek-coder")],
            "deepseek",
            id="deepseek-basename",
        ),
        pytest.param(
            [("general.architecture", STRING, "gemma"), ("general.name", STRING, "codegemma-2b")],
            "codegemma",
            id="codegemma",
        ),
        pytest.param(
            [("general.architecture", STRING, "llama"), ("general.name", STRING, "Codestral 22B")],
            "codestral",
            id="codestral",
        ),
        pytest.param(
            [
                ("general.architecture", STRING, "gpt2"),
                ("general.name", STRING, "mystery"),
                _tokens("<fim_prefix>", "<fim_middle>", "<fim_suffix>"),
            ],
            "starcoder",
            id="starcoder-tokens",
        ),
        pytest.param(
            [
                ("general.architecture", STRING, "llama"),
                ("general.name", STRING, "Llama 3 8B"),
                ("llama.context_length", U32, 8192),
                ("tokenizer.ggml.scores", ARRAY, (F32, [0.0, 1.0, 2.0])),
                _tokens(),
            ],
            None,
            id="unknown",
        ),
    ],
)
def test_gguf_fim_family(tmp_path: Path, pairs: list[tuple[str, int, Any]], family: str | None) -> None:
    assert gguf.gguf_fim_family(_write_gguf(tmp_path / "m.gguf", pairs)) == family


def test_gguf_version_2_is_read(tmp_path: Path) -> None:
    path = _write_gguf(tmp_path / "m.gguf", [("general.architecture", STRING, "qwen2")], version=2)
    assert gguf.gguf_fim_family(path) == "qwen"


def test_read_gguf_metadata_returns_scalars_only(tmp_path: Path) -> None:
    path = _write_gguf(
        tmp_path / "m.gguf",
        [
            ("general.architecture", STRING, "qwen2"),
            ("general.file_type", U32, 17),
            ("qwen2.rope.freq_base", F32, 1_000_000.0),
            ("tokenizer.ggml.add_bos_token", BOOL, False),
            ("tokenizer.ggml.token_type", ARRAY, (I32, [1, 1, 3])),
            ("nested", ARRAY, (ARRAY, [(STRING, ["a", "b"]), (U8, [1, 2, 3])])),
            _tokens("<|fim_prefix|>"),
            ("general.size", U64, 2**40),
            ("general.ratio", F64, 0.25),
            ("general.flag", U8, 7),
        ],
    )
    assert gguf.read_gguf_metadata(path) == {
        "general.architecture": "qwen2",
        "general.file_type": 17,
        "qwen2.rope.freq_base": 1_000_000.0,
        "tokenizer.ggml.add_bos_token": False,
        "general.size": 2**40,
        "general.ratio": 0.25,
        "general.flag": 7,
    }
    assert gguf.read_gguf_metadata(path, {"general.ratio", "absent"}) == {"general.ratio": 0.25}


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"PK\x03\x04 this is a zip file", id="not-gguf"),
        pytest.param(b"GGUF" + struct.pack("<IQQ", 1, 0, 0), id="version-1"),
        pytest.param(b"GGUF" + struct.pack("<IQQ", 3, 0, 5) + struct.pack("<Q", 2**40), id="truncated"),
        pytest.param(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + _gguf_string("k") + struct.pack("<I", 99), id="bad-type"),
    ],
)
def test_gguf_errors_are_model_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=re.escape(str(path))):
        gguf.gguf_fim_family(path)


def test_gguf_missing_file_is_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="Cannot read"):
        gguf.read_gguf_metadata(tmp_path / "absent.gguf")


def test_a_users_gguf_chooses_the_servers_fim_template(tmp_path: Path) -> None:
    from codex_ls.config import parse_config
    from codex_ls.lsp.app import create_server

    path = tmp_path / "mine.gguf"
    _write_gguf(path, [("general.architecture", 8, "starcoder2"), ("general.name", 8, "StarCoder2 3B")])
    config, errors = parse_config({"model": {"path": str(path)}})
    assert errors == []
    assert create_server(config).completion.template.family == "starcoder"
