"""Syntax around the cursor (tree-sitter), with a cheap fallback for anything unknown.

Decides how much a completion writes at the cursor (:class:`Extent`: nothing, one
line or a block) and whether a suggestion leaves the code with more syntax errors
than it had. Only the window around the cursor is parsed, never the whole file. A
missing grammar, an unknown language or a parser failure falls back to the text
heuristics: never an exception.
"""

from __future__ import annotations

import functools
import logging
import re
from enum import StrEnum
from typing import Any

from .lines import indent_width, indentation, line_start_indent

log = logging.getLogger(__name__)

#: LSP language ids → tree-sitter grammar names, where they differ.
GRAMMARS = {
    "typescriptreact": "tsx",
    "javascriptreact": "javascript",
    "shellscript": "bash",
    "csharp": "csharp",
    "c++": "cpp",
}

#: Nodes whose inside holds one item per line (arguments, elements, entries):
#: an empty line there wants one line, not a block.
INLINE_CONTAINERS = frozenset(
    {
        "argument_list",
        "arguments",
        "parameters",
        "formal_parameters",
        "list",
        "array",
        "dictionary",
        "object",
        "tuple",
        "set",
        "string",
        "template_string",
        "composite_literal",
        "literal_value",
        "initializer_list",
        "token_tree",
    }
)

_IDENT = frozenset("_")


class Extent(StrEnum):
    """How much a completion writes at the cursor: nothing (inside a word), the rest of one
    line, or a block of lines."""

    NONE = "none"
    LINE = "line"
    BLOCK = "block"


@functools.lru_cache(maxsize=32)
def _parser(language_id: str) -> Any:
    try:
        from tree_sitter_language_pack import get_parser
    except ImportError:
        return None
    name = GRAMMARS.get(language_id, language_id)
    try:
        return get_parser(name)  # type: ignore[arg-type]
    except Exception:  # an unknown language or a grammar that cannot load
        log.debug("no tree-sitter grammar for %r", language_id)
        return None


def warm(language_id: str) -> None:
    """Load the grammar of ``language_id`` now (about 30 ms), for a worker thread to call
    when a document opens, so that the first keystroke does not wait for it."""
    _parser(language_id)


def parse(language_id: str, text: str) -> Any:
    """The tree of ``text``, or ``None`` when the language is unknown or parsing fails."""
    parser = _parser(language_id)
    if parser is None:
        return None
    try:
        return parser.parse(text.encode("utf-8"))
    except Exception:
        return None


def error_count(language_id: str, text: str) -> int | None:
    """Number of ERROR/MISSING nodes in ``text``; ``None`` when it cannot be parsed."""
    tree = parse(language_id, text)
    if tree is None:
        return None
    count = 0
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            count += 1
        elif node.has_error:
            stack.extend(node.children)
    return count


def _word(char: str) -> bool:
    return char.isalnum() or char in _IDENT


#: What may come right before the cursor for it to ask between two words: it ends a
#: word (``if |x``, ``f(a, |b)``); after other signs the cursor is inside a token
#: (``$|el``, ``my-|fn``, ``1.|5``, ``"\\|n"``, ``@|property``).
_BETWEEN = frozenset(" \t([{,")


def word_follows(suffix: str) -> bool:
    """A word character right after the cursor."""
    return bool(suffix[:1].strip()) and _word(suffix[0])


def heuristic_extent(prefix: str, suffix: str) -> Extent:
    """Nothing, one line or a block, from the text around the cursor.

    Inside a word or a token (``pri|nt``, ``$|el``), or before the code a line starts
    with (``    |return``) → nothing; an empty line (or only indentation) → a block,
    unless a ``;`` after the cursor ends the statement there (``    |;``: one
    statement); after a ``{`` that ends the line (``if (x) {|`` or ``{|}``) → the block
    it opens; other text before the cursor on its line → one line, also where a word
    follows a blank, an opening bracket or a comma (``if |x=1``, ``f(a, |b)``: what goes
    between).
    """
    rest = suffix.split("\n", 1)[0].rstrip("\r")
    line = prefix.rsplit("\n", 1)[-1]
    if word_follows(suffix) and not (line.strip() and line[-1] in _BETWEEN):
        return Extent.NONE
    closing = not rest.strip(" \t)]}\"'`;,:")
    if not line.strip() and closing and ";" not in rest:
        return Extent.BLOCK
    if line.rstrip().endswith("{") and not rest.strip(" \t}"):
        return Extent.BLOCK
    return Extent.LINE


def decide_extent(language_id: str, prefix: str, suffix: str) -> Extent:
    """The heuristic's answer, refined by the syntax tree on an empty line.

    An empty line inside an argument list, a literal or a string wants one
    line; elsewhere (a block, after a signature or a docstring) a whole block.
    """
    decision = heuristic_extent(prefix, suffix)
    if decision is not Extent.BLOCK:
        return decision
    tree = parse(language_id, prefix + suffix)
    if tree is None:
        return decision
    cursor = len(prefix.encode("utf-8"))
    node = tree.root_node.named_descendant_for_byte_range(cursor, cursor)
    while node is not None:
        if node.type in INLINE_CONTAINERS and node.start_byte < cursor < node.end_byte:
            return Extent.LINE
        node = node.parent
    return Extent.BLOCK


_HEADER = re.compile(r"^\s*(?:async\s+def|def|fn|func|function)\b|\bfunction\b|=>\s*\{$")


def before_code(prefix: str, suffix: str) -> bool:
    """The cursor starts a line that holds code: what is written here goes above that code."""
    rest = suffix.split("\n", 1)[0]
    return not prefix.rsplit("\n", 1)[-1].strip() and bool(rest.strip())


def empty_body(prefix: str, suffix: str) -> bool:
    """The cursor is on a blank line of a function with no body yet: after its signature
    (and docstring), with nothing of the function after it."""
    if prefix.rsplit("\n", 1)[-1].strip() or suffix.split("\n", 1)[0].strip():
        return False
    above = [line for line in prefix.split("\n")[:-1] if line.strip()]  # the window bounds it
    header = _header_above(above)
    if header is None:
        return False
    below = next((line for line in suffix.split("\n")[1:] if line.strip()), None)
    if below is None:
        return True
    if header.rstrip().endswith("{"):
        return below.strip().startswith("}")
    return indent_width(below) <= indent_width(header)


def _header_above(above: list[str]) -> str | None:
    """The signature line the cursor's body belongs to, if only a docstring stands between them."""
    if not above:
        return None
    last = above[-1].rstrip()
    if last.endswith(('"""', "'''")) and len(above) > 1:
        quote = last[-3:]
        # The docstring's opening line: the nearest line above with the quote (or this one, for a one-liner).
        start = len(above) - 1
        if last.strip().count(quote) < 2 or last.strip() == quote:
            start = next((i for i in range(len(above) - 2, -1, -1) if quote in above[i]), -1)
        if start < 1:
            return None
        last = above[start - 1].rstrip()
        above = above[:start]
    if not last.endswith((":", "{")):
        return None
    # A signature over several lines: its first line holds the keyword.
    for line in reversed(above[-6:]):
        if _HEADER.search(line):
            return line
    return None


def misplaced_line(language_id: str, prefix: str, suffix: str, text: str) -> str | None:
    """The indentation the lines written at column 0 should start at, when the one the model
    gave them does not compile there and a statement at that indentation would.

    Python only, where indentation is syntax: tree-sitter accepts what the compiler refuses.
    """
    indent = line_start_indent(prefix, suffix)
    if language_id != "python" or indent is None or indentation(text) == indent:
        return None
    if empty_body(prefix, suffix) and indent_width(text) < indent_width(indent):
        return indent  # code after a stub at its own level would leave the stub empty: it compiles, but is not its body
    line = text if text.endswith("\n") else text + "\n"
    if _compiles(prefix + line + suffix) or not _compiles(prefix + indent + "pass\n" + suffix):
        return None
    return indent


def _compiles(source: str) -> bool:
    try:
        compile(source, "<completion>", "exec", dont_inherit=True)
    except SyntaxError:
        return False
    except Exception:  # null bytes, a too deeply nested file: no verdict
        return True
    return True
