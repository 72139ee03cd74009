"""Where a suggestion was made (``Anchor``) and what was typed since; the LRU cache of answers by window.

Type-through (the user typed the first characters of the suggestion shown), the
cache (the same window was completed before: backspace, then retype) and the
adoption of a generation in flight (``flight.py``) all ask an anchor what was
typed since it, and which closers an auto-closing editor inserted or typed over
meanwhile (``autoclose.py``). Positions are compared through the document offset of
the cursor plus a short stretch of text on either side, so nothing here copies the
document.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from .autoclose import replay
from .syntax import Extent

#: Characters before the cursor kept with an anchor. What was typed since an anchor is known
#: up to this many characters: a body taken line by line from one generation (at most twice
#: ``completion.multilineMaxTokens``, about 2,000 characters) fits.
BEFORE = 4096
#: Characters after the cursor that must be unchanged.
AFTER = 256


@dataclass(frozen=True)
class Typing:
    """What the user typed between two anchors, and what an auto-closing editor did after the cursor meanwhile."""

    #: The text typed before the cursor.
    text: str
    #: Closers the editor inserted right after the cursor (``)`` for ``(``), in the document's order.
    closed: str = ""
    #: Characters right after the earlier cursor that were typed over (a ``)`` typed where one was).
    over: int = 0


@dataclass(frozen=True)
class Anchor:
    """Where a suggestion was made: the cursor's offset and the text around it."""

    offset: int
    before: str
    after: str

    @classmethod
    def of(cls, prefix: str, suffix: str, offset: int) -> Anchor:
        return cls(offset, prefix[-BEFORE:], suffix[:AFTER])

    def typing_since(self, later: Anchor) -> Typing | None:
        """What was typed between this anchor and ``later``, if only typing happened.

        Typing leaves the text after the cursor as it was, or changes it as an
        auto-closing editor does (``autoclose.replay``); any other change is no typing.
        The text before each may have been cut shorter (a request's window, the whole
        document): it is compared where both have it.
        """
        typed = later.offset - self.offset
        if typed < 0:
            return None
        head, text = later.before[: len(later.before) - typed], later.before[len(later.before) - typed :]
        if len(text) != typed:
            return None
        common = min(len(head), len(self.before))
        if head[len(head) - common :] != self.before[len(self.before) - common :]:
            return None
        if later.after == self.after:
            return Typing(text)
        replayed = replay(text, self.after, head)
        if not (replayed.closed or replayed.over):
            return None
        if not self._reads(later.after, replayed.closed + self.after[replayed.over :]):
            return None
        return Typing(text, replayed.closed, replayed.over)

    def typed_since(self, later: Anchor) -> str | None:
        """The text typed between this anchor and ``later``, if only typing happened."""
        typing = self.typing_since(later)
        return None if typing is None else typing.text

    def _reads(self, after: str, expected: str) -> bool:
        """Whether a later ``after`` is ``expected``, built from this anchor's: where either
        was cut at ``AFTER`` characters, where both have it."""
        common = min(len(after), len(expected))
        if after[:common] != expected[:common]:
            return False
        if len(after) < len(expected):
            return len(after) == AFTER
        return len(after) == len(expected) or len(self.after) == AFTER


class LRUCache:
    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str, Extent], Any] = OrderedDict()

    def get(self, key: tuple[str, str, Extent]) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: tuple[str, str, Extent], value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
