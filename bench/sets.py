"""The benchmark sets: where the cursor is, what belongs there, and how an answer is judged.

* ``single``: HumanEval single-line infilling (1033 tasks): the cursor at the start of the
  line that was removed; judged by the task's tests (pass@1) and by exact match.
* ``docstring``: HumanEval (164 problems): the cursor in the empty body after the
  docstring, indented as an editor indents after Enter; judged by the tests.
* ``holes``: blocks of two to four statements removed from inside the bodies of
  functions of standard-library modules (the ones ``bench/replay.py`` types), with
  code of the body after the hole; the cursor where the block was, at column 0 or at
  the block's indentation, in turn. Judged by exact match and edit similarity.
* ``bodyholes``: per HumanEval problem, two or three statements removed from inside its
  canonical body (after the block's first statement), with the rest of the body after the
  hole; the cursor placed as in ``holes``. Judged by the problem's tests.

A stride picks tasks spread over the whole set: ``--stride 10`` is tasks 0, 10, 20, ...
"""

from __future__ import annotations

import ast
import gzip
import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import DATA

#: The modules ``bench/replay.py`` types, and two larger ones (code nobody here wrote).
BEFORE_CHARS, AFTER_CHARS = 1000, 400
HOLE_MODULES = ["textwrap", "fnmatch", "shlex", "colorsys", "bisect", "heapq", "difflib", "calendar"]


@dataclass(frozen=True)
class Task:
    set: str
    index: int
    task_id: str
    prefix: str
    suffix: str
    #: What belongs at the cursor.
    expected: str
    #: The HumanEval row (tests, entry point), where the answer can be run.
    row: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        return self.prefix + self.suffix


def _rows(name: str) -> list[dict[str, Any]]:
    with gzip.open(DATA / name, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def single_line(stride: int) -> list[Task]:
    rows = _rows("HumanEval-SingleLineInfilling.jsonl.gz")
    return [
        Task("single", i, r["task_id"], r["prompt"], r["suffix"], r["canonical_solution"], r)
        for i, r in enumerate(rows)
        if i % stride == 0
    ]


def docstring_body(stride: int) -> list[Task]:
    """The cursor after the docstring, at the body's indentation; nothing after it but a line break."""
    rows = _rows("HumanEval.jsonl.gz")
    tasks = []
    for i, r in enumerate(rows):
        if i % stride:
            continue
        indent = _body_indent(r["prompt"])
        tasks.append(Task("docstring", i, r["task_id"], r["prompt"] + indent, "\n", r["canonical_solution"], r))
    return tasks


def _body_indent(prompt: str) -> str:
    last = [line for line in prompt.split("\n") if line.strip()][-1]
    return last[: len(last) - len(last.lstrip())] or "    "


def stdlib_holes(stride: int, limit: int = 1000) -> list[Task]:
    found = [task for name in HOLE_MODULES for task in _module_holes(name)]
    picked = [t for n, t in enumerate(found) if n % stride == 0][:limit]
    # Every other hole at the block's indentation on a blank line, the rest at column 0 before the next line.
    tasks = [Task(t.set, n, t.task_id, t.prefix, t.suffix, t.expected) for n, t in enumerate(picked)]
    return [_blank_line_form(t) if t.index % 2 else t for t in tasks]


def _module_holes(name: str) -> list[Task]:
    source = Path(inspect.getfile(__import__(name))).read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    holes = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef):
            continue
        for block in _blocks(function):
            if (hole := _hole(function, block, lines)) is not None:
                holes.append(Task("holes", 0, f"{name}.{function.name}:{block[0].lineno}", *hole))
    return holes


def _blocks(function: ast.FunctionDef) -> list[list[ast.stmt]]:
    """The function's statement lists (its body, the bodies of its loops and branches), docstring left out."""
    found = []
    for node in ast.walk(function):
        if node is not function and isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                if isinstance(block[0], ast.Expr) and isinstance(block[0].value, ast.Constant):
                    block = block[1:]
                found.append(block)
    return found


def _hole(function: ast.FunctionDef, block: list[ast.stmt], lines: list[str]) -> tuple[str, str, str] | None:
    """Two or three statements from the middle of ``block``, leaving one before and one after."""
    if len(block) < 4:
        return None
    size = min(3, len(block) - 2)
    start = 1 + (len(block) - 2 - size) // 2
    first, last = block[start], block[start + size - 1]
    top = function.decorator_list[0].lineno if function.decorator_list else function.lineno
    begin, end = first.lineno - 1, last.end_lineno or last.lineno
    removed = "".join(lines[begin:end])
    if not 2 <= removed.count("\n") <= 8 or len(removed) > 500 or not lines[begin].startswith(" "):
        return None
    header = ""
    if function.col_offset:  # a method: its class line, so that the document parses
        header = " " * (function.col_offset - 4) + "class Owner:\n"
    # Bounded, in whole lines, so that a large model reads each prompt in a few seconds.
    before = header + _last_lines(lines[top - 1 : begin], BEFORE_CHARS)
    after = _first_lines(lines[end : function.end_lineno], AFTER_CHARS)
    return before, after, removed


def _blank_line_form(task: Task) -> Task:
    """The same hole as a blank line with the cursor at the block's indentation: no line break at its end."""
    first = task.expected.split("\n", 1)[0]
    indent = first[: len(first) - len(first.lstrip())]
    expected = task.expected.removesuffix("\n")[len(indent) :]
    return Task(task.set, task.index, task.task_id, task.prefix + indent, "\n" + task.suffix, expected, task.row)


def _first_lines(lines: list[str], budget: int) -> str:
    return "".join(_take(lines, budget))


def _last_lines(lines: list[str], budget: int) -> str:
    return "".join(reversed(_take(lines[::-1], budget)))


def _take(lines: list[str], budget: int) -> list[str]:
    kept: list[str] = []
    for line in lines:
        if sum(map(len, kept)) + len(line) > budget and kept:
            break
        kept.append(line)
    return kept


def body_holes(stride: int) -> list[Task]:
    """Per HumanEval problem, one hole of two or three statements inside its canonical body,
    judged by the problem's tests; the cursor at column 0 or, every other task, at the
    block's indentation on a blank line, as in ``stdlib_holes``."""
    found = []
    for i, row in enumerate(_rows("HumanEval.jsonl.gz")):
        if i % stride:
            continue
        source = row["prompt"] + row["canonical_solution"]
        function = next(
            (n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == row["entry_point"]),
            None,
        )
        hole = _body_hole(function, source) if function is not None else None
        if hole is not None:
            prefix, suffix, expected, line = hole
            task = Task("bodyholes", len(found), f"{row['task_id']}:L{line}", prefix, suffix, expected, row)
            found.append(_blank_line_form(task) if task.index % 2 else task)
    return found


def _body_hole(function: ast.FunctionDef, source: str) -> tuple[str, str, str, int] | None:
    """Two or three statements of the first block that has three or more, after its first one."""
    lines = source.splitlines(keepends=True)
    for block in _blocks(function):
        if len(block) < 3:
            continue
        size = 2 if len(block) == 3 else min(3, len(block) - 2)
        first, last = block[1], block[size]
        begin, end = first.lineno - 1, last.end_lineno or last.lineno
        removed = "".join(lines[begin:end])
        if 2 <= removed.count("\n") <= 8 and lines[begin].startswith(" "):
            return "".join(lines[:begin]), "".join(lines[end:]), removed, begin
    return None


def load(name: str, stride: int, limit: int | None = None) -> list[Task]:
    sets = {"single": single_line, "docstring": docstring_body, "holes": stdlib_holes, "bodyholes": body_holes}
    tasks = sets[name](stride)
    return tasks[:limit] if limit else tasks
