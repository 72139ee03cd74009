"""What became of the suggestions shown, and the action table for editor plugins.

* ``codex.didAcceptCompletion``: the ``command`` of every inline completion item.
  LSP 3.18 has the client run an item's command when the item is accepted whole,
  so VS Code and Neovim 0.12's ``vim.lsp.inline_completion`` report it by
  themselves; the Neovim and Emacs plugins run it from their accept keys.
* ``textDocument/didPartiallyAcceptCompletion`` ``{item, acceptedLength}``:
  Copilot's notification (UTF-16 units from the start of ``insertText``), sent by
  copilot.el, copilot.lua and the plugins here on accept word / accept line.
* ``codex/didDismissCompletion``: the plugins' dismiss key. Nothing in LSP says
  when a suggestion is dropped because the user typed on or moved away, so
  dismissals are counted only when a client says so; a suggestion neither
  accepted nor dismissed was replaced by the typing.
* ``codex/actions``: the code actions (command, title, kind), so the plugins show
  the server's titles instead of copies of them.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types

from ...actions.specs import ACTIONS
from ..arguments import plain
from ..server import CodexLanguageServer

ACCEPTED = "codex.didAcceptCompletion"
PARTIALLY_ACCEPTED = "textDocument/didPartiallyAcceptCompletion"
DISMISSED = "codex/didDismissCompletion"
ACTIONS_REQUEST = "codex/actions"


@dataclass
class Tally:
    """Counts since the server started (wall clock for the editor, monotonic for the span)."""

    started: float = field(default_factory=time.time)
    shown: int = 0
    accepted: int = 0
    partially_accepted: int = 0
    #: UTF-16 units accepted by the partial accepts, together.
    partially_accepted_units: int = 0
    dismissed: int = 0

    def report(self) -> dict[str, Any]:
        return {
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "shown": self.shown,
            "accepted": self.accepted,
            "partiallyAccepted": self.partially_accepted,
            "partiallyAcceptedUnits": self.partially_accepted_units,
            "dismissed": self.dismissed,
        }


_tallies: weakref.WeakKeyDictionary[CodexLanguageServer, Tally] = weakref.WeakKeyDictionary()


def tally(ls: CodexLanguageServer) -> Tally:
    """The server's tally, made on first use."""
    found = _tallies.get(ls)
    if found is None:
        found = _tallies[ls] = Tally()
    return found


def accept_command(shown: int) -> types.Command:
    """The command an item carries, run by the client when the item is accepted whole."""
    return types.Command(title="Accept suggestion", command=ACCEPTED, arguments=[{"shown": shown}])


def shown(ls: CodexLanguageServer, items: int) -> None:
    """An inline completion answer with ``items`` suggestions went to the client."""
    if items:
        tally(ls).shown += 1


def did_accept(ls: CodexLanguageServer, *arguments: Any) -> None:
    tally(ls).accepted += 1


def did_partially_accept(ls: CodexLanguageServer, params: Any) -> None:
    data = plain(params)
    length = data.get("acceptedLength") if isinstance(data, dict) else None
    counts = tally(ls)
    counts.partially_accepted += 1
    if isinstance(length, int) and length > 0:
        counts.partially_accepted_units += length


def did_dismiss(ls: CodexLanguageServer, params: Any) -> None:
    tally(ls).dismissed += 1


def actions(ls: CodexLanguageServer, params: Any) -> list[dict[str, str]]:
    """``codex/actions``: the code actions in the order the server offers them."""
    return [{"command": s.command, "title": s.title, "kind": s.kind} for s in ACTIONS.values()]


def report(ls: CodexLanguageServer) -> dict[str, Any]:
    """The suggestion counts of ``codex/stats``."""
    return tally(ls).report()


def register(server: CodexLanguageServer) -> None:
    server.command(ACCEPTED)(did_accept)
    server.feature(PARTIALLY_ACCEPTED)(did_partially_accept)
    server.feature(DISMISSED)(did_dismiss)
    server.feature(ACTIONS_REQUEST)(actions)
