"""The workspace index: every admitted file's outline and imports, kept in memory, bounded.

``build`` reads the workspace folders in a worker thread; ``update`` and ``remove`` keep it
current as files are saved, changed on disk or deleted. Readers on the event loop see each
file's entry appear whole (a dict assignment), so completions go on while it builds.
Bounds: ``Limits.max_files`` files, each outline cut at ``MAX_OUTLINE_CHARS``; a bound
that is reached is said once in the log.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import resolve
from .files import Folders, Found, Limits, read_source
from .outline import outline
from .treesit import Definition, Import, Outline

log = logging.getLogger(__name__)

#: Re-exports followed from a package to the module that defines a name.
MAX_HOPS = 4
_GO_MODULE = re.compile(r"^module\s+(\S+)", re.M)
#: How the lines that can change what a file imports start, stripped (import statements in
#: every language, Go's quoted paths); names listed one per line in parentheses count too.
_IMPORT_STARTS = ("import ", "import(", "from ", "use ", "mod ", "export ", "package ", "pub ", '"')


def _import_line(line: str) -> bool:
    if line.startswith(_IMPORT_STARTS):
        return True
    if line.endswith('"'):
        return line.count('"') == 2
    return line.rstrip(",").replace(" as ", "_").isidentifier()


def import_digest(text: str) -> int:
    """What the imports of ``text`` depend on, hashed: equal digests, equal imports."""
    return hash("\n".join(line for raw in text.split("\n") if _import_line(line := raw.strip())))


@dataclass(frozen=True)
class Entry:
    relative: str
    grammar: str
    outline: Outline
    #: What the file's own names stand for: local name → import.
    bindings: dict[str, Import]
    #: ``import_digest`` of the text it was read from.
    digest: int


def _entry(found: Found, text: str) -> Entry:
    result = outline(found.grammar, text)
    bindings = {imp.local: imp for imp in result.imports if imp.local != "*"}
    return Entry(found.relative, found.grammar, result, bindings, import_digest(text))


class WorkspaceIndex:
    def __init__(self, roots: Sequence[Path], limits: Limits | None = None) -> None:
        limits = limits or Limits()
        self.folders = Folders(roots, limits)
        self.limits = limits
        self.files: dict[str, Entry] = {}
        self.modules = resolve.Modules(lambda relative: relative in self.files)
        #: Goes up with every change, so that what was chosen from the index can be kept until it changes.
        self.version = 0
        #: The index stopped at ``max_files`` (or at ``max_entries`` while walking).
        self.full = False
        self.seconds = 0.0
        self._lock = threading.Lock()
        self._parsed: OrderedDict[tuple[str, int], Entry] = OrderedDict()

    async def build(self) -> None:
        """Read the workspace folders, in a worker thread."""
        await asyncio.to_thread(self.build_now)

    def build_now(self) -> None:
        started = time.perf_counter()
        self._read_go_modules()
        count = 0
        for found in self.folders.walk():
            if count >= self.limits.max_files:
                self.full = True
                log.warning("workspace: indexed %d files and stopped (the limit); the rest is left out", count)
                break
            text = read_source(found.path, self.limits.max_file_bytes)
            if text is not None:
                self._put(found, text)
                count += 1
        self.seconds = time.perf_counter() - started
        log.info("workspace: %d files indexed in %.1fs", count, self.seconds)

    def _read_go_modules(self) -> None:
        for root in self.folders.roots:
            text = read_source(root / "go.mod", 100_000) if (root / "go.mod").is_file() else None
            match = _GO_MODULE.search(text or "")
            if match:
                self.modules.go_modules[match.group(1)] = ""

    async def update(self, path: Path, text: str | None = None) -> bool:
        """Index ``path`` again (saved, or changed on disk), from ``text`` or from the disk, in a worker
        thread. ``False`` when it is not a file the index takes (ignored, outside the folders)."""
        return await asyncio.to_thread(self.update_now, path, text)

    def update_now(self, path: Path, text: str | None = None) -> bool:
        found = self.folders.admitted(path)
        if found is None:
            return False
        if found.relative not in self.files and len(self.files) >= self.limits.max_files:
            return False
        if text is None:
            text = read_source(found.path, self.limits.max_file_bytes)
        elif len(text.encode("utf-8", "replace")) > self.limits.max_file_bytes:
            text = None
        if text is None:
            self.remove(path)
            return False
        self._put(found, text)
        return True

    def remove(self, path: Path) -> None:
        where = self.folders.inside(Path(path).absolute())
        relative = where[1] if where else None
        with self._lock:
            entry = self.files.pop(relative, None) if relative else None
            if entry is None:
                return
            self.version += 1
            if entry.grammar == "python":
                self.modules.remove_python(entry.relative)
            elif entry.grammar == "java" and entry.outline.package:
                stem = entry.relative.rsplit("/", 1)[-1].removesuffix(".java")
                self.modules.java.pop(f"{entry.outline.package}.{stem}", None)
            elif entry.grammar == "go":
                folder = entry.relative.rpartition("/")[0]
                files = self.modules.go_packages.get(folder, ())
                self.modules.go_packages[folder] = tuple(f for f in files if f != entry.relative)

    def _put(self, found: Found, text: str) -> None:
        entry = _entry(found, text)
        with self._lock:
            self.files[found.relative] = entry
            self.version += 1
            if entry.grammar == "python":
                self.modules.add_python(found.relative)
            elif entry.grammar == "java" and entry.outline.package:
                stem = found.relative.rsplit("/", 1)[-1].removesuffix(".java")
                self.modules.java[f"{entry.outline.package}.{stem}"] = found.relative
            elif entry.grammar == "go" and not found.relative.endswith("_test.go"):
                folder = found.relative.rpartition("/")[0]
                files = self.modules.go_packages.get(folder, ())
                if found.relative not in files:
                    self.modules.go_packages[folder] = (*files, found.relative)

    def bindings(self, relative: str, grammar: str, text: str) -> dict[str, Import]:
        """What the names of the document ``relative`` stand for, in ``text``: from the index when the
        file's import lines are those it read, else parsed (milliseconds to tens of them, for a long
        file) and kept for the next request with the same import lines."""
        digest = import_digest(text)
        entry = self.files.get(relative)
        if entry is not None and entry.digest == digest:
            return entry.bindings
        key = (relative, digest)
        if key not in self._parsed:
            self._parsed[key] = _entry(Found(Path(relative), relative, grammar), text)
            while len(self._parsed) > 8:
                self._parsed.popitem(last=False)
        return self._parsed[key].bindings

    def resolve(self, relative: str, grammar: str, imp: Import) -> list[resolve.Target]:
        return resolve.resolve(self.modules, grammar, relative, imp)

    def definition(self, relative: str, name: str, hops: int = 0) -> tuple[str, Definition] | None:
        """Where ``name`` is defined, from the module ``relative`` on: through the names it
        imports (a package's ``__init__.py``, ``export ... from``, ``pub use``) and its star imports."""
        entry = self.files.get(relative)
        if entry is None or hops > MAX_HOPS:
            return None
        found = entry.outline.definitions.get(name)
        if found is not None:
            return relative, found
        imports = [entry.bindings[name]] if name in entry.bindings else []
        imports += [i for i in entry.outline.imports if i.name == "*"]
        for imp in imports:
            for target, symbol in self.resolve(relative, entry.grammar, imp):
                wanted = name if symbol in (None, "*") and imp.name == "*" else symbol
                if wanted is None:
                    continue
                deeper = self.definition(target, wanted, hops + 1)
                if deeper is not None:
                    return deeper
        return None

    def grammar_of(self, relative: str) -> str:
        entry = self.files.get(relative)
        return entry.grammar if entry else ""
