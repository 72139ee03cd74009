"""Which files of the workspace folders are read: source files in the indexed languages, not
ignored by a ``.gitignore``, not vendored, generated, binary or huge, never outside the folders.

Symbolic links are resolved and followed only when their target lies inside a workspace
folder; a directory is entered once, however many links lead to it, so a link loop ends.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .gitignore import IgnoreFile, ignored

log = logging.getLogger(__name__)

#: Folders that hold other people's code or build output: never entered.
VENDORED = frozenset(
    {
        "node_modules", ".venv", "venv", "vendor", "third_party", "build", "dist", ".git", ".hg", ".svn",
        "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages",
        ".eggs", "target", ".idea", ".vscode",
    }
)  # fmt: skip
#: File extension → tree-sitter grammar.
EXTENSIONS = {
    ".py": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
}
_GENERATED_NAME = re.compile(r"(\.min\.js|_pb2(_grpc)?\.py|\.pb\.go|[._]generated\.\w+|\.d\.ts)$")
_GENERATED_MARK = re.compile(rb"@generated|DO NOT EDIT|(?:auto-?|automatically )generated (?:by|from|file)", re.I)
BINARY_PROBE = 8192


@dataclass(frozen=True)
class Limits:
    #: Files kept in the index.
    max_files: int = 20_000
    #: Larger files are skipped: vendored bundles, data, generated code.
    max_file_bytes: int = 1_000_000
    #: Directory entries looked at while walking, so a tree of mostly other files ends too.
    max_entries: int = 200_000


@dataclass(frozen=True)
class Found:
    #: Resolved, inside a workspace folder.
    path: Path
    #: Relative to the workspace folder, with ``/``.
    relative: str
    grammar: str


#: LSP language ids whose grammar is not named by the file's extension alone.
_LANGUAGE_GRAMMARS = {"typescriptreact": "tsx", "javascriptreact": "javascript"}


def grammar_for(language_id: str, path: str) -> str:
    """The tree-sitter grammar of a document: by its language id, else by its extension; ``""`` if none."""
    if language_id in _LANGUAGE_GRAMMARS or language_id in EXTENSIONS.values():
        return _LANGUAGE_GRAMMARS.get(language_id, language_id)
    return grammar_of(path) or ""


def grammar_of(name: str) -> str | None:
    if _GENERATED_NAME.search(name):
        return None
    return EXTENSIONS.get(os.path.splitext(name)[1])


class Folders:
    """The workspace folders, resolved, and the ``.gitignore`` files read in them."""

    def __init__(self, roots: Sequence[Path], limits: Limits | None = None) -> None:
        limits = limits or Limits()
        self.roots = [root.resolve() for root in roots if root.is_dir()]
        self.limits = limits
        self._ignores: dict[Path, IgnoreFile | None] = {}

    def inside(self, path: Path) -> tuple[Path, str] | None:
        """The folder holding ``path`` (resolved) and the path relative to it; ``None`` outside."""
        for root in self.roots:
            if path == root or root in path.parents:
                return root, path.relative_to(root).as_posix()
        return None

    def _ignore_file(self, folder: Path) -> IgnoreFile | None:
        if folder not in self._ignores:
            rules = None
            candidate = folder / ".gitignore"
            try:
                if candidate.is_file() and not candidate.is_symlink():
                    rules = IgnoreFile(candidate.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                rules = None
            self._ignores[folder] = rules
        return self._ignores[folder]

    def _stack(self, root: Path, relative_dir: str) -> list[tuple[str, IgnoreFile]]:
        parts = relative_dir.split("/") if relative_dir else []
        stack = []
        for depth in range(len(parts) + 1):
            base = "/".join(parts[:depth])
            rules = self._ignore_file(root / base if base else root)
            if rules is not None:
                stack.append((base, rules))
        return stack

    def admitted(self, path: Path) -> Found | None:
        """``path`` as the walk would find it, or ``None`` if the walk would leave it out."""
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            return None
        where = self.inside(resolved)
        grammar = grammar_of(resolved.name)
        if where is None or grammar is None:
            return None
        root, relative = where
        parts = relative.split("/")
        if any(part in VENDORED for part in parts[:-1]):
            return None
        for depth in range(1, len(parts) + 1):
            stack = self._stack(root, "/".join(parts[: depth - 1]))
            if ignored(stack, "/".join(parts[:depth]), depth < len(parts)):
                return None
        return Found(resolved, relative, grammar)

    def walk(self) -> Iterator[Found]:
        """The admitted files of every folder, in a stable order, until ``max_entries`` is reached."""
        seen: set[Path] = set()
        entries = 0
        for root in self.roots:
            pending: list[tuple[Path, str]] = [(root, "")]
            seen.add(root)
            while pending:
                folder, relative = pending.pop()
                stack = self._stack(root, relative)
                try:
                    with os.scandir(folder) as listing:
                        names = sorted((entry.name, entry.is_dir()) for entry in listing)
                except OSError as exc:
                    log.debug("workspace: cannot list %s: %s", folder, exc)
                    continue
                entries += len(names)
                if entries > self.limits.max_entries:
                    log.warning("workspace: stopped after %d directory entries; the index is partial", entries)
                    return
                dirs: list[tuple[Path, str]] = []
                for name, is_dir in names:
                    found = self._entry(root, folder / name, f"{relative}/{name}".lstrip("/"), is_dir, stack)
                    if isinstance(found, Found):
                        yield found
                    elif found is not None and found[0] not in seen:
                        seen.add(found[0])
                        dirs.append(found)
                pending.extend(reversed(dirs))

    def _entry(
        self, root: Path, path: Path, relative: str, is_dir: bool, stack: list[tuple[str, IgnoreFile]]
    ) -> Found | tuple[Path, str] | None:
        """A file to read, a folder to enter (resolved), or nothing."""
        if is_dir and path.name in VENDORED:
            return None
        grammar = None if is_dir else grammar_of(path.name)
        if not is_dir and grammar is None:
            return None
        if ignored(stack, relative, is_dir):
            return None
        resolved = path
        if path.is_symlink():
            try:
                resolved = path.resolve(strict=True)
            except (OSError, RuntimeError):
                return None  # dangling, or a loop of links
            if self.inside(resolved) is None:
                return None
        if is_dir:
            return resolved, relative
        assert grammar is not None
        return Found(resolved, relative, grammar)


def read_source(path: Path, max_bytes: int) -> str | None:
    """The text of a source file; ``None`` when it is too large, binary, generated or unreadable."""
    try:
        with path.open("rb") as stream:
            if os.fstat(stream.fileno()).st_size > max_bytes:
                return None
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        log.debug("workspace: cannot read %s: %s", path, exc)
        return None
    if len(data) > max_bytes or b"\0" in data[:BINARY_PROBE] or _GENERATED_MARK.search(data[:1024]):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
