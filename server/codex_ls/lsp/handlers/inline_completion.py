"""``textDocument/inlineCompletion``: ghost text at the cursor (LSP 3.18); ``codex/stats``.

pygls does not advertise this method unless options are passed at registration.
An item's range starts at the cursor and covers the auto-closed characters
(``)``, ``]``, quotes) that the suggestion replaces.
"""

from __future__ import annotations

from lsprotocol import types

from ...positions import position_at
from ..server import CodexLanguageServer

STATS = "codex/stats"


async def inline_completion(
    ls: CodexLanguageServer, params: types.InlineCompletionParams
) -> types.InlineCompletionList | None:
    manual = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
    result = await ls.complete_at(params.text_document.uri, params.position, manual=manual)
    if result is None:
        return types.InlineCompletionList(items=[])
    outcome, document = result
    offset = outcome.window.start + len(outcome.window.prefix)
    start = position_at(document.source, offset, document.position_codec.encoding)
    items = []
    for suggestion in outcome.suggestions:
        end = position_at(document.source, offset + suggestion.replace_suffix, document.position_codec.encoding)
        items.append(types.InlineCompletionItem(insert_text=suggestion.text, range=types.Range(start, end)))
    return types.InlineCompletionList(items=items)


def stats(ls: CodexLanguageServer, params: object) -> dict[str, dict[str, int]]:
    """``codex/stats``: how the completion requests so far were answered, and how streams ended."""
    return {"completions": dict(ls.engine.counts)}


def register(server: CodexLanguageServer) -> None:
    server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())(inline_completion)
    server.feature(STATS)(stats)
