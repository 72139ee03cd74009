"""The function at the cursor, stubs, targets and instruction comments; implement's ranking."""

from __future__ import annotations

import ast

import pytest
from lsprotocol import types

from codex_ls.actions.functions import function_at
from codex_ls.actions.implement import Body, Hole, balanced, block_end, choose, flaw, hole_for, shown_suffix
from codex_ls.actions.job import Snapshot
from codex_ls.actions.names import undefined_names
from codex_ls.actions.target import instruction_at, reindent, target_at

PY = '''import os


@cache
def add(a: int,
        b: int) -> int:
    """Add a and b.

    >>> add(1, 2)
    3
    """
    pass


class Box:
    def size(self) -> int:
        # the number of items
        ...

    def empty(self) -> bool:
        return self.size() == 0

    async def load(self): ...
'''


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n")


@pytest.mark.parametrize(
    ("needle", "name", "stub"),
    [
        pytest.param("@cache", "add", True, id="decorator-line"),
        pytest.param("b: int)", "add", True, id="multi-line-signature"),
        pytest.param(">>> add", "add", True, id="in-docstring"),
        pytest.param("    pass", "add", True, id="pass"),
        pytest.param("# the number", "size", True, id="comment-and-ellipsis"),
        pytest.param("return self.size", "empty", False, id="implemented"),
        pytest.param("async def load", "load", False, id="one-liner-is-not-a-stub"),
    ],
)
def test_python_functions(needle: str, name: str, stub: bool) -> None:
    found = function_at(PY, line_of(PY, needle), "python")
    assert found is not None
    assert (found.name, found.is_stub) == (name, stub)


@pytest.mark.parametrize(
    "needle", [pytest.param("import os", id="module-level"), pytest.param("class Box", id="class-line")]
)
def test_no_function_outside_functions(needle: str) -> None:
    assert function_at(PY, line_of(PY, needle), "python") is None


def test_python_function_offsets() -> None:
    found = function_at(PY, line_of(PY, "pass"), "python")
    assert found is not None
    assert PY[found.start :].startswith("@cache\ndef add")
    assert PY[: found.end].endswith("    pass")
    assert PY[: found.keep_end].endswith('    3\n    """')
    assert PY[: found.signature_end].endswith("b: int) -> int:")
    assert found.docstring_span is not None
    assert PY[slice(*found.docstring_span)].startswith('    """Add a and b.')
    assert found.indent == "    "


def test_a_body_of_nothing_is_a_stub_even_though_the_file_does_not_parse() -> None:
    text = 'def double(x):\n    """Twice x."""\n\ndef other():\n    return (\n'
    found = function_at(text, 1, "python")
    assert found is not None
    assert (found.name, found.is_stub) == ("double", True)
    assert text[: found.end].endswith('"""Twice x."""')


def test_a_comment_only_body_is_a_stub() -> None:
    text = "class A:\n    def f(self):\n        # returns 1\n\n    def g(self): pass\n"
    found = function_at(text, 2, "python")
    assert found is not None
    assert (found.name, found.is_stub, found.indent) == ("f", True, "        ")
    assert text[: found.keep_end].endswith("# returns 1")


@pytest.mark.parametrize(
    ("language", "text", "line", "name", "stub"),
    [
        pytest.param("javascript", "/** Sum. */\nfunction sum(a, b) {\n  // TODO\n}\n", 2, "sum", True, id="js-stub"),
        pytest.param("typescript", "export async function f(x: number): number {\n  return x;\n}\n", 1, "f", False),
        pytest.param("javascript", "const g = (a) => {\n}\n", 0, "g", True, id="arrow"),
        pytest.param("go", "func (s *S) Len() int {\n\treturn 0\n}\n", 1, "Len", False, id="go-method"),
        pytest.param("rust", "pub fn area(r: f64) -> f64 {\n    todo!()\n}\n", 1, "area", True, id="rust-todo"),
        pytest.param("c", "int main(void)\n{\n  return 0;\n}\n", 2, "main", False, id="c-brace-next-line"),
        pytest.param(
            "javascript",
            "function outer() {\n  if (x) {\n    return 1;\n  }\n}\n",
            2,
            "outer",
            False,
            id="if-is-not-a-function",
        ),
    ],
)
def test_brace_languages(language: str, text: str, line: int, name: str, stub: bool) -> None:
    found = function_at(text, line, language)
    assert found is not None
    assert (found.name, found.is_stub) == (name, stub)


def test_a_call_is_not_a_function() -> None:
    assert function_at("foo(bar);\nlet x = { a: 1 };\n", 0, "javascript") is None


# -- targets and instruction comments ----------------------------------------------------------------


def snapshot(text: str, language: str = "python") -> Snapshot:
    return Snapshot(uri="file:///p/app.py", text=text, version=3, language=language, path="app.py", root=None)


def span(a: tuple[int, int], b: tuple[int, int]) -> types.Range:
    return types.Range(types.Position(*a), types.Position(*b))


def test_the_cursor_in_a_function_targets_the_function() -> None:
    target = target_at(snapshot(PY), span((20, 8), (20, 8)))
    assert target is not None
    assert target.function is not None
    assert target.function.name == "empty"
    assert target.subject == "This function"


def test_a_selection_over_lines_is_widened_to_whole_lines() -> None:
    target = target_at(snapshot(PY), span((19, 10), (20, 12)))
    assert target is not None
    assert target.code(PY) == "    def empty(self) -> bool:\n        return self.size() == 0"
    assert target.subject == "This function"


def test_a_part_of_a_line_stays_exact() -> None:
    target = target_at(snapshot(PY), span((20, 15), (20, 26)))
    assert target is not None
    assert target.code(PY) == "self.size()"
    assert target.subject == "This code"


def test_no_target_outside_functions_without_a_selection() -> None:
    assert target_at(snapshot(PY), span((0, 0), (0, 0))) is None


@pytest.mark.parametrize(
    ("text", "cursor", "instruction", "code"),
    [
        pytest.param("# codex: use a set\nx = [1]\n", (1, 0), "use a set", "x = [1]", id="above-the-cursor"),
        pytest.param("# codex: use a set\nx = [1]\n", (0, 3), "use a set", "x = [1]", id="on-the-comment"),
        pytest.param(
            "    # codex: make it async\n    def f():\n        return 1\n",
            (1, 4),
            "make it async",
            "    def f():\n        return 1",
            id="function-below",
        ),
        pytest.param("// Codex: rename i to index */\nlet i = 0;\n", (1, 0), "rename i to index", "let i = 0;"),
    ],
)
def test_instruction_comments(text: str, cursor: tuple[int, int], instruction: str, code: str) -> None:
    found = instruction_at(snapshot(text), span(cursor, cursor))
    assert found is not None
    assert found.instruction == instruction
    assert found.target.code(text) == code


def test_no_instruction_comment_two_lines_up() -> None:
    assert instruction_at(snapshot("# codex: x\n\ny = 1\n"), span((2, 0), (2, 0))) is None


def test_reindent() -> None:
    assert reindent("def f():\n    return 1\n\n", "    ") == "    def f():\n        return 1\n\n"


# -- implement: holes and ranking ------------------------------------------------------------------


STUB = 'def add(a, b):\n    """Sum."""\n    ...\n\n\nprint(add(1, 2))\n'


def stub_hole() -> Hole:
    function = function_at(STUB, 0, "python")
    assert function is not None
    return hole_for(STUB, function, python=True)


def test_the_hole_replaces_the_placeholder_and_keeps_the_rest() -> None:
    hole = stub_hole()
    assert hole.filled("return a + b") == 'def add(a, b):\n    """Sum."""\n    return a + b\n\n\nprint(add(1, 2))\n'


def test_a_brace_hole_keeps_the_closing_brace() -> None:
    text = "function f(a) {\n  // TODO\n}\n\nfunction g() {}\n"
    function = function_at(text, 0, "javascript")
    assert function is not None
    hole = hole_for(text, function, python=False)
    assert hole.filled("return a;") == "function f(a) {\n  return a;\n}\n\nfunction g() {}\n"
    assert shown_suffix(hole) == "\n}\n"


def test_a_python_hole_shows_no_code_after_the_function() -> None:
    assert shown_suffix(stub_hole()) == "\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("return a\n\ndef g():", len("return a\n"), id="dedent"),
        pytest.param("x = 1\n    return x\n", None, id="inside"),
        pytest.param("x = 1\n  ", None, id="indentation-still-arriving"),
        pytest.param("x = 1\np", len("x = 1"), id="first-visible-character-decides"),
        pytest.param("x = 1\n\n\n", None, id="blank-lines"),
    ],
)
def test_block_end(text: str, expected: int | None) -> None:
    assert block_end(text, "    ") == expected


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        pytest.param("return f(a[0]);", True, id="balanced"),
        pytest.param("return f(a[0];", False, id="open-paren"),
        pytest.param("if (a) { return 1; }", True, id="braces"),
        pytest.param("}", False, id="closes-the-function"),
        pytest.param('return "}";', True, id="brace-in-string"),
    ],
)
def test_balanced(code: str, ok: bool) -> None:
    assert balanced(code) is ok


def test_parsing_uses_the_whole_file() -> None:
    assert flaw(stub_hole(), "return a + b") is None
    assert flaw(stub_hole(), "return (a + b") == "does not parse"


def candidate(text: str, finish: str = "stop", logprob: float | None = None, parses: bool = True) -> Body:
    return Body(text, finish, None if logprob is None else logprob / 2, None if parses else "does not parse")


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        pytest.param(
            [candidate("a", "length"), candidate("b", parses=False), candidate("c")], "c", id="stopped-and-parses"
        ),
        pytest.param([candidate("a", "length"), candidate("b", parses=False)], None, id="none-usable"),
        pytest.param([candidate("a", logprob=-4.0), candidate("b", logprob=-1.0)], "b", id="higher-logprob"),
        pytest.param([candidate("a"), candidate("b"), candidate("b ")], "b", id="agreement"),
        pytest.param([candidate("a"), candidate("b")], "a", id="first-of-equals"),
        pytest.param([candidate("   ")], None, id="blank"),
    ],
)
def test_choose(candidates: list[Body], expected: str | None) -> None:
    chosen = choose(candidates)
    assert (chosen.text if chosen else None) == expected


# -- names a generated body reads ------------------------------------------------------------------

MODULE = """import math as m
LIMIT = 3


def outer(s, *rest, key=None, **extra):
    total = 0
    for item in s:
        total += item
    squares = [x * x for x in rest]
    try:
        pass
    except ValueError as error:
        print(error)

    def inner():
        return total + LIMIT

    return {BODY}


class Box:
    def size(self):
        return self.items + Box.count
"""


@pytest.mark.parametrize(
    ("body", "unknown"),
    [
        pytest.param("total + len(squares) + m.pi + len(extra) + inner() + key", set(), id="all-bound"),
        pytest.param("values == s[::-1]", {"values"}, id="wrong-variable"),
        pytest.param("error", set(), id="except-name"),
        pytest.param("(lambda q: q + LIMIT)(1)", set(), id="lambda-parameter"),
        pytest.param("size", {"size"}, id="a-method-is-not-a-global"),
    ],
)
def test_undefined_names(body: str, unknown: set[str]) -> None:
    text = MODULE.replace("{BODY}", body)
    line = line_of(text, "    return " + body) + 1
    assert undefined_names(ast.parse(text), line, line) == unknown


def test_names_in_methods_see_their_parameters() -> None:
    line = line_of(MODULE, "return self.items") + 1
    assert undefined_names(ast.parse(MODULE), line, line) == set()
