"""What an action works on and what it produces.

A :class:`Job` is one run of one action: the arguments the editor sent, a
snapshot of the document at a known version, the backends, and a way to report
progress. Actions return one of three results; applying them to the editor is
the runner's business, not theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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

COMMANDS: tuple[str, ...] = (
    "codex.explain",
    "codex.addTests",
    "codex.edit",
    "codex.implement",
    "codex.addDocstring",
    "codex.addComments",
    "codex.findBugs",
    "codex.translate",
)


class ArgumentError(ValueError):
    """The command's argument object is not ``{uri, range, instruction?, target?}``."""


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


def plain(value: Any) -> Any:
    """JSON-like data from what pygls hands over (namedtuples for custom methods)."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def parse_args(raw: Any) -> ActionArgs:
    data = plain(raw)
    if not isinstance(data, dict) or not isinstance(data.get("uri"), str):
        raise ArgumentError("expected one argument {uri, range, instruction?, target?}")
    try:
        start, end = (_position(data["range"][key]) for key in ("start", "end"))
    except (KeyError, TypeError, ValueError):
        raise ArgumentError("range must be {start: {line, character}, end: {line, character}}") from None
    if (end.line, end.character) < (start.line, start.character):
        start, end = end, start
    options = {k: data.get(k) for k in ("instruction", "target")}
    for key, value in options.items():
        if value is not None and not isinstance(value, str):
            raise ArgumentError(f"{key} must be a string")
    return ActionArgs(data["uri"], types.Range(start, end), options["instruction"], options["target"])


def _position(raw: Any) -> types.Position:
    line, character = raw["line"], raw["character"]
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (line, character)):
        raise ValueError(raw)
    return types.Position(line, character)


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
    #: The client can create files through a WorkspaceEdit.
    can_create_files: bool = True


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
