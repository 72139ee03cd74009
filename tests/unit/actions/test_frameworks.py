"""Add unit tests per language: the test file, framework and first line, the prompts, and joining to a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from codex_ls.actions.frameworks import ProjectFacts, TestFile, layout_for
from codex_ls.actions.job import ActionFailedError, Snapshot
from codex_ls.actions.prompts import PromptInput, line_comment, render
from codex_ls.actions.target import target_at

ROOT = Path("/work/project")


def snapshot(language: str, path: str, text: str) -> Snapshot:
    return Snapshot(f"file://{ROOT}/{path}", text, 1, language, path, ROOT, ROOT / path)


def layout(language: str, path: str, text: str, line: int = 0, facts: ProjectFacts | None = None) -> TestFile:
    document = snapshot(language, path, text)
    cursor = types.Position(line, 0)
    target = target_at(document, types.Range(cursor, cursor))
    assert target is not None
    return layout_for(document, target, facts)


JS_ESM = "export function add(a, b) {\n  return a + b;\n}\n"
JS_CJS = "function add(a, b) {\n  return a + b;\n}\nmodule.exports = { add };\n"
TS = "export function add(a: number, b: number): number {\n  return a + b;\n}\n"
TSX = "export function Badge() {\n  return <span>new</span>;\n}\n"
JAVA = (
    "package com.acme.calc;\n\npublic class Calc {\n    public int add(int a, int b) {\n        return a + b;\n"
    "    }\n}\n"
)
GO = "package calc\n\nfunc Add(a, b int) int {\n\treturn a + b\n}\n"
RUST = "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n"
CS = (
    "namespace Acme.Calc;\n\npublic static class Calc\n{\n    public static int Add(int a, int b)\n    {\n"
    "        return a + b;\n    }\n}\n"
)
C_SRC = "int add(int a, int b) {\n    return a + b;\n}\n"
SH = 'greet() {\n  echo "hi $1"\n}\n'
VITEST = ProjectFacts(package_json='{"devDependencies": {"vitest": "^1.6.0", "typescript": "^5"}}')
JEST = ProjectFacts(package_json='{"devDependencies": {"jest": "^29"}}')


@pytest.mark.parametrize(
    ("language", "path", "text", "line", "facts", "expected"),
    [
        pytest.param(
            "javascript",
            "src/math.js",
            JS_ESM,
            0,
            None,
            ("src/math.test.js", "node:test", 'import { add } from "./math.js";'),
            id="javascript-esm",
        ),
        pytest.param(
            "javascript",
            "src/math.js",
            JS_CJS,
            0,
            None,
            ("src/math.test.js", "node:test", 'const { add } = require("./math");'),
            id="javascript-commonjs",
        ),
        pytest.param(
            "javascript",
            "math.js",
            JS_ESM,
            0,
            JEST,
            ("math.test.js", "Jest", 'import { add } from "./math.js";'),
            id="javascript-jest",
        ),
        pytest.param(
            "typescript",
            "src/math.ts",
            TS,
            0,
            VITEST,
            ("src/math.test.ts", "Vitest", 'import { add } from "./math";'),
            id="typescript-vitest",
        ),
        pytest.param(
            "javascriptreact",
            "ui/Badge.jsx",
            TSX,
            0,
            ProjectFacts(package_json="not json"),
            ("ui/Badge.test.jsx", "node:test", 'import { Badge } from "./Badge.jsx";'),
            id="javascriptreact",
        ),
        pytest.param(
            "typescriptreact",
            "ui/Badge.tsx",
            TSX,
            0,
            JEST,
            ("ui/Badge.test.tsx", "Jest", 'import { Badge } from "./Badge";'),
            id="typescriptreact",
        ),
        pytest.param(
            "java",
            "src/main/java/com/acme/calc/Calc.java",
            JAVA,
            3,
            None,
            ("src/test/java/com/acme/calc/CalcTest.java", "JUnit 5", "package com.acme.calc;"),
            id="java-maven",
        ),
        pytest.param(
            "java",
            "Calc.java",
            JAVA.replace("package com.acme.calc;\n", ""),
            2,
            None,
            ("CalcTest.java", "JUnit 5", "import org.junit.jupiter.api.Test;"),
            id="java-beside",
        ),
        pytest.param("go", "calc/calc.go", GO, 2, None, ("calc/calc_test.go", "Go testing", "package calc"), id="go"),
        pytest.param("rust", "src/lib.rs", RUST, 0, None, ("src/lib.rs", "Rust #[test]", "use super::*;"), id="rust"),
        pytest.param(
            "csharp", "Calc/Calc.cs", CS, 4, None, ("Calc/CalcTests.cs", "xUnit", "using Acme.Calc;"), id="csharp"
        ),
        pytest.param(
            "cpp",
            "src/calc.cpp",
            C_SRC,
            0,
            ProjectFacts(siblings=frozenset({"calc.cpp", "calc.hpp"})),
            ("src/calc_test.cpp", "GoogleTest", '#include "calc.hpp"'),
            id="cpp-header",
        ),
        pytest.param(
            "cpp",
            "calc.cpp",
            C_SRC,
            0,
            None,
            ("calc_test.cpp", "GoogleTest", '#include "calc.cpp"'),
            id="cpp-no-header",
        ),
        pytest.param(
            "c",
            "lib/calc.c",
            C_SRC,
            0,
            ProjectFacts(siblings=frozenset({"calc.h"})),
            ("lib/test_calc.c", "assert.h", '#include "calc.h"'),
            id="c",
        ),
        pytest.param(
            "shellscript",
            "bin/greet.sh",
            SH,
            0,
            None,
            ("test/greet.bats", "bats", 'setup() { source "$BATS_TEST_DIRNAME/../bin/greet.sh"; }'),
            id="shellscript",
        ),
    ],
)
def test_layout_per_language(
    language: str, path: str, text: str, line: int, facts: ProjectFacts | None, expected: tuple[str, str, str]
) -> None:
    tests = layout(language, path, text, line, facts)
    assert (tests.relative, tests.framework, tests.import_line) == expected
    assert tests.path == ROOT / expected[0]
    assert tests.language == language
    assert tests.in_source is (language == "rust")


def test_python_layout_is_pytest_under_tests() -> None:
    tests = layout("python", "src/pkg/app.py", "def area(r):\n    return r\n")
    assert (tests.relative, tests.framework, tests.import_line) == (
        "tests/test_app.py",
        "pytest",
        "from pkg.app import area",
    )


def test_a_language_without_a_framework_is_refused() -> None:
    with pytest.raises(ActionFailedError, match="not generated for ruby"):
        layout("ruby", "app.rb", "def f() {\n}\n")


# -- prompts --------------------------------------------------------------------------------------

TEST_PROMPTS = [
    ("javascript", "node:test", 'import { test } from "node:test"'),
    ("typescript", "Vitest", 'from "vitest"'),
    ("typescriptreact", "Jest", "Jest's global `describe`"),
    ("javascriptreact", "node:test", "node:assert/strict"),
    ("java", "JUnit 5", "org.junit.jupiter.api.Test"),
    ("go", "Go testing", "func TestXxx(t *testing.T)"),
    ("rust", "Rust #[test]", "#[cfg(test)] mod tests { use super::*;"),
    ("csharp", "xUnit", "[Fact]"),
    ("cpp", "GoogleTest", "TEST(Suite, Behaviour)"),
    ("c", "assert.h", "#include <assert.h>"),
    ("shellscript", "bats", '@test "<behaviour>"'),
]


@pytest.mark.parametrize(("language", "framework", "wording"), [pytest.param(*t, id=t[0]) for t in TEST_PROMPTS])
def test_tests_prompt_names_the_framework_without_pytest_wording(language: str, framework: str, wording: str) -> None:
    data = PromptInput(language, "src/x", "code", framework=framework, test_path="t/x", import_line="FIRST LINE")
    system, user = (text for _, text in render("addTests", data))
    assert f"Write {framework} unit tests" in user
    assert wording in user
    assert "FIRST LINE" in user
    assert "t/x" in user
    assert "plain assert" not in user
    assert "test_<behaviour>" not in user or language == "c"
    assert "pytest" not in system + user


def test_rust_tests_are_a_module_of_the_source() -> None:
    data = PromptInput("rust", "src/lib.rs", "code", framework="Rust #[test]", test_path="src/lib.rs")
    user = render("addTests", data)[1][1]
    assert "in a module at the end of src/lib.rs" in user
    assert "Answer with the test module only" in user


DOC_PROMPTS = [
    ("javascript", "JSDoc comment (`/** ... */`, with `@param` and `@returns` tags) above", "JSDoc comment"),
    ("typescript", "JSDoc comment (`/** ... */`, with `@param` and `@returns` tags) above", "JSDoc comment"),
    ("javascriptreact", "JSDoc comment", "JSDoc comment"),
    ("typescriptreact", "JSDoc comment", "JSDoc comment"),
    ("java", "Javadoc comment (`/** ... */`, with `@param` and `@return` tags) above", "Javadoc comment"),
    ("go", "`//` lines right above it, the first starting with the function's name", "doc comment"),
    ("rust", "Rust doc comment (`///` lines", "doc comment"),
    ("csharp", "XML doc comment (`///` lines with `<summary>`, `<param>` and `<returns>`) above", "XML doc comment"),
    ("c", "Doxygen comment (`/** ... */`, with `@brief`, `@param` and `@return`) above", "Doxygen comment"),
    ("cpp", "Doxygen comment (`/** ... */`, with `@brief`, `@param` and `@return`) above", "Doxygen comment"),
    ("shellscript", "comment block (`#` lines", "comment block"),
]


@pytest.mark.parametrize(("language", "asked", "name"), [pytest.param(*d, id=d[0]) for d in DOC_PROMPTS])
def test_docstring_prompt_asks_for_the_languages_doc_comment(language: str, asked: str, name: str) -> None:
    data = PromptInput(language, "src/x", "f()")
    user = render("addDocstring", data)[1][1]
    assert asked in user
    assert f"including its new {name}, as code only" in user
    assert "docstring" not in user
    assert f"Do not write a {name}" in render("addComments", data)[1][1]


@pytest.mark.parametrize(
    ("language", "comment"),
    [pytest.param(t[0], "#" if t[0] == "shellscript" else "//", id=t[0]) for t in TEST_PROMPTS]
    + [pytest.param("typescript", "//", id="typescript"), pytest.param("python", "#", id="python")],
)
def test_comment_prefix_per_language(language: str, comment: str) -> None:
    assert line_comment(language) == comment
    assert f"insert a `{comment}` comment line" in render("addComments", PromptInput(language, "x", "y"))[1][1]
