"""Generated tests joined to an existing test file (or Rust source): header lines, test classes, modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_ls.actions import merging
from codex_ls.actions.frameworks import TestFile


def layout_in(language: str, import_line: str, *, in_source: bool = False) -> TestFile:
    return TestFile(Path("/p/t"), "t", "framework", import_line, language, "marker", in_source)


@pytest.mark.parametrize(
    ("language", "import_line", "code", "expected"),
    [
        pytest.param(
            "java",
            "package com.acme;",
            "package wrong;\n\nimport org.junit.jupiter.api.Test;\n\nclass CalcTest {}",
            "package com.acme;\n\nimport org.junit.jupiter.api.Test;\n\nclass CalcTest {}",
            id="java-package-replaced",
        ),
        pytest.param(
            "go",
            "package calc",
            'import "testing"\n\nfunc TestAdd(t *testing.T) {}',
            'package calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {}',
            id="go-package-added",
        ),
        pytest.param(
            "javascript",
            'import { add } from "./math.js";',
            'import { test } from "node:test";\n\ntest("adds", () => {});',
            'import { test } from "node:test";\nimport { add } from "./math.js";\n\ntest("adds", () => {});',
            id="javascript-after-imports",
        ),
        pytest.param(
            "cpp",
            '#include "calc.hpp"',
            "TEST(Calc, Adds) {}",
            '#include "calc.hpp"\n\nTEST(Calc, Adds) {}',
            id="cpp-at-the-top",
        ),
        pytest.param(
            "rust",
            "use super::*;",
            "#[cfg(test)]\nmod tests {\n    #[test]\n    fn adds() {}\n}",
            "#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn adds() {}\n}",
            id="rust-inside-the-module",
        ),
        pytest.param("csharp", "using Acme;", "using Acme;\nclass T {}", "using Acme;\nclass T {}", id="already-there"),
        pytest.param(
            "python",
            "from app import area",
            "def test_unit():\n    assert area(1) > 3",
            "from app import area\n\n\ndef test_unit():\n    assert area(1) > 3",
            id="python-two-blank-lines-before-the-tests",
        ),
        pytest.param(
            "python",
            "from app import area",
            "import pytest\nfrom math import (\n    pi,\n    tau,\n)\n\n\ndef test_unit():\n    assert area(1) == pi",
            "import pytest\nfrom math import (\n    pi,\n    tau,\n)\nfrom app import area\n\n\n"
            "def test_unit():\n    assert area(1) == pi",
            id="python-after-a-bracketed-import",
        ),
    ],
)
def test_with_import(language: str, import_line: str, code: str, expected: str) -> None:
    assert merging.with_import(code, layout_in(language, import_line, in_source=language == "rust")) == expected


JAVA_OLD = (
    "package com.acme;\n\nimport org.junit.jupiter.api.Test;\n\nclass CalcTest {\n    @Test\n    void old() {}\n}\n"
)
JAVA_NEW = (
    "package com.acme;\n\nimport org.junit.jupiter.api.Test;\nimport static org.junit.jupiter.api.Assertions.*;\n\n"
    "class CalcTest {\n    @Test\n    void adds() {\n        assertEquals(3, new Calc().add(1, 2));\n    }\n}"
)
GO_NEW = (
    'package calc\n\nimport (\n\t"fmt"\n\t"testing"\n)\n\nfunc TestAdd(t *testing.T) {\n\tfmt.Println(Add(1, 2))\n}'
)
PYTHON_OLD = (
    "import pytest\nfrom app import (\n    area,\n    perimeter,\n)\n\n\ndef test_old():\n    assert area(0) == 0\n"
)
RUST_SOURCE = "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n"
RUST_MODULE = (
    "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn adds() {\n        assert_eq!(add(1, 2), 3);\n"
    "    }\n}"
)


@pytest.mark.parametrize(
    ("language", "existing", "code", "expected"),
    [
        pytest.param(
            "java",
            JAVA_OLD,
            JAVA_NEW,
            "package com.acme;\n\nimport org.junit.jupiter.api.Test;\nimport static org.junit.jupiter.api.Assertions.*;"
            "\n\nclass CalcTest {\n    @Test\n    void old() {}\n\n    @Test\n    void adds() {\n"
            "        assertEquals(3, new Calc().add(1, 2));\n    }\n}\n",
            id="java-into-the-class",
        ),
        pytest.param(
            "go",
            'package calc\n\nimport (\n\t"testing"\n)\n\nfunc TestOld(t *testing.T) {}\n',
            GO_NEW,
            'package calc\n\nimport (\n\t"testing"\n\t"fmt"\n)\n\nfunc TestOld(t *testing.T) {}\n\n'
            "func TestAdd(t *testing.T) {\n\tfmt.Println(Add(1, 2))\n}\n",
            id="go-into-the-import-block",
        ),
        pytest.param(
            "go",
            'package calc\n\nimport "testing"\n\nfunc TestOld(t *testing.T) {}',
            GO_NEW,
            'package calc\n\nimport "testing"\nimport "fmt"\n\nfunc TestOld(t *testing.T) {}\n\n'
            "func TestAdd(t *testing.T) {\n\tfmt.Println(Add(1, 2))\n}\n",
            id="go-after-the-imports",
        ),
        pytest.param("rust", RUST_SOURCE, RUST_MODULE, RUST_SOURCE + "\n" + RUST_MODULE + "\n", id="rust-new-module"),
        pytest.param(
            "rust",
            RUST_SOURCE + "\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn old() {}\n}\n",
            RUST_MODULE,
            RUST_SOURCE + "\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn old() {}\n\n"
            "    #[test]\n    fn adds() {\n        assert_eq!(add(1, 2), 3);\n    }\n}\n",
            id="rust-into-the-module",
        ),
        pytest.param(
            "shellscript",
            'setup() { source "$BATS_TEST_DIRNAME/../greet.sh"; }\n\n@test "old" {\n  run greet\n}\n',
            'setup() { source "$BATS_TEST_DIRNAME/../greet.sh"; }\n\n@test "new" {\n  run greet x\n}',
            'setup() { source "$BATS_TEST_DIRNAME/../greet.sh"; }\n\n@test "old" {\n  run greet\n}\n\n'
            '@test "new" {\n  run greet x\n}\n',
            id="bats-appended",
        ),
        pytest.param(
            "c", "", '#include "calc.h"\n\nint main(void) {}', '#include "calc.h"\n\nint main(void) {}\n', id="empty"
        ),
        pytest.param(
            "python",
            PYTHON_OLD,
            "# The area's tests.\nimport math\nfrom app import (area,\n    perimeter)\n\n\n"
            "def test_new():\n    assert area(1) == math.pi",
            "import pytest\nfrom app import (\n    area,\n    perimeter,\n)\nimport math\n\n\n"
            "def test_old():\n    assert area(0) == 0\n\n\ndef test_new():\n    assert area(1) == math.pi\n",
            id="python-new-imports-with-the-files-own",
        ),
        pytest.param(
            "python",
            PYTHON_OLD,
            "from app import (\n    area,\n    perimeter,\n)\n\n\ndef test_new():\n    assert perimeter(0) == 0",
            PYTHON_OLD + "\n\ndef test_new():\n    assert perimeter(0) == 0\n",
            id="python-a-bracketed-import-the-file-has",
        ),
    ],
)
def test_join(language: str, existing: str, code: str, expected: str) -> None:
    tests = layout_in(language, "", in_source=language == "rust")
    assert merging.applied(existing, merging.join(existing, code, tests)) == expected


@pytest.mark.parametrize(
    ("language", "existing", "code", "expected"),
    [
        pytest.param("go", None, GO_NEW, None, id="parses"),
        pytest.param("go", None, GO_NEW.removesuffix("}"), "the generated tests do not parse", id="unclosed"),
        pytest.param("java", JAVA_OLD, JAVA_NEW, None, id="fits"),
        pytest.param("javascript", None, 'test("a", () => {', "the generated tests do not parse", id="javascript"),
        pytest.param("python", None, "def test_x(:\n    pass", "the generated tests do not parse", id="python"),
        pytest.param(
            "python",
            "def test_old(:\n",
            "def test_x():\n    pass",
            "the generated tests do not fit the existing test file",
            id="python-joined",
        ),
        pytest.param("python", PYTHON_OLD, "def test_new():\n    assert area(1) > 0", None, id="python-fits"),
        pytest.param("c", "int broken( {\n", "int main(void) { return 0; }", None, id="no-worse-than-the-file"),
        pytest.param("unknown-language", None, "{{{", None, id="no-grammar"),
    ],
)
def test_check(language: str, existing: str | None, code: str, expected: str | None) -> None:
    assert merging.check(code, existing, layout_in(language, "")) == expected


PYTHON_NEW = "import math\nfrom app import area\n\n\ndef test_new():\n    assert area(1) == math.pi\n"


@pytest.mark.parametrize(
    ("existing", "code", "expected"),
    [
        pytest.param(
            "import pytest\n\n\ndef test_old():\n    from app import area\n\n    assert area(0) == 0\n",
            PYTHON_NEW,
            "import pytest\nimport math\nfrom app import area\n\n\ndef test_old():\n    from app import area\n\n"
            "    assert area(0) == 0\n\n\ndef test_new():\n    assert area(1) == math.pi\n",
            id="an-import-inside-a-function-binds-nothing-at-the-top",
        ),
        pytest.param(
            "import pytest\n\nif TYPE_CHECKING:\n    from app import area\n\n\ndef test_old():\n    pass\n",
            PYTHON_NEW,
            "import pytest\nimport math\nfrom app import area\n\nif TYPE_CHECKING:\n    from app import area\n\n\n"
            "def test_old():\n    pass\n\n\ndef test_new():\n    assert area(1) == math.pi\n",
            id="nor-one-under-type-checking",
        ),
        pytest.param(
            '"""Tests.\n\nimport order matters here (see the spec.\n"""\n\n\ndef test_old():\n    pass\n',
            PYTHON_NEW,
            '"""Tests.\n\nimport order matters here (see the spec.\n"""\nimport math\nfrom app import area\n\n\n'
            "def test_old():\n    pass\n\n\ndef test_new():\n    assert area(1) == math.pi\n",
            id="a-docstring-is-no-import-and-stays-first",
        ),
        pytest.param(
            "# Copyright.\nfrom app import area, perimeter\n\n\ndef test_old():\n    pass\n",
            '"""Tests for app."""\nfrom app import area\n\n\ndef test_new():\n    assert area(0) == 0\n',
            "# Copyright.\nfrom app import area, perimeter\n\n\ndef test_old():\n    pass\n\n\n"
            "def test_new():\n    assert area(0) == 0\n",
            id="a-name-the-file-imports-already-and-the-tests-docstring-left-out",
        ),
        pytest.param(
            '"""Tests."""\nimport pytest\n\n\ndef test_old():\n    pass\n',
            "from __future__ import annotations\n\nimport pytest\n\n\ndef test_new() -> None:\n    pass\n",
            '"""Tests."""\nfrom __future__ import annotations\nimport pytest\n\n\ndef test_old():\n    pass\n\n\n'
            "def test_new() -> None:\n    pass\n",
            id="a-future-import-first",
        ),
    ],
)
def test_join_python(existing: str, code: str, expected: str) -> None:
    joined = merging.applied(existing, merging.join(existing, code, layout_in("python", "")))
    assert joined == expected
    compile(joined, "test_app.py", "exec")


def test_with_import_python_goes_after_the_docstring() -> None:
    code = '"""Tests for app."""\n\n\ndef test_unit():\n    assert area(1) > 3\n'
    assert merging.with_import(code, layout_in("python", "from app import area")) == (
        '"""Tests for app."""\nfrom app import area\n\n\ndef test_unit():\n    assert area(1) > 3\n'
    )


@pytest.mark.parametrize("language", ["python", "java"])
def test_join_keeps_the_files_line_breaks(language: str) -> None:
    if language == "python":
        existing, code = "import pytest\r\n\r\n\r\ndef test_old():\r\n    pass\r\n", PYTHON_NEW
    else:
        existing, code = JAVA_OLD.replace("\n", "\r\n"), JAVA_NEW
    joined = merging.applied(existing, merging.join(existing, code, layout_in(language, "")))
    assert joined.count("\n") == joined.count("\r\n") > existing.count("\r\n")
