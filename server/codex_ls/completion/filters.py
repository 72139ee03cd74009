"""The post-processing filters: each trims one way raw model output runs past the suggestion, in a fixed order.

A fill-in-the-middle model sees the text before and after the cursor and writes what
goes between. What it writes often runs past the useful part: leaked special tokens,
Markdown fences, the next function, brackets or lines the suffix already has, endless
repetition. Each filter takes the text and the :class:`~.cursor.CursorContext`, both
with ``"\\n"`` line breaks, and returns the text it keeps, or ``None`` to drop the
suggestion.

Filters run in two stages. The first cleans what the model wrote, against the
document as typed. Then :func:`auto_closed` decides which auto-closed characters
after the cursor the suggestion replaces, and the second stage fits the text to the
document as it reads once the suggestion is accepted. :func:`filters_for` picks the
lists for a cursor; rules that hold for one language only go there.

The heuristics are language-agnostic (indentation, brackets, string and comment
delimiters: :mod:`.lexer`); no parser is involved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from .cursor import CursorContext
from .fim import SPECIAL_TOKENS
from .lexer import PAIRS, Closer, closers
from .lines import indent_after, indent_width, indentation, join_lines, trivial
from .nextline import trim_at_next_line
from .runaway import cut_loop, cut_repeated_lines, cut_repeated_run, end_complete
from .syntax import Extent, word_follows

#: Languages whose blocks end at a closing brace, not where the indentation does.
BRACE_LANGUAGES = frozenset(
    {
        "c",
        "cpp",
        "csharp",
        "dart",
        "go",
        "java",
        "javascript",
        "javascriptreact",
        "kotlin",
        "php",
        "rust",
        "scala",
        "swift",
        "typescript",
        "typescriptreact",
    }
)
#: A filter: the text it keeps, or ``None`` when nothing is worth showing.
Filter = Callable[[str, CursorContext], str | None]

#: What editors insert after the cursor on their own (auto-closing), plus the
#: punctuation that usually follows it on the line.
AUTO_CLOSED = frozenset(")]}\"'`;,:")
_CLOSE_LINE = re.compile(r"[)\]}][)\]};,]*")
_FENCE_OPEN = re.compile(r"\s*```[\w+#.-]*[ \t]*(?:\r?\n|$)")
#: A closing fence is at the start of its line; an indented one belongs to a docstring.
_FENCE_LINE = re.compile(r"^```[ \t]*\r?$", re.MULTILINE)


# The first stage: what the model wrote, read against the document as typed. ---------------------


def cut_at_stop_token(text: str, cursor: CursorContext) -> str:
    """Up to the first stop token or leaked FIM marker: the backend may not have stopped there itself."""
    cut = len(text)
    for token in (*cursor.stop_tokens, *SPECIAL_TOKENS):
        at = text.find(token) if token else -1
        if 0 <= at < cut:
            cut = at
    return text[:cut]


def strip_code_fences(text: str) -> str:
    """The inside of a Markdown code fence around ``text``; a lone closing fence line and what follows it go."""
    opening = _FENCE_OPEN.match(text)
    if opening is not None:
        text = text[opening.end() :]
    closing = _FENCE_LINE.search(text)
    if closing is None:
        return text
    return text[: closing.start()].removesuffix("\n").rstrip("\r")


def unfence(text: str, cursor: CursorContext) -> str:
    """Without a Markdown fence: chat-tuned models wrap code in one and explain it after."""
    return strip_code_fences(text)


def keep_first_line(text: str, cursor: CursorContext) -> str:
    """The first line: empty when the text starts with a line break (a multi-line intention)."""
    return text.split("\n", 1)[0].rstrip("\r")


def fix_seam(text: str, cursor: CursorContext) -> str:
    """Without the whitespace it repeats from the end of the cursor's line."""
    line = cursor.line
    if line.strip():
        # "return " + " x": token boundaries make models repeat the space.
        return text.lstrip(" \t") if line[-1] in " \t" else text
    # The cursor sits in the line's indentation. A completion that starts with the
    # same indentation again is indented twice ("    " + "    x"), unless it only
    # finishes the indentation being typed (" " + "   x"): keep whichever gives
    # the indentation Enter gave after the line above.
    if not line or not text.startswith(line):
        return text
    expected = None if cursor.above is None else indent_width(indent_after(cursor.above))
    if indent_width(line + text) == expected != indent_width(text):
        return text
    return text.removeprefix(line)


def trim_to_block(text: str, cursor: CursorContext) -> str:
    """Up to the first line whose indentation leaves the cursor's block: the model went on with the next one.

    The block's indentation is the cursor line's (prefix part plus the completion's
    first line); when that line is blank, the first non-blank line's. After code
    that opens a block (``def f():``, ``{``), it is the body's. A shallower line
    that only closes brackets opened in the completion (``}``, ``});``) stays.
    In a language of braces the block ends at the bracket that closes it, whatever
    the indentation (:func:`_trim_at_close`).
    """
    if cursor.language_id in BRACE_LANGUAGES:
        return _trim_at_close(text, cursor)
    lines = text.split("\n")
    first = cursor.line + fix_seam(lines[0], cursor)
    later = [(i, indent_width(line)) for i, line in enumerate(lines) if i and line.strip()]
    if not first.strip():
        if not later:
            return text
        block = later[0][1]
    else:
        block = indent_width(first)
        if cursor.line.strip() and first.rstrip()[-1] in ":{([" and later and later[0][1] > block:
            block = later[0][1]
    found = closers(cursor.line, text)
    starts = _line_starts(lines)
    for i, depth in later:
        if depth < block and not _closes_own_brackets(lines[i], starts[i], found):
            return join_lines(lines[:i])
    return text


def _trim_at_close(text: str, cursor: CursorContext) -> str:
    """Up to the line of the first bracket that closes one opened before the text (the cursor's
    block's ``}``): a model that indents a line oddly (``c2++;`` then `` p = p / 2;``) is
    still in the block, one that closes it went on with the code after it."""
    for at, _, opener in closers(cursor.line, text):
        if opener < 0:
            start = text.rfind("\n", 0, at) + 1
            cut = start if not text[start:at].strip() else at
            return join_lines(text[:cut].rstrip(" \t").split("\n"))
    return text


def cut_at_next_line(text: str, cursor: CursorContext) -> str:
    """Up to the line that repeats the next line of code after the cursor: a model that does not stop writes on."""
    return trim_at_next_line(cursor.prefix, text, cursor.suffix)


def drop_blank(text: str, cursor: CursorContext) -> str | None:
    """Nothing when there is nothing but whitespace."""
    return text if text.strip() else None


def drop_echo(text: str, cursor: CursorContext) -> str | None:
    """Nothing when the line written repeats the code line above it: a model that copies instead of writing."""
    lines = text.split("\n")
    if lines[0].strip():
        line = cursor.line + lines[0]
        previous = cursor.above
    else:
        line = next((row for row in lines if row.strip()), "")
        previous = cursor.line if cursor.line.strip() else cursor.above
    echoes = not trivial(line.strip()) and line.strip() == (previous or "").strip()
    return None if echoes else text


# Between the stages: what the suggestion replaces. ------------------------------------------------


def auto_closed(text: str, cursor: CursorContext) -> int:
    """How many characters after the cursor ``text`` replaces: the rest of the line, when that is auto-closed.

    The rest (``)``, ``");``, ``]``) is replaced when the completion's first line
    ends with it and its brackets there close nothing opened in the completion, so
    that the editor shows exactly what the model wrote.
    """
    closing = cursor.rest.strip()
    first = text.split("\n", 1)[0].rstrip()
    if not closing or not set(closing) <= AUTO_CLOSED or not first.endswith(closing):
        return 0
    start = len(first) - len(closing)
    if any(at >= start and opener >= 0 for at, _, opener in closers("", first)):
        return 0
    return len(cursor.rest)


# The second stage: the text against the document once it is accepted. -----------------------------


def trim_unmatched_close(text: str, cursor: CursorContext) -> str:
    """Cut before a closing bracket that the rest of the cursor's line already supplies."""
    rest = cursor.rest.lstrip(" \t")
    if not rest or rest[0] not in PAIRS:
        return text
    for at, bracket, opener in closers(cursor.line, text):
        # One that closes a bracket of the completion itself is the completion's own.
        if opener < 0 and bracket == rest[0]:
            return text[:at].rstrip(" \t")
    return text


def trim_suffix_overlap(text: str, cursor: CursorContext) -> str:
    """Without its end that the suffix already contains, as characters or as whole lines."""
    return _trim_line_overlap(_trim_char_overlap(text, cursor), cursor)


def _trim_char_overlap(text: str, cursor: CursorContext) -> str:
    suffix = cursor.suffix
    found = closers("", text)
    between = word_follows(cursor.rest)
    for size in range(min(len(text), len(suffix)), 0, -1):
        overlap = suffix[:size]
        if not text.endswith(overlap):
            continue
        # Short overlaps are coincidences unless they are closing punctuation, or the
        # words after the cursor written again from a word's start (``c, b`` before ``b)``).
        again = between and (size == len(text) or not word_follows(text[-size - 1]))
        if size < 3 and not set(overlap) <= AUTO_CLOSED and not again:
            continue
        cut = len(text) - size
        # Never remove a bracket that closes one the kept text opens (``f(x)`` before an
        # auto-closed ``)``), unless the text ends with the whole rest of a line that goes
        # on with a word (``chunk[end:]`` before ``end:]``): the line is then the model's.
        kept_closes = any(at >= cut and 0 <= opener < cut for at, _, opener in found)
        if not kept_closes or (between and overlap.rstrip() == cursor.rest.rstrip()):
            return text[:cut]
    return text


def _trim_line_overlap(text: str, cursor: CursorContext) -> str:
    if not text:
        return text
    lines = text.split("\n")
    rows = cursor.suffix.split("\n")
    # The document lines the completion produces: the first continues the cursor's
    # line, the last is continued by the rest of it.
    produced = [cursor.line + lines[0], *lines[1:]]
    produced[-1] += rows[0]
    following = [row.strip() for row in rows[1:] if row.strip()][: len(produced)]
    for i, line in enumerate(produced):
        if not line.strip():
            continue
        tail = [row.strip() for row in produced[i:] if row.strip()]
        # A lone "}" or ")" matching is too common to mean repetition.
        if tail == following[: len(tail)] and (len(tail) > 1 or not trivial(tail[0])):
            return join_lines(lines[:i]) if i else ""
    return text


def trim_line_end(text: str, cursor: CursorContext) -> str:
    """Without trailing whitespace; a trailing line break stays only where the rest of the line is blank,
    and blanks stay where a word follows the cursor (``not `` before ``x``)."""
    if word_follows(cursor.rest) and "\n" not in text[len(text.rstrip()) :]:
        return text
    return text.rstrip(" \t") if cursor.rest.strip() else text.rstrip()


def drop_replaced_only(text: str, cursor: CursorContext) -> str | None:
    """Nothing when the text is exactly the auto-closed characters it replaces: accepting it changes nothing."""
    return None if text == cursor.replaced else text


def line_above(text: str, cursor: CursorContext) -> str:
    """Whole lines typed in front of existing code end with their own line break.

    At the start of a line that already holds code (at column 0, or in its
    indentation), the suggestion is new lines above it; without the break,
    accepting it would run into that code. After the break comes the cursor
    line's indentation again, so that the code keeps it.
    """
    line, rest = cursor.line, cursor.rest
    if line.strip() or not rest.strip():
        return text
    if not line and rest[:1] not in " \t":
        return text  # code at column 0: the completion may continue it
    body = text.rstrip(" \t")
    return (body if body.endswith("\n") else body + "\n") + line


def close_on_own_line(text: str, cursor: CursorContext) -> str:
    """Lines written between ``{`` and ``}`` (``if (x) {|}``) leave the ``}`` on a line of its own,
    at the indentation of the line that opens the block."""
    line = cursor.line.rstrip()
    if "\n" not in text or not line.endswith("{") or not cursor.rest.lstrip().startswith("}"):
        return text
    return text.rstrip() + "\n" + indentation(line)


# The lists. -----------------------------------------------------------------------------------------


class Filters(NamedTuple):
    """The filters of one kind of suggestion, in the order they run."""

    #: Run on the model's text against the document as typed.
    clean: tuple[Filter, ...]
    #: Run once the auto-closed characters the suggestion replaces are known.
    fit: tuple[Filter, ...]


#: Junk whatever the suggestion's shape.
_JUNK: tuple[Filter, ...] = (drop_echo, cut_repeated_lines, cut_repeated_run)
_FIT: tuple[Filter, ...] = (
    trim_unmatched_close,
    trim_suffix_overlap,
    trim_line_end,
    drop_blank,
    drop_replaced_only,
    line_above,
    close_on_own_line,
)

# The seam goes before the block: the block's indentation is read from the first line.
SINGLE_LINE = Filters(clean=(cut_at_stop_token, unfence, keep_first_line, fix_seam, *_JUNK), fit=_FIT)
# A sample the limit cut ends at a complete statement before its block is read: what follows
# the block's end is cut by trim_to_block in any case.
MULTI_LINE = Filters(
    clean=(cut_at_stop_token, unfence, fix_seam, end_complete, trim_to_block, cut_at_next_line, *_JUNK, cut_loop),
    fit=_FIT,
)


def filters_for(cursor: CursorContext) -> Filters:
    """The filters for a suggestion at ``cursor``."""
    return MULTI_LINE if cursor.extent is Extent.BLOCK else SINGLE_LINE


def apply(filters: tuple[Filter, ...], text: str, cursor: CursorContext) -> str | None:
    """``text`` through ``filters`` in order; ``None`` as soon as one drops it."""
    for keep in filters:
        kept = keep(text, cursor)
        if kept is None:
            return None
        text = kept
    return text


def _closes_own_brackets(line: str, start: int, found: list[Closer]) -> bool:
    if not _CLOSE_LINE.fullmatch(line.strip()):
        return False
    return all(opener >= 0 for at, _, opener in found if start <= at < start + len(line))


def _line_starts(lines: list[str]) -> list[int]:
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    return starts
