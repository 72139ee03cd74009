"""``.gitignore`` patterns: the common forms (``*``, ``**``, ``?``, ``[...]``, ``!``, a leading or
inner ``/`` that anchors, a trailing ``/`` for directories), matched as git matches them."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    negated: bool
    directories_only: bool


def _translate(glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[" and (end := glob.find("]", i + 2)) != -1:
            body = glob[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


def parse_rule(line: str) -> Rule | None:
    """One line of a ``.gitignore``; ``None`` for blanks and comments."""
    line = line.rstrip("\n\r")
    if not line.endswith("\\ "):
        line = line.rstrip(" ")
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    if negated or line.startswith("\\"):
        line = line[1:]
    directories_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    body = _translate(line.lstrip("/"))
    regex = ("" if anchored else "(?:.*/)?") + body
    return Rule(re.compile(regex + r"\Z", re.DOTALL), negated, directories_only)


class IgnoreFile:
    """The rules of one ``.gitignore``, for paths relative to the directory holding it."""

    def __init__(self, text: str) -> None:
        self.rules = [rule for line in text.splitlines() if (rule := parse_rule(line)) is not None]

    def verdict(self, relative: str, is_dir: bool) -> bool | None:
        """``True`` ignored, ``False`` re-included, ``None`` when no rule speaks of the path."""
        found: bool | None = None
        for rule in self.rules:
            if rule.directories_only and not is_dir:
                continue
            if rule.pattern.match(relative):
                found = not rule.negated
        return found


def ignored(stack: list[tuple[str, IgnoreFile]], relative: str, is_dir: bool) -> bool:
    """Whether ``relative`` (to the workspace folder) is ignored by the ``.gitignore`` files
    ``stack`` (their folder relative to the workspace folder, outermost first): the deepest says last."""
    result = False
    for base, rules in stack:
        if base and not relative.startswith(base + "/"):
            continue
        verdict = rules.verdict(relative[len(base) + 1 :] if base else relative, is_dir)
        if verdict is not None:
            result = verdict
    return result
