"""Token healing: a FIM prompt that ends inside a token, backed off to a token boundary.

With the typed part of the cursor's line after the FIM middle marker, the prompt
ends where the user stopped typing, often inside a word: ``for i, n in e`` ends
with the token `` e``, which the model has rarely seen followed by ``numerate``;
it goes on as if a new token started there (`` enumerate``, the ``e`` twice).

So the prompt loses the tokens of the word the cursor cut (:func:`back_off`), and
the generation is held to start with the text they stood for: while part of it is
still unmatched, only a token whose text starts with that part, or is a non-empty
beginning of it, may come next (:meth:`Vocabulary.allowed`). That text is the
prompt's, not the answer's: :class:`ForcedStart` cuts it from the tokens before
they are decoded, so the caller still gets the text after the cursor.

Everything works on bytes: a token of a byte-level vocabulary may hold part of a
UTF-8 character.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass


class Vocabulary:
    """Each token's text, indexed to find the tokens that start with some bytes."""

    def __init__(self, pieces: Sequence[bytes]) -> None:
        #: Token id → its text; empty for a token that is not text (a control token, a FIM marker).
        self.pieces = pieces
        order = sorted(range(len(pieces)), key=pieces.__getitem__)
        first = next((i for i, t in enumerate(order) if pieces[t]), len(order))  # the empty ones sort first
        self._order = order[first:]
        self._sorted = [pieces[t] for t in self._order]

    def is_text(self, token: int) -> bool:
        return 0 <= token < len(self.pieces) and bool(self.pieces[token])

    def starts_any(self, prefix: bytes) -> bool:
        """Whether some token's text starts with ``prefix``."""
        at = bisect_left(self._sorted, prefix)
        return at < len(self._sorted) and self._sorted[at].startswith(prefix)

    def allowed(self, rest: bytes, *, line: bool = False) -> list[int]:
        """The tokens that may come next while ``rest`` of the removed text is unmatched:
        those whose text starts with ``rest``, or is a non-empty beginning of it.

        ``line``: the answer is the rest of one line, so a token whose text goes on past
        ``rest`` with a line break is left out. It would end the answer with nothing
        written: ``Style(`` healed to ``Style`` + ``(\n``, where the model given the
        ``(`` writes the arguments. Where every token would, they stay.
        """
        start = bisect_left(self._sorted, rest)
        after = _after_all_starting_with(rest)
        end = len(self._sorted) if after is None else bisect_left(self._sorted, after, lo=start)
        tokens = self._order[start:end]
        if line:
            size = len(rest)
            tokens = [t for t in tokens if self.pieces[t][size : size + 1] not in _LINE_BREAKS] or tokens
        for size in range(1, len(rest)):
            beginning = rest[:size]
            first = bisect_left(self._sorted, beginning)
            last = bisect_right(self._sorted, beginning, lo=first)
            tokens += self._order[first:last]
        return tokens


_LINE_BREAKS = (b"\n", b"\r")


def _after_all_starting_with(prefix: bytes) -> bytes | None:
    """The least bytes string greater than every string that starts with ``prefix``;
    ``None`` if there is none (``prefix`` is empty or all 0xff)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])


#: Tokens a prompt is backed off by, at most: the cut word's tokens, which are rarely more.
MOST_HEALED = 4


@dataclass(frozen=True)
class Healed:
    #: The prompt's tokens without the backed-off ones.
    tokens: list[int]
    #: The text of the backed-off tokens: the generation must start with it.
    removed: bytes


def back_off(tokens: Sequence[int], vocabulary: Vocabulary, marker: int, most: int = MOST_HEALED) -> Healed | None:
    """``tokens`` without the tokens of the word the cursor cut, if they end with text that
    follows ``marker`` (the FIM middle marker); else ``None``, and the prompt stays as it is:
    one that ends with the marker, or with text after any other special token (a chat
    prompt's ``<|im_start|>assistant\\n``), is no FIM prompt cut inside the cursor's line.

    The last token goes, and each one before it whose text, with what goes, is still the
    start of some token: ``retur`` is ``ret`` ``ur``, a split the model never saw, and
    ``return`` spans both. ``most`` bounds the tokens the generation must match again.
    """
    text = 0
    for token in reversed(tokens):
        if not vocabulary.is_text(token):
            break
        text += 1
    if text == 0 or text == len(tokens) or tokens[-text - 1] != marker or most < 1:
        return None
    cut = len(tokens) - 1
    removed = vocabulary.pieces[tokens[cut]]
    while len(tokens) - cut < min(most, text):
        wider = vocabulary.pieces[tokens[cut - 1]] + removed
        if not vocabulary.starts_any(wider):
            break
        cut -= 1
        removed = wider
    return Healed(list(tokens[:cut]), removed)


class ForcedStart:
    """What is left to match of the removed text in one sample, and the cut of each
    generated token's text to what comes after it."""

    def __init__(self, removed: bytes) -> None:
        self.rest = removed

    def take(self, piece: bytes) -> bytes:
        """The part of ``piece`` after the removed text: all of it once that is matched.

        The constraint lets through only tokens that agree with the rest; a token that
        does not is a broken constraint, not a choice of the model.
        """
        if not self.rest:
            return piece
        size = min(len(self.rest), len(piece))
        if piece[:size] != self.rest[:size]:
            raise ValueError(f"token {piece!r} does not continue the healed text {self.rest!r}")
        self.rest = self.rest[size:]
        return piece[size:]
