"""Repository context for a completion: outlines of what the code at the cursor uses.

Pure and cheap, for the keystroke path: a few dictionary look-ups in the index and
searches of the text above the cursor. In order of value:

1. the outline of the name or module right before the cursor (``Console(``, ``utils.``,
   ``utils.parse(``), or of the call the cursor is inside;
2. the definitions of the other names the file imports from the workspace, the names
   used nearest above the cursor first (of an imported module, the members the file uses);
3. what the caller passes as ``recent`` (``RecentEdits``: lines edited lately in other files).

Returned as ``(relative path, text)`` pairs, best first, one pair per file, within a
character budget. A prompt puts the best nearest the cursor: reversed.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from .index import WorkspaceIndex
from .treesit import Import

Pairs = tuple[tuple[str, str], ...]
#: The outline of a whole module, when the file uses the module itself.
MODULE_CHARS = 800
#: Imported names looked at, the nearest used first.
MAX_IMPORTS = 12
#: How far above the cursor the uses of imported names are looked for.
SCAN_CHARS = 20_000
#: A candidate longer than what is left of the budget is cut, if at least this much is left.
MIN_CUT_CHARS = 200

_CHAIN = re.compile(r"(?:[A-Za-z_$][\w$]*(?:\.|::))*[A-Za-z_$]?[\w$]*$")
_SEPARATOR = re.compile(r"\.|::")


def chains_at(text: str, offset: int) -> list[list[str]]:
    """The dotted names the cursor is at: the one right before it (``utils.pa`` → ``utils``, ``pa``),
    then the callee of the innermost call it is inside (``Console(width=`` → ``Console``)."""
    line = text[text.rfind("\n", 0, offset) + 1 : offset]
    found = []
    match = _CHAIN.search(line)
    if match and match.group(0):
        found.append([s for s in _SEPARATOR.split(match.group(0)) if s] or [])
    depth = 0
    for i in range(len(line) - 1, -1, -1):
        depth += (line[i] == ")") - (line[i] == "(")
        if depth < 0:
            callee = _CHAIN.search(line[:i].rstrip())
            if callee and callee.group(0):
                found.append([s for s in _SEPARATOR.split(callee.group(0)) if s])
            break
    return [chain for chain in found if chain]


def _module_text(index: WorkspaceIndex, relative: str, members: Sequence[str]) -> str:
    """Of a module: the definitions of ``members`` where it has them, else its outline's start."""
    chosen = [found[1].text for m in members if (found := index.definition(relative, m)) is not None]
    if chosen:
        return "\n".join(dict.fromkeys(chosen))
    entry = index.files.get(relative)
    whole = entry.outline.text() if entry else ""
    return whole if len(whole) <= MODULE_CHARS else whole[: whole.rfind("\n", 0, MODULE_CHARS) + 1] + "..."


def _outlines(
    index: WorkspaceIndex, path: str, grammar: str, imp: Import, members: Sequence[str]
) -> list[tuple[str, str]]:
    """The outline of what ``imp`` binds: a definition, or a module's members (``members``)."""
    found = []
    for target, symbol in index.resolve(path, grammar, imp):
        if symbol is not None:
            definition = index.definition(target, symbol)
            if definition is not None:
                found.append((definition[0], definition[1].text))
        else:
            text = _module_text(index, target, members)
            if text:
                found.append((target, text))
    return found


def _focus(
    index: WorkspaceIndex, path: str, grammar: str, bindings: dict[str, Import], chains: list[list[str]]
) -> tuple[list[tuple[str, str]], str | None]:
    for chain in chains:
        for cut in range(len(chain), 0, -1):
            imp = bindings.get(".".join(chain[:cut])) or bindings.get("::".join(chain[:cut]))
            if imp is not None:
                members = chain[cut : cut + 1]
                return _outlines(index, path, grammar, imp, members), imp.local
    return [], None


def _last_use(text: str, name: str, end: int) -> int:
    """Where ``name`` was last used as a word before ``end`` (within ``SCAN_CHARS``); -1 when not."""
    at = end
    while (at := text.rfind(name, max(0, end - SCAN_CHARS), at)) != -1:
        before = text[at - 1] if at else " "
        after = text[at + len(name)] if at + len(name) < len(text) else " "
        if not (before.isalnum() or before in "_$") and not (after.isalnum() or after in "_$"):
            return at
    return -1


_ATTRIBUTE = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)(?:\.|::)([A-Za-z_$][\w$]*)")


def members_used(text: str, end: int) -> dict[str, list[str]]:
    """The members read from each name above ``end`` (``utils.parse`` → ``utils``: ``parse``), the last first."""
    found: dict[str, dict[str, None]] = {}
    for name, member in reversed(_ATTRIBUTE.findall(text, max(0, end - SCAN_CHARS), end)):
        found.setdefault(name, {})[member] = None
    return {name: list(members) for name, members in found.items()}


def repository_context(
    index: WorkspaceIndex,
    path: str,
    grammar: str,
    text: str,
    offset: int,
    *,
    budget_chars: int = 2000,
    recent: Iterable[tuple[str, str]] = (),
    chains: list[list[str]] | None = None,
) -> Pairs:
    """Snippets of the workspace for a completion at ``offset`` in ``text`` (the document ``path``,
    relative to its workspace folder, in tree-sitter's ``grammar``), best first."""
    bindings = index.bindings(path, grammar, text)
    focus, used = _focus(index, path, grammar, bindings, chains_at(text, offset) if chains is None else chains)
    by_use = sorted(
        ((_last_use(text, local, offset), order, imp) for order, (local, imp) in enumerate(bindings.items())),
        key=lambda item: (-item[0], item[1]),
    )
    candidates = list(focus)
    members = members_used(text, offset)
    for _, _, imp in by_use[:MAX_IMPORTS]:
        if imp.local != used:
            candidates += _outlines(index, path, grammar, imp, members.get(imp.local, []))
    candidates += recent
    return fit([c for c in candidates if c[0] != path], budget_chars)


def fit(candidates: Iterable[tuple[str, str]], budget_chars: int) -> Pairs:
    """The candidates in order, one pair per file, each text once, within ``budget_chars``."""
    files: OrderedDict[str, list[str]] = OrderedDict()
    seen: set[str] = set()
    used = 0
    for path, text in candidates:
        if text in seen or not text.strip():
            continue
        cost = len(text) + 1 + (0 if path in files else len(path) + 16)
        if used + cost > budget_chars:
            room = budget_chars - used - (cost - len(text))
            if room < MIN_CUT_CHARS:
                continue
            text = text[: text.rfind("\n", 0, room) + 1].rstrip()
            if not text:
                continue
            cost = budget_chars - used
        seen.add(text)
        files.setdefault(path, []).append(text)
        used += cost
    return tuple((path, "\n".join(texts)) for path, texts in files.items())


class LineContext:
    """Repository context that stays put while the user types on one line, for a backend that
    keeps its prompt in a KV cache (the snippets come first in the prompt: when they change,
    the whole prompt is evaluated again).

    The snippets are chosen at the first request on a line, from the lines above it and the
    name before the cursor then (``Console(`` on a line that continues an expression, nothing
    on a new line), and given again for every request on that line until the lines above it
    or the index change. Call ``at`` where ``repository_context`` would be called, with the
    same arguments, for every request and warm-up of the document.
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._kept: OrderedDict[str, tuple[tuple[int, int, int], Pairs]] = OrderedDict()

    def at(
        self,
        index: WorkspaceIndex,
        path: str,
        grammar: str,
        text: str,
        offset: int,
        *,
        budget_chars: int = 2000,
        recent: Iterable[tuple[str, str]] = (),
    ) -> Pairs:
        line_start = text.rfind("\n", 0, offset) + 1
        key = (line_start, hash(text[:line_start]), index.version)
        kept = self._kept.get(path)
        if kept is not None and kept[0] == key:
            return kept[1]
        found = repository_context(index, path, grammar, text, offset, budget_chars=budget_chars, recent=recent)
        self._kept[path] = (key, found)
        self._kept.move_to_end(path)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return found
