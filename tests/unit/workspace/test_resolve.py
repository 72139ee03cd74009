"""Import resolution per language, on small workspaces written to disk."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codex_ls.workspace.index import WorkspaceIndex
from codex_ls.workspace.treesit import Import

Indexed = Callable[[dict[str, str | bytes]], WorkspaceIndex]

PYTHON = {
    "src/pkg/__init__.py": "from .console import Console\nfrom . import utils\n",
    "src/pkg/console.py": "class Console:\n    def print(self, text: str) -> None:\n        pass\n",
    "src/pkg/utils.py": "def clamp(value: int, low: int, high: int) -> int:\n    return value\n",
    "src/pkg/sub/__init__.py": "",
    "src/pkg/sub/live.py": "from ..console import Console\nfrom pkg import utils\nfrom pkg.utils import clamp\n",
    "src/pkg/sub/star.py": "from ..utils import *\n",
}


@pytest.mark.parametrize(
    ("imp", "target"),
    [
        pytest.param(Import("..console", "Console", "Console"), ("src/pkg/console.py", "Console"), id="relative"),
        pytest.param(Import("pkg.utils", "clamp", "clamp"), ("src/pkg/utils.py", "clamp"), id="absolute"),
        pytest.param(Import("pkg", "utils", "utils"), ("src/pkg/utils.py", None), id="submodule-of-a-package"),
        pytest.param(Import("pkg", "Console", "Console"), ("src/pkg/__init__.py", "Console"), id="package-name"),
        pytest.param(Import("pkg.console", None, "pkg.console"), ("src/pkg/console.py", None), id="import-module"),
        pytest.param(Import(".", "live", "live"), ("src/pkg/sub/live.py", None), id="sibling-module"),
        pytest.param(Import("os.path", None, "os.path"), None, id="outside-the-workspace"),
    ],
)
def test_python_imports(indexed: Indexed, imp: Import, target: tuple[str, str | None] | None) -> None:
    index = indexed(PYTHON)
    assert index.resolve("src/pkg/sub/live.py", "python", imp) == ([target] if target else [])


def test_a_name_re_exported_by_a_package_leads_to_its_definition(indexed: Indexed) -> None:
    index = indexed(PYTHON)
    found = index.definition("src/pkg/__init__.py", "Console")
    assert found is not None
    assert found[0] == "src/pkg/console.py"
    assert found[1].text.startswith("class Console:")
    star = index.definition("src/pkg/sub/star.py", "clamp")
    assert star is not None
    assert star[0] == "src/pkg/utils.py"


JS = {
    "app/main.ts": "",
    "app/models/index.ts": "export { User } from './user';\n",
    "app/models/user.ts": "export class User { name: string = ''; }\n",
    "app/util.js": "export function pad(s, n) { return s; }\n",
    "app/view.tsx": "export const View = () => null;\n",
}


@pytest.mark.parametrize(
    ("source", "target"),
    [
        pytest.param("./models", "app/models/index.ts", id="index-ts"),
        pytest.param("./models/user", "app/models/user.ts", id="no-extension"),
        pytest.param("./models/user.js", "app/models/user.ts", id="js-extension-for-a-ts-file"),
        pytest.param("./util", "app/util.js", id="javascript"),
        pytest.param("./view", "app/view.tsx", id="tsx"),
        pytest.param("react", None, id="a-package"),
        pytest.param("../../outside", None, id="outside"),
    ],
)
def test_javascript_imports(indexed: Indexed, source: str, target: str | None) -> None:
    index = indexed(JS)
    found = index.resolve("app/main.ts", "typescript", Import(source, "User", "User"))
    assert found == ([(target, "User")] if target else [])


def test_javascript_re_export_through_index(indexed: Indexed) -> None:
    index = indexed(JS)
    found = index.definition("app/models/index.ts", "User")
    assert found is not None
    assert found[0] == "app/models/user.ts"


def test_go_package_of_the_module(indexed: Indexed) -> None:
    index = indexed(
        {
            "go.mod": "module example.com/geo\n\ngo 1.22\n",
            "shapes/circle.go": "package shapes\n\nfunc New(r float64) *Circle { return nil }\n",
            "shapes/square.go": "package shapes\n\ntype Square struct{}\n",
            "shapes/circle_test.go": "package shapes\n",
            "main.go": 'package main\n\nimport "example.com/geo/shapes"\n',
        }
    )
    found = index.resolve("main.go", "go", Import("example.com/geo/shapes", None, "shapes"))
    assert sorted(found) == [("shapes/circle.go", None), ("shapes/square.go", None)]
    assert index.resolve("main.go", "go", Import("fmt", None, "fmt")) == []


RUST = {
    "Cargo.toml": "[package]\nname = 'geo'\n",
    "src/lib.rs": "mod shapes;\npub mod util;\n",
    "src/shapes.rs": "pub mod square;\n",
    "src/shapes/square.rs": "use super::super::util::clamp;\npub struct Square;\n",
    "src/util/mod.rs": "pub fn clamp(v: f64) -> f64 { v }\n",
}


@pytest.mark.parametrize(
    ("relative", "imp", "target"),
    [
        pytest.param("src/lib.rs", Import("self", "shapes", "shapes"), ("src/shapes.rs", None), id="mod"),
        pytest.param("src/lib.rs", Import("self", "util", "util"), ("src/util/mod.rs", None), id="mod-rs"),
        pytest.param(
            "src/shapes/square.rs", Import("crate::util", "clamp", "clamp"), ("src/util/mod.rs", "clamp"), id="crate"
        ),
        pytest.param(
            "src/shapes.rs",
            Import("crate::shapes::square", "Square", "Square"),
            ("src/shapes/square.rs", "Square"),
            id="crate-nested",
        ),
        pytest.param("src/shapes/square.rs", Import("super", "Square", "S"), ("src/shapes.rs", "Square"), id="super"),
        pytest.param("src/lib.rs", Import("std::fmt", "Display", "Display"), None, id="std"),
    ],
)
def test_rust_imports(indexed: Indexed, relative: str, imp: Import, target: tuple[str, str | None] | None) -> None:
    index = indexed(RUST)
    assert index.resolve(relative, "rust", imp) == ([target] if target else [])


def test_java_imports_by_declared_package(indexed: Indexed) -> None:
    index = indexed(
        {
            "src/main/java/com/acme/geo/Point.java": "package com.acme.geo;\npublic class Point { }\n",
            "src/main/java/com/acme/App.java": "package com.acme;\nimport com.acme.geo.Point;\nclass App {}\n",
        }
    )
    found = index.resolve("src/main/java/com/acme/App.java", "java", Import("com.acme.geo", "Point", "Point"))
    assert found == [("src/main/java/com/acme/geo/Point.java", "Point")]
    assert index.resolve("x.java", "java", Import("java.util", "List", "List")) == []
