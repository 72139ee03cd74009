"""What the engine asks for where: one line or several, the small model or the large one."""

from __future__ import annotations

import pytest

from codex_ls.completion.request import CompletionContext

from .test_engine import ScriptedBackend, engine_with

BODY = "def f(xs):\n    total = 0\n"
STUB = 'def f(xs):\n    """Sum of xs."""\n    '


def context(prefix: str, suffix: str, *, manual: bool = False) -> CompletionContext:
    return CompletionContext("file:///a.py", prefix + suffix, len(prefix), "python", manual=manual)


@pytest.mark.parametrize(
    ("prefix", "suffix", "manual", "newline_stop", "large"),
    [
        pytest.param(BODY, "    return total\n", False, True, False, id="typing-at-a-line-start"),
        pytest.param(BODY, "    return total\n", True, False, True, id="asked-at-a-line-start"),
        pytest.param(BODY + "    ", "\n    return total\n", False, False, False, id="typing-on-a-blank-line"),
        pytest.param(STUB, "\n", False, False, True, id="typing-in-an-empty-body"),
        pytest.param(BODY + "    x = ", "\n", False, True, False, id="typing-mid-line"),
        pytest.param(BODY + "    x = ", "\n", True, True, True, id="asked-mid-line"),
    ],
)
async def test_shape_and_model_of_the_request(
    prefix: str, suffix: str, manual: bool, newline_stop: bool, large: bool
) -> None:
    backend = ScriptedBackend("    x = 1")
    await engine_with(backend).complete(context(prefix, suffix, manual=manual))
    (request,) = backend.calls
    assert ("\n" in request.stop) is newline_stop
    assert request.large is large


async def test_asked_at_a_line_start_a_model_that_never_stops_is_cut_where_it_repeats_the_code_below() -> None:
    runaway = "    for x in xs:\n        total += x\n    return total\n    print(total)\n" + "x = 1\n" * 50
    backend = ScriptedBackend(runaway)
    outcome = await engine_with(backend).complete(context(BODY, "    return total\n", manual=True))
    assert [s.text for s in outcome.suggestions] == ["    for x in xs:\n        total += x\n"]
    assert backend.closed_early == 1  # the stream was closed at the repeat, not read to its end


async def test_a_line_that_does_not_compile_at_its_indentation_is_asked_again_at_the_blocks() -> None:
    loop = "def f(xs):\n    total = 0\n    for x in xs:\n"
    backend = ScriptedBackend("    total += x", "total += x")
    engine = engine_with(backend)
    outcome = await engine.complete(context(loop, "    return total\n"))
    assert [s.text for s in outcome.suggestions] == ["        total += x\n"]
    first, again = backend.calls
    assert again.prefix == first.prefix + "        "
    assert engine.counts["reindented"] == 1


async def test_a_line_that_compiles_is_not_asked_again() -> None:
    backend = ScriptedBackend("    total += 1")
    await engine_with(backend).complete(context(BODY, "    return total\n"))
    assert len(backend.calls) == 1


async def test_a_line_dropped_as_a_repeat_of_the_code_below_is_asked_again_at_the_blocks_indentation() -> None:
    loop = "def f(xs):\n    total = 0\n    for x in xs:\n"
    backend = ScriptedBackend("    return total", "total += x")
    outcome = await engine_with(backend).complete(context(loop, "    return total\n"))
    assert [s.text for s in outcome.suggestions] == ["        total += x\n"]


async def test_lines_for_an_empty_body_written_at_column_0_are_asked_again_at_the_bodys_indentation() -> None:
    stub = 'def f(xs):\n    """Sum of xs."""\n'
    backend = ScriptedBackend('if __name__ == "__main__":\n    f([])\n', "return sum(xs)\n\ndef g():\n")
    outcome = await engine_with(backend).complete(context(stub, "\n"))
    assert [s.text for s in outcome.suggestions] == ["    return sum(xs)"]
    assert backend.calls[1].prefix.endswith('"""\n    ')
