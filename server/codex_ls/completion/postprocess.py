"""Post-processing: a sample's text into the :class:`Suggestion` shown at the cursor, through :mod:`.filters`.

``"\\r\\n"`` is read as ``"\\n"`` by every filter and written back in the suggestion,
never left dangling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .cursor import CursorContext, cursor_at
from .filters import apply, auto_closed, filters_for, strip_code_fences, trim_to_block
from .syntax import Extent

__all__ = ["Suggestion", "postprocess", "run", "strip_code_fences", "trim_block"]


@dataclass(frozen=True)
class Suggestion:
    """What is shown at the cursor: a sample's text once the filters kept it."""

    #: What to insert at the cursor.
    text: str
    #: Characters of the suffix, on the cursor's line right after the cursor, that
    #: ``text`` replaces: auto-closed brackets and quotes the suggestion also types.
    replace_suffix: int = 0
    #: Why the sample it came from ended (``Finish``); ``None`` until the sample is known.
    finish_reason: str | None = None


def postprocess(
    prefix: str,
    suffix: str,
    text: str,
    *,
    extent: Extent,
    stop_tokens: Sequence[str] = (),
    language_id: str = "",
    cut_short: bool = False,
) -> Suggestion | None:
    """The suggestion to show for the model's ``text`` at the cursor, or ``None`` when nothing is worth showing.

    ``cut_short``: the sample ran out of tokens, so its end is no statement's end.
    """
    cursor = cursor_at(
        prefix, suffix, extent=extent, stop_tokens=stop_tokens, language_id=language_id, cut_short=cut_short
    )
    return run(text.replace("\r\n", "\n"), cursor)


def run(text: str, cursor: CursorContext) -> Suggestion | None:
    """``text`` through the filters for ``cursor``: cleaned, its replacement chosen, then fitted to the document."""
    chosen = filters_for(cursor)
    kept = apply(chosen.clean, text, cursor)
    if kept is None:
        return None
    accepted = cursor.replacing(auto_closed(kept, cursor))
    fitted = apply(chosen.fit, kept, accepted)
    if fitted is None:
        return None
    return Suggestion(fitted.replace("\n", cursor.eol), len(accepted.replaced))


def trim_block(prefix: str, text: str, language_id: str = "") -> str:
    """``text`` up to where it leaves the cursor's block (for a stream still arriving)."""
    return trim_to_block(text, CursorContext(prefix=prefix, suffix="", extent=Extent.BLOCK, language_id=language_id))
