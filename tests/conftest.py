"""Shared fixtures: the fake model backend on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.fake_backend import FakeBackend


@pytest.fixture
def fake() -> Iterator[FakeBackend]:
    with FakeBackend() as backend:
        yield backend
