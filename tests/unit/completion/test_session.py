"""One session per open document: everything kept for it lives there, and closing drops it."""

from __future__ import annotations

import asyncio

from codex_ls.completion.engine import CompletionEngine
from codex_ls.completion.fim import TEMPLATES
from codex_ls.completion.service import CompletionService, OpenDocument
from codex_ls.config import Config

from .test_engine import ScriptedBackend

URI = "file:///a.py"


def service_with(backend: ScriptedBackend) -> CompletionService:
    return CompletionService(CompletionEngine(Config(), backend, TEMPLATES["qwen"]))


def at_end(text: str, uri: str = URI) -> tuple[OpenDocument, int]:
    return OpenDocument(uri, "a.py", 1, text + "\n"), len(text)


async def test_a_document_has_one_session_holding_what_its_requests_leave() -> None:
    service = service_with(ScriptedBackend("foo(1)", "bar"))
    document, offset = at_end("x = ")
    await service.complete(document, offset, manual=False)
    await service.complete(*at_end("y = ", "file:///b.py"), manual=False)
    assert set(service.sessions) == {URI, "file:///b.py"}
    session = service.sessions[URI]
    assert session.shown is not None
    assert [s.text for s in session.shown.suggestions] == ["foo(1)"]
    assert session.debouncer.interval == 1.0  # one keystroke so far


async def test_closing_a_document_drops_its_session_closes_its_stream_and_ends_its_job() -> None:
    backend = ScriptedBackend("value + 1", "value + 1", delay=0.05)
    service = service_with(backend)
    request = asyncio.ensure_future(service.complete(*at_end("x = "), manual=False))
    await asyncio.sleep(0.06)
    assert service.watching(URI)
    service.closed(URI)
    assert URI not in service.sessions
    assert not service.watching(URI)
    assert await request is None  # its job was ended: nobody works on it any more
    assert backend.closed_early == 1
    assert service.stats()["closed_document_closed"] == 1


async def test_a_reopened_document_starts_afresh() -> None:
    backend = ScriptedBackend("foo(1)", "oo(2)")
    service = service_with(backend)
    await service.complete(*at_end("x = "), manual=False)
    service.closed(URI)
    # Open, "f" would type through "foo(1)"; closed and reopened, nothing shown is remembered.
    answer = await service.complete(*at_end("x = f"), manual=False)
    assert answer is not None
    assert [s.text for s in answer.suggestions] == ["oo(2)"]
    assert len(backend.calls) == 2


async def test_a_newer_request_supersedes_the_older_within_the_session() -> None:
    backend = ScriptedBackend("value + 1", "zeta", delay=0.02)
    service = service_with(backend)
    first = asyncio.ensure_future(service.complete(*at_end("x = "), manual=False))
    await asyncio.sleep(0.05)
    second = await service.complete(*at_end("x = z"), manual=False)
    assert await first is None
    assert second is not None
    assert [s.text for s in second.suggestions] == ["zeta"]


async def test_new_settings_drop_every_session() -> None:
    backend = ScriptedBackend("value + 1", delay=0.05)
    service = service_with(backend)
    request = asyncio.ensure_future(service.complete(*at_end("x = "), manual=False))
    await asyncio.sleep(0.06)
    old = service.replace_engine(CompletionEngine(Config(), ScriptedBackend(), TEMPLATES["qwen"]))
    assert service.sessions == {}
    assert await request is None
    assert backend.closed_early == 1
    assert old.counts["closed_shutdown"] == 1
