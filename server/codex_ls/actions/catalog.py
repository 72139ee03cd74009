"""Which actions to offer at a selection or cursor: cheap titles, no model call.

Listing reads the document only (the function at the cursor, an instruction
comment above it); the model is called when the user picks an action.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..languages import language_name
from .frameworks import TEST_LANGUAGES
from .functions import PYTHON, function_at
from .job import ActionArgs, Snapshot
from .prompts import TRANSLATE_TARGETS
from .specs import ACTIONS
from .target import instruction_at, target_at


@dataclass(frozen=True)
class Offer:
    title: str
    command: str
    kind: str
    args: ActionArgs


def _offer(command: str, args: ActionArgs, title: str | None = None) -> Offer:
    spec = ACTIONS[command]
    return Offer(f"Codex: {title or spec.title}", command, spec.kind, args)


def offers(snapshot: Snapshot, args: ActionArgs) -> list[Offer]:
    found: list[Offer] = []
    comment = instruction_at(snapshot, args.range)
    if comment is not None:
        instructed = ActionArgs(args.uri, args.range, instruction=comment.instruction)
        found.append(_offer("codex.edit", instructed, comment.instruction))
    function = function_at(snapshot.text, args.range.start.line, snapshot.language)
    if function is not None and function.is_stub:
        found.append(_offer("codex.implement", args))
    target = target_at(snapshot, args.range)
    if target is None:
        return found
    found.append(_offer("codex.explain", args))
    if target.function is not None:
        found.append(_offer("codex.addDocstring", args))
    found.append(_offer("codex.addComments", args))
    if snapshot.language.lower() in PYTHON | TEST_LANGUAGES:
        found.append(_offer("codex.addTests", args))
    found.append(_offer("codex.findBugs", args))
    for language in TRANSLATE_TARGETS:
        if language != snapshot.language.lower():
            to = ActionArgs(args.uri, args.range, target=language)
            found.append(_offer("codex.translate", to, f"Translate to {language_name(language)}"))
    return found


def wanted(kind: str, only: list[str] | None) -> bool:
    """Whether ``kind`` matches the client's ``context.only`` filter (hierarchical prefixes)."""
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)
