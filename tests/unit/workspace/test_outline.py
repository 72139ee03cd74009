"""The outline of a small file per language: what the definitions keep, what they leave out."""

from __future__ import annotations

import pytest

from codex_ls.workspace.outline import outline
from codex_ls.workspace.treesit import Import

PYTHON = '''\
import os
from .console import Console, Group as G
from .. import utils
if TYPE_CHECKING:
    from .live import Live

MAX_WIDTH = 80
_hidden = 1


class Panel(Base):
    """A box around a renderable.

    More words."""

    title: str = ""
    _cache: dict = {}
    __slots__ = ("renderable",)

    def __init__(
        self,
        renderable,
        *,
        title: str = "",
    ) -> None:
        self.renderable = renderable

    @property
    def width(self) -> int:
        return 1

    def _private(self):
        pass


def fit(renderable, width: int = 80) -> "Panel":
    """Fit to the width."""
    return Panel(renderable)
'''


def test_python_outline_keeps_signatures_docstrings_and_constants() -> None:
    found = outline("python", PYTHON)
    assert list(found.definitions) == ["MAX_WIDTH", "Panel", "fit"]
    panel = found.definitions["Panel"].text
    # How the class is made comes first, as a call's arguments follow it; its own state stays out.
    assert panel.splitlines()[:4] == [
        "class Panel(Base):",
        '    """A box around a renderable."""',
        '    def __init__(self, renderable, *, title: str = "") -> None: ...',
        '    title: str = ""',
    ]
    assert "_cache" not in panel
    assert "__slots__" not in panel
    assert "    @property\n    def width(self) -> int: ..." in panel
    assert "_private" not in panel
    assert "self.renderable = renderable" not in panel
    assert (
        found.definitions["fit"].text == 'def fit(renderable, width: int = 80) -> "Panel":\n    """Fit to the width."""'
    )
    assert found.definitions["MAX_WIDTH"].text == "MAX_WIDTH = 80"


def test_python_imports_as_written() -> None:
    assert outline("python", PYTHON).imports == (
        Import("os", None, "os"),
        Import(".console", "Console", "Console"),
        Import(".console", "Group", "G"),
        Import("..", "utils", "utils"),
        Import(".live", "Live", "Live"),
    )


TYPESCRIPT = """\
import { A, B as C } from "./x";
import * as u from "../u";
import D from "./d";
export { Q } from "./q";
export * from "./all";
// Adds one.
export function inc(a: number): number { return a + 1; }
export const twice = (a: number): number => a * 2;
export const LIMIT = 10;
export class Counter extends Base {
  private count: number = 0;
  add(n: number): void { this.count += n; }
}
export interface Shape { area(): number }
"""


@pytest.mark.parametrize("grammar", ["typescript", "tsx"])
def test_typescript_outline(grammar: str) -> None:
    found = outline(grammar, TYPESCRIPT)
    assert found.definitions["inc"].text == "// Adds one.\nexport function inc(a: number): number { ... }"
    assert found.definitions["twice"].text == "export const twice = (a: number): number => { ... }"
    assert found.definitions["LIMIT"].text == "export const LIMIT = 10"
    assert found.definitions["Counter"].text.splitlines() == [
        "export class Counter extends Base {",
        "    private count: number = 0",
        "    add(n: number): void { ... }",
        "}",
    ]
    assert found.definitions["Shape"].text == "export interface Shape { area(): number }"
    assert found.imports == (
        Import("./x", "A", "A"),
        Import("./x", "B", "C"),
        Import("../u", None, "u"),
        Import("./d", "default", "D"),
        Import("./q", "Q", "Q"),
        Import("./all", "*", "*"),
    )


def test_javascript_outline() -> None:
    found = outline(
        "javascript", "const { x } = require('y');\nfunction go(a, b) {\n  return a;\n}\nclass K { m() {} }\n"
    )
    assert found.definitions["go"].text == "function go(a, b) { ... }"
    assert found.definitions["K"].text.splitlines() == ["class K {", "    m() { ... }", "}"]


GO = """\
package shapes

import (
\tm "example.com/geo/math"
\t"fmt"
)

const Pi = 3.14

// Circle is round.
type Circle struct {
\tR float64
}

// Area is the area.
func (c *Circle) Area() float64 { return Pi * c.R * c.R }

// New makes one.
func New(r float64) *Circle { return &Circle{R: r} }
"""


def test_go_outline_joins_methods_to_their_type() -> None:
    found = outline("go", GO)
    assert found.package == "shapes"
    assert found.definitions["Circle"].text.splitlines() == [
        "// Circle is round.",
        "type Circle struct {",
        "\tR float64",
        "}",
        "func (c *Circle) Area() float64 { ... }",
    ]
    assert found.definitions["New"].text == "// New makes one.\nfunc New(r float64) *Circle { ... }"
    assert found.definitions["Pi"].text == "const Pi = 3.14"
    assert found.imports == (Import("example.com/geo/math", None, "m"), Import("fmt", None, "fmt"))


RUST = """\
use crate::geo::{point::Point, Line as L, self};
mod util;
pub const MAX: u32 = 8;
/// A shape.
pub struct Square { side: f64 }
impl Square {
    pub fn new(side: f64) -> Self { Square { side } }
}
pub fn area(s: &Square) -> f64 { s.side * s.side }
"""


def test_rust_outline_joins_impl_blocks_to_their_type() -> None:
    found = outline("rust", RUST)
    assert found.definitions["Square"].text.splitlines() == [
        "// A shape.",
        "pub struct Square { side: f64 }",
        "impl Square {",
        "    pub fn new(side: f64) -> Self { ... }",
        "}",
    ]
    assert found.definitions["area"].text == "pub fn area(s: &Square) -> f64 { ... }"
    assert found.definitions["MAX"].text == "pub const MAX: u32 = 8;"
    assert found.imports == (
        Import("crate::geo::point", "Point", "Point"),
        Import("crate::geo", "Line", "L"),
        Import("crate", "geo", "geo"),
        Import("self", "util", "util"),
    )


JAVA = """\
package com.acme.shapes;

import com.acme.geo.Point;
import java.util.*;

/** A circle. */
public class Circle {
    public static final double PI = 3.14;
    public Circle(double r) { this.r = r; }
    public double area() { return PI * r * r; }
}
"""


def test_java_outline() -> None:
    found = outline("java", JAVA)
    assert found.package == "com.acme.shapes"
    assert found.definitions["Circle"].text.splitlines() == [
        "// A circle.",
        "public class Circle {",
        "    public static final double PI = 3.14;",
        "    public Circle(double r) { ... }",
        "    public double area() { ... }",
        "}",
    ]
    assert found.imports == (Import("com.acme.geo", "Point", "Point"),)


def test_unknown_language_and_broken_code_give_what_they_can() -> None:
    assert outline("cobol", "IDENTIFICATION DIVISION.").definitions == {}
    broken = outline("python", "def ok(a):\n    return a\n\ndef broken(:\n")
    assert "ok" in broken.definitions
