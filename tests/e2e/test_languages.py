"""Each language family end to end: the real server, the fake backend writing past the block's
end or in a loop until its token limit, the suggestion cut where the language's syntax says.

Python (indentation), C-like braces (Java, JavaScript) and Go/Rust, each at an empty body.
"""

from __future__ import annotations

import pytest
from pytest_lsp import LanguageClient

from tests.e2e.lsp import inline, open_document, texts
from tests.fakes.fake_backend import FakeBackend, Reply

#: (language id, file, the document with ``|`` at the cursor, a body the model writes, the next code it writes on with)
FAMILIES = [
    pytest.param(
        "python",
        "app.py",
        "def area(w, h):\n    |\n\n\ndef main():\n    print(area(2, 3))\n",
        "result = w * h\n    return result\n",
        "\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n",
        id="python",
    ),
    pytest.param(
        "java",
        "Area.java",
        "class Area {\n    int area(int w, int h) {\n        |\n    }\n}\n",
        "int result = w * h;\n        return result;\n",
        "    }\n\n    int perimeter(int w, int h) {\n        return 2 * (w + h);\n    }\n",
        id="java",
    ),
    pytest.param(
        "javascript",
        "area.js",
        "function area(w, h) {\n  |\n}\n",
        "const result = w * h;\n  return result;\n",
        "}\n\nfunction perimeter(w, h) {\n  return 2 * (w + h);\n}\n",
        id="javascript",
    ),
    pytest.param(
        "go",
        "area.go",
        "package main\n\nfunc area(w, h int) int {\n\t|\n}\n",
        "result := w * h\n\treturn result\n",
        "}\n\nfunc perimeter(w, h int) int {\n\treturn 2 * (w + h)\n}\n",
        id="go",
    ),
    pytest.param(
        "rust",
        "area.rs",
        "fn area(w: i32, h: i32) -> i32 {\n    |\n}\n",
        "let result = w * h;\n    result\n",
        "}\n\nfn perimeter(w: i32, h: i32) -> i32 {\n    2 * (w + h)\n}\n",
        id="rust",
    ),
]


def cursor_of(marked: str) -> tuple[str, int, int]:
    before, after = marked.split("|", 1)
    return before + after, before.count("\n"), len(before) - before.rfind("\n") - 1


@pytest.mark.parametrize(("language", "name", "marked", "body", "beyond"), FAMILIES)
async def test_a_body_ends_at_the_blocks_end(
    client: LanguageClient, fake: FakeBackend, language: str, name: str, marked: str, body: str, beyond: str
) -> None:
    text, line, character = cursor_of(marked)
    fake.push(Reply(chunks=[body, beyond], finish_reason="stop"))
    uri = open_document(client, text, f"file:///work/project/src/{name}", language)
    assert texts(await inline(client, uri, line, character)) == [body.rstrip("\n")]


@pytest.mark.parametrize(("language", "name", "marked", "body", "beyond"), FAMILIES)
async def test_a_body_in_a_loop_until_the_token_limit_is_not_shown_as_it_came(
    client: LanguageClient, fake: FakeBackend, language: str, name: str, marked: str, body: str, beyond: str
) -> None:
    text, line, character = cursor_of(marked)
    indent = marked.split("|", 1)[0].rsplit("\n", 1)[-1]
    # The body's first line, then the same line with a counter, again and again, cut mid-statement.
    first = body.split("\n", 1)[0]
    loop = [first + "\n"] + [f"{indent}{first.replace('result', f'result{i}')}\n" for i in range(2, 30)]
    cut = [loop[-1][: len(loop[-1]) // 2]]
    fake.push(*(Reply(chunks=[*loop, *cut], finish_reason="length") for _ in range(2)))
    uri = open_document(client, text, f"file:///work/project/src/{name}", language)
    shown = texts(await inline(client, uri, line, character))
    assert shown in ([], [first]), shown
