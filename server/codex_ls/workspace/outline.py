"""A file's outline: its top-level definitions as short text, with tree-sitter, and its imports.

Classes with their fields and their methods' signatures, functions with their signature
and the first line of their docstring (Python) or of the comment above them, constants
with their value cut short; Go methods and Rust ``impl`` blocks join their type's entry.
Python, JavaScript, TypeScript (and TSX), Go, Rust and Java.
"""

from __future__ import annotations

from collections.abc import Callable

from .imports import imports_of
from .outline_braces import go, java, javascript, rust
from .outline_python import python
from .treesit import Node, Outline, cap, parser

EXTRACTORS: dict[str, Callable[[Node, Outline], None]] = {
    "python": python,
    "javascript": javascript,
    "typescript": javascript,
    "tsx": javascript,
    "go": go,
    "rust": rust,
    "java": java,
}


def outline(grammar: str, text: str) -> Outline:
    """The outline of ``text``; empty when the language has no grammar."""
    ts = parser(grammar)
    if ts is None:
        return Outline()
    source = text.encode("utf-8")
    root = ts.parse(source).root_node
    result = Outline(imports=imports_of(grammar, root))
    extract = EXTRACTORS.get(grammar)
    if extract is not None:
        extract(root, result)
    cap(result)
    return result
