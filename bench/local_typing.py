"""Typing the stdlib's ``textwrap.py`` through the real server as VS Code would; the first suggestion after opening.

The places are lines of code nobody here wrote: single-line statements inside
function bodies with at least :data:`MIN_CODE` characters of code, at a fixed
stride over the file. At each place the line's last :data:`CUT` characters are
deleted (one ``didChange``), then :data:`TYPED` of them are typed back at
:data:`KEY_INTERVAL` a key by the VS Code client of ``bench/replay.py``
(:class:`~bench.replay.EditorRequests`), and the client waits for the last
request's answer (at most :data:`PAUSE_CAP`).
"""

from __future__ import annotations

import ast
import asyncio
import textwrap
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types

from bench.client import LOADED, Generation, Server
from bench.common import percentile
from bench.replay import VSCODE_DEBOUNCE, VSCODE_LIGHT_BULB, Answered, EditorRequests, completion_stats, stats_answer

#: The typed file: the running interpreter's own ``textwrap.py``.
SOURCE_PATH = Path(textwrap.__file__)
MIN_CODE = 24
CUT = 12
TYPED = 6
KEY_INTERVAL = 0.400
PAUSE_CAP = 30.0
#: How long the first-suggestion section waits for the model to load before it opens the file.
LOAD_WAIT = 20.0
#: Statements that hold other statements: their first line is not a line of code to type.
COMPOUND = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.Match,
)


@dataclass(frozen=True)
class Place:
    """A line of the file to type the end of: its index and its text."""

    line: int
    text: str
    #: Characters of code kept after the deleted part (``--mid-line``): typed back between code.
    tail: int = 0

    @property
    def end(self) -> int:
        """The column where the deleted part ends."""
        return len(self.text) - self.tail

    @property
    def cut(self) -> int:
        """The column where the deleted part starts (the lines are ASCII)."""
        return self.end - CUT

    @property
    def truth(self) -> str:
        return self.text[self.cut : self.end]


def source() -> str:
    return SOURCE_PATH.read_text(encoding="utf-8")


def candidate_lines(text: str) -> list[int]:
    """Lines (0-based) of single-line statements in function bodies, ASCII, no comment, >= MIN_CODE chars of code."""
    lines = text.splitlines()
    found: set[int] = set()
    for function in ast.walk(ast.parse(text)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.stmt) or isinstance(node, COMPOUND) or node.lineno != node.end_lineno:
                continue
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # a docstring
            line = lines[node.lineno - 1]
            if len(line.strip()) >= MIN_CODE and "#" not in line and line.isascii() and line == line.rstrip():
                found.add(node.lineno - 1)
    return sorted(found)


def places(text: str, count: int, phase: float = 0.5, mid_line: bool = False) -> list[Place]:
    """``count`` candidate lines at a fixed stride; ``phase`` (0..1) is where in each stride.
    ``mid_line``: lines with code to keep after the deleted part (:func:`tail_of`)."""
    lines = text.splitlines()
    chosen = [Place(n, lines[n], tail_of(lines[n]) if mid_line else 0) for n in candidate_lines(text)]
    chosen = [p for p in chosen if not mid_line or p.tail]
    stride = max(1.0, len(chosen) / count)
    return [chosen[int((i + phase) * stride)] for i in range(min(count, len(chosen)))]


#: Where typing between code pauses: after a blank, an opening bracket or a comma, before a word.
BETWEEN = " \t([{,"


def tail_of(line: str) -> int:
    """The length of the line's last part that starts with a word after a blank, an opening
    bracket or a comma, and leaves CUT characters of code before it, the TYPED-th of them
    also one of those (the typist pauses between words); 0 if there is none."""
    indent = len(line) - len(line.lstrip())
    for start in range(len(line) - 4, indent + CUT + 4, -1):
        word = line[start].isalnum() or line[start] == "_"
        if word and line[start - 1] in BETWEEN and line[start - CUT + TYPED - 1] in BETWEEN:
            return len(line) - start
    return 0


def cut_document(text: str, place: Place) -> str:
    lines = text.split("\n")
    lines[place.line] = place.text[: place.cut] + place.text[place.end :]
    return "\n".join(lines)


@dataclass
class Document:
    """One open document and its version, edited one range at a time."""

    server: Server
    uri: str
    version: int = 1

    def replace(self, line: int, start: int, end: int, text: str) -> None:
        self.version += 1
        span = types.Range(types.Position(line, start), types.Position(line, end))
        self.server.change(self.uri, self.version, [(span, text)])


# -- open → first suggestion -----------------------------------------------------------------------------------------


async def wait_loaded(server: Server, limit: float) -> dict[str, Any]:
    """Until the server logs that the model is loaded, or ``limit`` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if line := next((m for m in server.logs if LOADED.search(m)), None):
            return {"loaded": True, "waited_s": round(time.monotonic() - started, 2), "log": line}
        await asyncio.sleep(0.1)
    return {"loaded": False, "waited_s": round(time.monotonic() - started, 2), "log": None}


async def open_to_first(server: Server, text: str, place: Place) -> dict[str, Any]:
    """Wait for the model (or LOAD_WAIT), open the file with the first place's line cut, ask there at once."""
    load = await wait_loaded(server, LOAD_WAIT)
    uri = "file:///bench/open/textwrap.py"
    opened = time.perf_counter()
    server.open(uri, cut_document(text, place))
    answer = await server.complete(uri, types.Position(place.line, place.cut))
    seconds = time.perf_counter() - opened
    server.close(uri)
    return {
        "model_load": load,
        "open_to_answer_s": round(seconds, 3),
        "spawn_to_first_answer_s": round(time.perf_counter() - server.spawned, 3),
        "suggestion": answer.text,
        "non_empty": bool(answer.text),
        "error": answer.error,
        "generation": asdict(answer.generation) if answer.generation else None,
    }


# -- typing with a cancelling client ---------------------------------------------------------------------------------


@dataclass
class PlaceRun:
    """What happened at one place: when each key was pressed, each request's ``codex/stats`` before it went out."""

    place: Place
    pressed: dict[int, float] = field(default_factory=dict)
    stats: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    final_stats: dict[str, int] = field(default_factory=dict)
    pause_timeout: bool = False


def agrees(suggestion: str, rest: str) -> bool:
    """A non-empty suggestion whose first min(len, remaining) characters are the true rest of the line."""
    m = min(len(suggestion), len(rest))
    return bool(suggestion) and suggestion[:m] == rest[:m]


async def type_place(server: Server, doc: Document, place: Place, n: int) -> tuple[PlaceRun, dict[int, Answered]]:
    """Delete the end of the line, type TYPED characters back as VS Code would, pause for the last answer."""
    run = PlaceRun(place)

    def on_send(index: int, _: str) -> None:
        # Sent before the completion request, so the server counts it first: the counts before this request.
        run.stats[index] = server.client.protocol.send_request_async("codex/stats", None)

    requests = EditorRequests(
        server.client,
        cancels=True,
        debounce=VSCODE_DEBOUNCE,
        prefix=f"local-{n}",
        on_send=on_send,
        light_bulb=VSCODE_LIGHT_BULB,
    )
    start = time.monotonic()
    # The deletion is an edit too: VS Code asks after it (index -1, not a keystroke).
    doc.replace(place.line, place.cut, place.end, "")
    requests.schedule(doc.uri, -1, types.Position(place.line, place.cut))
    for k in range(TYPED):
        await asyncio.sleep(max(0.0, start + (k + 1) * KEY_INTERVAL - time.monotonic()))
        run.pressed[k] = time.monotonic()
        requests.cancel_pending()
        doc.replace(place.line, place.cut + k, place.cut + k, place.truth[k])
        requests.schedule(doc.uri, k, types.Position(place.line, place.cut + k + 1))
    run.pause_timeout = not await wait_last(requests)
    answers = await requests.settle()
    run.final_stats = await stats_answer(server.client.protocol.send_request_async("codex/stats", None))
    doc.replace(place.line, place.cut + TYPED, place.cut + TYPED, place.truth[TYPED:])
    return run, answers


async def wait_last(requests: EditorRequests) -> bool:
    """Wait (PAUSE_CAP at most) for the last keystroke's request to be sent and answered; False on timeout."""
    deadline = time.monotonic() + PAUSE_CAP
    if requests.timer is not None:
        await asyncio.wait([requests.timer])  # sent after the debounce
    if requests.pending is None:
        return True
    try:
        await asyncio.wait_for(asyncio.shield(requests.pending[1]), max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        requests.stop()
        return False
    except Exception:
        return True  # answered with an error: recorded as no answer
    return True


async def key_records(run: PlaceRun, answers: dict[int, Answered]) -> list[dict[str, Any]]:
    """One record per keystroke: answered in time, agreeing, its latency, whether it needed the model."""
    snapshots = {i: await stats_answer(f) for i, f in sorted(run.stats.items())}
    order = sorted(snapshots)
    records = []
    for k in range(TYPED):
        answer = answers.get(k)
        next_key = run.pressed.get(k + 1, run.pressed[k] + KEY_INTERVAL)
        text = answer.items[0] if answer and answer.items else ""
        rest = run.place.truth[k + 1 :]
        after = snapshots[order[order.index(k) + 1]] if k in snapshots and k != order[-1] else run.final_stats
        delta = {key: after.get(key, 0) - snapshots[k].get(key, 0) for key in after} if k in snapshots else {}
        records.append(
            {
                "key": k + 1,
                "line": run.place.line + 1,
                "typed": run.place.truth[: k + 1],
                "suggestion": text if answer else None,
                "answered": answer is not None,
                "in_time": bool(text) and answer is not None and answer.at < next_key,
                "agrees": agrees(text, rest),
                "from_key_s": round(answer.at - run.pressed[k], 3) if answer else None,
                "request_s": round(answer.seconds, 3) if answer else None,
                "sent": k in snapshots,
                "model_call": (delta.get("model", 0) + delta.get("reused", 0)) > 0 if delta else None,
                "stats_delta": {key: v for key, v in delta.items() if v},
            }
        )
    return records


async def typing_section(server: Server, text: str, chosen: list[Place]) -> dict[str, Any]:
    """Type at every place in one document; per-keystroke records and the generations logged meanwhile."""
    uri = "file:///bench/typing/textwrap.py"
    server.open(uri, text)
    doc = Document(server, uri)
    logged = len(server.generations)
    before = await completion_stats(server.client)
    keys: list[dict[str, Any]] = []
    pauses: list[dict[str, Any]] = []
    for n, place in enumerate(chosen):
        run, answers = await type_place(server, doc, place, n)
        records = await key_records(run, answers)
        keys += records
        last = records[-1]
        pauses.append(
            {
                "line": place.line + 1,
                "truth": place.truth[TYPED:],
                "suggestion": last["suggestion"],
                "from_key_s": last["from_key_s"],
                "timeout": run.pause_timeout,
                "right": bool(last["suggestion"]) and last["suggestion"].startswith(place.truth[TYPED:]),
            }
        )
    after = await completion_stats(server.client)
    server.close(uri)
    generations = server.generations[logged:]
    counts = {key: n - before.get(key, 0) for key, n in after.items() if n != before.get(key, 0)}
    return {
        "places": [{"line": p.line + 1, "text": p.text.strip(), "cut": p.truth} for p in chosen],
        "keys": keys,
        "pauses": pauses,
        "generations": [asdict(g) for g in generations],
        "stats": counts,
        "summary": typing_summary(keys, pauses, generations, counts),
    }


# -- summaries -------------------------------------------------------------------------------------------------------


def p50_p90(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": round(percentile(values, 50), 3), "p90": round(percentile(values, 90), 3)}


def typing_summary(
    keys: list[dict[str, Any]], pauses: list[dict[str, Any]], gens: list[Generation], counts: dict[str, int]
) -> dict[str, Any]:
    model = [k["from_key_s"] for k in keys if k["model_call"] and k["from_key_s"] is not None]
    unknown = sum(k["model_call"] is None and k["answered"] for k in keys)
    pause_s = [p["from_key_s"] for p in pauses if p["from_key_s"] is not None and p["suggestion"]]
    return {
        "keystrokes": len(keys),
        "in_time": sum(k["in_time"] for k in keys),
        "in_time_correct": sum(k["in_time"] and k["agrees"] for k in keys),
        "answered": sum(k["answered"] for k in keys),
        "model_call_latency_s": p50_p90(model),
        "answers_of_unknown_kind": unknown,
        "pause_latency_s": p50_p90(pause_s),
        "pause_right": sum(p["right"] for p in pauses),
        "pause_empty_or_timeout": sum(not p["suggestion"] for p in pauses),
        "pauses": len(pauses),
        "generations_per_key": round(len(gens) / max(len(keys), 1), 2),
        "model_starts_per_key": round(counts["model"] / max(len(keys), 1), 2) if "model" in counts else None,
        "cost": cost_summary(gens),
    }


def cost_summary(gens: list[Generation]) -> dict[str, Any]:
    """Prompt, reused and evaluated (prompt - reused) tokens per generation; prompt-eval and generation speed."""
    if not gens:
        return {"n": 0}
    evaluated = [g.prompt - g.reused for g in gens]
    prompt_s = sum(g.prompt_seconds for g in gens)
    gen_s = sum(g.generate_seconds for g in gens)
    return {
        "n": len(gens),
        "prompt": p50_p90([float(g.prompt) for g in gens]),
        "reused": p50_p90([float(g.reused) for g in gens]),
        "evaluated": p50_p90([float(e) for e in evaluated]),
        "prompt_eval_tok_s": round(sum(evaluated) / prompt_s, 1) if prompt_s else None,
        "generation_tok_s": round(sum(g.generated for g in gens) / gen_s, 1) if gen_s else None,
        "finish": {f: sum(g.finish == f for g in gens) for f in sorted({g.finish for g in gens})},
    }
