"""Brackets in code, outside its strings and comments, and which opener each closing bracket closes.

No parser: the string and comment delimiters of Python, JavaScript/TypeScript, Go,
Rust and C-like languages are read from the text alone. ``'`` and ``"`` strings end
at a line break, so one unbalanced quote cannot hide the rest of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

OPENERS = "([{"
PAIRS = {")": "(", "]": "[", "}": "{"}
_TOKEN = re.compile(r"\"\"\"|'''|//|/\*|[#\"'`\\\n()\[\]{}]")
_STRING_PREFIX = frozenset("bBfFrRuU")
_LIFETIME = re.compile(r"'[A-Za-z_]\w*(?![\w'])")


class Closer(NamedTuple):
    """A closing bracket of a text."""

    #: Its index in the text.
    at: int
    #: ``)``, ``]`` or ``}``.
    bracket: str
    #: The index in the text of the opener it closes; -1 when that opener is before the text, or absent.
    opener: int


def closers(before: str, text: str) -> list[Closer]:
    """The closing brackets of ``text`` read after ``before``, each with the opener it closes."""
    stack: list[tuple[int, str]] = []
    found: list[Closer] = []
    for at, bracket in brackets(before + text):
        if bracket in OPENERS:
            stack.append((at, bracket))
            continue
        # An unmatched closer closes the nearest opener of its kind and whatever is open inside it.
        depth = next((d for d in range(len(stack) - 1, -1, -1) if stack[d][1] == PAIRS[bracket]), None)
        opener = -1
        if depth is not None:
            opener = stack[depth][0] - len(before)
            del stack[depth:]
        if at >= len(before):
            found.append(Closer(at - len(before), bracket, max(opener, -1)))
    return found


def brackets(text: str) -> Iterator[tuple[int, str]]:
    """The brackets of ``text`` outside strings and comments, with their indices."""
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
