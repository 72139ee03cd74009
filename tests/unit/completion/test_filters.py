"""Each post-processing filter on its own, with the cursor it reads, and the lists they run in."""

from __future__ import annotations

import pytest

from codex_ls.completion.cursor import CursorContext, cursor_at
from codex_ls.completion.filters import (
    MULTI_LINE,
    SINGLE_LINE,
    apply,
    auto_closed,
    cut_at_next_line,
    cut_at_stop_token,
    cut_repeated_lines,
    cut_repeated_run,
    drop_blank,
    drop_echo,
    drop_replaced_only,
    filters_for,
    fix_seam,
    keep_first_line,
    line_above,
    trim_line_end,
    trim_suffix_overlap,
    trim_to_block,
    trim_unmatched_close,
    unfence,
)
from codex_ls.completion.syntax import Extent

QWEN_STOP = ("<|endoftext|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<|im_start|>", "<|im_end|>")


def at(
    prefix: str, suffix: str = "", *, extent: Extent = Extent.BLOCK, stop_tokens: tuple[str, ...] = ()
) -> CursorContext:
    return cursor_at(prefix, suffix, extent=extent, stop_tokens=stop_tokens)


def lf(text: str) -> str:
    """The text as filters receive it: the runner reads ``"\\r\\n"`` as ``"\\n"``, as ``cursor_at`` does."""
    return text.replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("text", "stop", "expected"),
    [
        pytest.param("return x<|endoftext|>garbage", QWEN_STOP, "return x", id="endoftext"),
        pytest.param("<|endoftext|>", QWEN_STOP, "", id="only-a-stop-token"),
        pytest.param("x = 1<|fim_pad|><|fim_pad|>", QWEN_STOP, "x = 1", id="fim-pad"),
        pytest.param("a<EOT>b<|file_sep|>c", (), "a", id="earliest-wins"),
        pytest.param("foo()<|fim_suffix|>bar", (), "foo()", id="leaked-qwen-marker"),
        pytest.param("x <SUF> y <MID>", (), "x ", id="leaked-codellama-marker"),
        pytest.param("i++;<fim_middle>", (), "i++;", id="leaked-starcoder-marker"),
        pytest.param("x<｜fim▁hole｜>y", (), "x", id="leaked-deepseek-marker"),  # noqa: RUF001
        pytest.param("a[PREFIX]b", ("[PREFIX]", "[SUFFIX]"), "a", id="codestral-stop"),
        pytest.param("xs[PREFIX]", (), "xs[PREFIX]", id="family-token-is-code-elsewhere"),
        pytest.param("abc", ("",), "abc", id="empty-token-ignored"),
        pytest.param('print("你好 😀")<|endoftext|>', QWEN_STOP, 'print("你好 😀")', id="unicode"),
    ],
)
def test_cut_at_stop_token(text: str, stop: tuple[str, ...], expected: str) -> None:
    assert cut_at_stop_token(text, at("", stop_tokens=stop)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a + b\n    x = 1", "a + b", id="first-line"),
        pytest.param("\n    return x", "", id="starts-with-newline"),
        pytest.param("foo()\r\nbar()", "foo()", id="crlf"),
        pytest.param("\r\nbar()", "", id="starts-with-crlf"),
        pytest.param("x", "x", id="one-line"),
        pytest.param("", "", id="empty"),
    ],
)
def test_keep_first_line(text: str, expected: str) -> None:
    assert keep_first_line(text, at("x = ", extent=Extent.LINE)) == expected


@pytest.mark.parametrize(
    ("prefix", "text", "expected"),
    [
        pytest.param("    return ", " a + b", "a + b", id="python-space"),
        pytest.param("x =\t", "\t1", "1", id="tab"),
        pytest.param("    return ", "a + b", "a + b", id="no-duplicate"),
        pytest.param("foo(", " a", " a", id="no-space-in-prefix"),
        pytest.param("x = ", " 1\n    y", "1\n    y", id="multi-line"),
        pytest.param("def f():\n    ", "    return 1", "return 1", id="repeated-indentation"),
        pytest.param("def f():\n    x = 1\n ", "   return x", "   return x", id="indentation-being-typed"),
        pytest.param("def f():\n  ", "  return 1", "  return 1", id="indentation-being-typed-after-an-opener"),
        pytest.param("def f():\n    x = 1\n    ", "    return x", "return x", id="indentation-repeated-in-a-body"),
        pytest.param("def f():\r\n    ", "    return 1", "return 1", id="crlf-indentation"),
        pytest.param("func f() int {\n\t", "\treturn 1", "return 1", id="go-tab-indentation"),
        pytest.param("if x:\n    ", "        y()", "    y()", id="dropped-once"),
        pytest.param("def f():\n    ", "return 1", "return 1", id="already-right"),
        pytest.param("", "  x", "  x", id="empty-prefix"),
    ],
)
def test_fix_seam(prefix: str, text: str, expected: str) -> None:
    assert fix_seam(text, at(prefix)) == expected


@pytest.mark.parametrize(
    ("prefix", "text", "suffix", "expected"),
    [
        pytest.param("x = max(a, ", "b)", ")\n", "b", id="suffix-closes"),
        pytest.param("x = max(a, ", "b)", "\n", "b)", id="nothing-closes"),
        pytest.param("x = max(a, ", "f(b))", ")\n", "f(b)", id="own-paren-stays"),
        pytest.param("xs = [f(a, ", "b)]", "]\n", "b)", id="different-closer-first"),
        pytest.param("f(a, ", "b )", "  )\n", "b", id="whitespace-before-closer"),
        pytest.param("f(a, ", "b)", ")\r\n", "b", id="crlf-suffix"),
        pytest.param("f(a, ", "b)", "", "b)", id="empty-suffix"),
        pytest.param("print(", '"a)b")', ")\n", '"a)b"', id="paren-in-string"),
        pytest.param("print(", '"a\\")")', ")\n", '"a\\")"', id="escaped-quote"),
        pytest.param("print(", "f'({x}')", ")\n", "f'({x}'", id="python-f-string"),
        pytest.param('print("😀", ', '"中文")', ")\n", '"中文"', id="unicode"),
        pytest.param("foo(a, ", "b);", ");\n", "b", id="js-call"),
        pytest.param("fmt.Println(", '"hi")', ")\n", '"hi"', id="go-call"),
        pytest.param("fn longest<'a>(x: &'a str, y: ", "&'a str)", ")\n", "&'a str", id="rust-lifetime"),
        pytest.param("foo(\n    ", "a,\n    b,\n)", ")\n", "a,\n    b,\n", id="multi-line"),
    ],
)
def test_trim_unmatched_close(prefix: str, text: str, suffix: str, expected: str) -> None:
    assert trim_unmatched_close(text, at(prefix, suffix)) == expected


@pytest.mark.parametrize(
    ("prefix", "text", "suffix", "expected"),
    [
        pytest.param("", "b);", ");\n", "b", id="closers"),
        pytest.param("", 'hello"', '"\n', "hello", id="quote"),
        pytest.param("", "a +", "+ 1\n", "a +", id="one-sign-is-coincidence"),
        pytest.param("", "x = ab", "b\n", "x = ab", id="a-word-ending-in-the-next-letter-is-coincidence"),
        pytest.param("", "x = a", "a\n", "x = ", id="the-next-word-written-again"),
        pytest.param("", "c, b)", "b)\n", "c, ", id="the-next-word-and-bracket-written-again"),
        pytest.param("", "chunk[end:]", "end:]\n", "chunk[", id="the-whole-rest-written-again-closing-the-text"),
        pytest.param("", "f(x)", ")\n", "f(x)", id="a-bracket-the-text-closes-stays-before-an-auto-closed-one"),
        pytest.param("", "a + b + c)", " + c)\n", "a + b", id="three-or-more-chars"),
        pytest.param("", "f(b)", ")\n", "f(b)", id="own-paren-stays"),
        pytest.param("", "foo()", "", "foo()", id="empty-suffix"),
        pytest.param("def f():\n    ", "x = 1\n  return x", "\n    return x\n", "x = 1", id="line-overlap"),
        pytest.param("def f():\r\n    ", "x = 1\r\n    return x", "\r\n    return x\r\n", "x = 1", id="crlf"),
        pytest.param("def f(a, b):\n    total = ", "a + b", "\n    total = a + b\n", "", id="whole-line-repeats"),
        pytest.param("if (x) {\n  ", "y();\n}", "\n}\n", "y();\n}", id="lone-brace-is-not-enough"),
        pytest.param("    ", "y();\n    }\n}", "\n  }\n}\n", "y();", id="two-braces-are"),
        pytest.param("func f() {\n\t", "x++\n\treturn x", "\n\treturn x\n}", "x++", id="go"),
    ],
)
def test_trim_suffix_overlap(prefix: str, text: str, suffix: str, expected: str) -> None:
    assert trim_suffix_overlap(lf(text), at(prefix, suffix)) == expected


@pytest.mark.parametrize(
    ("text", "suffix", "replaced"),
    [
        pytest.param("a, b)", ")\n", 1, id="python-paren"),
        pytest.param("b);", ");\n", 2, id="js-paren-semicolon"),
        pytest.param('hello")', '")', 2, id="quote-and-paren"),
        pytest.param('"%d\\n", x)', ")\n", 1, id="go-format-string"),
        pytest.param('"😀")', '")\n', 2, id="unicode"),
        pytest.param("b)", ")\r\n", 1, id="crlf"),
        pytest.param("b)", ")  \n", 3, id="trailing-spaces"),
        pytest.param("a)\n    more", ")\n", 1, id="first-line-only"),
        pytest.param("a\n)", ")\n", 0, id="closer-on-a-later-line"),
        pytest.param("a, b", ")\n", 0, id="not-typed-by-the-completion"),
        pytest.param("f(b)", ")\n", 0, id="own-paren"),
        pytest.param("b", " + c)\n", 0, id="rest-is-code"),
        pytest.param("b)", "", 0, id="empty-suffix"),
    ],
)
def test_auto_closed(text: str, suffix: str, replaced: int) -> None:
    assert auto_closed(text, at("", suffix)) == replaced


@pytest.mark.parametrize(
    ("prefix", "suffix", "text", "expected"),
    [
        pytest.param("def f(x):\n", "    return y\n", "    y = x + 1", "    y = x + 1\n", id="line-above-code"),
        pytest.param("def f(x):\n    ", "\n", "return x", "return x", id="empty-line"),
        pytest.param("x = ", "\n", "1", "1", id="end-of-line"),
        pytest.param(
            "def f(x):\n", "    return y\n", "    a = 1\n    b = 2", "    a = 1\n    b = 2\n", id="lines-above-code"
        ),
        pytest.param("def f(x):\n", "    return y\n", "    a = 1\n", "    a = 1\n", id="already-ends-its-line"),
        pytest.param("def f(x):\n  ", "  return y\n", "  a = 1", "  a = 1\n  ", id="in-the-indentation"),
        pytest.param("def f(x):\n", "g()\n", "    a = 1", "    a = 1", id="code-at-column-0-continued"),
    ],
)
def test_line_above(prefix: str, suffix: str, text: str, expected: str) -> None:
    assert line_above(text, at(prefix, suffix)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("```python\nreturn a + b\n```\nThis adds them.", "return a + b", id="chat-answer"),
        pytest.param("```\n", "", id="only-a-fence"),
        pytest.param("return a + b", "return a + b", id="no-fence"),
    ],
)
def test_unfence(text: str, expected: str) -> None:
    assert unfence(text, at("def add(a, b):\n    ")) == expected


@pytest.mark.parametrize(
    ("prefix", "text", "expected"),
    [
        pytest.param(
            "if x:\n    y = f(", "a,\n        b)\n    z = 1\nw = 2", "a,\n        b)\n    z = 1", id="mid-line-block"
        ),
        pytest.param(
            "def f(x):\n    if x:", "\n        return 1\n    return 0", "\n        return 1", id="opener-body"
        ),
        pytest.param("def f(x):\n    ", "\n\n    return x\nprint(1)", "\n\n    return x", id="blank-first-line"),
        pytest.param("", "x = 1\n\ny = 2\n", "x = 1\n\ny = 2\n", id="top-level-never-leaves"),
        pytest.param("def f():\n    ", "x = (\n        1\n)\nreturn x", "x = (\n        1\n)", id="own-paren-then-out"),
        pytest.param("def f():\n\t", "x = 1\n\treturn x\ny = 2", "x = 1\n\treturn x", id="tab-block"),
    ],
)
def test_trim_to_block(prefix: str, text: str, expected: str) -> None:
    assert trim_to_block(text, at(prefix)) == expected


BODY = "def f(xs):\n    total = 0\n"


@pytest.mark.parametrize(
    ("prefix", "suffix", "text", "expected"),
    [
        pytest.param(
            BODY + "    ",
            "\n    return total\n",
            "for x in xs:\n        total += x\n    return total\n",
            "for x in xs:\n        total += x",
            id="repeat-of-the-next-line",
        ),
        pytest.param(BODY + "    ", "\n    return total\n", "return total", "", id="nothing-but-the-repeat"),
        pytest.param(BODY + "    x = ", "1\n    return x\n", "2\n    return x", "2\n    return x", id="mid-line"),
        pytest.param(BODY + "    ", "\n    }\n", "a = 1\n    }\n", "a = 1\n    }\n", id="a-bracket-is-not-code"),
    ],
)
def test_cut_at_next_line(prefix: str, suffix: str, text: str, expected: str) -> None:
    assert cut_at_next_line(text, at(prefix, suffix)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("  \n\t", None, id="whitespace-only"),
        pytest.param("", None, id="empty"),
        pytest.param("\n  x", "\n  x", id="text-after-a-line-break"),
    ],
)
def test_drop_blank(text: str, expected: str | None) -> None:
    assert drop_blank(text, at("x = ")) == expected


@pytest.mark.parametrize(
    ("prefix", "text", "expected"),
    [
        pytest.param("x = compute()\n", "x = compute()", None, id="echo"),
        pytest.param("    self.a = a\n    ", "self.a = a", None, id="echo-indented"),
        pytest.param("x = 1\r\nx = ", "1", None, id="echo-with-cursor-line-crlf"),
        pytest.param("foo()", "\nfoo()", None, id="echo-on-the-next-line"),
        pytest.param("foo()\n\n", "\n\nfoo()", None, id="echo-across-blank-lines"),
        pytest.param("}\n", "}", "}", id="trivial-echo-stays"),
        pytest.param("x = compute()\n", "y = compute()", "y = compute()", id="a-different-line"),
        pytest.param("", "x = compute()", "x = compute()", id="nothing-above"),
    ],
)
def test_drop_echo(prefix: str, text: str, expected: str | None) -> None:
    assert drop_echo(text, at(prefix)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("self.x = x\n" * 10, "self.x = x", id="runaway-line"),
        pytest.param("console.log(x);\n" * 5, "console.log(x);", id="runaway-js"),
        pytest.param("a = 1\nb = 2\n" * 3, "a = 1\nb = 2", id="runaway-pair-of-lines"),
        pytest.param("a(1)\nb(2)\nc(3)\n" * 3 + "d(4)", "a(1)\nb(2)\nc(3)", id="runaway-three-lines"),
        pytest.param("x += 1\nx += 1", "x += 1\nx += 1", id="twice-is-fine"),
        pytest.param("}\n}\n}\n}", "}\n}\n}\n}", id="closing-braces-are-fine"),
        pytest.param("first()\n" + "  log(i)\n" * 3, "first()\n  log(i)", id="after-other-lines"),
    ],
)
def test_cut_repeated_lines(text: str, expected: str) -> None:
    assert cut_repeated_lines(text, at("")) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("x = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1", "x = [1, 2,", id="runaway-in-line"),
        pytest.param('s = "中文字符中文字符中文字符中文字符中文字', 's = "中文字符', id="runaway-cjk"),
        pytest.param("data = [0x00, 0x00, 0x00, 0x00, 0x01]", "data = [0x00, 0x00, 0x00, 0x00, 0x01]", id="data"),
        pytest.param("# " + "-" * 40, "# " + "-" * 40, id="separator-comment"),
        pytest.param("a = 1\nabcdabcdabcdabcdabcd", "a = 1\nabcd", id="on-a-later-line"),
    ],
)
def test_cut_repeated_run(text: str, expected: str) -> None:
    assert cut_repeated_run(text, at("")) == expected


@pytest.mark.parametrize(
    ("text", "suffix", "expected"),
    [
        pytest.param("x = 1  \n\n", "\n", "x = 1", id="end-of-line"),
        pytest.param("a + b  \n", " + c\n", "a + b  \n", id="code-after-keeps-the-line-break"),
        pytest.param("a + b \t", " + c\n", "a + b", id="code-after"),
        pytest.param("not ", "x:\n", "not ", id="a-blank-before-a-word-stays"),
    ],
)
def test_trim_line_end(text: str, suffix: str, expected: str) -> None:
    assert trim_line_end(text, at("x = ", suffix)) == expected


@pytest.mark.parametrize(
    ("text", "suffix", "replaced", "expected"),
    [
        pytest.param(")", ")\n", 1, None, id="only-the-auto-closed-paren"),
        pytest.param('");', '");\n', 3, None, id="only-the-auto-closed-quote-and-semicolon"),
        pytest.param("a)", ")\n", 1, "a)", id="more-than-that"),
        pytest.param(")", ")\n", 0, ")", id="nothing-replaced"),
    ],
)
def test_drop_replaced_only(text: str, suffix: str, replaced: int, expected: str | None) -> None:
    assert drop_replaced_only(text, at("f(a", suffix).replacing(replaced)) == expected


def test_the_lists_run_in_their_documented_order() -> None:
    names = {
        kind: [keep.__name__ for keep in filters.clean + filters.fit]
        for kind, filters in (("single", SINGLE_LINE), ("multi", MULTI_LINE))
    }
    assert names["single"] == [
        "cut_at_stop_token",
        "unfence",
        "keep_first_line",
        "fix_seam",
        "drop_echo",
        "cut_repeated_lines",
        "cut_repeated_run",
        "trim_unmatched_close",
        "trim_suffix_overlap",
        "trim_line_end",
        "drop_blank",
        "drop_replaced_only",
        "line_above",
        "close_on_own_line",
    ]
    assert names["multi"][:7] == [
        "cut_at_stop_token",
        "unfence",
        "fix_seam",
        "end_complete",
        "trim_to_block",
        "cut_at_next_line",
        "drop_echo",
    ]
    assert names["multi"][7:10] == [*names["single"][5:7], "cut_loop"]
    assert names["multi"][10:] == names["single"][7:]


def test_filters_for_picks_the_list_by_the_suggestions_shape() -> None:
    assert filters_for(at("x = ", extent=Extent.LINE)) is SINGLE_LINE
    assert filters_for(at("def f():\n    ", extent=Extent.BLOCK)) is MULTI_LINE


def test_apply_runs_in_order_and_stops_at_the_first_filter_that_drops_the_text() -> None:
    seen: list[str] = []

    def record(text: str, cursor: CursorContext) -> str:
        seen.append(text)
        return text + "!"

    assert apply((record, drop_blank, record), "a", at("")) == "a!!"
    assert seen == ["a", "a!"]
    seen.clear()
    assert apply((drop_blank, record), " ", at("")) is None
    assert seen == []


def test_the_cursor_reads_the_document_once_with_unix_line_breaks() -> None:
    cursor = cursor_at("def f(x):\r\n\r\n    y = (", ")\r\n    return y\r\n", extent=Extent.LINE, stop_tokens=["<EOT>"])
    assert (cursor.prefix, cursor.suffix, cursor.eol) == ("def f(x):\n\n    y = (", ")\n    return y\n", "\r\n")
    assert (cursor.line, cursor.rest, cursor.above) == ("    y = (", ")", "def f(x):")
    assert (cursor.stop_tokens, cursor.extent, cursor.replaced) == (("<EOT>",), Extent.LINE, "")


def test_a_cursor_replacing_auto_closed_characters_reads_the_document_after_them() -> None:
    accepted = cursor_at("f(", ");\nnext()\n", extent=Extent.LINE).replacing(2)
    assert (accepted.suffix, accepted.rest, accepted.replaced, accepted.line) == ("\nnext()\n", "", ");", "f(")


def test_the_cursor_is_frozen() -> None:
    cursor = at("x = ")
    with pytest.raises(AttributeError):
        cursor.line = "y = "  # type: ignore[misc]
