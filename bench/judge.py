"""Judging one answer of a benchmark set: the task's tests where it has them, exact match, edit similarity."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.sets import Task

TEST_TIMEOUT = 10.0


def run_test(program: str) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="bench-judge-") as folder:
        path = Path(folder, "task.py")
        path.write_text(program, encoding="utf-8")
        try:
            done = subprocess.run(
                [sys.executable, "-I", str(path)], cwd=folder, capture_output=True, timeout=TEST_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            return False, "timeout"
    if done.returncode == 0:
        return True, ""
    last = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return False, last[-1][:200] if last else f"exit {done.returncode}"


def normal(text: str) -> str:
    """Trailing spaces and blank lines at either end do not count."""
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def similarity(a: str, b: str) -> float:
    """1 - Levenshtein distance / length of the longer text (1.0: the same)."""
    if not a and not b:
        return 1.0
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return 1.0 - previous[-1] / max(len(a), len(b))


def judge(task: Task, completion: str | None, document: str | None = None) -> dict[str, Any]:
    """pass (where the task has tests), exact, similarity of ``completion`` inserted at the cursor.

    ``document`` is the whole text after an edit (Implement function), instead of an insertion.
    """
    text = completion or ""
    verdict: dict[str, Any] = {"empty": not text and document is None}
    if task.set == "single":
        verdict["exact"] = bool(text) and text.strip() == task.expected.strip()
        # A single line without its line break is what an editor's Enter completes.
        line = text if text.endswith("\n") or not text else text + "\n"
        document = document or task.prefix + line + task.suffix
    else:
        verdict["exact"] = bool(text) and normal(text) == normal(task.expected)
        document = document or task.prefix + text + task.suffix
    verdict["similarity"] = round(similarity(normal(text), normal(task.expected)), 3)
    if task.row is not None:
        tail = f"\n\n{task.row['test']}\n\ncheck({task.row['entry_point']})\n"
        verdict["passed"], verdict["failure"] = run_test(document + tail)
    return verdict
