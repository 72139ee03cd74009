"""Type-through in an editor that auto-closes brackets and quotes, and types over the closers."""

from __future__ import annotations

import asyncio

import pytest

from codex_ls.completion.autoclose import Replayed, closes, replay
from codex_ls.completion.request import CompletionContext
from codex_ls.completion.reuse import AFTER, Anchor, Typing
from codex_ls.completion.suggestions import Suggestion, advance

from .test_engine import ScriptedBackend, engine_with

Side = tuple[str, str]


@pytest.mark.parametrize(
    ("before", "after", "typing"),
    [
        pytest.param(("pri", "\n"), ("print(", ")\n"), Typing("nt(", ")"), id="paren-auto-closed"),
        pytest.param(("pri", "\n"), ("print(", "\n"), Typing("nt("), id="paren-not-auto-closed"),
        pytest.param(("x = ", "\n"), ("x = [", "]\n"), Typing("[", "]"), id="bracket"),
        pytest.param(("d = ", "\n"), ("d = {", "}\n"), Typing("{", "}"), id="brace"),
        pytest.param(("s = ", "\n"), ('s = "', '"\n'), Typing('"', '"'), id="double-quote"),
        pytest.param(("s = ", "\n"), ("s = '", "'\n"), Typing("'", "'"), id="single-quote"),
        pytest.param(("s = ", ";\n"), ("s = `", "`;\n"), Typing("`", "`"), id="backtick"),
        pytest.param(("f", "\n"), ("f([", "])\n"), Typing("([", "])"), id="nested"),
        pytest.param(("print(", ")\n"), ("print(x[", "])\n"), Typing("x[", "]"), id="inside-a-closer"),
        pytest.param(("print(value", ")\n"), ("print(value)", "\n"), Typing(")", "", 1), id="over-typed"),
        pytest.param(("print(", ")\n"), ("print(value)", "\n"), Typing("value)", "", 1), id="typed-then-over-typed"),
        pytest.param(("pri", "\n"), ("print()", "\n"), Typing("nt()"), id="closed-and-over-typed"),
        pytest.param(("f(", ")\n"), ("f(x)[", "]\n"), Typing("x)[", "]", 1), id="over-typed-then-opened"),
        pytest.param(("print(", ")\n"), ("print(", "\n"), None, id="closer-deleted"),
        pytest.param(("print(", ")\n"), ("print(x", "\n"), None, id="closer-deleted-while-typing"),
        pytest.param(("pri", "\n"), ("print(", "]\n"), None, id="closer-not-of-the-opener"),
        pytest.param(("pri", "\n"), ("print(", "))\n"), None, id="one-closer-too-many"),
        pytest.param(("x = ", "\n"), ("x = a", ")\n"), None, id="closer-without-opener"),
        pytest.param(("pri", "\n"), ("print(", ")\ny = 1"), None, id="edited-after-the-closer"),
        pytest.param(("print(x", ")\n"), ("print(x]", "\n"), None, id="typed-over-by-another-closer"),
        pytest.param(("# don", "\n"), ("# don'", "'\n"), None, id="apostrophe-is-not-auto-closed"),
        pytest.param(("print(", ")\n"), ("print", "()\n"), None, id="opener-deleted"),
    ],
)
def test_typing_since_follows_an_auto_closing_editor(before: Side, after: Side, typing: Typing | None) -> None:
    earlier = Anchor.of(before[0], before[1], len(before[0]))
    later = Anchor.of(after[0], after[1], len(after[0]))
    assert earlier.typing_since(later) == typing
    assert earlier.typed_since(later) == (None if typing is None else typing.text)


def test_text_after_the_cursor_cut_at_its_limit_is_compared_where_both_have_it() -> None:
    rest = "\n" + "y" * (2 * AFTER)
    earlier = Anchor.of("pri", rest, 3)
    assert earlier.typing_since(Anchor.of("print(", ")" + rest, 6)) == Typing("nt(", ")")
    assert earlier.typing_since(Anchor.of("print(", ")" + rest[:-AFTER] + "z" * AFTER, 6)) == Typing("nt(", ")")
    assert earlier.typing_since(Anchor.of("print(", ")\nx" + rest[2:], 6)) is None


@pytest.mark.parametrize(
    ("typed", "ahead", "replayed"),
    [
        pytest.param("f(x", "\n", Replayed(")", 0), id="opened"),
        pytest.param("f(x)", "\n", Replayed("", 0), id="typed-over-its-own"),
        pytest.param("x)", ")\n", Replayed("", 1), id="typed-over-one-there"),
        pytest.param("x]", ")\n", Replayed("", 0), id="another-closer-is-inserted"),
        pytest.param("it's", "\n", Replayed("", 0), id="apostrophe"),
    ],
)
def test_replay(typed: str, ahead: str, replayed: Replayed) -> None:
    assert replay(typed, ahead, "") == replayed


@pytest.mark.parametrize(
    ("text", "closed", "expected"),
    [
        pytest.param("value)", ")", True, id="closes"),
        pytest.param("value", ")", False, id="never-closes"),
        pytest.param("f(a))", ")", True, id="after-its-own"),
        pytest.param("f(a)", ")", False, id="only-its-own"),
        pytest.param('")"', ")", False, id="in-a-string"),
        pytest.param('"(")', ")", True, id="after-a-string"),
        pytest.param('hi")', '")', True, id="a-quote-then-a-paren"),
        pytest.param("1)]", "])", False, id="out-of-order"),
    ],
)
def test_closes(text: str, closed: str, expected: bool) -> None:
    assert closes(text, closed) is expected


def shown(*suggestions: tuple[str, int]) -> list[Suggestion]:
    return [Suggestion(text, replaced, "stop") for text, replaced in suggestions]


@pytest.mark.parametrize(
    ("found", "typing", "rest"),
    [
        pytest.param(shown(("nt(value)", 0)), Typing("nt(", ")"), [("value)", 1)], id="paren-auto-closed"),
        pytest.param(shown(("nt(value)", 0)), Typing("nt("), [("value)", 0)], id="paren-not-auto-closed"),
        pytest.param(shown(("[1, 2]", 0)), Typing("[", "]"), [("1, 2]", 1)], id="bracket"),
        pytest.param(shown(("{'a': 1}", 0)), Typing("{", "}"), [("'a': 1}", 1)], id="brace"),
        pytest.param(shown(('"hi"', 0)), Typing('"', '"'), [('hi"', 1)], id="quote"),
        pytest.param(shown(("([1])", 0)), Typing("([", "])"), [("1])", 2)], id="nested"),
        pytest.param(shown(("value)", 1)), Typing("value"), [(")", 1)], id="typed-up-to-the-closer"),
        pytest.param(shown(("x) + y", 1)), Typing("x)", "", 1), [(" + y", 0)], id="over-typed"),
        pytest.param(shown(("x) + y", 0)), Typing("x)", "", 1), [], id="over-typed-what-it-does-not-replace"),
        pytest.param(shown(("nt(value", 0)), Typing("nt(", ")"), [], id="does-not-close-it"),
        pytest.param(shown(('nt(")"', 0)), Typing("nt(", ")"), [], id="closes-only-in-a-string"),
        pytest.param(
            shown(("nt(value)", 0), ("nt(x", 0)), Typing("nt(", ")"), [("value)", 1)], id="keeps-those-that-close-it"
        ),
    ],
)
def test_advance_replaces_the_closers_an_editor_inserted(
    found: list[Suggestion], typing: Typing, rest: list[tuple[str, int]]
) -> None:
    assert [(s.text, s.replace_suffix) for s in advance(found, typing)] == rest


def ctx(prefix: str, suffix: str) -> CompletionContext:
    return CompletionContext(uri="file:///a.py", text=prefix + suffix, offset=len(prefix))


async def test_typing_an_opener_that_the_editor_closes_needs_no_model_call() -> None:
    backend = ScriptedBackend("nt(value)")
    engine = engine_with(backend)
    assert [s.text for s in (await engine.complete(ctx("pri", "\n"))).suggestions] == ["nt(value)"]
    await engine.complete(ctx("prin", "\n"))
    await engine.complete(ctx("print", "\n"))
    rest = (await engine.complete(ctx("print(", ")\n"))).suggestions
    assert [(s.text, s.replace_suffix) for s in rest] == [("value)", 1)]
    assert [(s.text, s.replace_suffix) for s in (await engine.complete(ctx("print(val", ")\n"))).suggestions] == [
        ("ue)", 1)
    ]
    assert (await engine.complete(ctx("print(value)", "\n"))).suggestions == []
    assert len(backend.calls) == 1
    assert engine.counts["type_through"] == 4
    assert engine.counts["typed_to_its_end"] == 1


@pytest.mark.parametrize(
    "after",
    [
        pytest.param(("print(", "\n"), id="closer-deleted"),
        pytest.param(("print(", "]\n"), id="closer-not-of-the-opener"),
    ],
)
async def test_any_other_change_after_the_cursor_asks_the_model_again(after: Side) -> None:
    backend = ScriptedBackend("nt(value)", "value)")
    engine = engine_with(backend)
    await engine.complete(ctx("pri", "\n"))
    await engine.complete(ctx("print(", ")\n"))
    await engine.complete(ctx(*after))
    assert len(backend.calls) == 2


async def test_a_stream_in_flight_is_adopted_across_an_auto_closed_opener() -> None:
    backend = ScriptedBackend("nt(value)", hold_after=3)
    engine = engine_with(backend)
    first = asyncio.ensure_future(engine.complete(ctx("pri", "\n")))
    await backend.held.wait()  # "nt(" has streamed
    engine.session.flight.edited("print()\n", 6)
    second = asyncio.ensure_future(engine.complete(ctx("print(", ")\n")))
    await asyncio.sleep(0.01)
    backend.go.set()
    assert [(s.text, s.replace_suffix) for s in (await second).suggestions] == [("value)", 1)]
    assert [s.text for s in (await first).suggestions] == ["nt(value)"]
    assert len(backend.calls) == 1
    assert engine.counts["reused"] == 1
