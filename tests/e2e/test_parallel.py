"""Work in parallel: two Explain actions, two edits and continuous typing on two documents at once.

The real server process against the fake backend, with an editor that applies edits
as VS Code does (an edit naming another version than the buffer's is refused). While
both documents are typed into, each with an inline completion after every keystroke
(most superseded by the next one, some cancelled with ``$/cancelRequest``), an
explanation and an edit run on each. Afterwards: every request was answered; every edit
was applied to the version it was computed for, or dropped with a message, and the
typing is all there; every progress token was ended; ``codex/status`` ends idle.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.editor import Editor, start_editor, wait_for
from tests.e2e.lsp import inline_params, openai_settings, server_config
from tests.editors.harness import chat_text
from tests.fakes.fake_backend import FakeBackend, RecordedRequest, Reply

SOURCE = "import math\n\n\ndef area(r):\n    return math.pi * r * r\n\n\n# notes: "
AREA_LINE, NOTES_LINE = 3, 7
INSTRUCTION = "use r ** 2"
EDITED = "```python\ndef area(r):\n    return math.pi * r ** 2\n```"
EXPLANATION = "This function returns the area of a circle."
#: Longest any request may take to be answered.
ANSWER_WITHIN = 15.0
KEYSTROKES = 60


def answer(request: RecordedRequest) -> Reply:
    """Explanations and edits take a while; completions come at once."""
    if request.path == "/v1/chat/completions":
        if INSTRUCTION in chat_text(request):
            return Reply(chunks=[EDITED], first_delay=0.4)
        return Reply(chunks=["This function ", "returns the area ", "of a circle."], first_delay=0.3, chunk_delay=0.1)
    return Reply(chunks=["x", "y"], first_delay=0.02, chunk_delay=0.005)


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient, fake: FakeBackend, tmp_path: Path) -> Any:
    fake.responder = answer
    await start_editor(lsp_client, openai_settings(fake), tmp_path)
    yield
    await lsp_client.shutdown_session()


@dataclass
class Requests:
    """Every request sent, and how it ended."""

    answered: int = 0
    cancelled: int = 0
    failed: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)

    async def wait(self, name: str, future: Any) -> Any:
        try:
            result = await asyncio.wait_for(future, ANSWER_WITHIN)
        except TimeoutError:
            self.unanswered.append(name)
            return None
        except JsonRpcException as exc:
            if getattr(exc, "code", None) == types.LSPErrorCodes.RequestCancelled:
                self.cancelled += 1
            else:
                self.failed.append(f"{name}: {exc}")
            return None
        self.answered += 1
        return result


async def type_into(editor: Editor, uri: str, requests: Requests, rng: random.Random, keystrokes: int) -> None:
    """Type at the end of the notes line; ask for a completion after every keystroke."""
    client = editor.client
    pending = []
    for n in range(keystrokes):
        editor.change(uri, editor.text(uri) + rng.choice("abcdefgh "))
        column = len(editor.text(uri).split("\n")[NOTES_LINE])
        msg_id = f"inline-{uri[-5:]}-{n}"
        params = inline_params(uri, NOTES_LINE, column)
        future = client.protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=msg_id)
        if rng.random() < 0.8:
            # The next keystroke comes before the answer; sometimes the editor says so.
            if rng.random() < 0.2:
                client.protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))
            pending.append(asyncio.ensure_future(requests.wait(msg_id, future)))
            await asyncio.sleep(rng.uniform(0.005, 0.03))
        else:
            await requests.wait(msg_id, future)
    await asyncio.gather(*pending)


def command(uri: str, name: str, **more: str) -> types.ExecuteCommandParams:
    where = {"line": AREA_LINE + 1, "character": 4}
    argument = {"uri": uri, "range": {"start": where, "end": where}, **more}
    return types.ExecuteCommandParams(command=name, arguments=[argument])


async def test_two_explanations_two_edits_and_typing_on_two_documents_at_once(
    client: LanguageClient, fake: FakeBackend, tmp_path: Path
) -> None:
    editor = Editor(client)
    first = editor.open(tmp_path / "first.py", SOURCE)
    second = editor.open(tmp_path / "second.py", SOURCE)
    requests = Requests()
    rng = random.Random(17)

    async def run(name: str, params: types.ExecuteCommandParams) -> None:
        await requests.wait(name, client.workspace_execute_command_async(params))

    async def second_document() -> None:
        # Typing on the second document stops before its edit: that edit can apply.
        await type_into(editor, second, requests, rng, KEYSTROKES // 2)
        await run("edit second", command(second, "codex.edit", instruction=INSTRUCTION))

    await asyncio.gather(
        type_into(editor, first, requests, rng, KEYSTROKES),
        run("explain first", command(first, "codex.explain")),
        run("explain second", command(second, "codex.explain")),
        run("edit first", command(first, "codex.edit", instruction=INSTRUCTION)),
        second_document(),
    )

    # Every request answered: 90 completions (or cancelled by $/cancelRequest) and 4 commands.
    assert requests.unanswered == []
    assert requests.failed == []
    assert requests.answered + requests.cancelled == KEYSTROKES + KEYSTROKES // 2 + 4
    assert requests.cancelled < KEYSTROKES  # the typing was answered, not only cancelled

    # Edits: applied to the version they were computed for (the editor refuses any
    # other), or dropped with a message; never a version the typing had left behind.
    assert editor.refused == []
    for applied in editor.applied:
        (change,) = applied.edit.document_changes or []
        assert isinstance(change, types.TextDocumentEdit)
    edited = {change.text_document.uri for a in editor.applied for change in a.edit.document_changes or []}
    assert second in edited
    dropped = [m.message for m in client.messages if "changed while the model was answering" in m.message]
    assert (first in edited) != bool(dropped)  # the first document's edit: applied or dropped, once
    for uri in (first, second):
        text = editor.text(uri)
        typed = text.split("\n")[-1]
        assert typed.startswith("# notes: ")
        assert len(typed) - len("# notes: ") == (KEYSTROKES if uri == first else KEYSTROKES // 2)
        body = "    return math.pi * r ** 2" if uri in edited else "    return math.pi * r * r"
        assert text.split("\n")[AREA_LINE + 1] == body

    # Two explanations shown, one per document.
    assert len(client.shown_documents) == 2

    # No progress left open: every token that began has ended.
    assert len(client.progress_reports) == 4
    for token, reports in client.progress_reports.items():
        assert isinstance(reports[0], types.WorkDoneProgressBegin), token
        assert isinstance(reports[-1], types.WorkDoneProgressEnd), token

    # The status bar ends idle ("ready").
    await wait_for(lambda: bool(editor.statuses) and editor.statuses[-1]["state"] == "idle")
    await asyncio.sleep(0.2)
    assert editor.statuses[-1]["state"] == "idle"
    assert [s["state"] for s in editor.statuses].count("busy") >= 4
    assert fake.active_streams == 0
