"""Explain on the embedded model, through the real server: its words as the model writes them,
and a cancel that stops the model."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import attrs
import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.editor import Editor, start_editor, wait_for
from tests.e2e.lsp import PARTIALS, partials_client, server_config

MEAN = """def mean(values):
    total = 0
    for value in values:
        total += value
    return total / len(values)
"""


@pytest_lsp.fixture(config=attrs.evolve(server_config(), client_factory=partials_client))
async def client(lsp_client: LanguageClient, tmp_path: Path) -> Any:
    PARTIALS.received.clear()
    await start_editor(lsp_client, None, tmp_path)  # no settings: the embedded model
    yield
    await lsp_client.shutdown_session()


def chats_ended(client: LanguageClient) -> list[str]:
    """The server's log lines of the actions' generations, in order."""
    return [m.message for m in client.log_messages if "local chat ended" in m.message]


async def test_explain_arrives_in_pieces_and_a_cancel_stops_the_model(client: LanguageClient, tmp_path: Path) -> None:
    uri = Editor(client).open(tmp_path / "stats.py", MEAN)
    cursor = {"line": 1, "character": 4}
    params: dict[str, Any] = {"textDocument": {"uri": uri}, "range": {"start": cursor, "end": cursor}}
    whole = await asyncio.wait_for(
        client.protocol.send_request_async("codex/explain", params | {"partialResultToken": "whole"}), 600
    )
    pieces = PARTIALS.texts("whole")
    assert len(pieces) >= 2
    assert "".join(pieces) == whole.markdown
    await wait_for(lambda: len(chats_ended(client)) == 1, 30)
    assert "finish=stop" in chats_ended(client)[0] or "finish=length" in chats_ended(client)[0]

    # Again, cancelled as soon as the first words are shown: the model stops, and nothing more is sent.
    cancelled = asyncio.ensure_future(
        client.protocol.send_request_async("codex/explain", params | {"partialResultToken": "cut"}, msg_id="cut")
    )
    await wait_for(lambda: PARTIALS.texts("cut"), 600)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="cut"))
    with pytest.raises(Exception, match=r"(?i)cancel"):
        await asyncio.wait_for(cancelled, 30)
    shown = len(PARTIALS.texts("cut"))
    await wait_for(lambda: len(chats_ended(client)) == 2, 30)
    assert "finish=cancelled" in chats_ended(client)[1]
    await client.protocol.send_request_async("codex/stats", {})  # whatever was sent before it has arrived
    assert len(PARTIALS.texts("cut")) == shown
    assert len("".join(PARTIALS.texts("cut"))) < len(whole.markdown)
