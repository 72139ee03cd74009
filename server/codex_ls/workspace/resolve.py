"""Where an import leads: the workspace file (and the name in it) an ``Import`` binds.

Python: relative and absolute modules, packages by their ``__init__.py``, a submodule
named in ``from package import module``. JavaScript and TypeScript: relative paths with
or without extension, ``index`` files. Go: packages of the module named in ``go.mod``.
Rust: ``crate::``, ``self::``, ``super::`` and ``mod m;`` to ``m.rs`` or ``m/mod.rs``.
Java: ``import a.b.C`` by the package each file declares. Everything else (the standard
library, third-party packages) leads nowhere.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping

from .treesit import Import

#: A file of the index, and the name the import binds in it (``None``: the module itself).
Target = tuple[str, str | None]

_JS_EXTENSIONS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs")


class Modules:
    """The lookup tables the resolution needs, kept by the index as files come and go."""

    def __init__(self, exists: Callable[[str], bool]) -> None:
        self.exists = exists
        #: Python dotted names (every suffix of the path, so ``src/pkg/m.py`` is ``pkg.m``) → file.
        self.python: dict[str, str] = {}
        #: Java ``package.Class`` → file.
        self.java: dict[str, str] = {}
        #: Go module path (``go.mod``) → its folder, relative.
        self.go_modules: dict[str, str] = {}
        #: Folder → its Go files.
        self.go_packages: dict[str, tuple[str, ...]] = {}

    def python_names(self, relative: str) -> list[str]:
        parts = relative.removesuffix(".py").split("/")
        if parts[-1] == "__init__":
            parts.pop()
        return [".".join(parts[k:]) for k in range(len(parts))]

    def add_python(self, relative: str) -> None:
        for name in self.python_names(relative):
            known = self.python.get(name)
            if known is None or len(relative) < len(known):
                self.python[name] = relative

    def remove_python(self, relative: str) -> None:
        for name in self.python_names(relative):
            if self.python.get(name) == relative:
                del self.python[name]


def _python_file(modules: Modules, folder: str) -> str | None:
    for candidate in (f"{folder}.py", f"{folder}/__init__.py"):
        if modules.exists(candidate.lstrip("/")):
            return candidate.lstrip("/")
    return None


def python(modules: Modules, relative: str, imp: Import) -> Target | None:
    if not imp.source.startswith("."):
        if imp.name is None:
            found = modules.python.get(imp.source)
            return (found, None) if found else None
        sub = modules.python.get(f"{imp.source}.{imp.name}")
        if sub is not None:
            return sub, None
        found = modules.python.get(imp.source)
        return (found, imp.name) if found else None
    level = len(imp.source) - len(imp.source.lstrip("."))
    folder = posixpath.dirname(relative)
    for _ in range(level - 1):
        folder = posixpath.dirname(folder)
    rest = imp.source[level:].replace(".", "/")
    base = posixpath.join(folder, rest) if rest else folder
    if imp.name is not None and imp.name != "*":
        sub = _python_file(modules, posixpath.join(base, imp.name))
        if sub is not None:
            return sub, None
    found = _python_file(modules, base) if base else ("__init__.py" if modules.exists("__init__.py") else None)
    return (found, imp.name) if found else None


def javascript(modules: Modules, relative: str, imp: Import) -> Target | None:
    if not imp.source.startswith("."):
        return None
    base = posixpath.normpath(posixpath.join(posixpath.dirname(relative), imp.source))
    if base.startswith(".."):
        return None
    stem = base.rsplit(".", 1)[0] if base.endswith((".js", ".jsx", ".mjs")) else base
    candidates = [base, *(stem + e for e in _JS_EXTENSIONS), *(f"{base}/index{e}" for e in _JS_EXTENSIONS)]
    found = next((c for c in candidates if modules.exists(c)), None)
    if found is None:
        return None
    return found, None if imp.name in (None, "default") else imp.name


def go(modules: Modules, imp: Import) -> list[Target]:
    for module, folder in modules.go_modules.items():
        if imp.source == module or imp.source.startswith(module + "/"):
            package = posixpath.join(folder, imp.source[len(module) + 1 :]).strip("/")
            return [(f, None) for f in modules.go_packages.get(package, ())]
    return []


def _rust_children(relative: str) -> str:
    """The folder that holds the submodules of the module in ``relative``."""
    folder, name = posixpath.split(relative)
    return folder if name in ("mod.rs", "lib.rs", "main.rs") else posixpath.join(folder, name.removesuffix(".rs"))


def _rust_module(modules: Modules, folder: str) -> str | None:
    for candidate in (f"{folder}.rs", f"{folder}/mod.rs"):
        if modules.exists(candidate):
            return candidate
    return None


def _rust_start(modules: Modules, relative: str, first: str) -> tuple[str, str] | None:
    """The file and children folder a path's first segment names."""
    if first == "crate":
        parts = relative.split("/")[:-1]
        folder = "/".join(parts[: len(parts) - parts[::-1].index("src")]) if "src" in parts else "/".join(parts)
        roots = (posixpath.join(folder, name) for name in ("lib.rs", "main.rs"))
        root = next((r for r in roots if modules.exists(r)), None)
        return (root, folder) if root else None
    if first == "self":
        return relative, _rust_children(relative)
    if first == "super":
        parent = posixpath.dirname(_rust_children(relative))
        module = _rust_module(modules, parent)
        return (module, parent) if module else None
    return None


def rust(modules: Modules, relative: str, imp: Import) -> Target | None:
    segments = imp.source.split("::")
    start = _rust_start(modules, relative, segments[0])
    if start is None:
        return None
    module, folder = start
    for segment in segments[1:]:
        if segment == "super":
            folder = posixpath.dirname(folder)
            found = _rust_module(modules, folder)
        else:
            folder = posixpath.join(folder, segment)
            found = _rust_module(modules, folder)
        if found is None:
            return None
        module = found
    if imp.name and imp.name != "*":
        sub = _rust_module(modules, posixpath.join(folder, imp.name))
        if sub is not None:
            return sub, None
    return module, imp.name


def java(modules: Modules, imp: Import) -> Target | None:
    found = modules.java.get(f"{imp.source}.{imp.name}")
    return (found, imp.name) if found else None


def resolve(modules: Modules, grammar: str, relative: str, imp: Import) -> list[Target]:
    """The files (and names) ``imp``, written in ``relative``, leads to in the workspace."""
    if grammar == "go":
        return go(modules, imp)
    single: Mapping[str, Callable[[], Target | None]] = {
        "python": lambda: python(modules, relative, imp),
        "javascript": lambda: javascript(modules, relative, imp),
        "typescript": lambda: javascript(modules, relative, imp),
        "tsx": lambda: javascript(modules, relative, imp),
        "rust": lambda: rust(modules, relative, imp),
        "java": lambda: java(modules, imp),
    }
    found = single[grammar]() if grammar in single else None
    return [found] if found else []
