"""Brackets outside strings and comments, and the opener each closing bracket closes."""

from __future__ import annotations

import pytest

from codex_ls.completion.lexer import Closer, brackets, closers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("f(a[1], {b})", "([]{})", id="code"),
        pytest.param('print("a)b")', "()", id="double-quoted"),
        pytest.param("print('a)b')", "()", id="single-quoted"),
        pytest.param('s = "a\\")" + f(x)', "()", id="escaped-quote"),
        pytest.param("f'({x}'", "", id="python-f-string"),
        pytest.param("b')' + rb'('", "", id="python-byte-strings"),
        pytest.param('"""(\n)""" + g()', "()", id="triple-quoted-over-lines"),
        pytest.param("x = '''[''' + y[0]", "[]", id="triple-single-quoted"),
        pytest.param("s = `${a(}` + b()", "()", id="template-literal"),
        pytest.param('x = "(\ny = (1)', "()", id="a-string-ends-at-the-line-break"),
        pytest.param("x = 1  # (note\ny = [2]", "[]", id="python-comment"),
        pytest.param("f(); // )\ng()", "()()", id="line-comment-after-a-statement"),
        pytest.param("// )\ng()", "()", id="line-comment-at-the-line-start"),
        pytest.param("n // (2)", "()", id="floor-division"),
        pytest.param("a /* ) ] */ (b)", "()", id="block-comment"),
        pytest.param("a /* ( unterminated", "", id="unterminated-block-comment"),
        pytest.param("this.#x(1)", "()", id="private-field-is-not-a-comment"),
        pytest.param("color = #fff(", "(", id="hex-colour-is-not-a-comment"),
        pytest.param("don't (stop)", "()", id="apostrophe"),
        pytest.param("fn f<'a>(x: &'a str) {}", "(){}", id="rust-lifetimes"),
        pytest.param("你好(😀)", "()", id="unicode"),
    ],
)
def test_brackets(text: str, expected: str) -> None:
    assert "".join(bracket for _, bracket in brackets(text)) == expected


def test_brackets_give_their_indices() -> None:
    assert list(brackets('a(")", [b])')) == [(1, "("), (7, "["), (9, "]"), (10, ")")]


@pytest.mark.parametrize(
    ("before", "text", "expected"),
    [
        pytest.param("", "f(x)", [Closer(3, ")", 1)], id="own-opener"),
        pytest.param("max(a, ", "b)", [Closer(1, ")", -1)], id="opener-before-the-text"),
        pytest.param("", "x)", [Closer(1, ")", -1)], id="no-opener"),
        pytest.param(
            "", "[f(a], b)", [Closer(4, "]", 0), Closer(8, ")", -1)], id="a-closer-closes-what-is-open-inside"
        ),
        pytest.param("xs = [f(", "a)]", [Closer(1, ")", -1), Closer(2, "]", -1)], id="both-before"),
        pytest.param("", "{\n  g();\n}", [Closer(6, ")", 5), Closer(9, "}", 0)], id="over-lines"),
        pytest.param('print("', '(")', [Closer(2, ")", -1)], id="a-string-opened-before-the-text"),
    ],
)
def test_closers(before: str, text: str, expected: list[Closer]) -> None:
    assert closers(before, text) == expected
