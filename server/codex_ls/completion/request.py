"""One completion request: what it comes with, where it asks, and the answer it gets."""

from __future__ import annotations

from dataclasses import dataclass

from ..backends.base import GenerationRequest
from .fim import Files
from .reuse import Anchor
from .samples import Enough
from .suggestions import Suggestion
from .syntax import Extent
from .window import Window


@dataclass(frozen=True)
class CompletionContext:
    uri: str
    text: str
    offset: int
    language_id: str = ""
    path: str = ""
    version: int | None = None
    manual: bool = False
    #: Snippets of other open documents as ``(relative path, text)``.
    neighbours: Files = ()
    #: Outlines from the workspace of what the code at the cursor uses, the best last.
    repository: Files = ()
    #: When (event loop time) the samples must be in: the answer then holds those finished.
    deadline: float | None = None


@dataclass(frozen=True)
class Answer:
    """The suggestions at a cursor, and the window they were computed in."""

    suggestions: list[Suggestion]
    window: Window


@dataclass(frozen=True)
class Place:
    """Where one request asks: its window, the anchor of its cursor, one line or a block,
    and the model's request there, should no earlier answer serve it."""

    ctx: CompletionContext
    win: Window
    anchor: Anchor
    extent: Extent
    #: Answers without a new generation may serve it (not a manual trigger).
    reuse: bool
    #: What the model is asked here.
    request: GenerationRequest
    #: The FIM template's stop tokens, cut wherever they occur in what the model writes.
    stop_tokens: tuple[str, ...]
    #: When samples drawn one after another are enough (``None``: all are read).
    enough: Enough | None = None

    @property
    def key(self) -> tuple[str, str, Extent]:
        return (self.win.prefix, self.win.suffix, self.extent)

    def answer(self, found: list[Suggestion]) -> Answer:
        return Answer(found, self.win)
