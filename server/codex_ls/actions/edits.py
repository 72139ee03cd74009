"""Workspace edits the server proposes: versioned, and only over the range an action concerns.

Every text change names the document version it was computed for, so a client
refuses it instead of applying it to text the user has changed since.
"""

from __future__ import annotations

from lsprotocol import types


def replace(uri: str, version: int | None, where: types.Range, text: str) -> types.WorkspaceEdit:
    """Replace ``where`` in one document (``version`` ``None`` for a file that is not open)."""
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                edits=[types.TextEdit(range=where, new_text=text)],
            )
        ]
    )


def create_file(uri: str, text: str) -> types.WorkspaceEdit:
    """Create ``uri`` (left alone if it appeared meanwhile) and fill it with ``text``."""
    start = types.Position(0, 0)
    return types.WorkspaceEdit(
        document_changes=[
            types.CreateFile(uri=uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True)),
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                edits=[types.TextEdit(range=types.Range(start, start), new_text=text)],
            ),
        ]
    )


def insert_all(uri: str, version: int | None, inserts: list[tuple[types.Position, str]]) -> types.WorkspaceEdit:
    """Insert several texts into one document, each at its position in the document as it is."""
    edits = [types.TextEdit(range=types.Range(at, at), new_text=text) for at, text in inserts]
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=edits
            )
        ]
    )


def edited_uris(edit: types.WorkspaceEdit) -> list[tuple[str, int | None]]:
    """The documents (and versions) an edit changes."""
    found: list[tuple[str, int | None]] = []
    for change in edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit):
            found.append((change.text_document.uri, change.text_document.version))
    return found
