"""SAFIM tasks as an editor holds them, and how an answer put in the hole is scored.

A task's document is its ``eval_prompt`` with ``{{completion}}`` cut out and the
cursor where it was; line breaks are ``\\n`` (the C++ and C# files are ``\\r\\n`` in the
dataset; an editor on Linux shows them the same). What an answer puts in the hole is
scored three ways:

* block and control tasks: the program's unit tests (``bench/safim_exec.py``);
* API tasks: syntax match, as the dataset defines it: both texts with all whitespace
  removed must be equal, except in Python where two calls match when their
  positional and keyword arguments parse to the same trees (the callee is not
  compared, as in the dataset's scorer);
* every task: exact match and edit similarity of the first line (stripped), the
  measure Qwen2.5-Coder's own FIM evaluation reports.
"""

from __future__ import annotations

import ast
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.judge import similarity

DATA = Path(__file__).resolve().parent / "data" / "safim"
HOLE = "{{completion}}"
LANGUAGE_IDS = {"python": "python", "java": "java", "cpp": "cpp", "csharp": "csharp"}
EXTENSIONS = {"python": "py", "java": "java", "cpp": "cpp", "csharp": "cs"}


@dataclass(frozen=True)
class Task:
    split: str
    lang: str
    task_id: str
    prefix: str
    suffix: str
    ground_truth: str
    tests: tuple[dict[str, Any], ...]

    @property
    def text(self) -> str:
        return self.prefix + self.suffix

    @property
    def key(self) -> str:
        return f"{self.lang}/{self.task_id}"


def from_row(split: str, row: dict[str, Any]) -> Task:
    source = row["eval_prompt"].replace("\r\n", "\n")
    if source.count(HOLE) != 1:
        raise ValueError(f"{row['task_id']}: {source.count(HOLE)} holes")
    prefix, suffix = source.split(HOLE)
    truth = row["ground_truth"].replace("\r\n", "\n")
    return Task(split, row["lang"], row["task_id"], prefix, suffix, truth, tuple(row["unit_tests"] or ()))


def load(split: str, langs: list[str], stride: int = 1, limit: int | None = None) -> list[Task]:
    """The split's tasks in ``langs``, every ``stride``-th of each language, at most ``limit`` a language.

    Block and control tasks count only where the ground truth passes its tests on this machine.
    """
    with gzip.open(DATA / f"{split}.jsonl.gz", "rt", encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream if line.strip()]
    tasks = []
    for lang in langs:
        usable = [
            r for r in rows if r["lang"] == lang and (not r["unit_tests"] or r.get("ground_truth_verdict") == "PASSED")
        ]
        tasks.extend(from_row(split, r) for r in usable[::stride][:limit])
    return tasks


def document_after(task: Task, text: str | None, replace: int) -> str:
    """The document once the answer is accepted: ``text`` at the cursor, over ``replace`` characters of the suffix."""
    return task.prefix + (text or "") + task.suffix[replace:]


def inserted(task: Task, text: str | None, replace: int) -> str:
    """What ends up in the hole: ``text`` without its end that stands for the ``replace`` characters of the suffix.

    The replaced characters (an auto-closed ``)``, ``) {``) are matched at the end of
    ``text`` whitespace aside: ``f(x))`` over ``) {`` leaves ``f(x)`` in the hole.
    """
    text = text or ""
    wanted = [c for c in task.suffix[:replace] if not c.isspace()]
    at = len(text)
    while wanted and at:
        at -= 1
        if text[at].isspace():
            continue
        if text[at] != wanted[-1]:
            return text
        wanted.pop()
    return text if wanted else text[:at]


def first_line(text: str) -> str:
    return next((line.strip() for line in text.split("\n") if line.strip()), "")


def line_scores(answer: str, truth: str) -> dict[str, Any]:
    mine, theirs = first_line(answer), first_line(truth)
    return {"exact_line": bool(mine) and mine == theirs, "similarity_line": round(similarity(mine, theirs), 3)}


def _arguments(call: ast.Call) -> tuple[list[str], dict[str | None, str]]:
    return [ast.dump(a) for a in call.args], {k.arg: ast.dump(k.value) for k in call.keywords}


def syntax_match(answer: str, truth: str, lang: str) -> bool:
    mine, theirs = re.sub(r"\s+", "", answer), re.sub(r"\s+", "", truth)
    if lang == "python":
        try:
            a, b = ast.parse(mine, mode="eval").body, ast.parse(theirs, mode="eval").body
        except (SyntaxError, ValueError):
            return mine == theirs
        if isinstance(a, ast.Call) and isinstance(b, ast.Call):
            return _arguments(a) == _arguments(b)
    return mine == theirs
