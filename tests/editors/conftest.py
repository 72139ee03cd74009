"""Fixtures of the real-editor tests: one scripted model server per test module, one extension build."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.editors.harness import Build, ScriptedModel, build_extension
from tests.fakes.fake_backend import FakeBackend


@pytest.fixture(scope="module")
def model() -> Iterator[tuple[FakeBackend, ScriptedModel]]:
    script = ScriptedModel()
    with FakeBackend() as backend:
        backend.responder = script
        yield backend, script


@pytest.fixture(scope="session")
def extension_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The VS Code extension, built once per run for its own tests and for the running VS Code."""
    return build_extension(tmp_path_factory.mktemp("vscode") / "extension")
