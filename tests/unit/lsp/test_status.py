"""``codex/status`` leaves the server redacted from both places that send it: an action's
progress and the notice that completions are late (``LateCompletions``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from codex_ls.errors import SECRETS
from codex_ls.lsp.actions import Feedback
from tests.unit.lsp.test_protocol import Sink, started

SECRET = "sk-status-test-5d41402abc4b2a76"


@pytest.fixture
def secret() -> Iterator[str]:
    """A key in use, as ``resolve_api_key`` registers it."""
    SECRETS.add(SECRET)
    yield SECRET
    SECRETS.discard(SECRET)


def statuses(sink: Sink) -> list[dict[str, Any]]:
    return [m["params"] for m in sink.sent if m.get("method") == "codex/status"]


async def test_an_actions_status_is_redacted(secret: str) -> None:
    server, sink = started()
    feedback = Feedback(server, f"Explain for {secret}")
    await feedback.start(lambda: None)
    feedback.end(f"the backend answered: Bearer {secret} is not valid", failed=True)
    assert statuses(sink) == [
        {"state": "busy", "message": "Explain for ***"},
        {"state": "error", "message": "the backend answered: Bearer *** is not valid"},
    ]


def test_the_servers_status_is_redacted(secret: str) -> None:
    server, sink = started()
    server.send_status("error", f"no suggestion from {secret}")
    server.late_completions.late(2.0)
    server.late_completions.in_time()
    assert statuses(sink) == [
        {"state": "error", "message": "no suggestion from ***"},
        {"state": "error", "message": "no suggestion: the model took longer than completion.timeout (2s)"},
        {"state": "idle"},
    ]


async def test_nothing_is_sent_once_the_server_is_closing(secret: str) -> None:
    server, sink = started()
    server.closing = True
    feedback = Feedback(server, "Explain")
    await feedback.start(lambda: None)
    feedback.end(f"failed with {secret}", failed=True)
    server.send_status("idle")
    assert statuses(sink) == []
