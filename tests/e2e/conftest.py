"""The default client of the end-to-end tests: the real server over the fake backend.

A module with other needs defines its own ``client`` fixture, which takes precedence.
"""

from __future__ import annotations

from typing import Any

import pytest_lsp
from pytest_lsp import LanguageClient

from tests.e2e.lsp import openai_settings, server_config, start
from tests.fakes.fake_backend import FakeBackend


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient, fake: FakeBackend) -> Any:
    await start(lsp_client, openai_settings(fake))
    yield
    await lsp_client.shutdown_session()
