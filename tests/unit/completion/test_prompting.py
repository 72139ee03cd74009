"""Prompt building chosen once per backend: plain, or laid out for a KV cache."""

from __future__ import annotations

from dataclasses import replace

import pytest

from codex_ls.backends.base import CacheLayout
from codex_ls.completion.fim import TEMPLATES
from codex_ls.completion.prompting import CachedPrompting, Prompting, prompting_for
from codex_ls.completion.syntax import Extent
from codex_ls.config import Config

from .test_engine import ScriptedBackend

TEXT = "".join(f"value_{i:03d} = compute({i})\n" if i != 100 else "value_100 = compute(\n" for i in range(200))
OFFSET = TEXT.index("value_100") + len("value_100 = compute(")


def prompting(layout: CacheLayout | None) -> Prompting:
    backend = ScriptedBackend()
    backend.cache_layout = layout
    return prompting_for(backend, Config().completion, TEMPLATES["qwen"])


def test_a_backend_without_a_cache_gets_plain_prompting_and_one_with_a_cache_the_cached_layout() -> None:
    assert type(prompting(None)) is Prompting
    assert isinstance(prompting(CacheLayout()), CachedPrompting)
    assert not prompting(None).warms
    assert prompting(CacheLayout()).warms


@pytest.mark.parametrize(
    ("layout", "extent", "typing", "cold"),
    [
        pytest.param(None, Extent.LINE, True, False, id="plain-typing"),
        pytest.param(CacheLayout(suffix_chars=512, cold_tokens=64), Extent.LINE, True, True, id="cached-typing"),
        pytest.param(CacheLayout(suffix_chars=512, cold_tokens=64), Extent.BLOCK, False, False, id="cached-multi-line"),
        pytest.param(CacheLayout(suffix_chars=512, cold_tokens=64), Extent.LINE, False, False, id="cached-manual"),
        pytest.param(CacheLayout(suffix_chars=512), Extent.LINE, True, False, id="cached-without-cold-tokens"),
    ],
)
def test_only_the_cached_layout_fills_the_cold_prompt_and_only_for_typing(
    layout: CacheLayout | None, extent: Extent, typing: bool, cold: bool
) -> None:
    p = prompting(layout)
    request = p.request(p.window(TEXT, OFFSET), extent, typing=typing)
    assert bool(request.cold_prompt) is cold
    assert ("\n" in request.stop) is (extent is Extent.LINE)


def test_plain_prompting_is_the_templates_around_a_shared_budget() -> None:
    p = prompting(None)
    win = p.window(TEXT, OFFSET)
    assert p.prompt(win) == "<|fim_prefix|>" + win.prefix + "<|fim_suffix|>" + win.suffix + "<|fim_middle|>"
    assert p.warm_prompts(TEXT) == ()
    assert p.warm_prompts(TEXT, offset=OFFSET) == ()


def test_cached_prompting_without_typed_last_keeps_the_templates_order() -> None:
    p = prompting(CacheLayout(suffix_chars=512, typed_last=False))
    win = p.window(TEXT, OFFSET)
    assert p.prompt(win) == "<|fim_prefix|>" + win.prefix + "<|fim_suffix|>" + win.suffix + "<|fim_middle|>"


def shared_start(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share at their start."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def test_an_opened_document_warms_how_every_prompt_in_its_first_window_starts() -> None:
    p = prompting(CacheLayout(suffix_chars=512, cold_tokens=64))
    (head,) = p.warm_prompts(TEXT)
    lines = len(head) - len("<|fim_prefix|>")
    assert head == "<|fim_prefix|>" + TEXT[:lines]
    for offset in (0, 45, 400, lines - 3):
        line_start = TEXT.rfind("\n", 0, offset) + 1
        shared = shared_start(p.prompt(p.window(TEXT, offset)), head)
        assert shared == len("<|fim_prefix|>") + line_start  # the whole head above the cursor line


@pytest.mark.parametrize("layout", [None, CacheLayout(suffix_chars=512, cold_tokens=64)])
def test_asked_again_at_a_moved_window_the_prompt_is_the_moved_windows(layout: CacheLayout | None) -> None:
    p = prompting(layout)
    win = p.window(TEXT, OFFSET)
    request = p.request(win, Extent.LINE, samples=1, typing=True)
    moved = replace(win, prefix=win.prefix + "    ")
    again = p.again(replace(request, n=3), moved)
    assert (again.prefix, again.prompt, again.n) == (moved.prefix, p.prompt(moved), 1)
    if isinstance(p, CachedPrompting):
        assert again.cold_prompt == p.cold_prompt(moved) != ""
    else:
        assert again.cold_prompt == ""
