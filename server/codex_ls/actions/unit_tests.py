"""*Add unit tests*: a test file in the project's framework, created or appended to.

Python tests are pytest functions in ``tests/test_<module>.py`` under the
workspace folder; other languages' frameworks and test files are in
``frameworks.py``, and their joining to an existing file in ``merging.py``
(Rust's tests go in a ``mod tests`` at the end of the source itself). The
generated code must parse (alone and appended to the existing file): Python by
``ast``, the others by tree-sitter. If it does not, the model is asked once
more, and after that nothing is applied.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from lsprotocol import types

from ..positions import client_units, position_at
from . import merging
from .edits import append, create_file, insert_all
from .frameworks import ProjectFacts, TestFile, layout_for
from .inputs import ask_checked, prompt_input, python_parses, require_target
from .job import ActionFailedError, EditResult, Existing, Job, Snapshot


async def add_tests(job: Job) -> EditResult:
    """Tests for the target, added to the test file as the editor has it (or as it is on disk)."""
    target = require_target(job)
    facts = await asyncio.to_thread(_facts, job.snapshot)
    tests = layout_for(job.snapshot, target, facts)
    if tests.in_source:
        existing: Existing | None = Existing(job.snapshot.text, job.snapshot.version)
    else:
        existing = job.opened(tests.path) or await asyncio.to_thread(_read, tests.path)
    data = prompt_input(
        job,
        target,
        context=False,
        framework=tests.framework,
        test_path=tests.relative,
        import_line=tests.import_line,
    )
    if tests.language != "python":
        before = existing.text if existing else None
        code = await ask_checked(job, "addTests", data, lambda c: merging.check(c, before, tests), prefer=tests.marker)
        return _joined_edit(job, tests, existing, merging.with_import(code, tests))

    def check(code: str) -> str | None:
        if not python_parses(code):
            return "the generated tests do not parse"
        if existing is not None and not python_parses(existing.text + _joined(existing.text, code)):
            return "the generated tests do not fit the existing test file"
        return None

    code = await ask_checked(job, "addTests", data, check, prefer="def test_")
    return _edit(job, tests, existing, _with_import(code, tests.import_line))


def _facts(snapshot: Snapshot) -> ProjectFacts:
    """The workspace's package.json (JavaScript, TypeScript) and the names of the files beside the source."""
    manifest = None
    if snapshot.root is not None and snapshot.language.lower() in _NODE:
        try:
            found = _read(snapshot.root / "package.json")
        except ActionFailedError:  # unreadable: the default framework
            found = None
        manifest = found.text if found else None
    siblings: frozenset[str] = frozenset()
    if snapshot.file is not None and snapshot.language.lower() in ("c", "cpp"):
        with contextlib.suppress(OSError):
            siblings = frozenset(p.name for p in snapshot.file.parent.iterdir())
    return ProjectFacts(manifest, siblings)


_NODE = frozenset({"javascript", "javascriptreact", "typescript", "typescriptreact"})


def _with_import(code: str, import_line: str) -> str:
    """The tests with the import of the code under test, which small models often leave out."""
    if import_line in code:
        return code
    lines = code.split("\n")
    at = max((i + 1 for i, line in enumerate(lines) if _is_import(line)), default=0)
    return "\n".join([*lines[:at], import_line, *lines[at:]])


def _read(path: Path) -> Existing | None:
    try:
        return Existing(path.read_text(encoding="utf-8"), None)
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ActionFailedError(f"cannot read {path}: {exc}") from None


def _joined(existing: str, code: str) -> str:
    """The code to append: without import lines the file already has, two blank lines after it."""
    have = {line.strip() for line in existing.split("\n") if _is_import(line)}
    kept = [line for line in code.split("\n") if not (_is_import(line) and line.strip() in have)]
    body = "\n".join(kept).strip("\n") + "\n"
    if not existing.strip():
        return body
    trailing = len(existing) - len(existing.rstrip("\n"))
    return "\n" * max(0, 3 - trailing) + body


def _is_import(line: str) -> bool:
    return line.startswith(("import ", "from "))


def _edit(job: Job, tests: TestFile, existing: Existing | None, code: str) -> EditResult:
    uri = job.uri_of(tests.path)
    label = f"Add unit tests to {tests.relative}"
    if existing is None:
        if not job.can_create_files:
            raise ActionFailedError(f"the editor cannot create {tests.relative}; create it and run the action again")
        return EditResult(create_file(uri, code.strip("\n") + "\n"), label)
    end = _end_position(existing.text, job.snapshot)
    return EditResult(append(uri, existing.version, end, _joined(existing.text, code)), label)


def _joined_edit(job: Job, tests: TestFile, existing: Existing | None, code: str) -> EditResult:
    uri = job.snapshot.uri if tests.in_source else job.uri_of(tests.path)
    label = f"Add unit tests to {tests.relative}"
    if existing is None:
        return _edit(job, tests, None, code)
    inserts = merging.join(existing.text, code, tests)
    encoding = job.snapshot.encoding
    edits = [(position_at(existing.text, i.offset, encoding), i.text) for i in inserts]
    return EditResult(insert_all(uri, existing.version, edits), label)


def _end_position(text: str, snapshot: Snapshot) -> types.Position:
    last = text.rsplit("\n", 1)[-1]
    return types.Position(text.count("\n"), client_units(last, snapshot.encoding))
