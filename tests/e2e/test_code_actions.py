"""Code actions end to end: the real server process, the fake backend's chat and FIM streams."""

from __future__ import annotations

import ast
import asyncio
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.uris import to_fs_path
from pytest_lsp import LanguageClient

from tests.e2e.editor import Editor, apply_text_edits, start_editor, wait_for
from tests.e2e.lsp import openai_settings, server_config
from tests.fakes.fake_backend import FakeBackend, Reply

CACHE = Path(tempfile.mkdtemp(prefix="codex-ls-actions-cache-"))

SOURCE = '''import math


def add(a: int, b: int) -> int:
    """Return the sum of a and b."""
    ...


def area(r):
    return math.pi * r * r
'''
ADD_LINE = 3  # "def add"
AREA_LINE = 8


@pytest.fixture(scope="module", autouse=True)
def _cache() -> Iterator[None]:
    yield
    shutil.rmtree(CACHE, ignore_errors=True)


@pytest_lsp.fixture(config=server_config(CODEX_LS_CACHE_DIR=str(CACHE)))
async def client(lsp_client: LanguageClient, fake: FakeBackend, tmp_path: Path) -> Any:
    settings = openai_settings(fake)
    settings["actions"] = {"tuning": {"samples": 3}}
    await start_editor(lsp_client, settings, tmp_path)
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def editor(client: LanguageClient) -> Editor:
    return Editor(client)


def at(line: int, character: int = 0) -> types.Range:
    return types.Range(types.Position(line, character), types.Position(line, character))


def args(uri: str, where: types.Range, **more: str) -> dict[str, Any]:
    start, end = where.start, where.end
    span = {"start": {"line": start.line, "character": start.character}}
    span["end"] = {"line": end.line, "character": end.character}
    return {"uri": uri, "range": span, **more}


async def run(client: LanguageClient, command: str, argument: dict[str, Any]) -> Any:
    params = types.ExecuteCommandParams(command=command, arguments=[argument])
    return await asyncio.wait_for(client.workspace_execute_command_async(params), 15)


async def list_actions(client: LanguageClient, uri: str, where: types.Range) -> list[types.CodeAction]:
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri),
        range=where,
        context=types.CodeActionContext(diagnostics=[]),
    )
    result = await client.text_document_code_action_async(params)
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def chat(*chunks: str, **options: Any) -> Reply:
    return Reply(chunks=list(chunks), **options)


def user_prompt(fake: FakeBackend, index: int = 0) -> str:
    body = fake.requests[index].body or {}
    return str(body["messages"][-1]["content"])


def progress(client: LanguageClient) -> list[Any]:
    (reports,) = client.progress_reports.values()
    return list(reports)


def errors(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if m.type == types.MessageType.Error]


# -- listing ---------------------------------------------------------------------------------------


async def test_listing_gives_titles_and_never_calls_the_model(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    text = SOURCE.replace("def area(r):", "# codex: use r ** 2\ndef area(r):")
    uri = editor.open(tmp_path / "src" / "app.py", text)
    stub = {a.title: a for a in await list_actions(client, uri, at(ADD_LINE + 2, 4))}
    commented = {a.title: a for a in await list_actions(client, uri, at(AREA_LINE + 1))}
    assert fake.requests == []
    assert "Codex: Implement function" in stub
    assert {"Codex: Explain", "Codex: Add docstring", "Codex: Add unit tests", "Codex: Find bugs"} <= set(stub)
    assert "Codex: Translate to Go" in stub
    assert "Codex: Translate to Python" not in stub
    assert "Codex: Implement function" not in commented
    assert "Codex: use r ** 2" in commented
    # VS Code resolves edits lazily: the model runs in codeAction/resolve, not while listing.
    lazy = stub["Codex: Implement function"]
    assert (lazy.edit, lazy.command) == (None, None)
    assert lazy.data["command"] == "codex.implement"
    explain = stub["Codex: Explain"]
    assert explain.command is not None
    assert explain.command.command == "codex.explain"
    assert list(explain.command.arguments or []) == [args(uri, at(ADD_LINE + 2, 4))]


async def test_context_only_filters_by_kind(client: LanguageClient, editor: Editor, tmp_path: Path) -> None:
    uri = editor.open(tmp_path / "app.py", SOURCE)
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri),
        range=at(AREA_LINE + 1, 4),
        context=types.CodeActionContext(diagnostics=[], only=["refactor.rewrite"]),
    )
    actions = await client.text_document_code_action_async(params) or []
    titles = {a.title for a in actions}
    assert titles == {"Codex: Add docstring", "Codex: Add comments"}


# -- explain and translate -------------------------------------------------------------------------


async def test_explain_shows_markdown_from_the_cache_dir_with_progress_and_status(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(chat("This function ", "returns the area of a circle of radius `r`."))
    uri = editor.open(tmp_path / "src" / "app.py", SOURCE)
    assert await run(client, "codex.explain", args(uri, at(AREA_LINE + 1, 4))) is None
    (shown,) = client.shown_documents
    path = Path(to_fs_path(shown.uri) or "")
    assert path.parent == CACHE / "explanations"
    assert path.suffix == ".md"
    markdown = await asyncio.to_thread(path.read_text)
    assert "# Explanation of `area` (src/app.py, line 9)" in markdown
    assert "This function returns the area of a circle" in markdown
    request = fake.requests[0]
    assert request.path == "/v1/chat/completions"
    body = request.body or {}
    assert (body["stream"], body["temperature"], body["max_tokens"]) == (True, 0.2, 1024)
    prompt = user_prompt(fake)
    assert 'Begin with "This function"' in prompt
    assert "def area(r):\n    return math.pi * r * r" in prompt
    assert "src/app.py" in prompt
    reports = progress(client)
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert reports[0].cancellable
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    await wait_for(lambda: len(editor.statuses) >= 2)
    assert [s["state"] for s in editor.statuses] == ["busy", "idle"]


async def test_explain_request_answers_markdown(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(chat("This code adds two numbers."))
    uri = editor.open(tmp_path / "app.py", SOURCE)
    selection = types.Range(types.Position(ADD_LINE, 0), types.Position(ADD_LINE + 2, 7))
    params = {"textDocument": {"uri": uri}, "range": json.loads(json.dumps(args(uri, selection)["range"]))}
    result = await client.protocol.send_request_async("codex/explain", params)
    assert result.markdown == "This code adds two numbers."
    assert client.shown_documents == []


async def test_translate_opens_the_translation(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(chat("Here is the Go code:\n```go\nfunc area(r float64) float64 {\n", "\treturn math.Pi * r * r\n}\n```"))
    uri = editor.open(tmp_path / "app.py", SOURCE)
    await run(client, "codex.translate", args(uri, at(AREA_LINE), target="go"))
    (shown,) = client.shown_documents
    path = Path(to_fs_path(shown.uri) or "")
    assert path.suffix == ".go"
    assert await asyncio.to_thread(path.read_text) == "func area(r float64) float64 {\n\treturn math.Pi * r * r\n}\n"
    assert "to Go" in user_prompt(fake)


# -- edits ---------------------------------------------------------------------------------------


async def test_add_tests_creates_the_test_file(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    # The model forgot to import the code under test: the import is added.
    tests = "```python\nimport pytest\n\n\ndef test_area_of_unit_circle():\n    assert area(1) > 3\n```"
    fake.push(chat(tests))
    uri = editor.open(tmp_path / "src" / "app.py", SOURCE)
    await run(client, "codex.addTests", args(uri, at(AREA_LINE)))
    (applied,) = editor.applied
    create, _ = applied.edit.document_changes or []
    assert isinstance(create, types.CreateFile)
    assert create.uri.endswith("/tests/test_app.py")
    written = (tmp_path / "tests" / "test_app.py").read_text()
    assert written.startswith("import pytest\nfrom app import area\n\n\ndef test_area_of_unit_circle")
    ast.parse(written)
    prompt = user_prompt(fake)
    assert "pytest" in prompt
    assert "from app import area" in prompt


async def test_add_tests_appends_to_an_existing_file_without_repeating_imports(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    existing = tmp_path / "tests" / "test_app.py"
    existing.parent.mkdir()
    existing.write_text("from app import area\n\n\ndef test_old():\n    assert area(0) == 0\n")
    fake.push(chat("from app import area\n\n\ndef test_new():\n    assert area(2) > area(1)\n"))
    uri = editor.open(tmp_path / "app.py", SOURCE)
    await run(client, "codex.addTests", args(uri, at(AREA_LINE)))
    text = existing.read_text()
    assert text.count("from app import area") == 1
    old, new = "def test_old():\n    assert area(0) == 0\n", "def test_new():\n    assert area(2) > area(1)\n"
    assert text.endswith(old + "\n\n" + new)


async def test_tests_that_do_not_parse_are_asked_again_then_nothing_is_applied(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(chat("def test_x(:\n    pass"), chat("def test_y(\n"))
    uri = editor.open(tmp_path / "app.py", SOURCE)
    await run(client, "codex.addTests", args(uri, at(AREA_LINE)))
    assert len(fake.requests) == 2
    retry = (fake.requests[1].body or {})["messages"]
    assert retry[-2] == {"role": "assistant", "content": "def test_x(:\n    pass"}
    assert "cannot be used: the generated tests do not parse" in retry[-1]["content"]
    assert editor.applied == []
    assert not (tmp_path / "tests").exists()
    (error,) = errors(client)
    assert "do not parse" in error
    await wait_for(lambda: editor.statuses and editor.statuses[-1]["state"] == "error")


async def test_edit_with_instruction_replaces_only_the_selection(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(chat("```python\ndef area(r):\n    return math.pi * r ** 2\n```\nI used `**`."))
    uri = editor.open(tmp_path / "app.py", SOURCE)
    selection = types.Range(types.Position(AREA_LINE, 0), types.Position(AREA_LINE + 2, 0))
    await run(client, "codex.edit", args(uri, selection, instruction="use the power operator"))
    (applied,) = editor.applied
    (change,) = applied.edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.version == 1
    (text_edit,) = change.edits
    assert text_edit.range == types.Range(types.Position(AREA_LINE, 0), types.Position(AREA_LINE + 1, 26))
    assert editor.text(uri) == SOURCE.replace("math.pi * r * r", "math.pi * r ** 2")
    assert "Instruction: use the power operator" in user_prompt(fake)


async def test_instruction_comment_is_offered_and_resolved_into_an_edit_without_the_comment(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    text = SOURCE.replace("    return math.pi", "    # codex: use r ** 2\n    return math.pi")
    fake.push(chat("return math.pi * r ** 2"))
    uri = editor.open(tmp_path / "app.py", text)
    actions = {a.title: a for a in await list_actions(client, uri, at(AREA_LINE + 2, 8))}
    resolved = await client.code_action_resolve_async(actions["Codex: use r ** 2"])
    assert resolved.edit is not None
    (change,) = resolved.edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.version == 1
    assert apply_text_edits(text, change.edits) == SOURCE.replace("r * r", "r ** 2")
    assert "Instruction: use r ** 2" in user_prompt(fake)


async def test_add_docstring_inserts_the_docstring_and_keeps_the_code(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    # The model also "improved" the code: only its docstring is taken.
    answer = 'def area(r):\n    """Area of a circle of radius r."""\n    return 3.14 * r * r\n'
    fake.push(chat(f"```python\n{answer}```"))
    uri = editor.open(tmp_path / "app.py", SOURCE)
    await run(client, "codex.addDocstring", args(uri, at(AREA_LINE + 1, 4)))
    expected = SOURCE.replace("def area(r):\n", 'def area(r):\n    """Area of a circle of radius r."""\n')
    assert editor.text(uri) == expected


async def test_add_comments_that_change_the_code_are_refused(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(
        chat("def area(r):\n    # circle\n    return 3 * r * r\n"),
        chat("def area(r):\n    # pi r squared\n    return math.pi * r * r\n"),
    )
    uri = editor.open(tmp_path / "app.py", SOURCE)
    await run(client, "codex.addComments", args(uri, at(AREA_LINE)))
    assert len(fake.requests) == 2
    assert editor.text(uri) == SOURCE.replace("    return math.pi", "    # pi r squared\n    return math.pi")


async def test_find_bugs_publishes_diagnostics_cleared_by_the_next_change(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(chat("10: r may be negative\n42: not in the code"))
    uri = editor.open(tmp_path / "app.py", SOURCE)
    await run(client, "codex.findBugs", args(uri, at(AREA_LINE)))
    await wait_for(lambda: uri in client.diagnostics)
    (diagnostic,) = client.diagnostics[uri]
    assert (diagnostic.source, diagnostic.message) == ("codex", "r may be negative")
    assert diagnostic.range == types.Range(types.Position(9, 4), types.Position(9, 26))
    assert "9: def area(r):\n10:     return math.pi * r * r" in user_prompt(fake)
    editor.change(uri, SOURCE + "\n")
    await wait_for(lambda: not client.diagnostics[uri])


# -- implement function ----------------------------------------------------------------------------


async def test_implement_keeps_the_sample_that_stopped_and_parses(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(
        Reply(
            choices=[["return a + b + a + b + a"], ["return (a + b"], ["return a", " + b\n"]],
            choice_finish=["length", "stop", "stop"],
        )
    )
    uri = editor.open(tmp_path / "app.py", SOURCE)
    await run(client, "codex.implement", args(uri, at(ADD_LINE + 2, 4)))
    assert editor.text(uri) == SOURCE.replace("    ...\n", "    return a + b\n")
    body = fake.requests[0].body or {}
    assert fake.requests[0].path == "/v1/completions"
    assert (body["n"], body["temperature"], body["max_tokens"]) == (3, 0.4, 256)
    prefix = SOURCE[: SOURCE.index('b."""') + len('b."""')] + "\n    "
    # The model sees the file up to the hole and only the end of the function after it.
    assert body["prompt"] == "<|fim_prefix|>" + prefix + "<|fim_suffix|>\n<|fim_middle|>"


async def test_implement_retries_with_twice_the_tokens_when_every_sample_was_cut(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(
        Reply(chunks=["return a +"], finish_reason="length"),
        Reply(choices=[["return a + b"]] * 3, choice_finish=["stop"] * 3),
    )
    uri = editor.open(tmp_path / "app.py", SOURCE)
    await run(client, "codex.implement", args(uri, at(ADD_LINE)))
    assert [(r.body or {})["max_tokens"] for r in fake.requests] == [256, 512]
    assert "    return a + b\n" in editor.text(uri)


async def test_implement_samples_again_hotter_then_says_why_nothing_was_usable(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    wrong = Reply(choices=[["return values[0]"], ["pass"], ["return a +"]], choice_finish=["stop", "stop", "length"])
    fake.push(wrong, wrong)
    uri = editor.open(tmp_path / "app.py", SOURCE)
    await run(client, "codex.implement", args(uri, at(ADD_LINE)))
    assert [(r.body or {})["temperature"] for r in fake.requests] == [0.4, 0.8]
    assert editor.applied == []
    (error,) = errors(client)
    assert "no usable body among 6 samples (2 reads undefined values, 2 does nothing, 2 did not stop)" in error


# -- feedback and safety -----------------------------------------------------------------------------


async def test_cancelling_the_progress_closes_the_model_stream(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(chat(*["word "] * 100, chunk_delay=0.1))
    uri = editor.open(tmp_path / "app.py", SOURCE)
    running = asyncio.ensure_future(run(client, "codex.explain", args(uri, at(AREA_LINE))))
    await asyncio.to_thread(fake.wait_for_requests, 1)
    await wait_for(lambda: len(client.progress_reports) == 1)
    (token,) = client.progress_reports
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    request = await asyncio.to_thread(fake.wait_for_disconnect, 0)
    assert not request.completed
    assert await running is None
    assert isinstance(progress(client)[-1], types.WorkDoneProgressEnd)
    assert client.shown_documents == []
    assert errors(client) == []
    await wait_for(lambda: editor.statuses[-1]["state"] == "idle")


async def test_an_edit_for_a_document_that_changed_twice_is_not_applied(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    slow = chat("def area(r):\n    return math.pi * r ** 2\n", first_delay=0.5)
    fake.push(slow, slow)
    uri = editor.open(tmp_path / "app.py", SOURCE)
    running = asyncio.ensure_future(run(client, "codex.edit", args(uri, at(AREA_LINE + 1), instruction="use **")))
    for count in (1, 2):
        await asyncio.to_thread(fake.wait_for_requests, count)
        editor.change(uri, editor.text(uri) + "# typing\n")
    await running
    assert editor.applied == []
    assert editor.refused == []
    (error,) = errors(client)
    assert "changed" in error
    assert editor.text(uri) == SOURCE + "# typing\n# typing\n"


async def test_an_edit_for_a_changed_document_is_computed_again_for_the_new_version(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    answer = "def area(r):\n    return math.pi * r ** 2\n"
    fake.push(chat(answer, first_delay=0.5), chat(answer))
    uri = editor.open(tmp_path / "app.py", SOURCE)
    running = asyncio.ensure_future(run(client, "codex.edit", args(uri, at(AREA_LINE + 1), instruction="use **")))
    await asyncio.to_thread(fake.wait_for_requests, 1)
    editor.change(uri, SOURCE + "# typing\n")
    await running
    (applied,) = editor.applied
    (change,) = applied.edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.version == 2
    assert editor.text(uri) == SOURCE.replace("r * r", "r ** 2") + "# typing\n"


async def test_a_backend_500_ends_the_progress_and_shows_one_error(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(Reply(status=500), Reply(status=500), Reply(status=500))
    uri = editor.open(tmp_path / "app.py", SOURCE)
    await run(client, "codex.explain", args(uri, at(AREA_LINE)))
    assert len(fake.requests) == 3  # retried before the first token, then given up
    (error,) = errors(client)
    assert error.startswith("codex-ls: Codex: Explain: ")
    assert "500" in error
    assert isinstance(progress(client)[-1], types.WorkDoneProgressEnd)
    await wait_for(lambda: editor.statuses[-1]["state"] == "error")
    assert client.shown_documents == []


async def test_bad_arguments_are_an_invalid_params_error(client: LanguageClient, editor: Editor) -> None:
    with pytest.raises(Exception, match="range"):
        await run(client, "codex.explain", {"uri": "file:///x.py"})
