"""The argument object of the ``codex.*`` commands and of lazily resolved code actions.

``{uri, range, instruction?, target?}``, as pygls hands it over (namedtuples for
custom methods), checked into :class:`ActionArgs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lsprotocol import types

from ..actions.job import ActionArgs


class ArgumentError(ValueError):
    """The command's argument object is not ``{uri, range, instruction?, target?}``."""


def plain(value: Any) -> Any:
    """JSON-like data from what pygls hands over (namedtuples for custom methods)."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def parse_args(raw: Any) -> ActionArgs:
    data = plain(raw)
    if not isinstance(data, dict) or not isinstance(data.get("uri"), str):
        raise ArgumentError("expected one argument {uri, range, instruction?, target?}")
    try:
        start, end = (_position(data["range"][key]) for key in ("start", "end"))
    except (KeyError, TypeError, ValueError):
        raise ArgumentError("range must be {start: {line, character}, end: {line, character}}") from None
    if (end.line, end.character) < (start.line, start.character):
        start, end = end, start
    options = {k: data.get(k) for k in ("instruction", "target")}
    for key, value in options.items():
        if value is not None and not isinstance(value, str):
            raise ArgumentError(f"{key} must be a string")
    return ActionArgs(data["uri"], types.Range(start, end), options["instruction"], options["target"])


def _position(raw: Any) -> types.Position:
    line, character = raw["line"], raw["character"]
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (line, character)):
        raise ValueError(raw)
    return types.Position(line, character)
