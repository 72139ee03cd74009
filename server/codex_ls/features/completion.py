"""``textDocument/completion``: the same suggestion as one popup item.

For clients without an inline UI (Helix, eglot). The list is marked incomplete so
the client asks again as the user types instead of filtering a stale answer.
"""

from __future__ import annotations

from lsprotocol import types

from ..context.window import position_at
from ..server import CodexLanguageServer


async def completion(ls: CodexLanguageServer, params: types.CompletionParams) -> types.CompletionList:
    manual = params.context is not None and params.context.trigger_kind == types.CompletionTriggerKind.Invoked
    result = await ls.complete_at(params.text_document.uri, params.position, manual=manual)
    if result is None:
        return types.CompletionList(is_incomplete=True, items=[])
    outcome, document = result
    offset = outcome.window.start + len(outcome.window.prefix)
    start = position_at(document.source, offset, document.position_codec)
    items = []
    for rank, suggestion in enumerate(outcome.suggestions):
        end = position_at(document.source, offset + suggestion.replace_suffix, document.position_codec)
        first_line = suggestion.text.strip().split("\n", 1)[0]
        items.append(
            types.CompletionItem(
                label=first_line[:60] or suggestion.text[:60],
                kind=types.CompletionItemKind.Text,
                detail="codex-ls",
                documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=f"```\n{suggestion.text}\n```"),
                sort_text=f"{rank:02d}",
                filter_text=first_line,
                preselect=rank == 0,
                insert_text_format=types.InsertTextFormat.PlainText,
                text_edit=types.TextEdit(range=types.Range(start, end), new_text=suggestion.text),
            )
        )
    return types.CompletionList(is_incomplete=True, items=items)


def register(server: CodexLanguageServer) -> None:
    server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions())(completion)
