"""The prefix/suffix window shown to the model: whole lines around the cursor under a budget.

The window around the cursor is bounded, so a keystroke in a huge file costs the
size of the window, not of the file.
"""

from __future__ import annotations

import re
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
    (``prompting.CachedPrompting.prompt``), so what comes before the typed part must not move while
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
    would not be smaller. Its offsets are in ``win``'s text.

    Where the lines kept above the cursor do not reach up to the blocks the cursor is
    in, the lines that open those blocks come first (:func:`scope_head`), so that a
    small window still shows the function's signature and docstring; the lines near the
    cursor get what they leave of the prefix's budget. Then ``start`` is where that head
    starts, and the prefix skips from the head to the lines near the cursor.
    """
    text = win.prefix + win.suffix
    offset = len(win.prefix)
    cold = cached_window(text, offset, budget_chars, prefix_ratio)
    if cold.start == 0 and cold.end == len(text):
        return None
    line_start = text.rfind("\n", 0, offset) + 1
    prefix_budget = int(budget_chars * prefix_ratio)
    if cold.start == 0 or cold.start >= line_start:
        return cold
    head = scope_head(text, line_start, cold.start, prefix_budget // 2)
    if not head:
        return cold
    first, resume, lines = head
    near_start = max(_prefix_start(text, line_start, prefix_budget - len(lines)), resume)
    return Window(prefix=lines + text[near_start:offset], suffix=cold.suffix, start=first, end=cold.end)


def _indentation(line: str) -> int | None:
    """Leading blanks of ``line``; ``None`` for a blank line."""
    body = line.lstrip(" \t")
    return None if not body.strip() else len(line) - len(body)


_DOCSTRING = re.compile(r"""[rRuUbB]{0,2}(\"\"\"|''')""")
#: Where a docstring's first paragraph ends: a blank line, or the first example.
_PARAGRAPH_END = re.compile(r"\n[ \t]*(?:\n|>>>)")
_DEFINITION = re.compile(r"[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]")


def scope_head(text: str, line_start: int, cut: int, budget: int) -> tuple[int, int, str] | None:
    """The lines above ``cut`` that open the blocks the line at ``line_start`` is in (each less
    indented than every line below it), outermost first, within ``budget`` characters:
    ``(offset of the first, offset after the last and its docstring, their text)``. The
    innermost Python definition among them comes with its signature over several lines and
    its docstring (:func:`_docstring`).

    Where all do not fit, the outer lines are left out first.
    """
    opened: list[tuple[int, int]] = []
    limit: int | None = None
    pos = line_start
    while pos > 0 and limit != 0:
        start = text.rfind("\n", 0, pos - 1) + 1
        depth = _indentation(text[start:pos])
        if depth is not None and (limit is None or depth < limit):
            limit = depth
            if start < cut:
                opened.append((start, pos))
        pos = start
    kept: list[tuple[int, int]] = []
    used = 0
    for start, end in opened:  # innermost first
        if used + end - start > budget:
            break
        kept.append((start, end))
        used += end - start
    if not kept:
        return None
    pieces = [text[s:e] for s, e in kept]  # innermost first, as kept
    after = kept[0][1]
    for i, (start, end) in enumerate(kept):
        if _DEFINITION.match(text, start):
            bound = kept[i - 1][0] if i else line_start
            signature = _signature_end(text, end, bound)
            if signature is not None and used + signature - end <= budget:
                used, end = used + signature - end, signature
            docstring, after = _docstring(text, end, bound, budget - used)
            pieces[i] = text[start:end] + docstring
            break
    return kept[-1][0], max(after, kept[0][1]), "".join(reversed(pieces))


def _signature_end(text: str, pos: int, bound: int, lines: int = 8) -> int | None:
    """Where a definition whose first line (ending at ``pos``) does not end with ``:`` ends:
    after the first of the next ``lines`` lines that does, before ``bound``."""
    if text[text.rfind("\n", 0, pos - 1) + 1 : pos].rstrip().endswith(":"):
        return None
    for _ in range(lines):
        end = text.find("\n", pos, bound)
        if end < 0:
            return None
        if text[pos:end].rstrip().endswith(":"):
            return end + 1
        pos = end + 1
    return None


def _docstring(text: str, pos: int, bound: int, budget: int) -> tuple[str, int]:
    """The docstring that opens the block at ``pos`` and ends before ``bound``, within ``budget``
    characters: whole, or else its first paragraph (up to a blank line or an example) and its
    closing line, or else ``""``; and where it ends in ``text`` (``pos`` if there is none)."""
    body = text[pos:bound]
    first = body.lstrip()
    match = _DOCSTRING.match(first)
    if match is None:
        return "", pos
    opening = pos + len(body) - len(first) + match.end()
    closing = text.find(match.group(1), opening, bound)
    end = text.find("\n", closing, bound) if closing >= 0 else -1
    if end < 0:
        return "", pos
    if end + 1 - pos <= budget:
        return text[pos : end + 1], end + 1
    closing_line = text[text.rfind("\n", 0, closing) + 1 : end + 1]
    paragraph = _PARAGRAPH_END.search(text, opening, closing)
    if paragraph is None or closing_line.strip() != match.group(1):
        return "", end + 1
    short = text[pos : paragraph.start() + 1] + closing_line
    return (short if len(short) <= budget else ""), end + 1


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
