"""The one indentation rule: a line's depth, and the depth an editor's Enter gives the next line."""

from __future__ import annotations

import pytest

from codex_ls.completion.lines import code_line_above, indent_after, indent_width, indentation, line_start_indent


@pytest.mark.parametrize(
    ("line", "indent", "width"),
    [
        pytest.param("x = 1", "", 0, id="none"),
        pytest.param("    x", "    ", 4, id="spaces"),
        pytest.param("\tx", "\t", 4, id="a-tab-is-four-columns"),
        pytest.param("\t\tx", "\t\t", 8, id="two-tabs"),
        pytest.param("  \tx", "  \t", 4, id="a-tab-reaches-the-next-stop"),
        pytest.param("\t  x", "\t  ", 6, id="spaces-after-a-tab"),
        pytest.param("      ", "      ", 6, id="a-blank-line-is-all-indentation"),
        pytest.param("\u3000x", "", 0, id="only-spaces-and-tabs-count"),
    ],
)
def test_indentation_and_its_width(line: str, indent: str, width: int) -> None:
    assert (indentation(line), indent_width(line)) == (indent, width)


@pytest.mark.parametrize(
    ("above", "below", "expected"),
    [
        pytest.param("    x = 1", "", "    ", id="same-depth"),
        pytest.param("def f():", "", "    ", id="after-a-colon"),
        pytest.param("    if (x) {", "", "        ", id="after-a-brace"),
        pytest.param("foo(", "", "    ", id="after-an-open-paren"),
        pytest.param("xs = [  ", "", "    ", id="after-an-open-bracket-and-spaces"),
        pytest.param("\tfor x in xs:", "", "\t    ", id="a-level-after-a-tab"),
        pytest.param("def f():", "        deep()", "        ", id="the-code-below-when-deeper"),
        pytest.param("def f():", "  two()", "  ", id="the-code-below-even-when-less-than-a-level"),
        pytest.param("    def f():", "return 1", "        ", id="not-the-code-below-when-shallower"),
        pytest.param("    x = 1", "        y", "    ", id="no-opener-ignores-the-code-below"),
    ],
)
def test_indent_after(above: str, below: str, expected: str) -> None:
    assert indent_after(above, below) == expected


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        pytest.param("a\n  b\n\n   \n", "  b", id="skips-blank-lines"),
        pytest.param("a\n  b", "a", id="not-the-cursors-own-line"),
        pytest.param("only", None, id="top-of-the-prefix"),
    ],
)
def test_code_line_above(prefix: str, expected: str | None) -> None:
    assert code_line_above(prefix) == expected


@pytest.mark.parametrize(
    ("prefix", "suffix", "expected"),
    [
        pytest.param("def f(x):\n", "    return x\n", "    ", id="in-front-of-a-body"),
        pytest.param("def f(x):\n    y = 1\n", "\n", "    ", id="blank-line-in-a-body"),
        pytest.param("    d = {\n", "\n", "        ", id="inside-an-open-brace"),
        pytest.param("def f(x):\n", "\n        deep()\n", "        ", id="the-body-below-is-deeper"),
        pytest.param("def f(x):\n    ", "\n", None, id="not-at-column-0"),
        pytest.param("x = 1\n", "y = 2\n", None, id="code-at-column-0"),
        pytest.param("", "\n", None, id="nothing-above"),
    ],
)
def test_line_start_indent(prefix: str, suffix: str, expected: str | None) -> None:
    assert line_start_indent(prefix, suffix) == expected
