"""Which actions to offer at a selection or cursor: cheap titles, no model call.

Listing reads the document only (the function at the cursor, an instruction
comment above it); the model is called when the user picks an action.
"""

from __future__ import annotations

from dataclasses import dataclass

from .functions import PYTHON, function_at
from .job import ActionArgs, Snapshot
from .prompts import TRANSLATE_TARGETS, language_name
from .target import instruction_at, target_at

#: Code action kinds: edits are rewrites; the rest produce documents or diagnostics.
REWRITE_KIND = "refactor.rewrite.codex"
ASSIST_KIND = "refactor.codex"

#: Commands whose result is a WorkspaceEdit (these can be resolved lazily).
EDIT_COMMANDS = frozenset(
    {"codex.edit", "codex.implement", "codex.addDocstring", "codex.addComments", "codex.addTests"}
)


@dataclass(frozen=True)
class Offer:
    title: str
    command: str
    kind: str
    args: ActionArgs


def offers(snapshot: Snapshot, args: ActionArgs) -> list[Offer]:
    found: list[Offer] = []
    comment = instruction_at(snapshot, args.range)
    if comment is not None:
        instructed = ActionArgs(args.uri, args.range, instruction=comment.instruction)
        found.append(Offer(f"Codex: {comment.instruction}", "codex.edit", REWRITE_KIND, instructed))
    function = function_at(snapshot.text, args.range.start.line, snapshot.language)
    if function is not None and function.is_stub:
        found.append(Offer("Codex: Implement function", "codex.implement", REWRITE_KIND, args))
    target = target_at(snapshot, args.range)
    if target is None:
        return found
    found.append(Offer("Codex: Explain", "codex.explain", ASSIST_KIND, args))
    if target.function is not None:
        found.append(Offer("Codex: Add docstring", "codex.addDocstring", REWRITE_KIND, args))
    found.append(Offer("Codex: Add comments", "codex.addComments", REWRITE_KIND, args))
    if snapshot.language.lower() in PYTHON:
        found.append(Offer("Codex: Add unit tests", "codex.addTests", ASSIST_KIND, args))
    found.append(Offer("Codex: Find bugs", "codex.findBugs", ASSIST_KIND, args))
    for language in TRANSLATE_TARGETS:
        if language != snapshot.language.lower():
            to = ActionArgs(args.uri, args.range, target=language)
            found.append(Offer(f"Codex: Translate to {language_name(language)}", "codex.translate", ASSIST_KIND, to))
    return found


def wanted(kind: str, only: list[str] | None) -> bool:
    """Whether ``kind`` matches the client's ``context.only`` filter (hierarchical prefixes)."""
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)
