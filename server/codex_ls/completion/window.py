"""The prefix/suffix window shown to the model: whole lines around the cursor under a budget.

The window around the cursor is bounded, so a keystroke in a huge file costs the
size of the window, not of the file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    prefix: str
    suffix: str
    #: Offsets (code points) of the window in the document.
    start: int
    end: int


def _prefix_start(text: str, offset: int, budget: int) -> int:
    start = text.rfind("\n", 0, offset) + 1
    if offset - start > budget:
        return offset - budget
    while start > 0:
        previous = text.rfind("\n", 0, start - 1) + 1
        if offset - previous > budget:
            break
        start = previous
    return start


def _suffix_end(text: str, offset: int, budget: int) -> int:
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end + 1
    if end - offset > budget:
        return offset + budget
    while end < len(text):
        following = text.find("\n", end)
        following = len(text) if following < 0 else following + 1
        if following - offset > budget:
            break
        end = following
    return end


def window(text: str, offset: int, budget_chars: int, prefix_ratio: float = 0.75) -> Window:
    """Whole lines around ``offset``: about ``prefix_ratio`` of the budget before it.

    Budget the other side cannot use (near the top or the end of the file) is
    given to the side that can.
    """
    prefix_budget = int(budget_chars * prefix_ratio)
    suffix_budget = budget_chars - prefix_budget
    end = _suffix_end(text, offset, suffix_budget)
    start = _prefix_start(text, offset, prefix_budget + suffix_budget - (end - offset))
    end = _suffix_end(text, offset, budget_chars - (offset - start))
    return Window(prefix=text[start:offset], suffix=text[offset:end], start=start, end=end)
