"""Whole model outputs through ``postprocess``, and the helpers other modules call by their text signatures."""

from __future__ import annotations

import pytest

from codex_ls.completion.postprocess import Suggestion, postprocess, strip_code_fences, trim_block
from codex_ls.completion.syntax import Extent

QWEN_STOP = ("<|endoftext|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<|im_start|>", "<|im_end|>")


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
    ("prefix", "suffix", "text", "extent", "expected"),
    [
        pytest.param(
            "import math\n\ndef area(r):\n    ",
            "\n",
            "return math.pi * r * r\n\n\ndef perimeter(r):\n    return 2 * math.pi * r\n",
            Extent.BLOCK,
            Suggestion("return math.pi * r * r"),
            id="python-body-stops-at-next-def",
        ),
        # The auto-closed ");" is replaced through the range rather than trimmed from
        # the text, so the editor shows exactly what the model wrote.
        pytest.param("foo(a, ", ");\n", "b);", Extent.LINE, Suggestion("b);", 2), id="js-auto-closed-call"),
        pytest.param("print(max(", ")\n", "a, b)", Extent.LINE, Suggestion("a, b)", 1), id="python-auto-closed-paren"),
        pytest.param(
            "def f(a, b):\n    total = ",
            "\n    total = a + b\n",
            "a + b",
            Extent.LINE,
            None,
            id="repeats-the-next-line",
        ),
        pytest.param(
            "def greet(name):\n    ",
            "\n",
            'return f"Hello, {name}!"<|endoftext|>\n\ndef other():',
            Extent.BLOCK,
            Suggestion('return f"Hello, {name}!"'),
            id="endoftext-mid-way",
        ),
        pytest.param(
            "class P:\n    def __init__(self, x):\n        ",
            "\n",
            "self.x = x\n        " * 10,
            Extent.BLOCK,
            Suggestion("self.x = x"),
            id="runaway-assignment",
        ),
        pytest.param(
            "def add(a, b):\n    ",
            "\n",
            "```python\nreturn a + b\n```\nThis adds the numbers.",
            Extent.BLOCK,
            Suggestion("return a + b"),
            id="chat-fence",
        ),
        pytest.param(
            "def f(x):\r\n    if x:\r\n        ",
            "\r\n    return 0\r\n",
            "a = 1\r\n        return a\r\n    return 0\r\n",
            Extent.BLOCK,
            Suggestion("a = 1\r\n        return a"),
            id="crlf-nested-block",
        ),
        pytest.param(
            "func sum(xs []int) int {\n\ttotal := 0\n\t",
            "\n}\n",
            "for _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total\n}\n\nfunc main() {}",
            Extent.BLOCK,
            Suggestion("for _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total"),
            id="go-loop",
        ),
        pytest.param("int main(void) {\n    return ", "\n}\n", " 0;", Extent.LINE, Suggestion("0;"), id="c-space-seam"),
        pytest.param(
            "function f(a) {\n  ",
            "\n}\n",
            "return a * 2;\n}\n\nfunction g() {}",
            Extent.BLOCK,
            Suggestion("return a * 2;"),
            id="js-body",
        ),
        pytest.param("total = (a", " + c)\n", " + b + c)", Extent.LINE, Suggestion(" + b"), id="suffix-overlap"),
        pytest.param('print("', '")\n', '你好 😀")', Extent.LINE, Suggestion('你好 😀")', 2), id="unicode-in-string"),
        pytest.param("x = 1", "\n", "\ny = 2", Extent.LINE, None, id="newline-in-single-line-mode"),
        pytest.param("x = ", "\n", "<|endoftext|>", Extent.LINE, None, id="only-a-stop-token"),
        pytest.param("f(a", ")", ")", Extent.LINE, None, id="replaces-with-the-same"),
        pytest.param(
            "", "", "import os\nimport sys\n", Extent.BLOCK, Suggestion("import os\nimport sys"), id="empty-document"
        ),
    ],
)
def test_postprocess(prefix: str, suffix: str, text: str, extent: Extent, expected: Suggestion | None) -> None:
    assert postprocess(prefix, suffix, text, extent=extent, stop_tokens=QWEN_STOP) == expected


def test_postprocess_inserts_a_whole_line_above_existing_code() -> None:
    result = postprocess("def f(x):\n", "    return y\n", "    y = x + 1", extent=Extent.LINE)
    assert result == Suggestion("    y = x + 1\n", 0)
