"""Real serving engines for the backend tests: llama-server and llama_cpp.server on loopback.

Each engine is started once per session on a free 127.0.0.1 port with the embedded
0.5B model, and stopped at the end. llama-server runs small, for 2 cores: 2 slots of
4096 tokens, about the least that leaves ``/infill`` room for other files beside its
batch. Without the engine's binary, its Python package or the model, the tests that
need it skip with the reason, unless ``CODEX_LS_REQUIRE_ENGINES=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engines.engines import (
    Engine,
    llama_cpp_server,
    llama_cpp_server_missing,
    llama_server,
    llama_server_binary,
    model_file,
)

#: The engine fixtures by engine.
FIXTURES = {"llama-server": "server", "llama_cpp.server": "python_server"}


def require(missing: str | None) -> None:
    if missing is None:
        return
    if os.environ.get("CODEX_LS_REQUIRE_ENGINES") == "1":
        pytest.fail(f"{missing} (CODEX_LS_REQUIRE_ENGINES=1)")
    pytest.skip(missing)


@pytest.fixture(scope="session")
def gguf() -> Path:
    path = model_file()
    require(None if path else "the 0.5B model is not installed (codex-ls model install qwen2.5-coder-0.5b)")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """llama-server with 2 slots."""
    binary = llama_server_binary()
    require(None if binary else "llama-server is not built (make install-engines)")
    assert binary is not None
    log = tmp_path_factory.mktemp("llama-server") / "engine.log"
    with llama_server(binary, gguf, log) as engine:
        yield engine


@pytest.fixture(scope="session")
def small_slots(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """llama-server with slots of 2048 tokens, as ``--ctx-size 8192 --parallel 4`` gives."""
    binary = llama_server_binary()
    require(None if binary else "llama-server is not built (make install-engines)")
    assert binary is not None
    with llama_server(binary, gguf, tmp_path_factory.mktemp("small-slots") / "engine.log", ctx_size=4096) as engine:
        yield engine


@pytest.fixture(params=["llama-server", "llama_cpp.server"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each engine in turn, for what both should do alike."""
    found: Engine = request.getfixturevalue(FIXTURES[request.param])
    return found


@pytest.fixture(scope="session")
def python_server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """llama-cpp-python's OpenAI-compatible server."""
    require(llama_cpp_server_missing())
    log = tmp_path_factory.mktemp("llama_cpp.server") / "engine.log"
    with llama_cpp_server(gguf, log) as engine:
        yield engine
