"""The cross-file task builder: which uses of an imported name become tasks, and how they are scored."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.crossfile import Task, build, edit_similarity, first_line, judge, tasks_in

MODULES = {"pkg", "pkg.console", "pkg.utils", "pkg.sub", "pkg.sub.live"}
LIVE = """\
import os
from ..console import Console
from .. import utils
from pkg.utils import clamp as clip
from typing import Any

def run(width):
    console = Console(width=width, file=None)
    os.path.join("a", "b")
    value = utils.clamp(width, 0, 10)
    other = clip(width)
    short = Console()
    x = Any(1)  # from outside the package
    text = "Console(not code)"
    return utils.DEFAULT
"""


def test_tasks_are_uses_of_names_from_the_same_package() -> None:
    found = tasks_in("pkg", "src/pkg/sub/live.py", Path("sub/live.py"), LIVE, MODULES)
    assert [(t.name, t.kind, t.answer) for t in found] == [
        ("Console", "call", "width=width, file=None)"),
        ("utils", "attribute", "clamp(width, 0, 10)"),
        ("clip", "call", "width)"),
        ("utils", "attribute", "DEFAULT"),
    ]
    first = found[0]
    assert first.prefix.endswith("    console = Console(")
    assert first.suffix.startswith('\n    os.path.join("a", "b")')
    assert first.text == LIVE.replace("width=width, file=None)", "", 1)
    assert first.task_id == "pkg/src/pkg/sub/live.py:8:Console"


def test_a_file_that_does_not_parse_has_no_tasks() -> None:
    assert tasks_in("pkg", "x.py", Path("x.py"), "def broken(:\n", MODULES) == []


def test_build_is_deterministic_and_bounded(tmp_path: Path) -> None:
    package = tmp_path / "pkg-1.0" / "src" / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "console.py").write_text("class Console:\n    pass\n")
    (package / "utils.py").write_text("DEFAULT = 1\ndef clamp(v, a, b):\n    return v\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "live.py").write_text(LIVE)
    first = build("pkg", tmp_path / "pkg-1.0", 3)
    assert len(first) == 3
    assert first == build("pkg", tmp_path / "pkg-1.0", 3)
    assert all(t.path == "src/pkg/sub/live.py" for t in first)


@pytest.mark.parametrize(
    ("completion", "exact", "similarity", "empty"),
    [
        pytest.param("width=width, file=None)", True, 100.0, False, id="exact"),
        pytest.param("width=width, file=None)  \nmore()", True, 100.0, False, id="first-line-only"),
        pytest.param("width=width)", False, 68.57, False, id="partial"),
        pytest.param("", False, 0.0, True, id="empty"),
        pytest.param(None, False, 0.0, True, id="no-answer"),
    ],
)
def test_judge_scores_the_first_line(completion: str | None, exact: bool, similarity: float, empty: bool) -> None:
    task = Task("pkg", "a.py", 0, "Console", "call", "Console(", "\n", "width=width, file=None)")
    assert judge(task, completion) == {"exact": exact, "similarity": similarity, "empty": empty}


def test_edit_similarity_is_the_indel_ratio() -> None:
    assert edit_similarity("abc", "abc") == 100.0
    assert edit_similarity("abcd", "abce") == 75.0  # LCS 3 of 4 + 4
    assert edit_similarity("", "") == 100.0
    assert first_line("\n  x = 1\ny") == "x = 1"
