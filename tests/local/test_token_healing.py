"""Token healing on the embedded 0.5B model: a cursor inside a word, with the typed part
of the line after the FIM middle marker (``model.tuning.cacheLayout``), through the real server.

Without healing, the prompt ends with the token of the word's start (`` e``) and the
model goes on as if a new token began there: ``for i, n in e`` + ``enumerate(nums):``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.lsp import inline, inline_params, open_document, server_config, start, texts

WEIGHTED = """\
def weighted_sum(nums):
    total = 0
    for i, n in e
        total += i * n
    return total
"""
DEPTH = """\
def depth(tree):
    max_depth = 0
    for child in tree:
        max_de
    return max_depth + 1
"""

#: The calls above break the line after ``Options(``: healed to ``Options``, the model's
#: first token would be ``(\n``, which ends a one-line answer with nothing written.
OPTIONS = """\
from dataclasses import dataclass


@dataclass
class Options:
    width: int
    height: int
    title: str
    border: bool


def default_options():
    return Options(
        width=80,
        height=24,
        title="main",
        border=True,
    )


def small_options():
    return Options(
"""


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient) -> Any:
    await start(lsp_client, {"completion": {"timeout": 600.0}, "model": {"tuning": {"cacheLayout": True}}})
    yield
    await lsp_client.shutdown_session()


def cursor_after(text: str, typed: str) -> tuple[int, int]:
    line = [n for n, row in enumerate(text.split("\n")) if row.endswith(typed)][-1]
    return line, len(text.split("\n")[line])


@pytest.mark.parametrize(
    ("text", "typed", "rest"),
    [
        pytest.param(WEIGHTED, "in e", "numerate(nums):", id="enumerate"),
        pytest.param(DEPTH, "max_de", "pth", id="max-depth"),
    ],
)
async def test_a_word_cut_by_the_cursor_is_completed_not_restarted(
    client: LanguageClient, text: str, typed: str, rest: str
) -> None:
    uri = open_document(client, text)
    (completion,) = texts(await inline(client, uri, *cursor_after(text, typed)))
    assert completion.startswith(rest), completion


async def test_sampled_completions_also_continue_the_word(client: LanguageClient) -> None:
    uri = open_document(client, WEIGHTED)
    params = inline_params(uri, *cursor_after(WEIGHTED, "in e"), manual=True)
    result = await asyncio.wait_for(client.text_document_inline_completion_async(params), 600)
    assert isinstance(result, types.InlineCompletionList)
    completions = texts(list(result.items))
    assert completions
    # The typed "e" is the word's start, never a word of its own with another after it.
    assert not any(c.lstrip().startswith("enumerate") for c in completions), completions
    assert any(c.startswith("numerate(") for c in completions), completions


async def test_a_one_line_answer_after_an_open_bracket_writes_on_the_line(client: LanguageClient) -> None:
    uri = open_document(client, OPTIONS)
    (completion,) = texts(await inline(client, uri, *cursor_after(OPTIONS, "return Options(")))
    assert "width=" in completion, completion
