"""An answer passed on piece by piece as the model writes it, as the whole answer will read.

:class:`Trimmed` passes prose on without the whitespace around it (an
explanation is stripped); :class:`FencedCode` passes on the code of the first
fenced block, line by line (a translation is that code). Each holds back what
the whole answer may yet leave out, so that the pieces join into it.
"""

from __future__ import annotations

from collections.abc import Callable

from .prompts import FENCE


class Trimmed:
    """Passes text on without its leading and trailing whitespace, as ``str.strip`` would.

    Whitespace is held back until text follows it, so the pieces passed on join
    into the stripped whole. With ``leading``, only those characters are left out
    at the start (``"\\n"``: line breaks, not a first line's indentation).
    """

    def __init__(self, write: Callable[[str], None], leading: str | None = None) -> None:
        self._write = write
        self._leading = leading
        self._started = False
        self._held = ""

    def __call__(self, piece: str) -> None:
        text = self._held + piece
        if not self._started:
            text = text.lstrip(self._leading)
            self._started = bool(text)
        kept = text.rstrip()
        self._held = text[len(kept) :]
        if kept:
            self._write(kept)


class FencedCode:
    """Passes on the lines of the answer's first fenced block that holds code, as they are completed.

    As ``prompts.extract_code`` reads the whole answer: the block's indentation is
    taken off each line, and line breaks before the code and whitespace after it are
    left out. An answer without a fence passes nothing on.
    """

    def __init__(self, write: Callable[[str], None]) -> None:
        self._code = Trimmed(write, leading="\n")
        self._partial = ""
        self._indent: str | None = None
        self._wrote = False
        self._done = False

    def __call__(self, piece: str) -> None:
        self._partial += piece
        while not self._done and "\n" in self._partial:
            line, self._partial = self._partial.split("\n", 1)
            self._line(line.removesuffix("\r"))

    def _line(self, line: str) -> None:
        match = FENCE.match(line)
        if self._indent is None:
            if match is not None:
                self._indent = match.group(1)
        elif match is not None and match.group(1) == self._indent and line.strip() == "```":
            # A block of blank lines is skipped, as extract_code skips it; the first with code is the answer.
            self._indent, self._done = None, self._wrote
        else:
            text = line.removeprefix(self._indent)
            self._code(text + "\n")
            self._wrote = self._wrote or bool(text.strip())
