"""What a file imports, as written: one ``Import`` per name it binds, per language.

Python ``import a.b as c`` / ``from ..m import x``; JavaScript and TypeScript ``import``
and ``export ... from``; Go import specs; Rust ``use`` trees and ``mod m;``; Java
``import a.b.C``. Resolving them to workspace files is the index's business.
"""

from __future__ import annotations

import re

from .treesit import Import, Node, node_text


def imports_of(grammar: str, root: Node) -> tuple[Import, ...]:
    if grammar == "python":
        return tuple(_python(root))
    if grammar in ("javascript", "typescript", "tsx"):
        return tuple(_javascript(root))
    if grammar == "go":
        return tuple(_go(root))
    if grammar == "rust":
        return tuple(_rust(root))
    if grammar == "java":
        return tuple(_java(root))
    return ()


def _python_statements(root: Node) -> list[Node]:
    """Import statements at the top level and one block down (``if TYPE_CHECKING:``, ``try:``)."""
    found = []
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        for child in node.named_children:
            if child.type in ("import_statement", "import_from_statement"):
                found.append(child)
            elif depth < 2 and child.type in ("if_statement", "try_statement", "block", "else_clause", "except_clause"):
                stack.append((child, depth + 1))
    return sorted(found, key=lambda n: n.start_byte)


def _python(root: Node) -> list[Import]:
    found = []
    for statement in _python_statements(root):
        if statement.type == "import_statement":
            for name in statement.named_children:
                if name.type == "aliased_import":
                    module = node_text(name.child_by_field_name("name"))
                    found.append(Import(module, None, node_text(name.child_by_field_name("alias"))))
                else:
                    found.append(Import(node_text(name), None, node_text(name)))
            continue
        module = node_text(statement.child_by_field_name("module_name")).replace(" ", "")
        if any(c.type == "wildcard_import" for c in statement.named_children):
            found.append(Import(module, "*", "*"))
        for name in statement.children_by_field_name("name"):
            if name.type == "wildcard_import":
                found.append(Import(module, "*", "*"))
            elif name.type == "aliased_import":
                original = node_text(name.child_by_field_name("name"))
                found.append(Import(module, original, node_text(name.child_by_field_name("alias"))))
            elif name.type == "dotted_name":
                found.append(Import(module, node_text(name), node_text(name)))
    return found


def _string(node: Node) -> str:
    source = node.child_by_field_name("source")
    return node_text(source).strip("'\"`") if source is not None else ""


def _javascript(root: Node) -> list[Import]:
    found = []
    for child in root.named_children:
        source = _string(child)
        if not source or child.type not in ("import_statement", "export_statement"):
            continue
        clause = next((c for c in child.named_children if c.type in ("import_clause", "export_clause")), None)
        if clause is None:
            if child.type == "export_statement":
                found.append(Import(source, "*", "*"))
            continue
        for part in [clause, *clause.named_children]:
            if part.type == "identifier":
                found.append(Import(source, "default", node_text(part)))
            elif part.type == "namespace_import":
                found.append(Import(source, None, node_text(part).split()[-1]))
            elif part.type in ("named_imports", "export_clause"):
                for spec in part.named_children:
                    name = node_text(spec.child_by_field_name("name"))
                    alias = spec.child_by_field_name("alias")
                    found.append(Import(source, name, node_text(alias) if alias is not None else name))
    return found


def _go(root: Node) -> list[Import]:
    found = []
    for declaration in (c for c in root.named_children if c.type == "import_declaration"):
        specs = [s for n in declaration.named_children for s in ([n] if n.type == "import_spec" else n.named_children)]
        for spec in specs:
            path = node_text(spec.child_by_field_name("path")).strip('"`')
            alias = node_text(spec.child_by_field_name("name"))
            if path and alias not in ("_", "."):
                found.append(Import(path, None, alias or path.rsplit("/", 1)[-1]))
    return found


def use_paths(tree: str) -> list[tuple[list[str], str | None]]:
    """A Rust ``use`` tree's paths and their aliases: ``a::{b::C, d as e}`` → ``a::b::C``, ``a::d`` as ``e``."""
    tree = re.sub(r"\s*(::|[{},])\s*", r"\1", " ".join(tree.split()))
    brace = tree.find("{")
    if brace == -1:
        single, alias = _split_alias(tree)
        return [(single.split("::"), alias)]
    prefix = [p for p in tree[:brace].split("::") if p]
    found = []
    for part in _split_top(tree[brace + 1 : tree.rfind("}")]):
        for segments, alias in use_paths(part):
            found.append(([*prefix, *segments] if segments != ["self"] else prefix, alias))
    return found


def _split_alias(tree: str) -> tuple[str, str | None]:
    path, found, alias = tree.rpartition(" as ")
    return (path, alias) if found else (tree, None)


def _split_top(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char == "{") - (char == "}")
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p]


def _rust(root: Node) -> list[Import]:
    found = []
    for child in root.named_children:
        if child.type == "mod_item" and child.child_by_field_name("body") is None:
            name = node_text(child.child_by_field_name("name"))
            found.append(Import("self", name, name))
        elif child.type == "use_declaration":
            argument = child.child_by_field_name("argument")
            for path, alias in use_paths(node_text(argument)):
                if len(path) >= 2:
                    local = "*" if path[-1] == "*" else alias or path[-1]
                    found.append(Import("::".join(path[:-1]), path[-1], local))
    return found


def _java(root: Node) -> list[Import]:
    found = []
    for child in root.named_children:
        if child.type != "import_declaration":
            continue
        text = node_text(child).removeprefix("import").strip(" ;")
        if text.startswith("static ") or text.endswith("*"):
            continue
        package, _, name = text.rpartition(".")
        found.append(Import(package, name, name))
    return found
