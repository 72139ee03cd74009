"""Nothing, one line or a block, from the syntax around the cursor; never an exception."""

from __future__ import annotations

import pytest

from codex_ls.completion.syntax import (
    Extent,
    before_code,
    decide_extent,
    empty_body,
    error_count,
    heuristic_extent,
    misplaced_line,
)


def split(marked: str) -> tuple[str, str]:
    prefix, suffix = marked.split("|", 1)
    return prefix, suffix


@pytest.mark.parametrize(
    ("language", "marked", "expected"),
    [
        pytest.param("python", "x = pri|nt(1)\n", Extent.NONE, id="mid-word"),
        pytest.param("python", "def f():\n    |return 1\n", Extent.NONE, id="before-the-code-of-a-line"),
        pytest.param("python", "for |x, y = g()\n", Extent.LINE, id="between-words"),
        pytest.param("python", "f(a, |b)\n", Extent.LINE, id="before-an-argument"),
        pytest.param("java", "if (|x > 0) {\n", Extent.LINE, id="java-before-a-word"),
        pytest.param("javascript", "const a = $|el;\n", Extent.NONE, id="inside-a-js-identifier"),
        pytest.param("python", "x = 1.|5\n", Extent.NONE, id="inside-a-number"),
        pytest.param("python", "@|property\n", Extent.NONE, id="after-a-sign-that-starts-a-token"),
        pytest.param("python", "x = |\n", Extent.LINE, id="end-of-line"),
        pytest.param("python", "print(|)\n", Extent.LINE, id="before-auto-closed"),
        pytest.param("python", 'def f(x):\n    """Double x."""\n    |\n', Extent.BLOCK, id="after-docstring"),
        pytest.param("python", "def f(x):\n    |\n\ndef g():\n    pass\n", Extent.BLOCK, id="empty-body"),
        pytest.param("python", "foo(\n    1,\n    |\n)\n", Extent.LINE, id="inside-arguments"),
        pytest.param("python", "xs = [\n    1,\n    |\n]\n", Extent.LINE, id="inside-list"),
        pytest.param("javascript", "function f(a) {\n  |\n}\n", Extent.BLOCK, id="js-block"),
        pytest.param("javascript", "const o = {\n  a: 1,\n  |\n};\n", Extent.LINE, id="js-object"),
        pytest.param("go", "func f() {\n\t|\n}\n", Extent.BLOCK, id="go-block"),
        pytest.param("no-such-language", "x\n|\n", Extent.BLOCK, id="unknown-language-falls-back"),
        pytest.param("python", "\x00\x01 def (((|\n", Extent.LINE, id="garbage-with-text"),
    ],
)
def test_decide_extent(language: str, marked: str, expected: Extent) -> None:
    assert decide_extent(language, *split(marked)) is expected


@pytest.mark.parametrize("text", ["\x00\x01 def (((\n|\n", "\udcff|", "(" * 5000 + "\n|\n"])
def test_broken_input_still_gets_a_decision(text: str) -> None:
    assert decide_extent("python", *split(text)) in (Extent.LINE, Extent.BLOCK)


def test_heuristic_agrees_on_lines_with_text() -> None:
    assert heuristic_extent("x = ", "\n") is Extent.LINE
    assert heuristic_extent("    ", "\n") is Extent.BLOCK


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        pytest.param("def f(x):\n    return x\n", 0, id="valid"),
        pytest.param("def f(x):\n    return (x\n", 1, id="unclosed"),
    ],
)
def test_error_count(text: str, errors: int) -> None:
    assert error_count("python", text) == errors


def test_error_count_of_an_unknown_language_is_unknown() -> None:
    assert error_count("no-such-language", "x") is None


@pytest.mark.parametrize(
    ("prefix", "suffix", "expected"),
    [
        pytest.param('def f(xs):\n    """Sum.\n\n    More.\n    """\n    ', "\n", True, id="after-a-docstring"),
        pytest.param('def f(xs):\n    """Sum."""\n    ', "\n\ndef g():\n    pass\n", True, id="one-line-docstring"),
        pytest.param(
            "def f(xs):\n    '''Sum.\n" + "    >>> f([1])\n    1\n" * 10 + "    '''\n    ",
            "\n",
            True,
            id="a-long-docstring",
        ),
        pytest.param(
            'def f(xs):\n    import math\n    """Sum.\n\n    More.\n    """\n    ',
            "\n",
            False,
            id="code-before-the-docstring",
        ),
        pytest.param("def f(xs) -> int:\n    ", "\n", True, id="after-the-signature"),
        pytest.param("def f(\n    xs,\n) -> int:\n    ", "", True, id="signature-over-lines"),
        pytest.param(
            'class A:\n    def f(self):\n        """D."""\n        ', "\n\n    def g(self):\n", True, id="a-method"
        ),
        pytest.param("function f(a) {\n  ", "\n}\n", True, id="braces"),
        pytest.param("def f(xs):\n    ", "\n    return 1\n", False, id="body-below"),
        pytest.param("def f(xs):\n    x = 1\n    ", "\n    return x\n", False, id="inside-a-body"),
        pytest.param("    if x:\n        ", "\n", False, id="a-branch-not-a-function"),
        pytest.param("function f(a) {\n  ", "\n  return a;\n}\n", False, id="braces-with-a-body"),
        pytest.param("def f(xs):\n    x", "\n", False, id="not-a-blank-line"),
    ],
)
def test_empty_body(prefix: str, suffix: str, expected: bool) -> None:
    assert empty_body(prefix, suffix) is expected


@pytest.mark.parametrize(
    ("prefix", "suffix", "expected"),
    [
        pytest.param("def f():\n", "    return 1\n", True, id="column-0"),
        pytest.param("def f():\n  ", "  return 1\n", True, id="in-the-indentation"),
        pytest.param("def f():\n    ", "\n    return 1\n", False, id="blank-line"),
        pytest.param("def f():\n    x = ", "1\n", False, id="mid-line"),
    ],
)
def test_before_code(prefix: str, suffix: str, expected: bool) -> None:
    assert before_code(prefix, suffix) is expected


LOOP = "def f(xs):\n    total = 0\n    for x in xs:\n"


@pytest.mark.parametrize(
    ("prefix", "suffix", "text", "expected"),
    [
        pytest.param(LOOP, "    return total\n", "    total += x\n", "        ", id="a-block-left-empty"),
        pytest.param(LOOP, "    return total\n", "        total += x\n", None, id="already-right"),
        pytest.param(LOOP, "        print(x)\n", "    y = x\n", "        ", id="the-block-is-the-cursors"),
        pytest.param(
            "def f(xs):\n    total = 0\n",
            "    return total\n",
            "        total = 1\n",
            "    ",
            id="deeper-than-any-block",
        ),
        pytest.param(
            "def f(xs):\n    total = 0\n", "    return total\n", "    total = 1\n", None, id="compiles-where-it-is"
        ),
        pytest.param(LOOP, "    return total\n", "    a = 1\n    b = 2\n", "        ", id="several-lines"),
        pytest.param(LOOP + "    ", "\n    return total\n", "total += x", None, id="not-at-column-0"),
        pytest.param(
            'def f():\n    """D."""\n', "\n", 'if __name__ == "__main__":\n    f()', "    ", id="after-a-stub"
        ),
        pytest.param('def f():\n    """D."""\n', "\n", "    return 1", None, id="a-stubs-body"),
    ],
)
def test_misplaced_line(prefix: str, suffix: str, text: str, expected: str | None) -> None:
    assert misplaced_line("python", prefix, suffix, text) == expected


def test_misplaced_line_is_python_only() -> None:
    assert misplaced_line("javascript", LOOP, "    return total\n", "    total += x\n") is None
