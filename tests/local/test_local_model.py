"""The embedded 0.5B model end to end: default settings, the real server, real text.

One setting differs: ``completion.timeout`` is out of the way (600 s rather than 30 s).
These tests check what the model answers, not how fast it answers on a machine whose two
cores other work may share (with the load average at 5, one multi-line answer here took
longer than 120 s); a late answer would be an empty one.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.lsp import inline, inline_params, open_document, send_inline, server_config, start, texts, type_text

FIB = Path(__file__).parents[2] / "examples" / "fibonacci.py"
#: Real code that nobody here wrote, long enough that its middle is far from its top.
TEXTWRAP = Path(textwrap.__file__).read_text(encoding="utf-8")

BODY_SOURCE = (
    "def is_even(n: int) -> bool:\n"
    '    """Return True if n is even, else False."""\n'
    "    \n"
    "\n"
    "def main() -> None:\n"
    "    print(is_even(4))\n"
)


#: No backend, so the embedded model is the default; the cascade off, so that every answer here is the 0.5B's.
SETTINGS = {"completion": {"timeout": 600.0}, "model": {"large": ""}}


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient) -> Any:
    await start(lsp_client, SETTINGS)
    yield
    await lsp_client.shutdown_session()


async def test_every_request_sent_while_the_model_loads_is_answered(client: LanguageClient) -> None:
    # The model loads at initialize, in the background, with stdout pointed at /dev/null
    # by llama-cpp-python: the answers sent meanwhile must still reach the client.
    def loaded() -> bool:
        return any(m.message.startswith("loaded ") for m in client.log_messages)

    sent: list[asyncio.Future[Any]] = []
    deadline = asyncio.get_running_loop().time() + 120
    while not loaded():
        assert asyncio.get_running_loop().time() < deadline, "the model did not load"
        sent.append(asyncio.ensure_future(client.protocol.send_request_async("codex/stats", None)))
        await asyncio.sleep(0.025)
    assert len(sent) >= 3, "the model loaded before the requests could test anything"
    answers = await asyncio.wait_for(asyncio.gather(*sent), 30)
    assert all(answer.completions is not None for answer in answers)


async def test_single_line_fim_stops_at_the_line_end_and_fits(client: LanguageClient) -> None:
    text = FIB.read_text()
    line = text.split("\n").index("        numbers.append(")
    uri = open_document(client, text)
    items = await inline(client, uri, line, len("        numbers.append("))
    (completion,) = texts(items)
    assert "\n" not in completion
    assert completion.strip()
    offset = text.index("numbers.append(") + len("numbers.append(")
    ast.parse(text[:offset] + completion + text[offset:])  # fits between prefix and suffix


async def test_stats_count_the_tokens_the_model_evaluated_and_generated(client: LanguageClient) -> None:
    before = (await client.protocol.send_request_async("codex/stats", None)).model
    text = FIB.read_text()
    line = text.split("\n").index("        numbers.append(")
    uri = open_document(client, text, uri="file:///work/project/stats.py")
    seen = len(client.log_messages)
    (completion,) = texts(await inline(client, uri, line, len("        numbers.append(")))
    # The answer goes out when its sample ends; the worker's account of the generation, which the
    # statistics count, reaches the event loop just after, with its log line.
    await until(lambda: any("local generation ended" in m.message for m in client.log_messages[seen:]))
    after = (await client.protocol.send_request_async("codex/stats", None)).model
    generated = after.tokens_generated - getattr(before, "tokens_generated", 0)
    assert generated >= 1
    assert after.tokens_evaluated > getattr(before, "tokens_evaluated", 0)
    assert len(completion) <= 8 * generated  # a token is a few characters, never dozens


async def test_multi_line_body_ends_at_the_block(client: LanguageClient) -> None:
    uri = open_document(client, BODY_SOURCE)
    items = await inline(client, uri, 2, 4)
    (completion,) = texts(items)
    assert "return" in completion
    lines = completion.split("\n")
    assert all(not line.strip() or line.startswith("    ") for line in lines[1:])
    assert "def main" not in completion
    offset = BODY_SOURCE.index('"""\n    ') + len('"""\n    ')
    tree = ast.parse(BODY_SOURCE[:offset] + completion + BODY_SOURCE[offset:])
    namespace: dict[str, Any] = {}
    exec(compile(ast.Module(body=tree.body[:1], type_ignores=[]), "<model>", "exec"), namespace)
    assert [namespace["is_even"](n) for n in (0, 1, 2, 7)] == [True, False, True, False]


async def test_cancelled_generation_frees_the_model(client: LanguageClient) -> None:
    long_text = "# A list of the first 300 prime numbers, one per line:\nPRIMES = [\n"
    uri = open_document(client, long_text, uri="file:///work/project/primes.py")
    msg_id, first = send_inline(client, uri, 2, 0)
    await asyncio.sleep(3.0)  # the model is generating by now
    client.protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))
    await asyncio.gather(first, return_exceptions=True)
    text = FIB.read_text()
    uri2 = open_document(client, text)
    line = text.split("\n").index("        numbers.append(")
    assert texts(await inline(client, uri2, line, len("        numbers.append(")))
    ended = [m.message for m in client.log_messages if "generation ended" in m.message]
    cancelled = [m for m in ended if "finish=cancelled" in m]
    assert cancelled, ended
    # The first generation stopped early instead of running to its 256-token limit.
    generated = int(re.search(r"(\d+) tokens in [\d.]+s(, cold prompt)?; ", cancelled[0]).group(1))  # type: ignore[union-attr]
    assert generated < 256, cancelled[0]


async def test_corrupt_model_file_is_refused_with_the_sha256_message(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "qwen2.5-coder-0.5b-instruct-q5_0.gguf").write_bytes(b"GGUF" + os.urandom(4096))
    config = server_config(CODEX_LS_CACHE_DIR=str(tmp_path))
    client = await config.start()
    try:
        await start(client, SETTINGS)
        uri = open_document(client, "x = 1\ny = ")
        assert await inline(client, uri, 1, 4) == []
        await asyncio.sleep(0.1)
        messages = [m.message for m in client.messages]
        assert any("sha256 mismatch" in m for m in messages), messages
        await client.shutdown_session()
    finally:
        await client.stop()


async def test_a_manual_trigger_asks_for_three_samples_and_typing_for_one(client: LanguageClient) -> None:
    text = FIB.read_text()
    line = text.split("\n").index("        numbers.append(")
    column = len("        numbers.append(")
    uri = open_document(client, text)
    params = inline_params(uri, line, column, manual=True)
    result = await asyncio.wait_for(client.text_document_inline_completion_async(params), 120)
    assert isinstance(result, types.InlineCompletionList)
    completions = texts(list(result.items))
    assert 1 <= len(completions) <= 3
    offset = text.index("numbers.append(") + column - len("        ")
    for completion in completions:
        ast.parse(text[:offset] + completion + text[offset:])
    typing = BODY_SOURCE.replace("print(is_even(4))", "print(")
    uri2 = open_document(client, typing, uri="file:///work/project/even.py")
    await inline(client, uri2, 5, len("    print("))
    drawn = [m.message for m in client.log_messages if m.message.startswith("completion: ")]
    assert drawn[0].startswith("completion: 3 samples"), drawn
    assert drawn[-1].startswith("completion: 1 samples"), drawn


def generations(client: LanguageClient) -> list[tuple[int, int]]:
    """(prompt tokens, reused) of every ``local generation ended`` line so far."""
    found = (GENERATION.search(m.message) for m in client.log_messages)
    return [(int(m.group(1)), int(m.group(2))) for m in found if m is not None]


GENERATION = re.compile(r"local generation ended: .*prompt (\d+) tokens \((\d+) reused\)")


async def until(check: Any, seconds: float = 300.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest_lsp.fixture(config=server_config())
async def every_key(lsp_client: LanguageClient) -> Any:
    """A model call for every keystroke: nothing is served from what was shown."""
    await start(
        lsp_client,
        {
            "completion": {"timeout": 600.0, "tuning": {"reuse": False}},
            "model": {"large": "", "tuning": {"cacheLayout": True}},
        },
    )
    yield
    await lsp_client.shutdown_session()


async def test_two_keystrokes_on_a_line_evaluate_only_what_was_typed(every_key: LanguageClient) -> None:
    client = every_key
    text = FIB.read_text()
    line = text.split("\n").index("        numbers.append(")
    typed = "        numbers.app"
    lines = text.split("\n")
    lines[line] = typed
    uri = open_document(client, "\n".join(lines))
    assert texts(await inline(client, uri, line, len(typed)))
    for version, char in enumerate("en", start=2):
        type_text(client, uri, version, line, len(typed), char)
        typed += char
        await inline(client, uri, line, len(typed))
    await until(lambda: len(generations(client)) >= 3)
    first, *keystrokes = generations(client)[-3:]
    assert first[0] > 100, first  # the whole file is the prompt
    for prompt, reused in keystrokes:
        assert prompt - reused <= 3, keystrokes  # the new character, give or take a merged token


async def test_a_completion_asked_during_an_explain_is_answered_first(client: LanguageClient) -> None:
    source = FIB.read_text()
    uri = open_document(client, source)
    inside = {"line": source.split("\n").index("    if n < 2:"), "character": 4}
    argument = {"uri": uri, "range": {"start": inside, "end": inside}}
    params = types.ExecuteCommandParams(command="codex.explain", arguments=[argument])
    explain = asyncio.ensure_future(client.workspace_execute_command_async(params))
    finished: list[str] = []
    explain.add_done_callback(lambda _: finished.append("explain"))

    def generating() -> bool:
        reports = [str(r) for rs in client.progress_reports.values() for r in rs]
        return any("characters received" in r for r in reports)

    await until(generating)
    assert not explain.done()
    line = source.split("\n").index("        numbers.append(")
    assert texts(await inline(client, uri, line, len("        numbers.append(")))
    finished.append("completion")
    await asyncio.wait_for(explain, 600)
    assert finished == ["completion", "explain"]


async def test_a_cursor_at_rest_is_warmed_and_the_keystroke_there_evaluates_little(client: LanguageClient) -> None:
    text = FIB.read_text()
    line = text.split("\n").index("        numbers.append(")
    uri = open_document(client, text)
    here = types.Position(line, len("        numbers.append("))
    await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=types.Range(here, here),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )

    def warmed() -> list[str]:
        return [m.message for m in client.log_messages if "local warm-up ended: finish=warm" in m.message]

    # The warm-up of the document's first lines gives way to the newer one, at the cursor.
    await until(lambda: len(warmed()) >= 1)
    assert texts(await inline(client, uri, here.line, here.character))
    await until(lambda: len(generations(client)) >= 1)
    ((prompt, reused),) = generations(client)
    assert prompt - reused <= 1, (prompt, reused)


def raw_samples(client: LanguageClient, since: int) -> list[str]:
    """The samples the server logged (``candidate N: finish=... raw=...``) after the first ``since`` messages."""
    found = []
    for message in client.log_messages[since:]:
        head, sep, raw = message.message.partition(" raw=")
        if sep and head.startswith("candidate "):
            found.append(json.loads(raw))
    return found


async def test_the_first_of_several_samples_is_the_greedy_answer(client: LanguageClient) -> None:
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            {"codexLs": {**SETTINGS, "completion": {"timeout": 600.0, "tuning": {"reuse": False}}}}
        )
    )
    await asyncio.sleep(0.5)
    text = FIB.read_text()
    line = text.split("\n").index("        numbers.append(")
    uri = open_document(client, text)
    seen = len(client.log_messages)
    await inline(client, uri, line, len("        numbers.append("))
    (greedy,) = raw_samples(client, seen)
    seen = len(client.log_messages)
    params = inline_params(uri, line, len("        numbers.append("), manual=True)
    await asyncio.wait_for(client.text_document_inline_completion_async(params), 120)
    samples = raw_samples(client, seen)
    assert len(samples) > 1
    assert samples[0] == greedy


def cold(client: LanguageClient) -> list[bool]:
    """Whether each generation so far answered from its cold prompt."""
    return [", cold prompt; " in m.message for m in client.log_messages if GENERATION.search(m.message)]


async def test_an_unseen_place_answers_from_its_surroundings_until_the_whole_window_is_warm(
    every_key: LanguageClient,
) -> None:
    client = every_key
    lines = TEXTWRAP.split("\n")
    line = lines.index("        lines = []")  # inside TextWrapper._wrap_chunks, far from the top
    lines[line] = typed = "        lin"
    uri = open_document(client, "\n".join(lines))
    assert texts(await inline(client, uri, line, len(typed)))
    type_text(client, uri, 2, line, len(typed), "e")
    typed += "e"
    await inline(client, uri, line, len(typed))
    await until(lambda: len(generations(client)) >= 2)
    (first, key) = generations(client)[-2:]
    assert cold(client)[-2:] == [True, True]
    assert first[0] <= 400, first  # the surroundings alone: the whole window is about 900 tokens
    assert key[0] - key[1] <= 3, key  # the key typed after it reuses it
    # The cursor rests: its cold prompt is evaluated there, then the whole window, the cold prompt kept aside.
    here = types.Position(line, len(typed))
    warm = [m.message for m in client.log_messages if "local warm-up ended: finish=warm" in m.message]
    await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=types.Range(here, here),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    await until(
        lambda: sum("local warm-up ended: finish=warm" in m.message for m in client.log_messages) > len(warm) + 1
    )
    type_text(client, uri, 3, line, len(typed), "s")
    typed += "s"
    await inline(client, uri, line, len(typed))
    await until(lambda: len(generations(client)) >= 3)
    whole = generations(client)[-1]
    assert cold(client)[-1] is False
    assert whole[0] > first[0] + 200, (whole, first)
    assert whole[0] - whole[1] <= 3, whole
