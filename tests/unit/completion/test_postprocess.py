"""Post-processing: each trimming step on its own, then whole model outputs through ``postprocess``."""

from __future__ import annotations

import pytest

from codex_ls.completion.postprocess import (
    Completion,
    auto_closed_rest,
    drop_junk,
    fix_seam,
    line_above,
    postprocess,
    single_line,
    strip_code_fences,
    strip_special_tokens,
    trim_block,
    trim_suffix_overlap,
    trim_unmatched_close,
)

QWEN_STOP = ("<|endoftext|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<|im_start|>", "<|im_end|>")


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
def test_strip_special_tokens(text: str, stop: tuple[str, ...], expected: str) -> None:
    assert strip_special_tokens(text, stop) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("```python\ndef f():\n    pass\n```", "def f():\n    pass", id="python-fence"),
        pytest.param("```\nx = 1\n```\nThis sets x.", "x = 1", id="prose-after-fence"),
        pytest.param("```js\nfoo();", "foo();", id="unclosed-fence"),
        pytest.param("return x\n```", "return x", id="lone-trailing-fence"),
        pytest.param("return x\r\n```\r\n", "return x", id="crlf-trailing-fence"),
        pytest.param("```python", "", id="only-a-fence"),
        pytest.param("x = 1", "x = 1", id="no-fence"),
        pytest.param("s = `${a}`", "s = `${a}`", id="template-literal"),
        pytest.param(
            '    """\n    ```\n    f()\n    ```\n    """', '    """\n    ```\n    f()\n    ```\n    """', id="docstring"
        ),
    ],
)
def test_strip_code_fences(text: str, expected: str) -> None:
    assert strip_code_fences(text) == expected


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
def test_single_line(text: str, expected: str) -> None:
    assert single_line(text) == expected


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
    assert fix_seam(prefix, text) == expected


@pytest.mark.parametrize(
    ("prefix", "text", "expected"),
    [
        pytest.param("def f(x):\n    ", "return x\n\ndef g():\n    pass", "return x", id="python-next-def"),
        pytest.param(
            "def f(x):\n    ",
            "if x:\n        return 1\n    return 0\n\nprint(f(1))",
            "if x:\n        return 1\n    return 0",
            id="python-deeper-lines-stay",
        ),
        pytest.param(
            "def f(x):\n    if x:\n        ",
            "a = 1\n        b = 2\n    return a",
            "a = 1\n        b = 2",
            id="python-inner-block",
        ),
        pytest.param("def f(x):", "\n    return x\n\ndef g():", "\n    return x", id="python-after-colon"),
        pytest.param("def f(x):\r\n    ", "return x\r\n\r\ndef g():\r\n    pass", "return x", id="crlf"),
        pytest.param(
            "def f():\n", "    a = 1\n    return a\nx = 2", "    a = 1\n    return a", id="cursor-at-column-0"
        ),
        pytest.param("def f(x):\n    ", "return x\n", "return x\n", id="unchanged-when-nothing-leaves"),
        pytest.param("", "a = 1\nb = 2", "a = 1\nb = 2", id="empty-prefix"),
        pytest.param("function f() {\n  ", "return 1;\n}\n\nfunction g() {}", "return 1;", id="js-brace-of-the-prefix"),
        pytest.param(
            "class A {\n  ", "m() {\n    return 1;\n  }\n}\n", "m() {\n    return 1;\n  }", id="js-own-braces-stay"
        ),
        pytest.param(
            "describe('x', () => {\n  ",
            "it('works', () => {\n    expect(1).toBe(1);\n  });\n});\nfoo();",
            "it('works', () => {\n    expect(1).toBe(1);\n  });",
            id="js-callback",
        ),
        pytest.param(
            "x = ", "foo(\n    a,\n    b,\n)\nprint(x)", "foo(\n    a,\n    b,\n)", id="own-paren-at-column-0"
        ),
        pytest.param("if (x) {\n  ", 'log("{");\n}\nmore();', 'log("{");', id="brace-in-string-opens-nothing"),
        pytest.param("func f() int {\n\t", "x := 1\n\treturn x\n}\n\nfunc g() {}", "x := 1\n\treturn x", id="go-tabs"),
        pytest.param(
            "int main(void) {\n    ", "int x = 0;\n    return x;\n}\n", "int x = 0;\n    return x;", id="c-function"
        ),
    ],
)
def test_trim_block(prefix: str, text: str, expected: str) -> None:
    assert trim_block(prefix, text) == expected


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
    assert trim_unmatched_close(prefix, text, suffix) == expected


@pytest.mark.parametrize(
    ("prefix", "text", "suffix", "expected"),
    [
        pytest.param("", "b);", ");\n", "b", id="closers"),
        pytest.param("", 'hello"', '"\n', "hello", id="quote"),
        pytest.param("", "x = a", "a\n", "x = a", id="one-letter-is-coincidence"),
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
    assert trim_suffix_overlap(text, suffix, prefix) == expected


@pytest.mark.parametrize(
    ("prefix", "text", "expected"),
    [
        pytest.param("x = ", "  \n\t", None, id="whitespace-only"),
        pytest.param("x = compute()\n", "x = compute()", None, id="echo"),
        pytest.param("    self.a = a\n    ", "self.a = a", None, id="echo-indented"),
        pytest.param("x = 1\r\nx = ", "1", None, id="echo-with-cursor-line-crlf"),
        pytest.param("foo()", "\nfoo()", None, id="echo-on-the-next-line"),
        pytest.param("}\n", "}", "}", id="trivial-echo-stays"),
        pytest.param("", "self.x = x\n" * 10, "self.x = x", id="runaway-line"),
        pytest.param("", "console.log(x);\n" * 5, "console.log(x);", id="runaway-js"),
        pytest.param("", "a = 1\nb = 2\n" * 3, "a = 1\nb = 2", id="runaway-pair-of-lines"),
        pytest.param("", "x += 1\nx += 1", "x += 1\nx += 1", id="twice-is-fine"),
        pytest.param("", "}\n}\n}\n}", "}\n}\n}\n}", id="closing-braces-are-fine"),
        pytest.param("", "x = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1", "x = [1, 2,", id="runaway-in-line"),
        pytest.param("", 's = "中文字符中文字符中文字符中文字符中文字', 's = "中文字符', id="runaway-cjk"),
        pytest.param("", "data = [0x00, 0x00, 0x00, 0x00, 0x01]", "data = [0x00, 0x00, 0x00, 0x00, 0x01]", id="data"),
        pytest.param("", "# " + "-" * 40, "# " + "-" * 40, id="separator-comment"),
    ],
)
def test_drop_junk(prefix: str, text: str, expected: str | None) -> None:
    assert drop_junk(prefix, text) == expected


@pytest.mark.parametrize(
    ("text", "suffix", "expected"),
    [
        pytest.param("a, b)", ")\n", Completion("a, b)", 1), id="python-paren"),
        pytest.param("b);", ");\n", Completion("b);", 2), id="js-paren-semicolon"),
        pytest.param('hello")', '")', Completion('hello")', 2), id="quote-and-paren"),
        pytest.param('"%d\\n", x)', ")\n", Completion('"%d\\n", x)', 1), id="go-format-string"),
        pytest.param('"😀")', '")\n', Completion('"😀")', 2), id="unicode"),
        pytest.param("b)", ")\r\n", Completion("b)", 1), id="crlf"),
        pytest.param("b)", ")  \n", Completion("b)", 3), id="trailing-spaces"),
        pytest.param("a)\n    more", ")\n", Completion("a)\n    more", 1), id="first-line-only"),
        pytest.param("a\n)", ")\n", Completion("a\n)", 0), id="closer-on-a-later-line"),
        pytest.param("a, b", ")\n", Completion("a, b", 0), id="not-typed-by-the-completion"),
        pytest.param("f(b)", ")\n", Completion("f(b)", 0), id="own-paren"),
        pytest.param("b", " + c)\n", Completion("b", 0), id="rest-is-code"),
        pytest.param("b)", "", Completion("b)", 0), id="empty-suffix"),
    ],
)
def test_auto_closed_rest(text: str, suffix: str, expected: Completion) -> None:
    assert auto_closed_rest(text, suffix) == expected


@pytest.mark.parametrize(
    ("prefix", "suffix", "completion", "multiline", "expected"),
    [
        pytest.param(
            "import math\n\ndef area(r):\n    ",
            "\n",
            "return math.pi * r * r\n\n\ndef perimeter(r):\n    return 2 * math.pi * r\n",
            True,
            Completion("return math.pi * r * r"),
            id="python-body-stops-at-next-def",
        ),
        # The auto-closed ");" is replaced through the range rather than trimmed from
        # the text, so the editor shows exactly what the model wrote.
        pytest.param("foo(a, ", ");\n", "b);", False, Completion("b);", 2), id="js-auto-closed-call"),
        pytest.param("print(max(", ")\n", "a, b)", False, Completion("a, b)", 1), id="python-auto-closed-paren"),
        pytest.param(
            "def f(a, b):\n    total = ", "\n    total = a + b\n", "a + b", False, None, id="repeats-the-next-line"
        ),
        pytest.param(
            "def greet(name):\n    ",
            "\n",
            'return f"Hello, {name}!"<|endoftext|>\n\ndef other():',
            True,
            Completion('return f"Hello, {name}!"'),
            id="endoftext-mid-way",
        ),
        pytest.param(
            "class P:\n    def __init__(self, x):\n        ",
            "\n",
            "self.x = x\n        " * 10,
            True,
            Completion("self.x = x"),
            id="runaway-assignment",
        ),
        pytest.param(
            "def add(a, b):\n    ",
            "\n",
            "```python\nreturn a + b\n```\nThis adds the numbers.",
            True,
            Completion("return a + b"),
            id="chat-fence",
        ),
        pytest.param(
            "def f(x):\r\n    if x:\r\n        ",
            "\r\n    return 0\r\n",
            "a = 1\r\n        return a\r\n    return 0\r\n",
            True,
            Completion("a = 1\r\n        return a"),
            id="crlf-nested-block",
        ),
        pytest.param(
            "func sum(xs []int) int {\n\ttotal := 0\n\t",
            "\n}\n",
            "for _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total\n}\n\nfunc main() {}",
            True,
            Completion("for _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total"),
            id="go-loop",
        ),
        pytest.param("int main(void) {\n    return ", "\n}\n", " 0;", False, Completion("0;"), id="c-space-seam"),
        pytest.param(
            "function f(a) {\n  ",
            "\n}\n",
            "return a * 2;\n}\n\nfunction g() {}",
            True,
            Completion("return a * 2;"),
            id="js-body",
        ),
        pytest.param("total = (a", " + c)\n", " + b + c)", False, Completion(" + b"), id="suffix-overlap"),
        pytest.param('print("', '")\n', '你好 😀")', False, Completion('你好 😀")', 2), id="unicode-in-string"),
        pytest.param("x = 1", "\n", "\ny = 2", False, None, id="newline-in-single-line-mode"),
        pytest.param("x = ", "\n", "<|endoftext|>", False, None, id="only-a-stop-token"),
        pytest.param("f(a", ")", ")", False, None, id="replaces-with-the-same"),
        pytest.param("", "", "import os\nimport sys\n", True, Completion("import os\nimport sys"), id="empty-document"),
    ],
)
def test_postprocess(prefix: str, suffix: str, completion: str, multiline: bool, expected: Completion | None) -> None:
    assert postprocess(prefix, suffix, completion, multiline=multiline, stop_tokens=QWEN_STOP) == expected


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
    assert line_above(prefix, suffix, text) == expected


def test_postprocess_inserts_a_whole_line_above_existing_code() -> None:
    result = postprocess("def f(x):\n", "    return y\n", "    y = x + 1", multiline=False)
    assert result == Completion("    y = x + 1\n", 0)
