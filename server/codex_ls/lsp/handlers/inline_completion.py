"""``textDocument/inlineCompletion``: ghost text at the cursor (LSP 3.18); ``codex/stats``.

pygls does not advertise this method unless options are passed at registration.
An item's range starts at the cursor and covers the auto-closed characters
(``)``, ``]``, quotes) that the suggestion replaces.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from ..server import CodexLanguageServer
from . import feedback

STATS = "codex/stats"


async def inline_completion(
    ls: CodexLanguageServer, params: types.InlineCompletionParams
) -> types.InlineCompletionList | None:
    manual = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
    reply = await ls.complete_at(params.text_document.uri, params.position, manual=manual)
    if reply is None:
        return types.InlineCompletionList(items=[])
    feedback.shown(ls, len(reply.answer.suggestions))
    accepted = feedback.accept_command(feedback.tally(ls).shown)
    return types.InlineCompletionList(
        items=[
            types.InlineCompletionItem(
                insert_text=s.text,
                range=reply.range(reply.cursor, reply.cursor + s.replace_suffix),
                command=accepted,
            )
            for s in reply.answer.suggestions
        ]
    )


def stats(ls: CodexLanguageServer, params: object) -> dict[str, dict[str, Any]]:
    """``codex/stats``: how the completion requests so far were answered, how streams ended, what
    became of the suggestions, and the model's tokens evaluated and generated (embedded models)."""
    return {"completions": ls.completion.stats(), "suggestions": feedback.report(ls), "model": ls.completion.usage()}


def register(server: CodexLanguageServer) -> None:
    server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())(inline_completion)
    server.feature(STATS)(stats)
