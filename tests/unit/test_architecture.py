"""The layers, read from the sources' own imports: the LSP face knows pygls, the domain never sees it.

Every ``import`` counts, including those inside functions and under
``TYPE_CHECKING``: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "server" / "codex_ls"
#: The domain and the leaves it stands on: none of these may know the LSP face or pygls.
DOMAIN = (
    "completion",
    "actions",
    "backends",
    "models",
    "workspace",
    "config",
    "settings_sources",
    "errors",
    "tasks",
    "positions",
    "languages",
)
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[str]:
    """The modules ``path`` imports, relative imports resolved."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            yield base
            # "from . import x" imports the module x when there is one.
            for alias in node.names:
                if (PACKAGE.parent / f"{base}.{alias.name}".replace(".", "/")).with_suffix(".py").exists():
                    yield f"{base}.{alias.name}"


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: {i for i in imports(path) if i.startswith("codex_ls")} for name, path in MODULES.items()}


def in_domain(name: str) -> bool:
    return any(name == f"codex_ls.{part}" or name.startswith(f"codex_ls.{part}.") for part in DOMAIN)


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in MODULES if in_domain(n)])
def test_the_domain_never_imports_the_lsp_face_or_pygls(name: str) -> None:
    found = set(imports(MODULES[name]))
    assert not {i for i in found if i.startswith(("codex_ls.lsp", "codex_ls.cli", "pygls"))}


def test_only_the_command_line_assembles_the_server() -> None:
    importers = {name for name, targets in GRAPH.items() if "codex_ls.lsp.app" in targets}
    assert importers <= {"codex_ls.cli.main"}


def test_there_is_no_import_cycle() -> None:
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = [*path[path.index(name) :], name]
            raise AssertionError("import cycle: " + " → ".join(cycle))
        if name in done:
            return
        for target in sorted(GRAPH.get(name, ())):
            if target in MODULES and target != name:
                visit(target, [*path, name])
        done.add(name)

    for name in MODULES:
        visit(name, [])


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in MODULES])
def test_modules_and_functions_stay_small(name: str) -> None:
    text = MODULES[name].read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long
