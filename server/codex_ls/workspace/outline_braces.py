"""The outlines of the brace languages: JavaScript and TypeScript, Go, Rust, Java.

A function keeps its signature (``{ ... }`` for the body) and the first line of the
comment above it; a class, struct, trait or interface keeps its header, its fields and
its methods' signatures; Go methods and Rust ``impl`` blocks are added to their type.
"""

from __future__ import annotations

import re

from .treesit import MAX_MEMBERS, Definition, Node, Outline, add, head, node_text, one_line, short, with_comment

_BODY = " { ... }"
#: A type's whole text is kept when it is this short (a struct, an interface, an enum).
SHORT_TYPE_CHARS = 600


def _signature(node: Node, body_field: str = "body") -> str:
    body = node.child_by_field_name(body_field)
    return head(node, body) + (_BODY if body is not None else "")


def _members(body: Node | None, methods: tuple[str, ...], fields: tuple[str, ...], indent: str = "    ") -> list[str]:
    lines = []
    for member in (body.named_children if body is not None else [])[:MAX_MEMBERS]:
        if member.type in methods:
            lines.append(indent + one_line(_signature(member)))
        elif member.type in fields:
            lines.append(indent + short(node_text(member)))
    return lines


def _type_entry(node: Node, body: Node | None, members: list[str]) -> str:
    text = node_text(node)
    if len(text) <= SHORT_TYPE_CHARS:
        return text
    return "\n".join([head(node, body) + " {", *members, "}"])


# JavaScript / TypeScript ------------------------------------------------------------------

_JS_METHODS = ("method_definition", "method_signature", "abstract_method_signature")
_JS_FIELDS = ("public_field_definition", "field_definition", "property_signature")
_JS_CLASSES = ("class_declaration", "abstract_class_declaration", "class")
_JS_TYPES = ("interface_declaration", "type_alias_declaration", "enum_declaration")


def _js_variables(node: Node, result: Outline, prefix: str, anchor: Node) -> None:
    for declarator in node.named_children:
        if declarator.type != "variable_declarator":
            continue
        name = node_text(declarator.child_by_field_name("name"))
        value = declarator.child_by_field_name("value")
        keyword = node_text(node).split(None, 1)[0]
        if value is not None and value.type in ("arrow_function", "function_expression", "function"):
            text = f"{prefix}{keyword} {name} = {_signature(value)}"
            add(result, name, "function", with_comment(anchor, text))
        else:
            add(result, name, "constant", short(f"{prefix}{keyword} {node_text(declarator)}"))


def _js_declaration(node: Node, result: Outline, prefix: str, anchor: Node) -> None:
    """One declaration; ``anchor`` is the statement the comment above it is above (an ``export``)."""
    name = node_text(node.child_by_field_name("name"))
    if node.type in ("function_declaration", "generator_function_declaration", "function_signature"):
        add(result, name, "function", with_comment(anchor, prefix + _signature(node)))
    elif node.type in _JS_CLASSES:
        body = node.child_by_field_name("body")
        lines = [prefix + head(node, body) + " {", *_members(body, _JS_METHODS, _JS_FIELDS), "}"]
        add(result, name, "class", with_comment(anchor, "\n".join(lines)))
    elif node.type in _JS_TYPES:
        add(result, name, "class", prefix + _type_entry(node, node.child_by_field_name("body"), []))
    elif node.type in ("lexical_declaration", "variable_declaration"):
        _js_variables(node, result, prefix, anchor)


def javascript(root: Node, result: Outline) -> None:
    for child in root.named_children:
        if child.type == "export_statement":
            declaration = child.child_by_field_name("declaration")
            if declaration is None:
                declaration = next((c for c in child.named_children if c.type in _JS_CLASSES), None)
            if declaration is not None:
                default = "export default " if node_text(child).startswith("export default") else "export "
                _js_declaration(declaration, result, default, child)
        else:
            _js_declaration(child, result, "", child)


# Go -------------------------------------------------------------------------------------


def _go_receiver(node: Node) -> str:
    receiver = node_text(node.child_by_field_name("receiver"))
    match = re.search(r"\*?\s*([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*\)$", receiver)
    return match.group(1) if match else ""


def go(root: Node, result: Outline) -> None:
    methods: dict[str, list[str]] = {}
    for child in root.named_children:
        if child.type == "package_clause":
            result.package = node_text(child).split()[-1]
        elif child.type == "function_declaration":
            name = node_text(child.child_by_field_name("name"))
            add(result, name, "function", with_comment(child, _signature(child)))
        elif child.type == "method_declaration":
            methods.setdefault(_go_receiver(child), []).append(short(_signature(child)))
        elif child.type == "type_declaration":
            for spec in child.named_children:
                if spec.type in ("type_spec", "type_alias"):
                    text = "type " + node_text(spec)
                    if len(text) > SHORT_TYPE_CHARS:
                        text = "type " + node_text(spec.child_by_field_name("name")) + " ..."
                    add(result, node_text(spec.child_by_field_name("name")), "class", with_comment(child, text))
        elif child.type in ("const_declaration", "var_declaration"):
            keyword = child.type.split("_")[0]
            for spec in child.named_children:
                if spec.type in ("const_spec", "var_spec"):
                    name = node_text(spec.child_by_field_name("name"))
                    add(result, name, "constant", short(f"{keyword} {node_text(spec)}"))
    _attach(result, methods)


def _attach(result: Outline, methods: dict[str, list[str]]) -> None:
    """Methods written apart from their type (Go, Rust ``impl``) join the type's entry."""
    for name, lines in methods.items():
        known = result.definitions.get(name)
        if known is not None:
            text = "\n".join([known.text, *lines[:MAX_MEMBERS]])
            result.definitions[name] = Definition(name, known.kind, text)


# Rust -----------------------------------------------------------------------------------

_RUST_TYPES = ("struct_item", "enum_item", "union_item", "trait_item", "type_item")


def _rust_impl(node: Node, methods: dict[str, list[str]]) -> None:
    name = re.sub(r"<.*", "", node_text(node.child_by_field_name("type"))).split("::")[-1]
    body = node.child_by_field_name("body")
    header = head(node, body) + " {"
    lines = _members(body, ("function_item",), ("const_item", "type_item"))
    if lines:
        methods.setdefault(name, []).extend([header, *lines, "}"])


def rust(root: Node, result: Outline) -> None:
    methods: dict[str, list[str]] = {}
    for child in root.named_children:
        name = node_text(child.child_by_field_name("name"))
        if child.type == "function_item":
            add(result, name, "function", with_comment(child, _signature(child)))
        elif child.type in _RUST_TYPES:
            body = child.child_by_field_name("body")
            members = _members(body, ("function_signature_item", "function_item"), ("field_declaration",))
            add(result, name, "class", with_comment(child, _type_entry(child, body, members)))
        elif child.type == "impl_item":
            _rust_impl(child, methods)
        elif child.type in ("const_item", "static_item"):
            add(result, name, "constant", short(node_text(child)))
        elif child.type == "macro_definition":
            add(result, name, "function", f"macro_rules! {name} {{ ... }}")
    _attach(result, methods)


# Java -----------------------------------------------------------------------------------

_JAVA_TYPES = ("class_declaration", "interface_declaration", "enum_declaration", "record_declaration")
_JAVA_METHODS = ("method_declaration", "constructor_declaration", "compact_constructor_declaration")


def java(root: Node, result: Outline) -> None:
    for child in root.named_children:
        if child.type == "package_declaration":
            result.package = node_text(child).removeprefix("package").strip(" ;")
        elif child.type in _JAVA_TYPES:
            body = child.child_by_field_name("body")
            members = _members(body, _JAVA_METHODS, ("field_declaration", "constant_declaration"))
            if child.type == "enum_declaration" and body is not None:
                constants = (node_text(c) for c in body.named_children if c.type == "enum_constant")
                members[:0] = ["    " + short(", ".join(constants))]
            text = "\n".join([head(child, body) + " {", *members, "}"])
            add(result, node_text(child.child_by_field_name("name")), "class", with_comment(child, text))
