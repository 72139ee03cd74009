"""Answers shaped by each language's syntax: the block's end, the auto-closed characters the
suffix already has, one line or a block, a sample in a loop or cut by the token limit.

One table per rule, a row per language family: Python (indentation), C-like braces
(JavaScript, TypeScript, Java, C, C++, C#), Go and Rust.
"""

from __future__ import annotations

import pytest

from codex_ls.completion.cursor import cursor_at
from codex_ls.completion.filters import cut_loop, end_complete
from codex_ls.completion.postprocess import postprocess
from codex_ls.completion.syntax import Extent, decide_extent


def split(marked: str) -> tuple[str, str]:
    prefix, suffix = marked.split("|", 1)
    return prefix, suffix


def shown(marked: str, text: str, *, extent: Extent = Extent.BLOCK, cut_short: bool = False) -> str | None:
    prefix, suffix = split(marked)
    found = postprocess(prefix, suffix, text, extent=extent, cut_short=cut_short)
    return None if found is None else found.text


# The block's end: the model writes on past it. -------------------------------------------------

BLOCK_ENDS = [
    pytest.param(
        "python",
        "def f(xs):\n    |\n\ndef g():\n    pass\n",
        "total = sum(xs)\n    return total\n\ndef h():\n    return 1\n",
        "total = sum(xs)\n    return total",
        id="python",
    ),
    pytest.param(
        "javascript",
        "function f(xs) {\n  |\n}\n",
        "const t = xs.length;\n  return t;\n}\n\nfunction g() {\n  return 1;\n}\n",
        "const t = xs.length;\n  return t;",
        id="javascript",
    ),
    pytest.param(
        "typescript",
        "function f(xs: number[]): number {\n  |\n}\n",
        "let t = 0;\n  for (const x of xs) {\n    t += x;\n  }\n  return t;\n}\nexport {};\n",
        "let t = 0;\n  for (const x of xs) {\n    t += x;\n  }\n  return t;",
        id="typescript-inner-block-kept",
    ),
    pytest.param(
        "java",
        "class A {\n    int f(int n) {\n        |\n    }\n}\n",
        "int r = n * 2;\n        return r;\n    }\n\n    int g() {\n        return 1;\n    }\n",
        "int r = n * 2;\n        return r;",
        id="java",
    ),
    pytest.param(
        "c",
        "int f(int n) {\n    |\n}\n",
        "if (n < 0) {\n        return 0;\n    }\n    return n;\n}\nint main(void) {\n",
        "if (n < 0) {\n        return 0;\n    }\n    return n;",
        id="c",
    ),
    pytest.param(
        "cpp",
        "int f(std::vector<int>& v) {\n\t|\n}\n",
        "int s = 0;\n\tfor (int x : v) s += x;\n\treturn s;\n}\n\nint main() {\n",
        "int s = 0;\n\tfor (int x : v) s += x;\n\treturn s;",
        id="cpp-tabs",
    ),
    pytest.param(
        "csharp",
        "class A {\n    int F(int n) {\n        |\n    }\n}\n",
        "var r = n + 1;\n        return r;\n    }\n}\n",
        "var r = n + 1;\n        return r;",
        id="csharp",
    ),
    pytest.param(
        "go",
        "func f(n int) int {\n\t|\n}\n",
        "r := n * 2\n\treturn r\n}\n\nfunc g() int {\n\treturn 1\n}\n",
        "r := n * 2\n\treturn r",
        id="go",
    ),
    pytest.param(
        "rust",
        "fn f(n: i32) -> i32 {\n    |\n}\n",
        "let r = n * 2;\n    r\n}\n\nfn g() -> i32 {\n    1\n}\n",
        "let r = n * 2;\n    r",
        id="rust",
    ),
]


@pytest.mark.parametrize(("language", "marked", "text", "expected"), BLOCK_ENDS)
def test_a_block_ends_where_the_cursors_block_ends(language: str, marked: str, text: str, expected: str) -> None:
    assert decide_extent(language, *split(marked)) is Extent.BLOCK
    assert shown(marked, text) == expected


# The auto-closed characters after the cursor: typed over, never doubled. ------------------------


@pytest.mark.parametrize(
    ("marked", "text", "expected", "replaced"),
    [
        pytest.param("print(|)\n", "x, y)", "x, y)", 1, id="python-paren"),
        pytest.param("if |:\n", "x > 0:", "x > 0:", 1, id="python-colon"),
        pytest.param("xs = [|]\n", "1, 2]", "1, 2]", 1, id="python-bracket"),
        pytest.param('name = "|"\n', 'world"', 'world"', 1, id="python-quote"),
        pytest.param("console.log(|);\n", "x);", "x);", 2, id="javascript-paren-semicolon"),
        pytest.param("const o = {|};\n", " a: 1 };", " a: 1 };", 2, id="javascript-brace"),
        pytest.param("const s = `|`;\n", "hi ${x}`;", "hi ${x}`;", 2, id="javascript-backtick"),
        pytest.param('System.out.println("|");\n', 'hi");', 'hi");', 3, id="java-quote-paren-semicolon"),
        pytest.param("int[] a = {|};\n", "1, 2};", "1, 2};", 2, id="java-brace-semicolon"),
        pytest.param("char c = '|';\n", "a';", "a';", 2, id="c-char"),
        pytest.param("v.push_back(|);\n", "x);", "x);", 2, id="cpp-paren"),
        pytest.param("    cache.put(|);\n", '"k", v);', '"k", v);', 2, id="java-call-statement"),
        pytest.param("fmt.Println(|)\n", '"hi")', '"hi")', 1, id="go-paren"),
        pytest.param("let v = vec![|];\n", "1, 2];", "1, 2];", 2, id="rust-bracket"),
    ],
)
def test_auto_closed_characters_are_typed_over(marked: str, text: str, expected: str, replaced: int) -> None:
    prefix, suffix = split(marked)
    found = postprocess(prefix, suffix, text, extent=Extent.LINE)
    assert found is not None
    assert (found.text, found.replace_suffix) == (expected, replaced)


@pytest.mark.parametrize(
    ("marked", "text", "expected"),
    [
        pytest.param("if (|) {\n", "a == b) {", "a == b", id="c-condition-header"),
        pytest.param("while (|) {\n", "i < n) {", "i < n", id="java-while-header"),
        pytest.param("for (int i = 0; |; i++) {\n", "i < n; i++) {", "i < n", id="cpp-for-clause"),
    ],
)
def test_what_the_suffix_already_has_is_not_written_again(marked: str, text: str, expected: str) -> None:
    assert shown(marked, text, extent=Extent.LINE) == expected


# One line or a block. --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "marked", "expected"),
    [
        pytest.param("python", "def f():\n    |\n", Extent.BLOCK, id="python-body"),
        pytest.param("python", "    x = |\n", Extent.LINE, id="python-after-text"),
        pytest.param("javascript", "function f() {\n  |\n}\n", Extent.BLOCK, id="javascript-body"),
        pytest.param("javascript", "function f() {|}\n", Extent.BLOCK, id="javascript-between-braces"),
        pytest.param("java", "    if (a == b) {|\n    }\n", Extent.BLOCK, id="java-after-brace"),
        pytest.param("java", "        |;\n", Extent.LINE, id="java-statement-before-semicolon"),
        pytest.param("java", "        cache.|;\n", Extent.LINE, id="java-call-before-semicolon"),
        pytest.param("cpp", "    for (int i = 0; i < n; i++) {|\n", Extent.BLOCK, id="cpp-brace-ends-the-line"),
        pytest.param("csharp", "        |);\n", Extent.LINE, id="csharp-argument-line"),
        pytest.param("csharp", "    if (x) {\n        |\n    }\n", Extent.BLOCK, id="csharp-body"),
        pytest.param("go", "\tif err != nil {|\n\t}\n", Extent.BLOCK, id="go-after-brace"),
        pytest.param("rust", "    let v = vec![\n        |\n    ];\n", Extent.LINE, id="rust-inside-a-literal"),
        pytest.param("rust", "fn f() {\n    |\n}\n", Extent.BLOCK, id="rust-body"),
        pytest.param("javascript", "const o = {|};\n", Extent.LINE, id="javascript-object-between-braces"),
    ],
)
def test_one_line_or_a_block(language: str, marked: str, expected: Extent) -> None:
    assert decide_extent(language, *split(marked)) is expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        pytest.param("java", "c2++;\n p = p / 2;", id="java-braces-decide"),
        pytest.param("go", "c2++;\n p = p / 2;", id="go-braces-decide"),
        pytest.param("", "c2++;", id="unknown-language-indentation-decides"),
    ],
)
def test_in_a_brace_language_an_odd_indentation_does_not_end_the_block(language: str, expected: str) -> None:
    prefix = "    for (;;) {\n        if (p % 2 == 0) {\n            "
    suffix = "\n        } else break;\n    }\n"
    found = postprocess(
        prefix, suffix, "c2++;\n p = p / 2;\n        } else {", extent=Extent.BLOCK, language_id=language
    )
    assert found is not None
    assert found.text == expected


def test_a_block_between_braces_leaves_the_closing_brace_on_its_own_line() -> None:
    assert shown("    if (a == b) {|}\n", "\n        ans++;\n    }") == "\n        ans++;\n    "
    assert shown("    if (a == b) {|\n    }\n", "\n        ans++;\n    }\n") == "\n        ans++;"


# A sample in a loop, or cut by the token limit. ---------------------------------------------------

LOOPS = [
    pytest.param(
        "def size(n):\n    |\n",
        "k = 1024\n    d = 10\n" + "".join(f"    d{i} = {10**i}\n" for i in range(2, 16)) + "    d16 = 1000",
        "k = 1024\n    d = 10",
        id="python-counter",
    ),
    pytest.param(
        "function formatBytes(bytes) {\n  |\n}\n",
        "if (bytes === 0) return '0 Bytes';\n  const k = 1024;\n  const dm = 10;\n"
        + "".join(f"  const dm{i} = {10**i};\n" for i in range(2, 15))
        + "  const dm15 = 100000",
        "if (bytes === 0) return '0 Bytes';\n  const k = 1024;\n  const dm = 10;",
        id="javascript-counter",
    ),
    pytest.param(
        "int main() {\n    |\n}\n",
        "int a[10];\n" + "".join(f"    a[{i}] = {i * i};\n    b[{i}] = {i};\n" for i in range(12)) + "    a[12",
        "int a[10];",
        id="cpp-two-line-counter",
    ),
    pytest.param(
        "func f() {\n\t|\n}\n",
        "x := 0\n" + "".join(f"\tx{i} := x{i - 1} + 1\n" for i in range(1, 20)) + "\tx20 :=",
        "x := 0",
        id="go-counter",
    ),
]


@pytest.mark.parametrize(("marked", "text", "expected"), LOOPS)
def test_a_sample_in_a_loop_keeps_what_came_before_the_loop(marked: str, text: str, expected: str) -> None:
    assert shown(marked, text, cut_short=True) == expected


def test_a_run_that_ends_before_the_sample_does_is_code_not_a_loop() -> None:
    table = "".join(f"    t[{i}] = {i * 3};\n" for i in range(6)) + "    return t;"
    cut = cursor_at("int* f(int* t) {\n", "\n}\n", extent=Extent.BLOCK, cut_short=True)
    assert cut_loop(table, cut) == table
    assert cut_loop(table.rsplit("\n", 1)[0], cut) == ""


def test_a_row_of_asserts_the_model_ended_itself_is_kept() -> None:
    asserts = "assert f(1) == 1\n" + "".join(f"    assert f({i}) == {i * i}\n" for i in range(2, 7))
    assert shown("def test_f():\n    |\n", asserts) == asserts.rstrip("\n")
    assert shown("def test_f():\n    |\n", asserts, cut_short=True) is None


@pytest.mark.parametrize(
    ("marked", "text", "expected"),
    [
        pytest.param(
            "def f(x):\n    |\n",
            "y = x + 1\n    if y > 2:\n        return y\n    z = g(y",
            "y = x + 1\n    if y > 2:\n        return y",
            id="python-mid-call",
        ),
        pytest.param("def f(x):\n    |\n", "y = x + 1\n    if y > 2:\n", "y = x + 1", id="python-open-block"),
        pytest.param(
            "void f() {\n    |\n}\n",
            "int a = 1;\n    if (x) {\n        b = 2;\n        c = fo",
            "int a = 1;",
            id="java-open-brace",
        ),
        pytest.param(
            "void f() {\n    |\n}\n",
            "int a = 1;\n    int b = a +\n        2;\n    int c",
            "int a = 1;\n    int b = a +\n        2;",
            id="c-statement-over-two-lines",
        ),
        pytest.param("fn f() {\n    |\n}\n", "let v = vec![\n        1,\n        2,", "", id="rust-open-literal"),
        pytest.param(
            "fn f() {\n    |\n}\n",
            "let a = 1;\n    let b = 2;\n",
            "let a = 1;\n    let b = 2;",
            id="rust-ends-with-a-line-break",
        ),
    ],
)
def test_a_sample_the_limit_cut_ends_at_a_complete_statement(marked: str, text: str, expected: str) -> None:
    assert end_complete(text, cursor_at(*split(marked), extent=Extent.BLOCK, cut_short=True)) == expected


def test_a_sample_that_stopped_by_itself_is_not_cut_back() -> None:
    cursor = cursor_at("void f() {\n    ", "\n}\n", extent=Extent.BLOCK)
    assert end_complete("int a = 1;\n    if (x) {", cursor) == "int a = 1;\n    if (x) {"
