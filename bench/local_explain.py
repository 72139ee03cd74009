"""A completion while an Explain runs on the same embedded model, against the same completion when idle.

At a place the model first completes the cut line (as in the typing section);
then one character is typed that contradicts the suggestion shown (the true next
character if it differs from the suggestion's first, else the first of
:data:`OTHER_KEYS` that does), so that neither type-through nor the cache can
answer: the request after it needs a model call, on a KV cache that holds the
place's prompt. That latency is measured idle at one place; then ``codex/explain``
is sent for the function around that first place, and once its generation is
running (its first ``$/progress`` report of characters received) the same kind
of keystroke is measured at a second place. The Explain is cancelled after.

Then an Explain of another function is read to its end as the user sees it
(:func:`explain_seen`): ``codex/explain`` with a ``partialResultToken``, timed
from the request to the first words shown (the first partial result; a server
that sends none shows them with its answer) and to the whole answer, beside the
prompt and generation speed its ``local chat ended`` log line gives.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import asdict
from typing import Any

from lsprotocol import types

from bench.client import REQUEST_TIMEOUT, Generation, Server
from bench.local_typing import Document, Place
from bench.replay import completion_stats

OTHER_KEYS = "x_q"
#: How long the Explain may take to start generating.
EXPLAIN_START_CAP = 180.0
#: How long an Explain read to its end may take.
EXPLAIN_CAP = 300.0


async def prepare(server: Server, doc: Document, place: Place) -> str:
    """Cut the line at ``place`` and let the model complete it; the suggestion shown."""
    doc.replace(place.line, place.cut, place.end, "")
    answer = await server.complete(doc.uri, types.Position(place.line, place.cut))
    return answer.text or ""


def contradicting_key(suggestion: str, truth: str) -> str:
    if not suggestion.startswith(truth[0]):
        return truth[0]
    return next(c for c in OTHER_KEYS if not suggestion.startswith(c))


async def keystroke(server: Server, doc: Document, place: Place, suggestion: str) -> dict[str, Any]:
    """Type one character that contradicts ``suggestion`` and time the completion after it."""
    key = contradicting_key(suggestion, place.truth)
    before = await completion_stats(server.client)
    doc.replace(place.line, place.cut, place.cut, key)
    answer = await server.complete(doc.uri, types.Position(place.line, place.cut + 1))
    after = await completion_stats(server.client)
    # Put the line back as it was, for whatever comes next.
    doc.replace(place.line, place.cut, place.cut + 1, place.truth)
    return {
        "line": place.line + 1,
        "shown": suggestion,
        "key": key,
        "seconds": round(answer.seconds, 3),
        "suggestion": answer.text,
        "error": answer.error,
        "generation": asdict(answer.generation) if answer.generation else None,
        "model_starts": after.get("model", 0) - before.get("model", 0) if after else None,
    }


async def explain_running(server: Server, explain: asyncio.Future[Any], since: float) -> dict[str, Any]:
    """Until the Explain reports characters received (its generation runs), ends, or EXPLAIN_START_CAP."""
    while time.monotonic() - since < EXPLAIN_START_CAP and not explain.done():
        if any(t >= since and "characters received" in m for t, m in server.progress):
            return {"running": True, "after_s": round(time.monotonic() - since, 2)}
        await asyncio.sleep(0.05)
    return {"running": False, "after_s": round(time.monotonic() - since, 2), "ended": explain.done()}


def chat_generations(logs: list[str]) -> list[Generation]:
    """The ``local chat ended`` log lines (the actions' generations), parsed."""
    # The same statistics as a completion's ``local generation ended`` line.
    chats = [m.replace("local chat ended", "local generation ended") for m in logs if "local chat ended" in m]
    return [g for g in map(Generation.parse, chats) if g is not None]


async def chats_logged(server: Server, count: int) -> list[Generation]:
    """The actions' generations once ``count`` have been logged (a cancelled one logs too), or after 30 s.

    A generation is logged when its worker ends, which may be after its request was answered.
    """
    deadline = time.monotonic() + 30.0
    while True:
        found = chat_generations(server.logs)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)


async def explain_seen(server: Server, text: str, place: Place) -> dict[str, Any]:
    """Explain the function around ``place`` to its end: seconds to the first words shown and to the last.

    The Explain before it was cancelled: its generation is logged first, so that this one's is the next.
    """
    before = len(await chats_logged(server, 1))
    uri = "file:///bench/explain/seen.py"
    server.open(uri, text)
    at = {"line": place.line, "character": len(place.text) - len(place.text.lstrip())}
    params = {"textDocument": {"uri": uri}, "range": {"start": at, "end": at}, "partialResultToken": "bench-seen"}
    partials = len(server.partials)
    since = time.monotonic()
    try:
        answer = await asyncio.wait_for(server.client.protocol.send_request_async("codex/explain", params), EXPLAIN_CAP)
        markdown, error = str(answer.markdown), None
    except Exception as exc:  # a failed or timed-out Explain is a figure too
        markdown, error = "", repr(exc)[:200]
    done = time.monotonic()
    server.close(uri)
    pieces = server.partials[partials:]
    chats = (await chats_logged(server, before + 1))[before:]
    return {
        "first_words_s": round((pieces[0][0] if pieces else done) - since, 2),
        "last_words_s": round(done - since, 2),
        "pieces": len(pieces),
        "pieces_join_into_answer": "".join(p for _, p in pieces) == markdown if pieces else None,
        "characters": len(markdown),
        "error": error,
        **speed(chats[0] if chats else None),
    }


def speed(gen: Generation | None) -> dict[str, Any]:
    """A generation's prompt and its speeds (the last prompt token is evaluated by the sampling loop)."""
    if gen is None:
        return dict.fromkeys(("prompt_tokens", "reused_tokens", "prompt_eval_tok_per_s", "generation_tok_per_s"))
    evaluated = max(0, gen.prompt - gen.reused - 1)
    return {
        "prompt_tokens": gen.prompt,
        "reused_tokens": gen.reused,
        "prompt_s": gen.prompt_seconds,
        "prompt_eval_tok_per_s": round(evaluated / gen.prompt_seconds, 1) if gen.prompt_seconds else None,
        "generated_tokens": gen.generated,
        "generation_tok_per_s": round(gen.generated / gen.generate_seconds, 1) if gen.generate_seconds else None,
    }


async def explain_section(
    server: Server, text: str, idle_place: Place, busy_place: Place, seen_place: Place | None = None
) -> dict[str, Any]:
    uri = "file:///bench/explain/textwrap.py"
    server.open(uri, text)
    doc = Document(server, uri)
    idle = await keystroke(server, doc, idle_place, await prepare(server, doc, idle_place))
    shown = await prepare(server, doc, busy_place)
    # The cursor on the first place's line, after its indentation: Explain takes the function around it.
    at = {"line": idle_place.line, "character": len(idle_place.text) - len(idle_place.text.lstrip())}
    params = {"textDocument": {"uri": uri}, "range": {"start": at, "end": at}}
    since = time.monotonic()
    explain = server.client.protocol.send_request_async("codex/explain", params, msg_id="bench-explain")
    running = await explain_running(server, explain, since)
    busy = await keystroke(server, doc, busy_place, shown) if running["running"] else None
    explain_s = round(time.monotonic() - since, 2)
    if not explain.done():
        server.client.protocol.notify("$/cancelRequest", types.CancelParams(id="bench-explain"))
    with contextlib.suppress(Exception):
        await asyncio.wait_for(explain, REQUEST_TIMEOUT)
    server.close(uri)
    ratio = busy["seconds"] / idle["seconds"] if busy and idle["seconds"] and not busy["error"] else None
    return {
        "idle": idle,
        "explain": {**running, "cancelled_after_s": explain_s, "progress": [m for _, m in server.progress][-5:]},
        "during_explain": busy,
        "ratio": round(ratio, 2) if ratio is not None else None,
        "seen": await explain_seen(server, text, seen_place) if seen_place is not None else None,
    }
