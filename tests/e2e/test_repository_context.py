"""The repository context end to end: a workspace on disk, one file open, the other's definitions in the prompt."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.lsp import inline, openai_settings, server_config, texts
from tests.fakes.fake_backend import FakeBackend, Reply

SHAPES = "class Circle:\n    def __init__(self, radius: float) -> None:\n        self.radius = radius\n"
SECRET = "class Secret:\n    def __init__(self, password_of_the_ignored_file: str) -> None:\n        pass\n"
APP = "from shapes import Circle\nfrom secret import Secret\nfrom big import Big\n\n"


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient, fake: FakeBackend, tmp_path: Path) -> Any:
    project = tmp_path / "project"
    project.mkdir()
    (project / "shapes.py").write_text(SHAPES)
    (project / ".gitignore").write_text("secret.py\n")
    (project / "secret.py").write_text(SECRET)
    (project / "big.py").write_text(
        "class Big:\n    def __init__(self, huge_file_marker): pass\n" + "X = 1\n" * 300_000
    )
    capabilities = client_capabilities("visual-studio-code")
    capabilities.text_document.inline_completion = types.InlineCompletionClientCapabilities()  # type: ignore[union-attr]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            initialization_options=openai_settings(fake),
            workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="project")],
        )
    )
    lsp_client.project = project  # type: ignore[attr-defined]
    for _ in range(100):
        if any("files indexed" in m.message for m in lsp_client.log_messages):
            break
        await asyncio.sleep(0.05)
    yield
    await lsp_client.shutdown_session()


def open_app(client: LanguageClient, text: str, name: str) -> str:
    uri = (client.project / name).as_uri()  # type: ignore[attr-defined]
    item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(item))
    return uri


async def test_the_definition_of_the_name_before_the_cursor_reaches_the_prompt(
    client: LanguageClient, fake: FakeBackend
) -> None:
    text = APP + "c = Circle("
    uri = open_app(client, text, "app.py")
    fake.push(Reply(chunks=["radius=1.0)"]))
    assert texts(await inline(client, uri, 4, 11)) == ["radius=1.0)"]
    prompt = (fake.requests[0].body or {})["prompt"]
    assert "<|file_sep|>shapes.py\nclass Circle:\n    def __init__(self, radius: float) -> None: ...\n" in prompt
    assert "password_of_the_ignored_file" not in prompt
    assert "huge_file_marker" not in prompt


async def test_a_file_changed_on_disk_is_read_again(client: LanguageClient, fake: FakeBackend) -> None:
    before = APP + "b = Circle("
    fake.push(Reply(chunks=["1.0)"]))
    await inline(client, open_app(client, before, "before.py"), 4, 11)
    assert "radius: float" in (fake.requests[-1].body or {})["prompt"]
    shapes: Path = client.project / "shapes.py"  # type: ignore[attr-defined]
    await asyncio.to_thread(shapes.write_text, SHAPES.replace("radius: float", "diameter: float"))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(shapes.as_uri(), types.FileChangeType.Changed)])
    )
    for attempt in range(20):
        text = APP + f"c{attempt} = Circle("
        uri = open_app(client, text, f"app{attempt}.py")
        fake.push(Reply(chunks=["1.0)"]))
        await inline(client, uri, 4, len(text.rsplit("\n", 1)[-1]))
        if "diameter: float" in (fake.requests[-1].body or {})["prompt"]:
            break
        await asyncio.sleep(0.1)
    prompt = (fake.requests[-1].body or {})["prompt"]
    assert "def __init__(self, diameter: float) -> None: ..." in prompt
    assert "radius: float" not in prompt
