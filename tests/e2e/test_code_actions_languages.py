"""Add unit tests and Add docstring outside Python, end to end: the real server process and the fake backend's chat."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.editor import Editor
from tests.e2e.test_code_actions import (
    _cache,
    args,
    at,
    chat,
    client,
    editor,
    errors,
    list_actions,
    run,
    user_prompt,
)
from tests.fakes.fake_backend import FakeBackend

__all__ = ["_cache", "client", "editor"]  # the fixtures, shared with the Python actions' tests

JAVA = """package com.acme;

public class Calc {
    public int add(int a, int b) {
        return a + b;
    }
}
"""
JUNIT = """import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;

class CalcTest {
    @Test
    void addsTwoNumbers() {
        assertEquals(3, new Calc().add(1, 2));
    }
}"""


async def test_java_tests_go_under_src_test_java_in_the_source_package(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(chat(f"Here are the tests:\n```java\n{JUNIT}\n```\n"))
    uri = editor.open(tmp_path / "src/main/java/com/acme/Calc.java", JAVA, "java")
    await run(client, "codex.addTests", args(uri, at(3, 8)))
    (applied,) = editor.applied
    create, _ = applied.edit.document_changes or []
    assert isinstance(create, types.CreateFile)
    assert create.uri.endswith("/src/test/java/com/acme/CalcTest.java")
    written = (tmp_path / "src/test/java/com/acme/CalcTest.java").read_text()
    assert written == "package com.acme;\n\n" + JUNIT + "\n"
    prompt = user_prompt(fake)
    assert "Write JUnit 5 unit tests for this Java code from src/main/java/com/acme/Calc.java" in prompt
    assert "The tests go in src/test/java/com/acme/CalcTest.java and begin with:\npackage com.acme;" in prompt
    assert "plain assert" not in prompt


GO = "package calc\n\n// Add adds.\nfunc Add(a, b int) int {\n\treturn a + b\n}\n"
GO_TESTS = (
    'import "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Errorf("Add(1, 2) != 3")\n\t}\n}'
)


async def test_go_tests_go_beside_the_source_in_its_package(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(chat(f"```go\n{GO_TESTS}\n```"))
    uri = editor.open(tmp_path / "calc" / "calc.go", GO, "go")
    offered = {a.title for a in await list_actions(client, uri, at(4, 1))}
    assert {"Codex: Add unit tests", "Codex: Add docstring"} <= offered
    await run(client, "codex.addTests", args(uri, at(4, 1)))
    (applied,) = editor.applied
    create, _ = applied.edit.document_changes or []
    assert isinstance(create, types.CreateFile)
    assert create.uri.endswith("/calc/calc_test.go")
    assert (tmp_path / "calc" / "calc_test.go").read_text() == "package calc\n\n" + GO_TESTS + "\n"
    assert "Write Go testing unit tests" in user_prompt(fake)
    assert "func TestXxx(t *testing.T)" in user_prompt(fake)


RUST = "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n"
RUST_TESTS = (
    "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn adds_two_numbers() {\n"
    "        assert_eq!(add(1, 2), 3);\n    }\n}"
)


async def test_rust_tests_are_a_module_appended_to_the_source_by_a_versioned_edit(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    fake.push(chat(f"```rust\n{RUST_TESTS}\n```"))
    uri = editor.open(tmp_path / "src" / "lib.rs", RUST, "rust")
    await run(client, "codex.addTests", args(uri, at(1, 4)))
    (applied,) = editor.applied
    (change,) = applied.edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit)
    assert (change.text_document.uri, change.text_document.version) == (uri, 1)
    assert editor.text(uri) == RUST + "\n" + RUST_TESTS + "\n"
    assert not (tmp_path / "tests").exists()
    assert "The tests go in a module at the end of src/lib.rs" in user_prompt(fake)


JS = "export function add(a, b) {\n  return a + b;\n}\n"
NODE_TESTS = (
    'import { test } from "node:test";\nimport assert from "node:assert/strict";\n\n'
    'test("adds two numbers", () => {\n  assert.strictEqual(add(1, 2), 3);\n});'
)


async def test_javascript_tests_use_node_test_beside_the_source(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    # The model left out the import of the code under test: it is added after the others.
    fake.push(chat(f"```javascript\n{NODE_TESTS}\n```"))
    uri = editor.open(tmp_path / "src" / "math.js", JS, "javascript")
    await run(client, "codex.addTests", args(uri, at(1, 2)))
    written = (tmp_path / "src" / "math.test.js").read_text()
    expected = NODE_TESTS.replace('strict";\n', 'strict";\nimport { add } from "./math.js";\n', 1)
    assert written == expected + "\n"
    assert "Write node:test unit tests" in user_prompt(fake)


async def test_javascript_uses_vitest_when_package_json_lists_it(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    (tmp_path / "package.json").write_text('{"devDependencies": {"vitest": "^1.6.0"}}')
    tests = (
        'import { expect, test } from "vitest";\nimport { add } from "./math.js";\n\n'
        'test("adds", () => {\n  expect(add(1, 2)).toBe(3);\n});'
    )
    fake.push(chat(tests))
    uri = editor.open(tmp_path / "math.js", JS, "javascript")
    await run(client, "codex.addTests", args(uri, at(1, 2)))
    assert (tmp_path / "math.test.js").read_text() == tests + "\n"
    assert "Write Vitest unit tests" in user_prompt(fake)


async def test_tests_with_syntax_errors_twice_are_not_applied(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    broken = "package calc\n\nfunc TestAdd(t *testing.T {\n"
    fake.push(chat(broken), chat("func TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n"))
    uri = editor.open(tmp_path / "calc.go", GO, "go")
    await run(client, "codex.addTests", args(uri, at(4, 1)))
    assert len(fake.requests) == 2
    retry = (fake.requests[1].body or {})["messages"]
    assert retry[-2] == {"role": "assistant", "content": broken}
    assert "cannot be used: the generated tests do not parse" in retry[-1]["content"]
    assert editor.applied == []
    assert not (tmp_path / "calc_test.go").exists()
    (error,) = errors(client)
    assert "the generated tests do not parse; nothing was changed" in error


async def test_java_docstring_goes_above_the_annotations(
    client: LanguageClient, editor: Editor, fake: FakeBackend, tmp_path: Path
) -> None:
    source = JAVA.replace("    public int add", "    @Deprecated\n    public int add")
    doc = "/**\n * Adds two numbers.\n *\n * @param a the first\n * @param b the second\n * @return their sum\n */"
    method = "@Deprecated\npublic int add(int a, int b) {\n    return a + b;\n}"
    fake.push(chat(f"```java\n{doc}\n{method}\n```"))
    uri = editor.open(tmp_path / "Calc.java", source, "java")
    await run(client, "codex.addDocstring", args(uri, at(5, 8)))
    indented = "\n".join("    " + line for line in doc.split("\n"))
    assert editor.text(uri) == source.replace("    @Deprecated", indented + "\n    @Deprecated")
    assert "Add a Javadoc comment (`/** ... */`, with `@param` and `@return` tags) above" in user_prompt(fake)
