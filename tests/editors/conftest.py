"""Fixtures of the real-editor tests: one scripted model server per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.editors.harness import ScriptedModel
from tests.fakes.fake_backend import FakeBackend


@pytest.fixture(scope="module")
def model() -> Iterator[tuple[FakeBackend, ScriptedModel]]:
    script = ScriptedModel()
    with FakeBackend() as backend:
        backend.responder = script
        yield backend, script
