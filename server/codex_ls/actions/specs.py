"""The code actions, each once: its command, title, code action kind, and what runs it.

The editor-facing parts (the offered titles, the commands registered, which
results can be resolved lazily, the progress title) are all read from here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .bugs import find_bugs
from .documents import explain, translate
from .implement import implement
from .job import Job, Result
from .rewrite import add_comments, add_docstring, edit
from .unit_tests import add_tests

#: Code action kinds: edits are rewrites; the rest produce documents or diagnostics.
REWRITE_KIND = "refactor.rewrite.codex"
ASSIST_KIND = "refactor.codex"


@dataclass(frozen=True)
class ActionSpec:
    command: str
    title: str
    kind: str
    run: Callable[[Job], Awaitable[Result]]

    @property
    def edits(self) -> bool:
        """Its result is a WorkspaceEdit, which a client may resolve lazily."""
        return self.kind == REWRITE_KIND or self.command == "codex.addTests"


ACTIONS: dict[str, ActionSpec] = {
    spec.command: spec
    for spec in (
        ActionSpec("codex.explain", "Explain", ASSIST_KIND, explain),
        ActionSpec("codex.addTests", "Add unit tests", ASSIST_KIND, add_tests),
        ActionSpec("codex.edit", "Edit with instruction", REWRITE_KIND, edit),
        ActionSpec("codex.implement", "Implement function", REWRITE_KIND, implement),
        ActionSpec("codex.addDocstring", "Add docstring", REWRITE_KIND, add_docstring),
        ActionSpec("codex.addComments", "Add comments", REWRITE_KIND, add_comments),
        ActionSpec("codex.findBugs", "Find bugs", ASSIST_KIND, find_bugs),
        ActionSpec("codex.translate", "Translate", ASSIST_KIND, translate),
    )
}
