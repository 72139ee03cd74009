"""Where *Add unit tests* puts the tests, in which framework, and how they reach the code under test.

One layout per language, each the language's usual convention, all paths
relative to the workspace folder:

========== ======================= ============================================== ==================================
language   framework               test file                                      reaches the code with
========== ======================= ============================================== ==================================
Python     pytest                  ``tests/test_<module>.py``                     ``from <module> import …``
JS / TS    node:test, Jest, Vitest ``<name>.test.<ext>`` beside the source        ``import { … } from "./<name>…"``
Java       JUnit 5                 ``src/test/java/<package>/<Class>Test.java``   the source's ``package`` line
                                   (or ``<Class>Test.java`` beside the source)
Go         testing                 ``<name>_test.go`` beside the source           the source's ``package`` clause
Rust       ``#[test]``             a ``mod tests`` at the end of the source       ``use super::*;``
C#         xUnit                   ``<Name>Tests.cs`` beside the source           ``using <namespace>;``
C++        GoogleTest              ``<name>_test.cpp`` beside the source          ``#include`` of its header
C          ``assert.h``            ``test_<name>.c`` beside the source            ``#include`` of its header
Shell      bats                    ``test/<name>.bats``                           ``source`` in ``setup``
========== ======================= ============================================== ==================================

JavaScript and TypeScript use Node's own ``node:test`` unless the workspace's
``package.json`` lists Vitest or Jest. A C# test belongs in a test project of
its own; creating or finding that project is out of scope, so the test file
goes beside the source. Everything here is pure: the facts read from disk come
in as :class:`ProjectFacts`.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .job import ActionFailedError, Snapshot
from .target import Target


@dataclass(frozen=True)
class TestFile:
    __test__ = False  # not a pytest class

    path: Path
    #: Path relative to the workspace folder, for the prompt.
    relative: str
    framework: str
    import_line: str
    #: The tests' language id (their grammar).
    language: str = "python"
    #: Text the tests' code block holds, to pick it among several blocks of an answer.
    marker: str = "def test_"
    #: The tests go at the end of the source file itself (Rust's unit tests).
    in_source: bool = False


@dataclass(frozen=True)
class ProjectFacts:
    """What a layout needs from disk: the workspace's ``package.json`` and the files beside the source."""

    package_json: str | None = None
    siblings: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Source:
    path: PurePosixPath
    text: str
    code: str
    target: Target
    facts: ProjectFacts


def layout_for(snapshot: Snapshot, target: Target, facts: ProjectFacts | None = None) -> TestFile:
    """The test file for ``target`` in ``snapshot``'s language; :class:`ActionFailedError` if there is none."""
    language = snapshot.language.lower()
    layout = _LAYOUTS.get(language)
    if layout is None:
        raise ActionFailedError(f"unit tests are not generated for {snapshot.language or 'this language'}")
    path = PurePosixPath(snapshot.path)
    tests = layout(_Source(path, snapshot.text, target.code(snapshot.text), target, facts or ProjectFacts()))
    root = snapshot.root or (snapshot.file.parent if snapshot.file else Path("."))
    return dataclasses.replace(tests, path=root / tests.relative, language=language)


def _layout(relative: str, framework: str, import_line: str, marker: str, *, in_source: bool = False) -> TestFile:
    """A layout (its path still relative; the test language set by :func:`layout_for`)."""
    return TestFile(Path(relative), relative, framework, import_line, "", marker, in_source)


def _beside(source: _Source, name: str) -> str:
    return str(source.path.parent / name) if source.path.parent != PurePosixPath(".") else name


# -- Python ------------------------------------------------------------------------------------


def _python(source: _Source) -> TestFile:
    parts = list(source.path.with_suffix("").parts)
    if parts and parts[0] in ("src", "lib"):
        parts = parts[1:]
    module = ".".join(parts) or source.path.stem
    names = _python_names(source.code)
    line = f"from {module} import {', '.join(names)}" if names else f"import {module}"
    return TestFile(Path(), f"tests/test_{source.path.stem}.py", "pytest", line)


def _python_names(code: str) -> list[str]:
    try:
        tree = ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError):
        return []
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return [node.name for node in tree.body if isinstance(node, kinds)]


# -- JavaScript and TypeScript -----------------------------------------------------------------

_JS_NAMES = re.compile(
    r"^(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\s*\*?|class|const|let|var)\s+(\w+)", re.M
)
_COMMONJS = re.compile(r"\brequire\s*\(|\bmodule\.exports\b|^exports\.\w+", re.M)
_ESM = re.compile(r"^\s*(?:import|export)\b", re.M)


def _javascript(source: _Source) -> TestFile:
    stem, suffix = source.path.stem, source.path.suffix or ".js"
    framework = _js_framework(source.facts.package_json)
    names = [source.target.function.name] if source.target.function else _JS_NAMES.findall(source.code)
    names = list(dict.fromkeys(names))
    if _COMMONJS.search(source.text) and not _ESM.search(source.text):
        bound = f"{{ {', '.join(names)} }}" if names else stem
        line = f'const {bound} = require("./{stem}");'
    else:
        # Node's ES modules need the file's extension; TypeScript's compiler and bundlers resolve without it.
        module = f"./{source.path.name}" if suffix in (".js", ".mjs", ".cjs", ".jsx") else f"./{stem}"
        bound = f"{{ {', '.join(names)} }}" if names else f"* as {stem}"
        line = f'import {bound} from "{module}";'
    return _layout(_beside(source, f"{stem}.test{suffix}"), framework, line, "test(")


def _js_framework(package_json: str | None) -> str:
    try:
        manifest = json.loads(package_json) if package_json else {}
    except ValueError:
        manifest = {}
    listed: set[str] = set()
    for key in ("devDependencies", "dependencies"):
        section = manifest.get(key) if isinstance(manifest, dict) else None
        listed |= set(section) if isinstance(section, dict) else set()
    return "Vitest" if "vitest" in listed else "Jest" if "jest" in listed else "node:test"


# -- Java, C#, Go, Rust ------------------------------------------------------------------------

_JAVA_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.M)
_CS_NAMESPACE = re.compile(r"^\s*namespace\s+([\w.]+)", re.M)
_GO_PACKAGE = re.compile(r"^package\s+(\w+)", re.M)


def _java(source: _Source) -> TestFile:
    name = f"{source.path.stem}Test.java"
    text = str(source.path)
    if "src/main/java/" in f"/{text}":
        relative = str(source.path.parent / name).replace("src/main/java", "src/test/java", 1)
    else:
        relative = _beside(source, name)
    package = _JAVA_PACKAGE.search(source.text)
    line = f"package {package.group(1)};" if package else "import org.junit.jupiter.api.Test;"
    return _layout(relative, "JUnit 5", line, "@Test")


def _csharp(source: _Source) -> TestFile:
    namespace = _CS_NAMESPACE.search(source.text)
    line = f"using {namespace.group(1)};" if namespace else "using Xunit;"
    return _layout(_beside(source, f"{source.path.stem}Tests.cs"), "xUnit", line, "[Fact]")


def _go(source: _Source) -> TestFile:
    package = _GO_PACKAGE.search(source.text)
    line = f"package {package.group(1) if package else 'main'}"
    return _layout(_beside(source, f"{source.path.stem}_test.go"), "Go testing", line, "func Test")


def _rust(source: _Source) -> TestFile:
    return _layout(str(source.path), "Rust #[test]", "use super::*;", "#[test]", in_source=True)


# -- C, C++, shell -----------------------------------------------------------------------------


def _include(source: _Source, headers: tuple[str, ...]) -> str:
    stem, name = source.path.stem, source.path.name
    found = next((f"{stem}{h}" for h in headers if f"{stem}{h}" in source.facts.siblings), None)
    own = name if source.path.suffix in headers else None
    return f'#include "{own or found or name}"'


def _cpp(source: _Source) -> TestFile:
    line = _include(source, (".hpp", ".hh", ".h"))
    return _layout(_beside(source, f"{source.path.stem}_test.cpp"), "GoogleTest", line, "TEST(")


def _c(source: _Source) -> TestFile:
    return _layout(_beside(source, f"test_{source.path.stem}.c"), "assert.h", _include(source, (".h",)), "main")


def _shell(source: _Source) -> TestFile:
    line = f'setup() {{ source "$BATS_TEST_DIRNAME/../{source.path}"; }}'
    return _layout(f"test/{source.path.stem}.bats", "bats", line, "@test")


_LAYOUTS: dict[str, Callable[[_Source], TestFile]] = {
    "python": _python,
    "javascript": _javascript,
    "javascriptreact": _javascript,
    "typescript": _javascript,
    "typescriptreact": _javascript,
    "java": _java,
    "csharp": _csharp,
    "go": _go,
    "rust": _rust,
    "cpp": _cpp,
    "c": _c,
    "shellscript": _shell,
}

#: The languages that have a test layout, for which *Add unit tests* is offered.
TEST_LANGUAGES = frozenset(_LAYOUTS)
