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


def cached_window(text: str, offset: int, budget_chars: int, prefix_ratio: float, suffix_chars: int = 0) -> Window:
    """The window for a model that keeps its evaluated prompt (a KV cache), such as the embedded one.

    The prompt is laid out as head, suffix, then the cursor line's typed part
    (:func:`cached_prompt`), so what comes before the typed part must not move while
    the user types:

    * the head is measured from the cursor line's start, not from the cursor, and
      its first line moves in steps of half its budget, so it stays put for many
      lines of typing (the whole cache is re-evaluated only when it moves);
    * each side has its own share of the budget: typing on one side never moves the other;
    * the suffix is at most ``suffix_chars`` (0: its share), so a new line, which does
      change what the cache holds, re-evaluates little.
    """
    line_start = text.rfind("\n", 0, offset) + 1
    prefix_budget = int(budget_chars * prefix_ratio)
    if offset - line_start >= prefix_budget:
        return window(text, offset, budget_chars, prefix_ratio)
    suffix_budget = budget_chars - prefix_budget
    if suffix_chars:
        suffix_budget = min(suffix_budget, suffix_chars)
    start = _prefix_start(text, line_start, prefix_budget)
    if start > 0:
        step = max(1, prefix_budget // 2)
        snapped = -(-start // step) * step
        start = min(line_start, text.find("\n", snapped - 1) + 1 or line_start)
    end = _suffix_end(text, offset, suffix_budget)
    return Window(prefix=text[start:offset], suffix=text[offset:end], start=start, end=end)


def cold_window(win: Window, budget_chars: int, prefix_ratio: float = 0.75) -> Window | None:
    """A window of ``budget_chars`` inside ``win``, chosen in ``win``'s text as
    :func:`cached_window` chooses (the keys typed on the line reuse it); ``None`` if it
    would not be smaller. Its offsets are in ``win``'s text."""
    text = win.prefix + win.suffix
    cold = cached_window(text, len(win.prefix), budget_chars, prefix_ratio)
    return None if cold.start == 0 and cold.end == len(text) else cold


def split_typed(prefix: str) -> tuple[str, str]:
    """``prefix`` as (the lines above the cursor line and its indentation, what is typed after it).

    The indentation stays with the head: a middle that starts with blanks alone
    derails a small model (the 0.5B answered an indented empty body with the code
    after the function, where the same prompt with the blanks before the suffix
    marker got the body).
    """
    line = prefix.rfind("\n") + 1
    cut = line + len(prefix[line:]) - len(prefix[line:].lstrip(" \t"))
    return prefix[:cut], prefix[cut:]
