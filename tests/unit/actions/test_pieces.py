"""An answer passed on as it is written: the pieces join into what the whole answer gives."""

from __future__ import annotations

import pytest

from codex_ls.actions.pieces import FencedCode, Trimmed
from codex_ls.actions.prompts import extract_code


@pytest.mark.parametrize(
    "pieces",
    [
        pytest.param(["This ", "function ", "adds."], id="plain"),
        pytest.param(["\n\n  ", " This", " adds.\n"], id="leading-whitespace-alone"),
        pytest.param(["This adds.", "\n\n", "It is pure.\n  "], id="whitespace-between-held-then-sent"),
        pytest.param(["   ", "\n"], id="only-whitespace"),
        pytest.param([], id="nothing"),
    ],
)
def test_trimmed_pieces_join_into_the_stripped_answer(pieces: list[str]) -> None:
    written: list[str] = []
    write = Trimmed(written.append)
    for piece in pieces:
        write(piece)
    assert "".join(written) == "".join(pieces).strip()
    assert all(written)


def test_words_go_out_as_they_come_and_whitespace_waits_for_what_follows() -> None:
    written: list[str] = []
    write = Trimmed(written.append)
    write("\nThis ")
    assert written == ["This"]
    write("adds")
    assert written == ["This", " adds"]


ANSWERS = {
    "chatter-around": "Here is the Go code:\n```go\nfunc area(r float64) float64 {\n\treturn math.Pi * r * r\n}\n```\n"
    "This function computes the area.",
    "indented-fence": "Sure:\n  ```rust\n  fn add(a: i32, b: i32) -> i32 {\n      a + b\n  }\n  ```\n",
    "blank-lines-inside": "```python\n\n\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n\n```",
    "a-fence-inside-a-docstring": '```python\ndef f():\n    """\n    ```\n    f()\n    ```\n    """\n```\n',
    "second-block-ignored": "```js\nlet a = 1;\n```\nor\n```js\nvar a = 1;\n```\n",
    "trailing-spaces": "```go\nx := 1   \n```\n",
    "windows-line-breaks": "```go\r\nx := 1\r\ny := 2\r\n```\r\n",
}


@pytest.mark.parametrize("size", [1, 3, 7, 1000], ids=lambda n: f"chunks-of-{n}")
@pytest.mark.parametrize("answer", ANSWERS.values(), ids=ANSWERS.keys())
def test_the_lines_of_code_join_into_the_extracted_code(answer: str, size: int) -> None:
    written: list[str] = []
    write = FencedCode(written.append)
    for i in range(0, len(answer), size):
        write(answer[i : i + size])
    assert "".join(written) == extract_code(answer).replace("\r", "")


def test_a_line_goes_out_once_it_is_complete() -> None:
    written: list[str] = []
    write = FencedCode(written.append)
    write("Here:\n```go\nfunc main() {")
    assert written == []
    write("\n\tprintln(1)")
    assert written == ["func main() {"]
    write("\n")
    assert written == ["func main() {", "\n\tprintln(1)"]


def test_an_answer_without_a_fence_passes_nothing_on() -> None:
    written: list[str] = []
    write = FencedCode(written.append)
    write("func main() {}\n")
    assert written == []
