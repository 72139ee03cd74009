"""What an action works on and what it produces.

A :class:`Job` is one run of one action: the arguments the editor sent, a
snapshot of the document at a known version, the backends, and a way to report
progress. Actions return one of three results; applying them to the editor is
the runner's business, not theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from lsprotocol import types

from ..backends.base import Backend
from ..backends.chat import ChatBackend
from ..completion.fim import FimTemplate
from ..config import ActionsConfig
from ..errors import CodexError
from ..positions import offset_at, position_at
from .source import Lines


@dataclass(frozen=True)
class ActionArgs:
    uri: str
    range: types.Range
    instruction: str | None = None
    target: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"uri": self.uri, "range": _range_json(self.range)}
        if self.instruction is not None:
            data["instruction"] = self.instruction
        if self.target is not None:
            data["target"] = self.target
        return data


def _range_json(r: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": r.start.line, "character": r.start.character},
        "end": {"line": r.end.line, "character": r.end.character},
    }


@dataclass(frozen=True)
class Snapshot:
    """A document as it was when the action read it."""

    uri: str
    text: str
    version: int | None
    language: str
    #: Path relative to its workspace folder (or the file name).
    path: str
    #: File-system path of the workspace folder holding the document, if any.
    root: Path | None
    #: File-system path of the document itself, if it has one.
    file: Path | None = None
    #: The client's position encoding (``PositionEncodingKind``).
    encoding: str | None = None

    @cached_property
    def lines(self) -> Lines:
        return Lines(self.text)

    def offset(self, position: types.Position) -> int:
        return offset_at(self.text, position, self.encoding)

    def position(self, offset: int) -> types.Position:
        return position_at(self.text, offset, self.encoding)

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(self.position(start), self.position(end))


@dataclass(frozen=True)
class Completer:
    """The FIM side, for *Implement function*: the completion backend and its template."""

    backend: Backend
    template: FimTemplate


@dataclass(frozen=True)
class Existing:
    """A file's text, and its version when the editor has it open (``None`` when only on disk)."""

    text: str
    version: int | None


def _file_uri(path: Path) -> str:
    return path.as_uri()


def _not_open(path: Path) -> Existing | None:
    return None


@dataclass
class Job:
    args: ActionArgs
    snapshot: Snapshot
    config: ActionsConfig
    chat: ChatBackend
    completer: Completer
    #: Where explanations and translations are written.
    cache_dir: Path
    #: Progress messages for the editor (``$/progress`` report).
    report: Callable[[str], None] = lambda _: None
    #: The text of an answer to read, piece by piece as the model writes it; the
    #: pieces join into the result's text (an explanation's Markdown).
    write: Callable[[str], None] = lambda _: None
    #: The client can create files through a WorkspaceEdit.
    can_create_files: bool = True
    #: A file's URI as the editor spells it.
    uri_of: Callable[[Path], str] = _file_uri
    #: A file's text and version if the editor has it open.
    opened: Callable[[Path], Existing | None] = _not_open


@dataclass(frozen=True)
class EditResult:
    edit: types.WorkspaceEdit
    label: str


@dataclass(frozen=True)
class DocumentResult:
    """A file to show the user (an explanation, a translation)."""

    path: Path
    text: str


@dataclass(frozen=True)
class FindingsResult:
    uri: str
    diagnostics: list[types.Diagnostic]


Result = EditResult | DocumentResult | FindingsResult


class ActionFailedError(CodexError):
    """The action ran but produced nothing usable; the message is for the user."""
