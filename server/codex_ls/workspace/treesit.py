"""What the outlines are made of: definitions, a file's outline, tree-sitter parsers kept per
thread (the index reads files in a worker thread while the keystroke path parses on the
loop's), and the small text helpers every language's extractor shares."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

Node = Any
#: An entry longer than this keeps its header and its first members only.
MAX_ENTRY_CHARS = 1500
MAX_LINE_CHARS = 160
MAX_MEMBERS = 40
#: A file's outline beyond this many characters is cut (the first definitions kept).
MAX_OUTLINE_CHARS = 24_000

_local = threading.local()


@dataclass(frozen=True)
class Import:
    """A name a file binds from elsewhere.

    ``source`` as written (``..utils``, ``rich.console``, ``./x``, a Go import path,
    ``crate::a::b``, ``a.b`` for Java's ``a.b.C``); ``name`` in the source, ``None`` for the
    module itself, ``"*"`` for all of it; ``local`` as the file calls it.
    """

    source: str
    name: str | None
    local: str


@dataclass(frozen=True)
class Definition:
    name: str
    kind: str  # "class", "function" or "constant"
    text: str


@dataclass
class Outline:
    definitions: dict[str, Definition] = field(default_factory=dict)
    imports: tuple[Import, ...] = ()
    #: Java's package, Go's package name.
    package: str = ""

    def text(self) -> str:
        return "\n".join(d.text for d in self.definitions.values())


def parser(grammar: str) -> Any:
    parsers: dict[str, Any] = _local.__dict__.setdefault("parsers", {})
    if grammar not in parsers:
        try:
            from tree_sitter_language_pack import get_parser

            parsers[grammar] = get_parser(grammar)  # type: ignore[arg-type]
        except Exception:  # no grammar package, or one that cannot load
            log.debug("workspace: no tree-sitter grammar for %s", grammar)
            parsers[grammar] = None
    return parsers[grammar]


def cap(result: Outline) -> None:
    """Keep the first definitions of a file whose outline is too long."""
    total = 0
    for name in list(result.definitions):
        total += len(result.definitions[name].text) + 1
        if total > MAX_OUTLINE_CHARS:
            del result.definitions[name]


def node_text(node: Node | None) -> str:
    return "" if node is None else str(node.text.decode("utf-8", "replace"))


def head(node: Node, body: Node | None) -> str:
    """The text of ``node`` up to its body: a signature, a class header."""
    if body is None:
        return node_text(node)
    lines = node.text[: body.start_byte - node.start_byte].decode("utf-8", "replace").rstrip().split("\n")
    while len(lines) > 1 and lines[-1].lstrip().startswith(("#", "//", "/*")):
        lines.pop()  # a comment between the signature and the body
    return "\n".join(lines).rstrip()


def one_line(signature: str) -> str:
    """A signature written over several lines, on one: ``def f(\n    a,\n)`` → ``def f(a)``."""
    if "\n" not in signature:
        return signature
    flat = " ".join(signature.split())
    return re.sub(r",?\s*([)\]])", r"\1", re.sub(r"([(\[])\s+", r"\1", flat))


def short(line: str) -> str:
    line = " ".join(line.split()) if "\n" in line and len(line) > MAX_LINE_CHARS else line
    return line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 3] + "..."


def add(result: Outline, name: str, kind: str, text: str) -> None:
    if name and name not in result.definitions:
        if len(text) > MAX_ENTRY_CHARS:
            text = text[: text.rfind("\n", 0, MAX_ENTRY_CHARS)] + "\n    ..."
        result.definitions[name] = Definition(name, kind, text)


def comment_above(node: Node) -> str:
    """The first line of the comment block right above ``node`` (JSDoc, ``//``, ``///``)."""
    previous = node.prev_named_sibling
    if previous is None or "comment" not in previous.type or node.start_point[0] - previous.end_point[0] > 1:
        return ""
    lines = [line.strip(" /*!") for line in node_text(previous).splitlines()]
    first = next((line for line in lines if line), "")
    return "" if first.startswith("@") else first


def with_comment(node: Node, text: str, marker: str = "//") -> str:
    comment = comment_above(node)
    return f"{marker} {short(comment)}\n{text}" if comment else text
