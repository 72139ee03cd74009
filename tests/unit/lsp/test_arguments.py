"""The argument object of the codex.* commands: ``{uri, range, instruction?, target?}``."""

from __future__ import annotations

import pytest
from lsprotocol import types

from codex_ls.actions.job import ActionArgs
from codex_ls.lsp.arguments import ArgumentError, parse_args


def span(start: tuple[int, int], end: tuple[int, int]) -> types.Range:
    return types.Range(types.Position(*start), types.Position(*end))


def test_arguments_parse_and_a_backwards_range_is_turned_around() -> None:
    raw = {"uri": "file:///a.py", "range": {"start": {"line": 3, "character": 0}, "end": {"line": 1, "character": 2}}}
    parsed = parse_args({**raw, "target": "go"})
    assert parsed == ActionArgs("file:///a.py", span((1, 2), (3, 0)), None, "go")
    assert parse_args(parsed.to_json()) == parsed


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(None, id="nothing"),
        pytest.param({"uri": "file:///a.py"}, id="no-range"),
        pytest.param({"uri": "file:///a.py", "range": {"start": {"line": -1, "character": 0}}}, id="bad-range"),
        pytest.param(
            {
                "uri": "f",
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}},
                "target": 3,
            },
            id="bad-target",
        ),
    ],
)
def test_bad_arguments(raw: object) -> None:
    with pytest.raises(ArgumentError):
        parse_args(raw)
