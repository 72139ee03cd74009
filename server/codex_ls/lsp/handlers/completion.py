"""``textDocument/completion``: the same suggestion as one popup item.

For clients without an inline UI (Helix, eglot). The list is marked incomplete so
the client asks again as the user types instead of filtering a stale answer.

A client that shows inline completions is not offered this provider: VS Code asks
for both as the user types, which showed the same suggestion twice (ghost text and a
popup item, where Escape closed the popup and left the ghost text) and put two
requests per keystroke on the document's scheduler, where each cancelled the other's
model call. The choice is made in ``initialize``, before the capabilities are sent.
"""

from __future__ import annotations

import re

from lsprotocol import types

from ..server import CodexLanguageServer

_WORD_END = re.compile(r"\w+$")


async def completion(ls: CodexLanguageServer, params: types.CompletionParams) -> types.CompletionList:
    manual = params.context is not None and params.context.trigger_kind == types.CompletionTriggerKind.Invoked
    reply = await ls.complete_at(params.text_document.uri, params.position, manual=manual)
    if reply is None:
        return types.CompletionList(is_incomplete=True, items=[])
    # Clients filter items by the word before the cursor: the edit starts at that
    # word and repeats it, or a suggestion after "retu" would be filtered away.
    word = _word_before(reply.answer.window.prefix)
    items = []
    for rank, suggestion in enumerate(reply.answer.suggestions):
        where = reply.range(reply.cursor - len(word), reply.cursor + suggestion.replace_suffix)
        text = word + suggestion.text
        first_line = text.strip().split("\n", 1)[0]
        items.append(
            types.CompletionItem(
                label=first_line[:60] or text[:60],
                kind=types.CompletionItemKind.Text,
                detail="codex-ls",
                documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=f"```\n{text}\n```"),
                sort_text=f"{rank:02d}",
                filter_text=first_line,
                preselect=rank == 0,
                insert_text_format=types.InsertTextFormat.PlainText,
                text_edit=types.TextEdit(range=where, new_text=text),
            )
        )
    return types.CompletionList(is_incomplete=True, items=items)


def _word_before(prefix: str) -> str:
    """The identifier characters just before the cursor."""
    match = _WORD_END.search(prefix[-200:])
    return match.group(0) if match else ""


def offers_inline(capabilities: types.ClientCapabilities) -> bool:
    text_document = capabilities.text_document
    return text_document is not None and text_document.inline_completion is not None


def withdraw_for_inline_clients(ls: CodexLanguageServer, capabilities: types.ClientCapabilities) -> bool:
    """Leave the completion provider out for a client with inline completion; True if it was."""
    if not offers_inline(capabilities):
        return False
    ls.protocol.fm.features.pop(types.TEXT_DOCUMENT_COMPLETION, None)
    ls.protocol.fm.feature_options.pop(types.TEXT_DOCUMENT_COMPLETION, None)
    return True


def register(server: CodexLanguageServer) -> None:
    server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions())(completion)
