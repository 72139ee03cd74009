"""Client input fuzzing against the running server: whatever the client sends, the server answers.

Hypothesis generates sessions: a document opened with odd text (CRLF, lone CR, astral
characters as UTF-16 surrogate pairs, NUL and other control characters), then a
sequence of incremental and whole changes (ranges past the end of lines and of the
document, versions that go backwards), completions and inline completions anywhere
(negative, huge and mid-surrogate positions), code actions, every ``codex.*`` command
with sensible and garbage arguments, ``$/cancelRequest``, settings with invalid
values, and unknown methods. The client keeps its own copy of the text by the LSP
rules (lines end at ``\\r\\n``, ``\\n`` or ``\\r``; characters are UTF-16 units; a
position past a line's end means its end, past the last line the document's end).

After every session: the server process is alive, every request got a response or
an error within its time limit, the server's text is the client's (read back from
the prompt of a completion at the end of the document, which the fake backend
records), and no ``workspace/applyEdit`` named a version other than the client's.

The number of sessions is ``CODEX_LS_FUZZ_EXAMPLES`` (CI: 200) with a fixed seed, so a
failure in CI is reproduced by running the same command; ``CODEX_LS_FUZZ_SEED`` draws
other sessions, ``CODEX_LS_FUZZ_SHRINK=1`` shrinks a failure to its smallest form, and
``CODEX_LS_FUZZ_REPORT=file.json`` writes how many sessions, operations and requests ran.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from pygls.exceptions import JsonRpcInvalidParams

from codex_ls.actions.specs import ACTIONS
from tests.fakes.fake_backend import FakeBackend, Reply
from tests.fuzz.live import LiveServer, environment

EXAMPLES = int(os.environ.get("CODEX_LS_FUZZ_EXAMPLES", "200"))
SEED = os.environ.get("CODEX_LS_FUZZ_SEED")
#: What the fuzzing did, by kind (sessions, operations, requests answered with an error…).
TALLY: Counter[str] = Counter()
MODEL = "qwen2.5-coder-1.5b"  # the Qwen FIM template: <|fim_prefix|>…<|fim_suffix|>…<|fim_middle|>
BREAK = re.compile(r"\r\n|\r|\n")
#: Code-ish characters, every LSP line break, astral characters (UTF-16 surrogate pairs), controls,
#: and breaks that only ``str.splitlines`` knows (form feed, U+2028), which must not end a line.
ALPHABET = [*"ab x_=():.,'\"#\t", "\n", "\r\n", "\r", "😀", "é", "中", "\U00020000", "\x00", "\x1b", "\x0c", "\u2028"]
#: Every command the server offers, and one it does not.
COMMANDS = [*ACTIONS, "codex.unknown"]


# -- the client's copy of the text, by the LSP rules -----------------------------------------------------------


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, the end before its line break."""
    spans, start = [], 0
    for match in BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def offset_of(text: str, line: int, character: int) -> int:
    spans = line_spans(text)
    if line >= len(spans):
        return len(text)
    start, end = spans[line]
    seen, i = 0, start
    while i < end and seen + units(text[i]) <= character:
        seen += units(text[i])
        i += 1
    return i


def end_position(text: str) -> tuple[int, int]:
    spans = line_spans(text)
    start, end = spans[-1]
    return len(spans) - 1, sum(units(c) for c in text[start:end])


def snap(text: str, line: int, character: int) -> tuple[int, int]:
    """A position on a character boundary (one inside a surrogate pair moves back to its start)."""
    spans = line_spans(text)
    if line >= len(spans):
        return line, character
    start, end = spans[line]
    seen = 0
    for char in text[start:end]:
        if seen < character < seen + units(char):
            return line, seen
        seen += units(char)
    return line, character


# -- what a session does ---------------------------------------------------------------------------------------


texts = st.lists(st.sampled_from(ALPHABET), max_size=60).map("".join)
lines = st.integers(min_value=0, max_value=8)
characters = st.integers(min_value=0, max_value=14)
odd_numbers = st.sampled_from([-1, -(2**31), 2**31 - 1, 10**6])


@dataclass(frozen=True)
class Op:
    kind: str
    args: tuple[Any, ...]


def op_strategy() -> st.SearchStrategy[Op]:
    position = st.tuples(lines, characters)
    odd_position = st.one_of(position, st.tuples(odd_numbers, characters), st.tuples(lines, odd_numbers))
    return st.one_of(
        st.builds(lambda a, b, t: Op("change", (a, b, t)), position, position, texts),
        st.builds(lambda t: Op("replace", (t,)), texts),
        st.builds(lambda p, v: Op("stale_change", (p, v)), position, st.integers(-3, 0)),
        st.builds(lambda p, manual: Op("inline", (p, manual)), odd_position, st.booleans()),
        st.builds(lambda p: Op("completion", (p,)), odd_position),
        st.builds(lambda a, b: Op("code_action", (a, b)), odd_position, odd_position),
        st.builds(
            lambda c, a, b, garbage: Op("command", (c, a, b, garbage)),
            st.sampled_from(COMMANDS),
            position,
            position,
            st.sampled_from([None, "no-args", "not-an-object", "wrong-types", "unknown-uri"]),
        ),
        st.builds(lambda p: Op("cancelled", (p,)), position),
        st.builds(lambda s: Op("settings", (s,)), st.sampled_from(BAD_SETTINGS)),
        st.builds(lambda n: Op("unknown", (n,)), st.booleans()),
    )


BAD_SETTINGS: list[Any] = [
    {"completion": {"maxTokens": -5, "tuning": {"temperature": "hot"}}},
    {"backend": {"kind": "telepathy", "tuning": {"readTimeout": None}}},
    {"completion": "everything"},
    ["not", "an", "object"],
    {"completion": {"contextTokens": 10**12, "tuning": {"samples": 99}}},
    {"backend": {"url": "ftp://example.invalid"}},
]


def good_settings(fake: FakeBackend) -> dict[str, Any]:
    return {
        "backend": {
            "kind": "openai",
            "url": fake.openai_url,
            "model": MODEL,
            "tuning": {"readTimeout": 5, "maxRetries": 0},
        },
        # The whole document in every prompt, one request per completion, no other files.
        "completion": {"contextTokens": 100_000, "tuning": {"contextFiles": 0, "reuse": False, "debounce": False}},
    }


class Session:
    def __init__(self, server: LiveServer, fake: FakeBackend, uri: str, text: str) -> None:
        self.server, self.fake, self.uri, self.text, self.version = server, fake, uri, text, 1
        self.failures: list[str] = []
        server.versions[uri] = 1
        server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )

    def ask(self, method: str, params: Any) -> Any:
        TALLY["requests"] += 1
        try:
            answer = self.server.request(method, params)
            TALLY["error responses" if isinstance(answer, Exception) else "results"] += 1
            return answer
        except TimeoutError:
            self.failures.append(f"{method} got no response: {json.dumps(params)[:300]}")
            return None

    def position(self, line: int, character: int) -> dict[str, int]:
        return {"line": line, "character": character}

    def change(self, start: tuple[int, int], end: tuple[int, int], new: str) -> None:
        start, end = snap(self.text, *start), snap(self.text, *end)
        a, b = offset_of(self.text, *start), offset_of(self.text, *end)
        if a > b:
            start, end, a, b = end, start, b, a
        self.text = self.text[:a] + new + self.text[b:]
        self.send_change([{"range": {"start": self.position(*start), "end": self.position(*end)}, "text": new}])

    def send_change(self, changes: list[dict[str, Any]], version: int | None = None) -> None:
        self.version += 1
        self.server.versions[self.uri] = self.version
        self.server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": self.uri, "version": self.version if version is None else version},
                "contentChanges": changes,
            },
        )

    def apply(self, op: Op) -> None:
        TALLY["operations"] += 1
        TALLY[f"op {op.kind}"] += 1
        doc = {"uri": self.uri}
        if op.kind == "change":
            self.change(*op.args)
        elif op.kind == "replace":
            (self.text,) = op.args
            self.send_change([{"text": self.text}])
        elif op.kind == "stale_change":
            # A version from the past: the text still changes (clients own the text), by an empty edit.
            (line, character), back = op.args
            where = self.position(*snap(self.text, line, character))
            self.send_change([{"range": {"start": where, "end": where}, "text": ""}], version=max(0, back))
        elif op.kind == "inline":
            (line, character), manual = op.args
            self.ask(
                "textDocument/inlineCompletion",
                {
                    "textDocument": doc,
                    "position": self.position(line, character),
                    "context": {"triggerKind": 1 if manual else 2},
                },
            )
        elif op.kind == "completion":
            (line, character) = op.args[0]
            self.ask("textDocument/completion", {"textDocument": doc, "position": self.position(line, character)})
        elif op.kind == "code_action":
            (a, b) = op.args
            self.ask(
                "textDocument/codeAction",
                {
                    "textDocument": doc,
                    "range": {"start": self.position(*a), "end": self.position(*b)},
                    "context": {"diagnostics": []},
                },
            )
        elif op.kind == "command":
            command, a, b, garbage = op.args
            self.ask("workspace/executeCommand", {"command": command, "arguments": self.command_args(a, b, garbage)})
        elif op.kind == "cancelled":
            (line, character) = op.args[0]
            params = {"textDocument": doc, "position": self.position(line, character), "context": {"triggerKind": 2}}
            try:
                self.server.request("textDocument/inlineCompletion", params, cancel=True)
            except TimeoutError:
                self.failures.append("a cancelled request got no response")
        elif op.kind == "settings":
            (raw,) = op.args
            self.server.notify("workspace/didChangeConfiguration", {"settings": {"codexLs": raw}})
            self.server.notify("workspace/didChangeConfiguration", {"settings": {"codexLs": good_settings(self.fake)}})
        elif op.kind == "unknown":
            (as_request,) = op.args
            if as_request:
                answer = self.ask("codex/noSuchMethod", {"x": 1})
                if not isinstance(answer, Exception):
                    self.failures.append(f"an unknown method answered {answer!r} instead of an error")
            else:
                self.server.notify("codex/noSuchNotification", {"x": 1})

    def command_args(self, a: tuple[int, int], b: tuple[int, int], garbage: str | None) -> Any:
        span = {"start": self.position(*a), "end": self.position(*b)}
        good = {"uri": self.uri, "range": span, "instruction": "make it better", "language": "rust"}
        return {
            None: [good],
            "no-args": [],
            "not-an-object": ["just a string", 3],
            "wrong-types": [{"uri": 5, "range": "everywhere", "instruction": None}],
            "unknown-uri": [good | {"uri": "file:///fuzz/never-opened.py"}],
        }[garbage]

    def check(self) -> None:
        """The server is alive and its text is the client's."""
        assert self.server.alive, "the server process died"
        assert not self.failures, self.failures
        before = len(self.fake.requests)
        line, character = end_position(self.text)
        self.ask(
            "textDocument/inlineCompletion",
            {
                "textDocument": {"uri": self.uri},
                "position": self.position(line, character),
                "context": {"triggerKind": 1},
            },
        )
        assert not self.failures, self.failures
        prompts = [r.body.get("prompt") for r in self.fake.requests[before:] if r.body and "prompt" in r.body]
        assert prompts, "the check's completion never reached the backend"
        fim, _, typed = prompts[-1].partition("<|fim_middle|>")  # the typed part of the line goes last
        seen = fim.removeprefix("<|fim_prefix|>").split("<|fim_suffix|>")[0] + typed
        assert seen == self.text, f"the server's text {seen!r} is not the client's {self.text!r}"
        for edit in self.server.edits:
            for change in edit.params.edit.document_changes or []:
                document = getattr(change, "text_document", None)
                if document is not None and document.version is not None:
                    assert document.version == edit.versions.get(document.uri), "an edit named a stale version"

    def close(self) -> None:
        self.server.notify("textDocument/didClose", {"textDocument": {"uri": self.uri}})
        del self.server.versions[self.uri]


# -- the tests -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def backend() -> Iterator[FakeBackend]:
    with FakeBackend() as fake:
        fake.default = Reply(chunks=["x = 1"])
        yield fake


@pytest.fixture(scope="module")
def server(backend: FakeBackend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    cache = tmp_path_factory.mktemp("fuzz-cache")
    live = LiveServer(environment(CODEX_LS_CACHE_DIR=str(cache))).start(good_settings(backend))
    yield live
    alive = live.alive
    live.stop()
    if report := os.environ.get("CODEX_LS_FUZZ_REPORT"):
        Path(report).write_text(json.dumps(dict(sorted(TALLY.items())), indent=2) + "\n", encoding="utf-8")
    assert alive, "the server died during the fuzzing"


_sessions = iter(range(10**9))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED is None,
    # Shrinking a failing session can take many minutes: only when asked, never in CI.
    phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if os.environ.get("CODEX_LS_FUZZ_SHRINK") else [])],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=texts, ops=st.lists(op_strategy(), max_size=25))
@seed(int(SEED or 0))
def test_any_session_keeps_the_server_alive_and_in_step(
    server: LiveServer, backend: FakeBackend, text: str, ops: list[Op]
) -> None:
    TALLY["sessions"] += 1
    session = Session(server, backend, f"file:///fuzz/s{next(_sessions)}.py", text)
    try:
        for op in ops:
            session.apply(op)
        session.check()
    finally:
        session.close()


def test_a_20_mb_document_is_answered_and_edited(server: LiveServer, backend: FakeBackend) -> None:
    line = "value = compute(alpha, beta)  # 😀 中\n"
    text = line * (20 * 2**20 // len(line.encode()))
    session = Session(server, backend, "file:///fuzz/huge.py", text)
    try:
        middle = text.count("\n") // 2
        session.change((middle, 0), (middle, 5), "VALUE")
        session.change((10**6, 0), (10**6, 0), "tail()\n")
        answer = session.ask(
            "textDocument/inlineCompletion",
            {
                "textDocument": {"uri": session.uri},
                "position": {"line": middle, "character": 5},
                "context": {"triggerKind": 1},
            },
        )
        assert not isinstance(answer, Exception), answer
        body = backend.requests[-1].body or {}
        assert len(body.get("prompt", "")) < 400_000  # a window, not the file
        assert "VALUE" in body["prompt"]
        assert server.alive
    finally:
        session.close()


@pytest.mark.parametrize(
    ("method", "params"),
    [
        pytest.param(
            "textDocument/inlineCompletion",
            {
                "textDocument": {"uri": "file:///fuzz/x.py"},
                "position": {"line": -1, "character": 0},
                "context": {"triggerKind": 1},
            },
            id="negative-line",
        ),
        pytest.param(
            "textDocument/completion",
            {"textDocument": {"uri": "file:///fuzz/x.py"}, "position": {"line": 0, "character": 2**32}},
            id="past-uinteger",
        ),
        pytest.param("textDocument/codeAction", {"textDocument": "x.py", "range": None}, id="wrong-shapes"),
    ],
)
def test_a_request_that_does_not_fit_its_method_is_answered_invalid_params(
    server: LiveServer, method: str, params: dict[str, Any]
) -> None:
    shown = len(server.messages)
    answer = server.request(method, params, timeout=5)
    assert isinstance(answer, JsonRpcInvalidParams), answer
    assert method in answer.message
    assert "$.params" in answer.message  # where the problem is
    assert len(server.messages) == shown  # an answer to the client, not a popup for the user
    assert server.alive


def test_a_notification_that_does_not_fit_is_dropped_and_the_document_is_kept(
    server: LiveServer, backend: FakeBackend
) -> None:
    session = Session(server, backend, "file:///fuzz/kept.py", "x = 1\n")
    try:
        server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": session.uri, "version": 2},
                "contentChanges": [
                    {
                        "range": {"start": {"line": -1, "character": 0}, "end": {"line": 0, "character": 0}},
                        "text": "lost",
                    }
                ],
            },
        )
        session.check()  # the text is still "x = 1\n"
    finally:
        session.close()
