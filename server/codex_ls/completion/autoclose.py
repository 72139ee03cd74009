"""Editors that auto-close brackets and quotes: what typing leaves after the cursor there.

Typing ``(`` in VS Code (and in most editors, by default or through a plugin) also
inserts ``)`` after the cursor, and typing that ``)`` later moves over it rather than
inserting a second one. The text after the cursor changes while the user only types.
:func:`replay` types a text as such an editor does, for ``reuse.Anchor`` to hold the
document against; :func:`closes` says whether a suggestion types the closers the
editor inserted, so that it may replace them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: What an editor inserts after the cursor when each of these is typed.
CLOSING = {"(": ")", "[": "]", "{": "}", '"': '"', "'": "'", "`": "`"}
QUOTES = "\"'`"
#: What an editor moves over, rather than inserts, when it is the next character.
CLOSERS = frozenset(CLOSING.values())


@dataclass(frozen=True)
class Replayed:
    """The text after the cursor once an auto-closing editor typed a text."""

    #: The closers it inserted that are right after the cursor now, in the document's order.
    closed: str
    #: How many characters that were right after the cursor before were typed over.
    over: int


def replay(typed: str, ahead: str, before: str) -> Replayed:
    """``typed`` typed by an auto-closing editor, with ``before`` before the cursor and ``ahead`` after it.

    A closer typed where it is the next character is typed over; an opener inserts
    its closer, a quote only where it does not end a word (``don't``).
    """
    closed, over, previous = "", 0, before[-1:]
    for char in typed:
        following = closed[:1] if closed else ahead[over : over + 1]
        if char in CLOSERS and char == following:
            if closed:
                closed = closed[1:]
            else:
                over += 1
        elif char in CLOSING and not (char in QUOTES and (previous.isalnum() or previous == "_")):
            closed = CLOSING[char] + closed
        previous = char
    return Replayed(closed, over)


def closes(text: str, closed: str) -> bool:
    """Whether ``text`` types each of ``closed`` in order, as the closer of what was typed
    before it rather than of a bracket or string ``text`` opens itself."""
    wanted = closed
    inner: list[str] = []  # the closers of what ``text`` opens, the innermost last
    escaped = False
    for char in text:
        if not wanted:
            break
        if escaped or char == "\\":
            escaped = not escaped
            continue
        awaited = inner[-1] if inner else wanted[0]
        if awaited in QUOTES and char != awaited:
            continue  # inside a string, brackets open nothing
        if char == awaited:
            if inner:
                inner.pop()
            else:
                wanted = wanted[1:]
        elif char in CLOSING:
            inner.append(CLOSING[char])
    return not wanted
