"""Which prompt layout each embedded model gets from ``model.tuning.cacheLayout``."""

from __future__ import annotations

from typing import Any

import pytest

from codex_ls.backends.local import LocalModels
from codex_ls.backends.registry import Registry
from codex_ls.config import parse_config

SMALL, LARGE = "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"


def layout_of(model: dict[str, Any]) -> bool:
    config, errors = parse_config({"model": model})
    assert errors == []
    layout = Registry(LocalModels(load=lambda *_: pytest.fail("nothing loads"))).make_backend(config).cache_layout
    assert layout is not None
    return layout.typed_last


@pytest.mark.parametrize(
    ("model", "typed_last"),
    [
        ({"large": ""}, True),
        ({"name": LARGE, "large": ""}, False),
        ({"name": LARGE, "large": "", "tuning": {"cacheLayout": "on"}}, True),
        ({"name": LARGE, "large": "", "tuning": {"cacheLayout": True}}, True),
        ({"large": "", "tuning": {"cacheLayout": "off"}}, False),
        ({"name": LARGE, "path": "/models/any.gguf", "large": ""}, True),
        # The cascade's prompt is laid out for typing, on the small model.
        ({"name": SMALL, "large": LARGE}, True),
    ],
)
def test_auto_is_the_models_own_layout_and_on_or_off_overrides_it(model: dict[str, Any], typed_last: bool) -> None:
    assert layout_of(model) is typed_last
