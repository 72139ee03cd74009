"""Real-model tests: the embedded 0.5B model through the real server.

They need llama-cpp-python and the model's part packages (``make test`` and CI
install both). Without them the tests are skipped, unless
``CODEX_LS_REQUIRE_LOCAL=1`` is set, as CI does, in which case they fail.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from codex_ls.models.assembly import status
from codex_ls.models.registry import MODELS


def local_model_missing() -> str | None:
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed (pip install 'codex-ls[local]')"
    if status(MODELS["qwen2.5-coder-0.5b"]) == "missing":
        return "the 0.5B model is not installed (codex-ls model install qwen2.5-coder-0.5b)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = local_model_missing()
    local = [item for item in items if "tests/local/" in item.nodeid]
    if local and reason and os.environ.get("CODEX_LS_REQUIRE_LOCAL") == "1":
        raise pytest.UsageError(f"real-model tests required but {reason}")
    for item in local:
        item.add_marker(pytest.mark.local_model)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
