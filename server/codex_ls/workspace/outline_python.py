"""Python's outline: classes with how they are made (``__init__``) first, then their public fields
and methods' signatures; functions with their signature and docstring's first line; module-level
constants; also inside a top-level ``if`` or ``try`` (``if TYPE_CHECKING:``, optional imports)."""

from __future__ import annotations

import re

from .treesit import MAX_MEMBERS, Node, Outline, add, head, node_text, one_line, short

_QUOTES = re.compile(r"^[rbuRBUfF]*(\"\"\"|'''|\"|')")


#: Methods with a leading underscore that callers use: construction, calls, protocols.
_KEPT_PRIVATE = frozenset(
    {"__init__", "__new__", "__call__", "__enter__", "__aenter__", "__iter__", "__getitem__", "__post_init__"}
)


#: What a call of the class runs: first in its outline, as the call's arguments follow it.
_CONSTRUCTION = frozenset({"__init__", "__new__", "__post_init__"})


def _bare(node: Node) -> Node:
    """The expression of an expression statement (grammars differ on whether they wrap it)."""
    if node.type == "expression_statement" and node.named_children:
        return node.named_children[0]
    return node


def _docstring(body: Node | None) -> str:
    if body is None or not body.named_children:
        return ""
    first = _bare(body.named_children[0])
    if first.type != "string":
        return ""
    content = _QUOTES.sub("", node_text(first)).rstrip("\"'")
    return short(next((line.strip() for line in content.splitlines() if line.strip()), ""))


def _py_function(node: Node, indent: str, decorators: str) -> str:
    body = node.child_by_field_name("body")
    signature = indent + decorators + head(node, body)
    doc = _docstring(body)
    inner = indent + "    "
    return f'{signature}\n{inner}"""{doc}"""' if doc else f"{signature}\n{inner}..."


def _py_unwrap(node: Node) -> tuple[Node, str]:
    """A decorated definition's definition, and its decorators' lines (``@property``)."""
    if node.type != "decorated_definition":
        return node, ""
    decorators = "".join(short(node_text(d)) + "\n" for d in node.named_children if d.type == "decorator")
    return node.child_by_field_name("definition"), decorators


def _py_class(node: Node, decorators: str) -> str:
    body = node.child_by_field_name("body")
    lines = [decorators + head(node, body)]
    doc = _docstring(body)
    if doc:
        lines.append(f'    """{doc}"""')
    construction: list[str] = []
    fields: list[str] = []
    methods: list[str] = []
    for member in (body.named_children if body is not None else [])[:MAX_MEMBERS]:
        inner, inner_decorators = _py_unwrap(member)
        if inner is not None and inner.type == "function_definition":
            name = node_text(inner.child_by_field_name("name"))
            if name.startswith("_") and name not in _KEPT_PRIVATE:
                continue  # what callers of the class do not write
            signature = one_line(head(inner, inner.child_by_field_name("body")))
            text = "    " + inner_decorators.replace("\n", "\n    ") + signature + " ..."
            (construction if name in _CONSTRUCTION else methods).append(text)
        elif _bare(member).type == "assignment":
            left = _bare(member).child_by_field_name("left")
            if left is not None and node_text(left).startswith("_"):
                continue  # the class's own state (``_cache``, ``__slots__``)
            fields.append("    " + short(node_text(member)))
    lines += construction + fields + methods
    return "\n".join(lines if len(lines) > 1 else [*lines, "    ..."])


def python(root: Node, result: Outline) -> None:
    for child in _py_top_level(root):
        node, decorators = _py_unwrap(child)
        if node is None:
            continue
        name = node_text(node.child_by_field_name("name"))
        if node.type == "function_definition":
            add(result, name, "function", _py_function(node, "", decorators))
        elif node.type == "class_definition":
            add(result, name, "class", _py_class(node, decorators))
        elif _bare(node).type == "assignment":
            left = _bare(node).child_by_field_name("left")
            if left is not None and left.type == "identifier" and not node_text(left).startswith("_"):
                add(result, node_text(left), "constant", short(node_text(node)))


def _py_top_level(root: Node) -> list[Node]:
    """The module's statements, and those one level inside a top-level ``if`` or ``try``."""
    found = []
    for child in root.named_children:
        if child.type in ("if_statement", "try_statement"):
            for part in child.named_children:
                block = part if part.type == "block" else part.child_by_field_name("body")
                if block is None and part.type in ("else_clause", "except_clause", "elif_clause"):
                    block = next((c for c in part.named_children if c.type == "block"), None)
                if block is not None and block.type == "block":
                    found.extend(block.named_children)
        else:
            found.append(child)
    return found
