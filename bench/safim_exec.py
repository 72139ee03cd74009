"""Running a SAFIM program against its stdin/stdout unit tests: Python, Java, C++ and C#.

Each program is compiled (where the language compiles) once in a temporary folder,
then run once per test in a subprocess with a time limit. Output is compared as
Codeforces' default checker does: the same whitespace-separated tokens as one of the
expected outputs. A language whose compiler is not installed gives ``UNAVAILABLE``.

Outcomes: ``PASSED``, ``WRONG_ANSWER``, ``RUNTIME_ERROR``, ``TIME_LIMIT_EXCEEDED``,
``COMPILATION_ERROR``, ``UNAVAILABLE``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUN_TIMEOUT = 10.0
COMPILE_TIMEOUT = 120.0
#: The JVM starts faster without its optimizing compiler; these programs run on sample inputs only.
JVM_FLAGS = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss64m"]


@dataclass(frozen=True)
class Verdict:
    outcome: str
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome == "PASSED"


def same_output(actual: str, expected: list[str]) -> bool:
    tokens = actual.split()
    return any(tokens == option.split() for option in expected)


def java_main_class(source: str) -> str:
    """The class ``java`` runs: the public top-level class if there is one, else the first class."""
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.DOTALL)
    public = re.search(r"^\s*public\s+(?:final\s+|abstract\s+)*class\s+(\w+)", code, re.MULTILINE)
    first = public or re.search(r"\bclass\s+(\w+)", code)
    return first[1] if first else "Main"


def _compile(lang: str, source: str, folder: Path) -> tuple[list[str] | None, Verdict | None]:
    """Write and build the program; the command that runs it, or the verdict that ends it here."""
    if lang == "python":
        path = folder / "main.py"
        path.write_text(source, encoding="utf-8")
        return [sys.executable, "-I", str(path)], None
    if lang == "java":
        name = java_main_class(source)
        path = folder / f"{name}.java"
        build = ["javac", *(f"-J{flag}" for flag in JVM_FLAGS[:2]), "-nowarn", "-d", str(folder), str(path)]
        run = ["java", *JVM_FLAGS, "-cp", str(folder), name]
    elif lang == "cpp":
        path = folder / "main.cpp"
        build = ["g++", "-std=c++17", "-O1", "-o", str(folder / "main"), str(path)]
        run = [str(folder / "main")]
    elif lang == "csharp":
        path = folder / "main.cs"
        build = ["mcs", "-langversion:experimental", "-optimize+", f"-out:{folder / 'main.exe'}", str(path)]
        run = ["mono", str(folder / "main.exe")]
    else:
        raise ValueError(lang)
    if shutil.which(build[0]) is None or (lang != "cpp" and shutil.which(run[0]) is None):
        return None, Verdict("UNAVAILABLE", f"{build[0]} not installed")
    path.write_text(source, encoding="utf-8")
    try:
        done = subprocess.run(build, cwd=folder, capture_output=True, timeout=COMPILE_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return None, Verdict("COMPILATION_ERROR", "compiler timeout")
    if done.returncode != 0:
        message = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        return None, Verdict("COMPILATION_ERROR", message[0][:200] if message else f"exit {done.returncode}")
    return run, None


def run_program(lang: str, source: str, tests: list[dict[str, Any]], timeout: float = RUN_TIMEOUT) -> Verdict:
    """The program's verdict on every test; the first failing test decides."""
    with tempfile.TemporaryDirectory(prefix="bench-safim-") as name:
        folder = Path(name)
        command, verdict = _compile(lang, source, folder)
        if verdict is not None:
            return verdict
        assert command is not None
        for number, test in enumerate(tests):
            try:
                done = subprocess.run(
                    command, cwd=folder, input=test["input"].encode(), capture_output=True, timeout=timeout, check=False
                )
            except subprocess.TimeoutExpired:
                return Verdict("TIME_LIMIT_EXCEEDED", f"test {number}")
            if done.returncode != 0:
                last = done.stderr.decode("utf-8", "replace").strip().splitlines()
                why = last[-1][:200] if last else f"exit {done.returncode}"
                # Python's compiler runs with the program: its refusal is a compilation error all the same.
                failed = (
                    "COMPILATION_ERROR"
                    if why.startswith(("SyntaxError", "IndentationError", "TabError"))
                    else "RUNTIME_ERROR"
                )
                return Verdict(failed, f"test {number}: {why}")
            if not same_output(done.stdout.decode("utf-8", "replace"), test["output"]):
                return Verdict("WRONG_ANSWER", f"test {number}")
    return Verdict("PASSED")
