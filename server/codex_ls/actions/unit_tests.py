"""*Add unit tests*: a test file in the project's framework, created or appended to.

Python tests are pytest functions in ``tests/test_<module>.py`` under the
workspace folder. The generated code must parse (alone and appended to the
existing file); if it does not, the model is asked once more, and after that
nothing is applied.
"""

from __future__ import annotations

import ast
import asyncio
import textwrap
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lsprotocol import types

from ..positions import client_units
from .edits import append, create_file
from .inputs import ask_checked, prompt_input, python_parses, require_target
from .job import ActionFailedError, EditResult, Existing, Job, Snapshot
from .target import Target


@dataclass(frozen=True)
class TestFile:
    path: Path
    #: Path relative to the workspace folder, for the prompt.
    relative: str
    framework: str
    import_line: str


def test_file(snapshot: Snapshot, target: Target) -> TestFile:
    source = PurePosixPath(snapshot.path)
    root = snapshot.root or (snapshot.file.parent if snapshot.file else Path("."))
    if snapshot.language.lower() != "python":
        raise ActionFailedError("unit tests are generated for Python (pytest) only so far")
    relative = f"tests/test_{source.stem}.py"
    return TestFile(root / relative, relative, "pytest", _import_line(source, target, snapshot.text))


def _import_line(source: PurePosixPath, target: Target, text: str) -> str:
    parts = list(source.with_suffix("").parts)
    if parts and parts[0] in ("src", "lib"):
        parts = parts[1:]
    module = ".".join(parts) or source.stem
    names = _defined_names(target.code(text))
    return f"from {module} import {', '.join(names)}" if names else f"import {module}"


def _defined_names(code: str) -> list[str]:
    try:
        tree = ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError):
        return []
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return [node.name for node in tree.body if isinstance(node, kinds)]


async def add_tests(job: Job) -> EditResult:
    """Tests for the target, added to the test file as the editor has it (or as it is on disk)."""
    target = require_target(job)
    tests = test_file(job.snapshot, target)
    existing = job.opened(tests.path) or await asyncio.to_thread(_read, tests.path)
    data = prompt_input(
        job,
        target,
        context=False,
        framework=tests.framework,
        test_path=tests.relative,
        import_line=tests.import_line,
    )

    def check(code: str) -> str | None:
        if not python_parses(code):
            return "the generated tests do not parse"
        if existing is not None and not python_parses(existing.text + _joined(existing.text, code)):
            return "the generated tests do not fit the existing test file"
        return None

    code = await ask_checked(job, "addTests", data, check, prefer="def test_")
    return _edit(job, tests, existing, _with_import(code, tests.import_line))


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


def _end_position(text: str, snapshot: Snapshot) -> types.Position:
    last = text.rsplit("\n", 1)[-1]
    return types.Position(text.count("\n"), client_units(last, snapshot.encoding))
