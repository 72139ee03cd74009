"""The cursor as post-processing reads it: the document around it and the request's settings, computed once."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from .lines import code_line_above, current_line, rest_of_line
from .syntax import Extent


@dataclass(frozen=True)
class CursorContext:
    """Where a suggestion goes. Line breaks are ``"\\n"``; :attr:`eol` is the document's own."""

    #: The document before the cursor.
    prefix: str
    #: The document after the cursor; once the suggestion replaces auto-closed characters, after those.
    suffix: str
    #: One line, or a block of lines.
    extent: Extent
    #: The document's line break, restored in the suggestion shown.
    eol: str = "\n"
    #: Where the backend's generation ends, wherever it shows up in the text.
    stop_tokens: tuple[str, ...] = ()
    #: The LSP language id, for filters that hold for some languages only; empty when unknown.
    language_id: str = ""
    #: The characters right after the cursor that the suggestion replaces (auto-closed ``)``, ``");``).
    replaced: str = ""
    #: The sample ran out of tokens: where its text ends, the limit cut it, not the model.
    cut_short: bool = False
    #: The cursor's line up to the cursor.
    line: str = field(init=False)
    #: The cursor's line after the cursor (in :attr:`suffix`).
    rest: str = field(init=False)
    #: The nearest line above the cursor's line that is not blank.
    above: str | None = field(init=False)

    def __post_init__(self) -> None:
        # Derived once here, for every filter that reads them.
        object.__setattr__(self, "line", current_line(self.prefix))
        object.__setattr__(self, "rest", rest_of_line(self.suffix))
        object.__setattr__(self, "above", code_line_above(self.prefix))

    def replacing(self, count: int) -> CursorContext:
        """The cursor once a suggestion that replaces the suffix's first ``count`` characters is accepted."""
        return dataclasses.replace(self, suffix=self.suffix[count:], replaced=self.suffix[:count])


def cursor_at(
    prefix: str,
    suffix: str,
    *,
    extent: Extent,
    stop_tokens: Sequence[str] = (),
    language_id: str = "",
    cut_short: bool = False,
) -> CursorContext:
    """The context of a cursor between ``prefix`` and ``suffix``, read with ``"\\n"`` line breaks."""
    eol = "\r\n" if "\r\n" in prefix or "\r\n" in suffix else "\n"
    return CursorContext(
        prefix=prefix.replace("\r\n", "\n"),
        suffix=suffix.replace("\r\n", "\n"),
        extent=extent,
        eol=eol,
        stop_tokens=tuple(stop_tokens),
        language_id=language_id,
        cut_short=cut_short,
    )
