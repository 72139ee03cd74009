"""Post-processing of raw model output into the suggestion shown at the cursor.

A fill-in-the-middle model sees the text before the cursor (``prefix``) and after it
(``suffix``) and generates the ``completion``. What it generates often runs past the
useful part: leaked special tokens, Markdown fences, the next function, brackets or
lines the suffix already has, endless repetition. Every function here is pure and
trims one of these; :func:`postprocess` applies them in order.

The heuristics are language-agnostic (indentation, brackets, string and comment
delimiters of Python, JavaScript/TypeScript, Go, Rust and C-like languages); no
parser is involved. ``"\\r\\n"`` is treated like ``"\\n"`` and never left dangling.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .fim import SPECIAL_TOKENS
from .lines import current_line as _current_line
from .lines import join_lines as _join
from .lines import rest_of_line as _rest_of_line
from .lines import trivial as _trivial
from .nextline import trim_at_next_line

_OPENERS = "([{"
_PAIRS = {")": "(", "]": "[", "}": "{"}
#: What editors insert after the cursor on their own (auto-closing), plus the
#: punctuation that usually follows it on the line.
_AUTO_CLOSED = frozenset(")]}\"'`;,:")
_TOKEN = re.compile(r"\"\"\"|'''|//|/\*|[#\"'`\\\n()\[\]{}]")
_STRING_PREFIX = frozenset("bBfFrRuU")
_LIFETIME = re.compile(r"'[A-Za-z_]\w*(?![\w'])")
_CLOSE_LINE = re.compile(r"[)\]}][)\]};,]*")
_FENCE_OPEN = re.compile(r"\s*```[\w+#.-]*[ \t]*(?:\r?\n|$)")
#: A closing fence is at the start of its line; an indented one belongs to a docstring.
_FENCE_LINE = re.compile(r"^```[ \t]*\r?$", re.MULTILINE)
_RUN = re.compile(r"(.{4,40}?)\1{3,}")
_PERIODIC = re.compile(r"(.+?)\1+")


@dataclass(frozen=True)
class Completion:
    #: What to insert at the cursor.
    text: str
    #: Characters of the suffix, on the cursor's line right after the cursor, that
    #: ``text`` replaces: auto-closed brackets and quotes the completion also types.
    replace_suffix: int = 0


def postprocess(
    prefix: str, suffix: str, completion: str, *, multiline: bool, stop_tokens: Sequence[str] = ()
) -> Completion | None:
    """The suggestion to show for ``completion`` at the cursor, or ``None`` when nothing is worth showing."""
    eol = "\r\n" if "\r\n" in prefix or "\r\n" in suffix else "\n"
    prefix, suffix, text = (s.replace("\r\n", "\n") for s in (prefix, suffix, completion))
    text = strip_code_fences(strip_special_tokens(text, stop_tokens))
    if not multiline:
        text = single_line(text)
    # The seam goes first: the block's indentation is read from the first line.
    text = fix_seam(prefix, text)
    if multiline:
        text = trim_at_next_line(prefix, trim_block(prefix, text), suffix)
    kept = drop_junk(prefix, text)
    if kept is None:
        return None
    replace = auto_closed_rest(kept, suffix).replace_suffix
    after = suffix[replace:]  # what follows the suggestion once it is accepted
    text = trim_suffix_overlap(trim_unmatched_close(prefix, kept, after), after, prefix)
    text = text.rstrip(" \t") if _rest_of_line(after).strip() else text.rstrip()
    if not text.strip() or text == suffix[:replace]:
        return None
    return Completion(line_above(prefix, after, text).replace("\n", eol), replace)


def line_above(prefix: str, suffix: str, text: str) -> str:
    """Whole lines typed in front of existing code end with their own line break.

    At the start of a line that already holds code (at column 0, or in its
    indentation), the suggestion is new lines above it; without the break,
    accepting it would run into that code. After the break comes the cursor
    line's indentation again, so that the code keeps it.
    """
    line, rest = _current_line(prefix), _rest_of_line(suffix)
    if line.strip() or not rest.strip():
        return text
    if not line and rest[:1] not in " \t":
        return text  # code at column 0: the completion may continue it
    body = text.rstrip(" \t")
    return (body if body.endswith("\n") else body + "\n") + line


def strip_special_tokens(text: str, stop_tokens: Sequence[str] = ()) -> str:
    """``text`` up to the first stop token or leaked FIM marker."""
    cut = len(text)
    for token in (*stop_tokens, *SPECIAL_TOKENS):
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


def single_line(text: str) -> str:
    """The first line of ``text``: empty when it starts with a line break (a multi-line intention)."""
    return text.split("\n", 1)[0].rstrip("\r")


def fix_seam(prefix: str, text: str) -> str:
    """``text`` without the whitespace it repeats from the end of ``prefix``."""
    line = _current_line(prefix)
    if line.strip():
        # "return " + " x": token boundaries make models repeat the space.
        return text.lstrip(" \t") if line[-1] in " \t" else text
    # The cursor sits in the line's indentation. A completion that starts with the
    # same indentation again is indented twice ("    " + "    x"), unless it only
    # finishes the indentation being typed (" " + "   x"): keep whichever gives
    # the indentation the line above calls for.
    if not line or not text.startswith(line):
        return text
    if _indent(line + text) == _expected_indent(prefix) != _indent(text):
        return text
    return text.removeprefix(line)


def _expected_indent(prefix: str) -> int | None:
    """The indentation of a new line at the cursor: the previous code line's, one level deeper after an opener."""
    lines = prefix.split("\n")[:-1]
    above = next((line for line in reversed(lines) if line.strip()), None)
    if above is None:
        return None
    opens = above.rstrip().endswith((":", "{", "(", "["))
    return _indent(above) + (4 if opens else 0)


def trim_block(prefix: str, text: str) -> str:
    """``text`` up to the first line whose indentation leaves the cursor's block.

    The block's indentation is the cursor line's (prefix part plus the completion's
    first line); when that line is blank, the first non-blank line's. After code
    that opens a block (``def f():``, ``{``), it is the body's. A shallower line
    that only closes brackets opened in the completion (``}``, ``});``) stays.
    """
    lines = text.split("\n")
    cursor_line = _current_line(prefix)
    first = cursor_line + fix_seam(prefix, lines[0])
    later = [(i, _indent(line)) for i, line in enumerate(lines) if i and line.strip()]
    if not first.strip():
        if not later:
            return text
        block = later[0][1]
    else:
        block = _indent(first)
        if cursor_line.strip() and first.rstrip()[-1] in ":{([" and later and later[0][1] > block:
            block = later[0][1]
    closers = _closers(cursor_line, text)
    starts = _line_starts(lines)
    for i, depth in later:
        if depth < block and not _closes_own_brackets(lines[i], starts[i], closers):
            return _join(lines[:i])
    return text


def trim_unmatched_close(prefix: str, text: str, suffix: str) -> str:
    """``text`` cut before a closing bracket that the suffix's cursor line already supplies."""
    rest = _rest_of_line(suffix).lstrip(" \t")
    if not rest or rest[0] not in _PAIRS:
        return text
    for at, bracket, opener in _closers(_current_line(prefix), text):
        # One that closes a bracket of the completion itself is the completion's own.
        if opener < 0 and bracket == rest[0]:
            return text[:at].rstrip(" \t")
    return text


def trim_suffix_overlap(text: str, suffix: str, prefix: str = "") -> str:
    """``text`` without its end that the suffix already contains, as characters or as whole lines.

    ``prefix`` (by default an empty document) tells whether the completion's first
    line is a whole line or continues the cursor's line.
    """
    return _trim_line_overlap(_trim_char_overlap(text, suffix), suffix, prefix)


def _trim_char_overlap(text: str, suffix: str) -> str:
    closers = _closers("", text)
    for size in range(min(len(text), len(suffix)), 0, -1):
        overlap = suffix[:size]
        # Short overlaps are coincidences unless they are closing punctuation.
        if not text.endswith(overlap) or (size < 3 and not set(overlap) <= _AUTO_CLOSED):
            continue
        cut = len(text) - size
        # Never remove a bracket that closes one the kept text opens.
        if not any(at >= cut and 0 <= opener < cut for at, _, opener in closers):
            return text[:cut]
    return text


def _trim_line_overlap(text: str, suffix: str, prefix: str) -> str:
    if not text:
        return text
    lines = text.split("\n")
    rows = suffix.split("\n")
    # The document lines the completion produces: the first continues the cursor's
    # line, the last is continued by the rest of it.
    produced = [_current_line(prefix) + lines[0], *lines[1:]]
    produced[-1] += rows[0]
    following = [row.strip() for row in rows[1:] if row.strip()][: len(produced)]
    for i, line in enumerate(produced):
        if not line.strip():
            continue
        tail = [row.strip() for row in produced[i:] if row.strip()]
        # A lone "}" or ")" matching is too common to mean repetition.
        if tail == following[: len(tail)] and (len(tail) > 1 or not _trivial(tail[0])):
            return _join(lines[:i]) if i else ""
    return text


def drop_junk(prefix: str, text: str) -> str | None:
    """``text`` without runaway repetition; ``None`` when it is blank or echoes the previous line."""
    if not text.strip() or _echoes_previous_line(prefix, text):
        return None
    text = _cut_repeated_run(_cut_repeated_lines(text))
    return text if text.strip() else None


def _echoes_previous_line(prefix: str, text: str) -> bool:
    above = prefix.split("\n")
    cursor_line = above.pop()
    lines = text.split("\n")
    if lines[0].strip():
        line = cursor_line + lines[0]
    else:
        line = next((row for row in lines if row.strip()), "")
        above.append(cursor_line)
    previous = next((row for row in reversed(above) if row.strip()), "")
    return not _trivial(line.strip()) and line.strip() == previous.strip()


def _cut_repeated_lines(text: str) -> str:
    """Keep one copy of a group of one to three lines repeated three or more times in a row."""
    lines = text.split("\n")
    keys = [line.strip() for line in lines]
    for i in range(len(lines)):
        for period in (1, 2, 3):
            group = keys[i : i + period]
            if len(group) < period or all(_trivial(key) for key in group):
                continue
            copies = 1
            while keys[i + copies * period : i + (copies + 1) * period] == group:
                copies += 1
            if copies >= 3:
                return _join(lines[: i + period])
    return text


def _cut_repeated_run(text: str) -> str:
    """Keep one copy of 4-40 characters repeated four or more times back to back up to the line's end.

    Only a run that lasts to the end of its line counts: that is a model that
    would not stop, whereas ``[0x00, 0x00, 0x00, 0x00, 0x01]`` is data.
    """
    offset = 0
    for line in text.split("\n"):
        at = 0
        while (run := _RUN.search(line, at)) is not None:
            unit = run.group(1)
            if not _PERIODIC.fullmatch(unit) and unit.startswith(line[run.end() :].rstrip()):
                return text[: offset + run.start() + len(unit)].rstrip(" \t")
            at = run.start() + 1
        offset += len(line) + 1
    return text


def auto_closed_rest(text: str, suffix: str) -> Completion:
    """``text`` as a replacement of the rest of the cursor's line when that rest is auto-closed punctuation.

    The rest (``)``, ``");``, ``]``) is replaced when the completion's first line
    ends with it and its brackets there close nothing opened in the completion.
    """
    rest = _rest_of_line(suffix)
    closing = rest.strip()
    first = text.split("\n", 1)[0].rstrip()
    if not closing or not set(closing) <= _AUTO_CLOSED or not first.endswith(closing):
        return Completion(text)
    start = len(first) - len(closing)
    if any(at >= start and opener >= 0 for at, _, opener in _closers("", first)):
        return Completion(text)
    return Completion(text, len(rest))


def _closers(before: str, text: str) -> list[tuple[int, str, int]]:
    """Closing brackets in ``text`` read after ``before``: (index, bracket, index of its opener in ``text`` or -1)."""
    stack: list[tuple[int, str]] = []
    found: list[tuple[int, str, int]] = []
    for at, bracket in _brackets(before + text):
        if bracket in _OPENERS:
            stack.append((at, bracket))
            continue
        depth = next((d for d in range(len(stack) - 1, -1, -1) if stack[d][1] == _PAIRS[bracket]), None)
        opener = -1
        if depth is not None:
            opener = stack[depth][0] - len(before)
            del stack[depth:]
        if at >= len(before):
            found.append((at - len(before), bracket, max(opener, -1)))
    return found


def _brackets(text: str) -> Iterator[tuple[int, str]]:
    """Brackets outside strings and comments; ``'`` and ``"`` strings end at a line break."""
    quote = ""
    at = 0
    while (match := _TOKEN.search(text, at)) is not None:
        token, i = match.group(), match.start()
        at = match.end()
        if quote:
            if token == "\\":
                at = i + 2
            elif token == "\n" and quote in ("'", '"'):
                quote = ""
            elif text.startswith(quote, i):
                quote, at = "", i + len(quote)
            else:
                at = i + 1
        elif token in ('"', "`", '"""', "'''") or (token == "'" and _opens_string(text, i)):
            quote = token
        elif token in ("#", "//") and _starts_comment(text, i, token):
            newline = text.find("\n", i)
            at = len(text) if newline < 0 else newline
        elif token == "/*":
            end = text.find("*/", at)
            at = len(text) if end < 0 else end + 2
        elif token in "()[]{}":
            yield i, token


def _opens_string(text: str, i: int) -> bool:
    """Whether the ``'`` at ``i`` opens a string, rather than being an apostrophe (``don't``) or a Rust lifetime."""
    start = i
    while start and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    word = text[start:i]
    if word and (len(word) > 2 or not set(word) <= _STRING_PREFIX):
        return False
    return not (i and text[i - 1] in "&<" and _LIFETIME.match(text, i))


def _starts_comment(text: str, i: int, token: str) -> bool:
    before = text[text.rfind("\n", 0, i) + 1 : i].rstrip()
    if not before:
        return True
    if token == "#":  # "x = 1  # note", not "this.#x" or "#fff"
        return text[i - 1] in " \t" and text[i + 1 : i + 2] in ("", " ", "\t", "\r", "\n")
    # Not after an operand: "n // 2" is Python's floor division.
    return before[-1] in ";{},"


def _closes_own_brackets(line: str, start: int, closers: list[tuple[int, str, int]]) -> bool:
    if not _CLOSE_LINE.fullmatch(line.strip()):
        return False
    return all(opener >= 0 for at, _, opener in closers if start <= at < start + len(line))


def _line_starts(lines: list[str]) -> list[int]:
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    return starts


def _indent(line: str) -> int:
    return len(line[: len(line) - len(line.lstrip(" \t"))].expandtabs(4))
