"""Per-language wording of the prompts: how each test framework's tests look, how each language documents a function.

Data only. *Add unit tests* names a framework (see ``frameworks.py``) and the
prompt takes that framework's :class:`TestStyle`; *Add docstring* and *Add
comments* take the language's :class:`DocStyle`. Python's entries are the
wording the prompts had before other languages were added.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TestStyle:
    __test__ = False  # not a pytest class

    #: Where the tests go and how they reach the code under test (``{test_path}``, ``{import_line}``).
    placement: str
    #: How the tests are written.
    conventions: str
    #: What the answer holds ("the complete test file").
    answer: str = "the complete test file"


_BEGIN = "The tests go in {test_path} and begin with:\n{import_line}"
_EDGES = "cover normal cases and edge cases."

TEST_STYLES: dict[str, TestStyle] = {
    "pytest": TestStyle(
        "The tests go in {test_path} and import the code under test with:\n{import_line}",
        "Write one test function per behaviour, named test_<behaviour>, with plain assert statements; " + _EDGES,
    ),
    "node:test": TestStyle(
        _BEGIN,
        'Use Node\'s built-in test runner: `import { test } from "node:test";` and '
        '`import assert from "node:assert/strict";` (or `require` them, as the code under test is loaded). '
        'Write one `test("<behaviour>", () => { ... })` per behaviour, checking with `assert.strictEqual`, '
        "`assert.deepStrictEqual` and `assert.throws`; " + _EDGES,
    ),
    "Jest": TestStyle(
        _BEGIN,
        "Use Jest's global `describe`, `test` and `expect` (they need no import). Write one "
        '`test("<behaviour>", () => { ... })` per behaviour, checking with `expect(...).toBe`, `.toEqual` '
        "and `.toThrow`; " + _EDGES,
    ),
    "Vitest": TestStyle(
        _BEGIN,
        'Import `describe`, `test` and `expect` from "vitest". Write one `test("<behaviour>", () => { ... })` '
        "per behaviour, checking with `expect(...).toBe`, `.toEqual` and `.toThrow`; " + _EDGES,
    ),
    "JUnit 5": TestStyle(
        _BEGIN,
        "Use JUnit 5: `import org.junit.jupiter.api.Test;` and "
        "`import static org.junit.jupiter.api.Assertions.*;`. Write one class named after the file, with one "
        "`@Test void <behaviour>()` method per behaviour, checking with `assertEquals`, `assertTrue` and "
        "`assertThrows`; " + _EDGES,
    ),
    "Go testing": TestStyle(
        _BEGIN + "\n(the package of the code under test, so the tests call it without an import)",
        'Use the standard `testing` package (`import "testing"`). Write one `func TestXxx(t *testing.T)` per '
        "behaviour, or a table of cases run with `t.Run`, reporting failures with `t.Errorf`; " + _EDGES,
    ),
    "Rust #[test]": TestStyle(
        "The tests go in a module at the end of {test_path}, which reaches the code under test with:\n{import_line}",
        "Write one `#[cfg(test)] mod tests { use super::*; ... }` module with one `#[test] fn <behaviour>()` per "
        "behaviour, checking with `assert_eq!` and `assert!`, and `#[should_panic]` where the code panics; " + _EDGES,
        answer="the test module",
    ),
    "xUnit": TestStyle(
        _BEGIN,
        "Use xUnit: `using Xunit;`. Write one public class named after the file, with one `[Fact] public void "
        "<Behaviour>()` method per behaviour (or a `[Theory]` with `[InlineData]`), checking with "
        "`Assert.Equal`, `Assert.True` and `Assert.Throws`; " + _EDGES,
    ),
    "GoogleTest": TestStyle(
        _BEGIN,
        "Use GoogleTest: `#include <gtest/gtest.h>`. Write one `TEST(Suite, Behaviour)` per behaviour, "
        "checking with `EXPECT_EQ`, `EXPECT_TRUE` and `EXPECT_THROW`; no `main` (gtest_main provides it); " + _EDGES,
    ),
    "assert.h": TestStyle(
        _BEGIN,
        "Use the standard `assert` macro: `#include <assert.h>`. Write one `static void test_<behaviour>(void)` "
        "function per behaviour with `assert(...)` checks, and a `main` that calls each of them and returns 0; "
        + _EDGES,
    ),
    "bats": TestStyle(
        _BEGIN,
        'Use bats: write one `@test "<behaviour>" { ... }` block per behaviour that calls the code with `run` '
        'and checks `[ "$status" -eq 0 ]` and `[ "$output" = "..." ]`; ' + _EDGES,
    ),
}


@dataclass(frozen=True)
class DocStyle:
    #: What to add, ending with where it goes relative to "this <language> function".
    request: str
    #: What the comment is called in "including its new …" and "do not write a …".
    name: str
    #: How its lines start: an answer without such a line has no doc comment.
    marker: str


DOC_STYLES: dict[str, DocStyle] = {
    "python": DocStyle("Add a docstring to", "docstring", '"""'),
    "javascript": DocStyle(
        "Add a JSDoc comment (`/** ... */`, with `@param` and `@returns` tags) above", "JSDoc comment", "/**"
    ),
    "java": DocStyle(
        "Add a Javadoc comment (`/** ... */`, with `@param` and `@return` tags) above", "Javadoc comment", "/**"
    ),
    "go": DocStyle(
        "Add a Go doc comment (`//` lines right above it, the first starting with the function's name) to",
        "doc comment",
        "//",
    ),
    "rust": DocStyle(
        "Add a Rust doc comment (`///` lines, with `# Arguments` and `# Returns` sections where useful) above",
        "doc comment",
        "///",
    ),
    "csharp": DocStyle(
        "Add an XML doc comment (`///` lines with `<summary>`, `<param>` and `<returns>`) above",
        "XML doc comment",
        "///",
    ),
    "c": DocStyle(
        "Add a Doxygen comment (`/** ... */`, with `@brief`, `@param` and `@return`) above", "Doxygen comment", "/**"
    ),
    "shellscript": DocStyle(
        "Add a comment block (`#` lines saying what it does, its arguments and its output or exit status) above",
        "comment block",
        "#",
    ),
}
for _alias, _same in (
    ("javascriptreact", "javascript"),
    ("typescript", "javascript"),
    ("typescriptreact", "javascript"),
    ("cpp", "c"),
):
    DOC_STYLES[_alias] = DOC_STYLES[_same]

DEFAULT_DOC_STYLE = DocStyle("Add a documentation comment, in the usual style of the language, to", "doc comment", "")


def doc_style(language_id: str) -> DocStyle:
    return DOC_STYLES.get(language_id.lower(), DEFAULT_DOC_STYLE)
