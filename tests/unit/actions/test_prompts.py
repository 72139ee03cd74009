"""Action prompts: templates as data, and reading code and findings out of chat answers."""

from __future__ import annotations

import pytest

from codex_ls.actions.ask import repeating
from codex_ls.actions.prompts import (
    PROMPTS,
    PromptInput,
    extract_code,
    fenced_blocks,
    number_lines,
    parse_findings,
    render,
    strip_echo,
)

DATA = PromptInput(
    language="python",
    path="src/app.py",
    code="def f(x):\n    return {x: 1}\n",
    before="import os\n",
    after="\nprint(f(2))\n",
    subject="This function",
    instruction="make it a set",
    target="go",
    framework="pytest",
    test_path="tests/test_app.py",
    import_line="from app import f",
)


def test_every_action_has_a_template() -> None:
    assert set(PROMPTS) == {"explain", "addTests", "edit", "addDocstring", "addComments", "findBugs", "translate"}


@pytest.mark.parametrize("action", sorted(PROMPTS))
def test_each_prompt_names_the_language_path_and_code_and_leaves_no_slot(action: str) -> None:
    (role, system), (user_role, user) = render(action, DATA)
    assert (role, user_role) == ("system", "user")
    assert "Python" in system + user
    assert "src/app.py" in user
    assert "def f(x):\n    return {x: 1}" in user  # braces in the code stay as they are
    assert "{code}" not in user
    assert "{language}" not in system + user


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        pytest.param("explain", 'Begin with "This function"', id="explain-this-function"),
        pytest.param("explain", "import os\n<the code in question>\nprint(f(2))", id="explain-context"),
        pytest.param("addTests", "Write pytest unit tests", id="tests-framework"),
        pytest.param("addTests", "test_<behaviour>", id="tests-unit-test-style"),
        pytest.param("addTests", "from app import f", id="tests-import"),
        pytest.param("addTests", "tests/test_app.py", id="tests-path"),
        pytest.param("edit", "Instruction: make it a set", id="edit-instruction"),
        pytest.param("edit", "rewritten code only", id="edit-code-only"),
        pytest.param("addDocstring", "Do not change the code", id="docstring-keeps-code"),
        pytest.param("addComments", "commented code only", id="comments-code-only"),
        pytest.param("addComments", "insert a `#` comment line", id="comments-syntax"),
        pytest.param("findBugs", "`line <number>: <the bug>`", id="bugs-format"),
        pytest.param("translate", "to Go", id="translate-target"),
        pytest.param("translate", "Go code only", id="translate-code-only"),
    ],
)
def test_prompt_wording(action: str, expected: str) -> None:
    assert expected in render(action, DATA)[1][1]


def test_context_is_left_out_when_there_is_none() -> None:
    bare = PromptInput(language="python", path="a.py", code="x = 1")
    assert "around the code" not in render("explain", bare)[1][1]


def test_only_code_actions_expect_code() -> None:
    assert {a for a, t in PROMPTS.items() if t.code_answer} == {
        "addTests",
        "edit",
        "addDocstring",
        "addComments",
        "translate",
    }


@pytest.mark.parametrize(
    ("answer", "prefer", "expected"),
    [
        pytest.param("x = 1", None, "x = 1", id="bare-code"),
        pytest.param("```python\nx = 1\n```", None, "x = 1", id="fenced"),
        pytest.param("Sure! Here it is:\n```py\nx = 1\n```\nThis sets x.", None, "x = 1", id="chatter-around-fence"),
        pytest.param("Here is the code:\nx = 1\n\nExplanation: sets x", None, "x = 1", id="chatter-without-fence"),
        pytest.param("```\nx = 1", None, "x = 1", id="unclosed-fence"),
        pytest.param(
            "```python\nf()\n```\n```python\ndef test_f():\n    f()\n```",
            "def test_",
            "def test_f():\n    f()",
            id="prefer",
        ),
        pytest.param("```python\nf()\n```\n```python\ng()\n```", "def test_", "f()", id="prefer-missing"),
        pytest.param(
            '```python\ndef f():\n    """Use:\n    ```\n    f()\n    ```\n    """\n```',
            None,
            'def f():\n    """Use:\n    ```\n    f()\n    ```\n    """',
            id="fence-inside-docstring",
        ),
        pytest.param("  ```python\n  x = 1\n  ```", None, "x = 1", id="indented-fence"),
    ],
)
def test_extract_code(answer: str, prefer: str | None, expected: str) -> None:
    assert extract_code(answer, prefer) == expected


def test_fenced_blocks_skip_prose_between_them() -> None:
    assert fenced_blocks("a\n```\nb\n```\nprose\n```js\nc\n```") == ["b", "c"]


def test_number_lines_uses_file_line_numbers() -> None:
    assert number_lines("a\nb", 9) == "9: a\n10: b"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param("NONE", [], id="none"),
        pytest.param("`NONE`.", [], id="none-quoted"),
        pytest.param("10: off by one", [(10, "off by one")], id="plain"),
        pytest.param("- Line 11: uses `=` not `==`", [(11, "uses `=` not `==`")], id="bullet-and-word"),
        pytest.param("12) never closed", [(12, "never closed")], id="paren"),
        pytest.param("99: outside", [], id="outside-the-code"),
        pytest.param("10: a\n10: a", [(10, "a")], id="duplicates"),
        pytest.param("<10>: <a>\n<11>: <a>\n<12>: <b>", [(10, "a"), (12, "b")], id="placeholders-and-repeats"),
        pytest.param("10: NONE\n11: None.\nline 12: b", [(12, "b")], id="none-per-line"),
        pytest.param("The code looks fine overall.", [], id="prose"),
    ],
)
def test_parse_findings(answer: str, expected: list[tuple[int, str]]) -> None:
    assert parse_findings(answer, 10, 20) == expected


BEFORE = "import math\n\n\ndef area(r):\n    # codex: check r\n"
AFTER = "\n\n\nprint(area(1))\n"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param("    return r", "    return r", id="no-echo"),
        pytest.param(
            BEFORE + "    if r < 0:\n        raise ValueError\n    return r",
            "    if r < 0:\n        raise ValueError\n    return r",
            id="whole-file-before",
        ),
        pytest.param("def area(r):\n    # codex: check r\n    return r", "    return r", id="enclosing-lines"),
        pytest.param("    return r\n\n\nprint(area(1))", "    return r", id="after"),
        pytest.param("import math", "import math", id="never-empty"),
    ],
)
def test_strip_echo(code: str, expected: str) -> None:
    assert strip_echo(code, BEFORE, AFTER) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("18: None\n19: None\n20: None\n", True, id="numbered-repeats"),
        pytest.param("18: None\n19: None\n20: No", False, id="last-line-incomplete"),
        pytest.param("1: a\n2: b\n3: a\n", False, id="different"),
    ],
)
def test_repeating(text: str, expected: bool) -> None:
    assert repeating(text) is expected
