"""A block typed as it comes: its first line shown while the model writes on, the next taken from the same stream.

An automatic request in an empty body is answered as soon as the model has written
the body's first whole line; the generation streams on. The editor's request after
the user takes that line (Tab inserts it) gets the next line from the same stream,
without a second backend request, and typing anything else closes the stream.
"""

from __future__ import annotations

import asyncio
import threading

from pytest_lsp import LanguageClient

from tests.e2e.lsp import inline, open_document, texts, type_text
from tests.e2e.test_cancelled_typing import stats
from tests.fakes.fake_backend import FakeBackend, Reply

SOURCE = "def area(w, h):\n    \n\nprint(area(2, 3))\n"
BODY = ["x = w\n", "    y = h\n", "    z = x * y\n", "    print(z)\n", "    return z\n"]


async def test_the_first_line_comes_before_the_stream_ends_and_the_next_after_it_is_taken(
    client: LanguageClient, fake: FakeBackend
) -> None:
    # The model writes the first line, then is slow: the second comes only once the test lets it.
    more = threading.Event()
    fake.push(Reply(choices=[BODY], chunk_delay=0.05, hold=more, hold_after=1))
    uri = open_document(client, SOURCE)
    assert texts(await inline(client, uri, 1, 4)) == ["x = w"]
    assert fake.requests[0].finished_at is None  # the model is still writing
    type_text(client, uri, 2, 1, 4, "x = w")  # Tab
    after_tab = asyncio.ensure_future(inline(client, uri, 1, 9))
    await asyncio.sleep(0.1)
    more.set()
    # The line written since, and any others the stream holds by the time it is asked.
    (shown,) = texts(await after_tab)
    assert shown.startswith("\n    y = h")
    assert "".join(BODY).startswith("x = w" + shown)
    assert len(fake.requests) == 1
    counts = await stats(client)
    assert counts["early_lines"] == 2
    assert counts["model"] == 1


async def test_typing_against_the_first_line_closes_its_stream(client: LanguageClient, fake: FakeBackend) -> None:
    fake.push(Reply(choices=[BODY], chunk_delay=0.05, hold=threading.Event(), hold_after=1))
    uri = open_document(client, SOURCE)
    assert texts(await inline(client, uri, 1, 4)) == ["x = w"]
    type_text(client, uri, 2, 1, 4, "q")  # the user writes something else
    request = await asyncio.to_thread(fake.wait_for_disconnect, 0)
    assert not request.completed
    counts = await stats(client)
    assert counts["closed_contradicted"] == 1


async def test_a_user_who_keeps_taking_lines_gets_the_whole_body_from_one_request(
    client: LanguageClient, fake: FakeBackend
) -> None:
    fake.push(Reply(choices=[BODY], chunk_delay=0.05))
    uri = open_document(client, SOURCE)
    line, column, version, taken = 1, 4, 2, ""
    for _ in range(len(BODY) + 1):
        shown = texts(await inline(client, uri, line, column))
        if not shown or not shown[0]:
            break
        type_text(client, uri, version, line, column, shown[0])
        taken += shown[0]
        version += 1
        line += shown[0].count("\n")
        column = len(shown[0].rsplit("\n", 1)[-1]) if "\n" in shown[0] else column + len(shown[0])
    assert taken == "".join(BODY).rstrip("\n")
    assert len(fake.requests) == 1
