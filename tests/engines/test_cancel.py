"""Cancel and supersede through the real server: llama-server sees the client leave and frees its slot.

The engine's own account is read: ``/slots`` (``is_processing`` per slot), ``/metrics``
(``llamacpp:requests_processing``) and its log, where it writes ``cancel task`` when
a client goes away before the answer ends.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from tests.e2e.lsp import inline, open_document, send_inline, server_config, start, type_text
from tests.engines.engines import Engine

# A list the model goes on writing, one line after another, for the whole multi-line
# budget (256 tokens: seconds on 2 cores); the cursor is on the indented empty line.
SOURCE = "SQUARES = [\n    0,\n    1,\n    4,\n    9,\n    \n"
LINE, COLUMN = 5, 4
PROCESSING = "llamacpp:requests_processing"


def settings(engine: Engine) -> dict[str, Any]:
    return {
        "backend": {"kind": "llamacpp", "url": engine.url, "tuning": {"maxRetries": 0, "requestTimeout": 60.0}},
        "completion": {"timeout": 60.0, "multilineMaxTokens": 256},
    }


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient, server: Engine) -> Any:
    await start(lsp_client, settings(server))
    yield
    await lsp_client.shutdown_session()


async def busy(engine: Engine, within: float = 30.0) -> None:
    """Until a slot works on a request."""
    deadline = time.monotonic() + within
    while not await asyncio.to_thread(engine.busy_slots):
        assert time.monotonic() < deadline, "no slot ever took the request"
        await asyncio.sleep(0.05)


async def idle(engine: Engine, within: float) -> float:
    """Seconds until no slot works and the engine counts no request in progress."""
    started = time.monotonic()
    while await asyncio.to_thread(engine.busy_slots) or await asyncio.to_thread(engine.metric, PROCESSING):
        assert time.monotonic() - started < within, f"slots still busy: {await asyncio.to_thread(engine.slots)}"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_a_cancelled_request_frees_the_engine_slot(client: LanguageClient, server: Engine) -> None:
    await idle(server, 30.0)  # nothing left over from an earlier test
    mark = server.log_mark()
    uri = open_document(client, SOURCE)
    msg_id, pending = send_inline(client, uri, LINE, COLUMN)
    await busy(server)
    # As VS Code does: the cancel first, then the keystroke, which no list item starts with.
    client.protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))
    type_text(client, uri, 2, LINE, COLUMN, "#")
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(pending, 5)  # answered at once, as cancelled
    await idle(server, 10.0)
    started, cancelled = server.tasks_since(mark)
    # Every request the generation made (an automatic multi-line trigger asks for
    # completion.tuning.samples at once) was cut off by the client's leaving, none ran to its end.
    assert started, server.log_tail()
    assert started <= cancelled, server.log_tail()


async def test_a_superseded_request_frees_the_engine_slot(client: LanguageClient, server: Engine) -> None:
    await idle(server, 30.0)
    mark = server.log_mark()
    uri = open_document(client, SOURCE)
    _, first = send_inline(client, uri, LINE, COLUMN)
    await busy(server)
    # No cancel (as a client that leaves that to the server): the next request supersedes it.
    type_text(client, uri, 2, LINE, COLUMN, "#")
    await inline(client, uri, LINE, COLUMN + 1)
    superseded = await asyncio.wait_for(first, 5)
    assert superseded is None or list(superseded.items) == []
    await idle(server, 10.0)
    started, cancelled = server.tasks_since(mark)
    assert cancelled, server.log_tail()
    assert cancelled <= started
    stats = await client.protocol.send_request_async("codex/stats", None)
    assert stats.completions.closed_contradicted >= 1, stats
