"""A small editor on top of the pytest-lsp client: open buffers, versions, and applyEdit like a real client.

``workspace/applyEdit`` is applied the way VS Code does it: a text edit naming a
version other than the buffer's is refused (nothing is applied), files are
created on disk, and every change is sent back to the server as ``didChange``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path
from pytest_lsp import LanguageClient, client_capabilities


@dataclass
class Buffer:
    text: str
    version: int


@dataclass
class Editor:
    client: LanguageClient
    buffers: dict[str, Buffer] = field(default_factory=dict)
    applied: list[types.ApplyWorkspaceEditParams] = field(default_factory=list)
    refused: list[types.ApplyWorkspaceEditParams] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # pygls marks handlers with attributes, which bound methods cannot take.
        def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            return self._apply_edit(params)

        def status(params: Any) -> None:
            self._status(params)

        self.client.feature(types.WORKSPACE_APPLY_EDIT)(apply_edit)
        self.client.feature("codex/status")(status)

    # -- buffers -----------------------------------------------------------------------------

    def open(self, path: Path, text: str, language: str = "python") -> str:
        uri = from_fs_path(str(path)) or path.as_uri()
        self.buffers[uri] = Buffer(text, 1)
        item = types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(item))
        return uri

    def change(self, uri: str, text: str) -> None:
        buffer = self.buffers[uri]
        buffer.text, buffer.version = text, buffer.version + 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=buffer.version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def text(self, uri: str) -> str:
        return self.buffers[uri].text

    # -- server requests ------------------------------------------------------------------

    def _status(self, params: Any) -> None:
        self.statuses.append(dict(params._asdict()) if hasattr(params, "_asdict") else dict(params))

    def _apply_edit(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        changes = params.edit.document_changes or []
        for change in changes:
            if isinstance(change, types.TextDocumentEdit):
                version = change.text_document.version
                buffer = self.buffers.get(change.text_document.uri)
                if version is not None and (buffer is None or buffer.version != version):
                    self.refused.append(params)
                    return types.ApplyWorkspaceEditResult(applied=False, failure_reason="version mismatch")
        for change in changes:
            self._apply_change(change)
        self.applied.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    def _apply_change(self, change: Any) -> None:
        if isinstance(change, types.CreateFile):
            path = Path(to_fs_path(change.uri) or "")
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("", encoding="utf-8")
            return
        assert isinstance(change, types.TextDocumentEdit)
        uri = change.text_document.uri
        if uri in self.buffers:
            text = apply_text_edits(self.buffers[uri].text, change.edits)
            self.change(uri, text)
        else:  # not open: the editor edits the file on disk
            path = Path(to_fs_path(uri) or "")
            path.write_text(apply_text_edits(path.read_text(encoding="utf-8"), change.edits), encoding="utf-8")


def apply_text_edits(text: str, edits: Any) -> str:
    """Apply LSP text edits (ASCII texts: UTF-16 units are characters)."""
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = _offset(text, edit.range.start), _offset(text, edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


def _offset(text: str, position: types.Position) -> int:
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: position.line]) + position.character


def _command_or_code_action(data: Any, _: type) -> types.Command | types.CodeAction:
    # lsprotocol reads any object with a "command" key as a Command, even a
    # CodeAction whose command is an object: it loses the action's kind and data.
    converter = _command_or_code_action.converter  # type: ignore[attr-defined]
    kind = types.Command if isinstance(data.get("command"), str) else types.CodeAction
    return converter.structure(data, kind)  # type: ignore[no-any-return]


async def start_editor(client: LanguageClient, settings: dict[str, Any] | None, root: Path) -> None:
    """Initialize with VS Code's capabilities and ``root`` as the workspace folder."""
    converter = client.protocol._converter
    _command_or_code_action.converter = converter  # type: ignore[attr-defined]
    converter.register_structure_hook(types.Command | types.CodeAction, _command_or_code_action)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            initialization_options=settings,
            workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(root)) or root.as_uri(), name="project")],
        )
    )


async def wait_for(condition: Any, seconds: float = 5.0) -> None:
    """Poll ``condition()`` until it is true (notifications arrive asynchronously)."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"not true within {seconds}s")
