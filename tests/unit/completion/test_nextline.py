"""The end of a multi-line insertion where it starts writing the code after the cursor."""

from __future__ import annotations

import pytest

from codex_ls.completion.nextline import next_code_line, trim_at_next_line
from codex_ls.completion.postprocess import postprocess
from codex_ls.completion.samples import block_ended
from codex_ls.completion.syntax import Extent

BODY = "def f(xs):\n    total = 0\n"


@pytest.mark.parametrize(
    ("prefix", "suffix", "expected"),
    [
        pytest.param(BODY, "    return total\n", "return total", id="line-start"),
        pytest.param(BODY + "    ", "\n\n    return total\n", "return total", id="blank-line"),
        pytest.param(BODY + "    x = ", "1\n    return x\n", None, id="mid-line"),
        pytest.param(BODY, "\n", None, id="nothing-after"),
    ],
)
def test_next_code_line(prefix: str, suffix: str, expected: str | None) -> None:
    assert next_code_line(prefix, suffix) == expected


@pytest.mark.parametrize(
    ("prefix", "text", "suffix", "expected"),
    [
        pytest.param(
            BODY,
            "    for x in xs:\n        total += x\n    return total\n    print(total)",
            "    return total\n",
            "    for x in xs:\n        total += x",
            id="cut-where-the-next-line-repeats",
        ),
        pytest.param(
            BODY + "    ",
            "for x in xs:\n        total += x\n\n    return total\n",
            "\n    return total\n",
            "for x in xs:\n        total += x",
            id="blank-line-then-the-repeat",
        ),
        pytest.param(
            BODY + "    ",
            "return total",
            "\n    return total\n",
            "",
            id="only-the-repeat",
        ),
        pytest.param(
            BODY,
            "    for x in xs:\n        total += x\n",
            "    return total\n",
            "    for x in xs:\n        total += x\n",
            id="no-repeat-unchanged",
        ),
        pytest.param(
            "if a:\n    f()\n",
            "    g()\n    }\n    h()\n",
            "    }\n",
            "    g()\n    }\n    h()\n",
            id="a-lone-bracket-does-not-count",
        ),
    ],
)
def test_trim_at_next_line(prefix: str, text: str, suffix: str, expected: str) -> None:
    assert trim_at_next_line(prefix, text, suffix) == expected


def test_a_stream_ends_once_a_whole_line_repeats_the_code_after_the_cursor() -> None:
    ended = block_ended(BODY, "    return total\n")
    assert not ended("    for x in xs:\n        total += x\n    return tot")
    assert ended("    for x in xs:\n        total += x\n    return total\n")


def test_lines_above_code_are_cut_at_the_repeat_and_end_with_their_line_break() -> None:
    """What a model that never stops writes at a line start, and what the editor is shown."""
    raw = "    for x in xs:\n        total += x\n    return total\n\ndef g():\n    pass\n"
    result = postprocess(BODY, "    return total\n", raw, extent=Extent.BLOCK)
    assert result is not None
    assert result.text == "    for x in xs:\n        total += x\n"
