"""Post-processing (interim minimal version)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Completion:
    text: str
    replace_suffix: int = 0


def trim_block(prefix: str, text: str) -> str:
    line = prefix.rsplit("\n", 1)[-1]
    indent = len(line) - len(line.lstrip()) if line.strip() else None
    out: list[str] = []
    for i, row in enumerate(text.split("\n")):
        if i and row.strip():
            depth = len(row) - len(row.lstrip())
            if indent is None:
                indent = depth
            elif depth < indent:
                break
        elif i == 0 and indent is None and row.strip():
            indent = len(line)
        out.append(row)
    return "\n".join(out)


def postprocess(
    prefix: str, suffix: str, completion: str, *, multiline: bool, stop_tokens: Sequence[str] = ()
) -> Completion | None:
    text = completion
    for token in stop_tokens:
        if token in text:
            text = text[: text.index(token)]
    if not multiline:
        text = text.split("\n", 1)[0]
    else:
        text = trim_block(prefix, text).rstrip()
    rest = suffix.split("\n", 1)[0]
    replace = len(rest) if rest and rest.strip() and text.endswith(rest.strip()) and not rest.strip("()[]{}\"';,: ") else 0
    if not text.strip():
        return None
    return Completion(text, replace)
