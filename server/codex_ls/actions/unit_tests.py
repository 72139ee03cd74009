"""*Add unit tests*: a test file in the project's framework, created or appended to.

Python tests are pytest functions in ``tests/test_<module>.py`` under the
workspace folder; other languages' frameworks and test files are in
``frameworks.py`` (Rust's tests go in a ``mod tests`` at the end of the source
itself). Every language's tests are joined to an existing file by ``merging.py``:
new imports with the file's own, the tests after its code. The generated code
must parse (alone and joined to the existing file): Python by ``ast``, the
others by tree-sitter. If it does not, the model is asked once
more, and after that nothing is applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from pathlib import Path

from ..positions import position_at
from . import merging
from .edits import create_file, insert_all
from .frameworks import ProjectFacts, TestFile, layout_for
from .inputs import ask_checked, prompt_input, require_target
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
    check = functools.partial(merging.check, existing=existing.text if existing else None, tests=tests)
    code = await ask_checked(job, "addTests", data, check, prefer=tests.marker)
    return _edit(job, tests, existing, merging.with_import(code, tests))


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


def _read(path: Path) -> Existing | None:
    try:
        return Existing(path.read_text(encoding="utf-8"), None)
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ActionFailedError(f"cannot read {path}: {exc}") from None


def _edit(job: Job, tests: TestFile, existing: Existing | None, code: str) -> EditResult:
    """A new test file, or the tests joined to the file as the editor or the disk has it (``merging.join``)."""
    label = f"Add unit tests to {tests.relative}"
    if existing is None:
        if not job.can_create_files:
            raise ActionFailedError(f"the editor cannot create {tests.relative}; create it and run the action again")
        return EditResult(create_file(job.uri_of(tests.path), code.strip("\n") + "\n"), label)
    uri = job.snapshot.uri if tests.in_source else job.uri_of(tests.path)
    inserts = merging.join(existing.text, code, tests)
    encoding = job.snapshot.encoding
    edits = [(position_at(existing.text, i.offset, encoding), i.text) for i in inserts]
    return EditResult(insert_all(uri, existing.version, edits), label)
