"""The repository context chosen for a cursor: the name before it first, then what the file imports."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codex_ls.workspace.context import LineContext, chains_at, fit, repository_context
from codex_ls.workspace.index import WorkspaceIndex
from codex_ls.workspace.recent import RecentEdits

Indexed = Callable[[dict[str, str | bytes]], WorkspaceIndex]


@pytest.mark.parametrize(
    ("line", "chains"),
    [
        pytest.param("    c = Console(", [["Console"]], id="call"),
        pytest.param("    utils.", [["utils"]], id="module"),
        pytest.param("    utils.cla", [["utils", "cla"]], id="member-typed"),
        pytest.param("    x = Console(width=", [["Console"]], id="inside-the-call"),
        pytest.param("    x = pkg.console.Console(", [["pkg", "console", "Console"]], id="dotted"),
        pytest.param("    let p = geo::Point::new(", [["geo", "Point", "new"]], id="rust-path"),
        pytest.param("    x = f(a, g(b)", [["f"]], id="nested-closed"),
        pytest.param("    ", [], id="nothing"),
    ],
)
def test_chains_at(line: str, chains: list[list[str]]) -> None:
    text = "import x\n" + line
    assert chains_at(text, len(text)) == chains


WORKSPACE = {
    "pkg/__init__.py": "",
    "pkg/console.py": (
        'class Console:\n    """Writes."""\n    def __init__(self, width: int = 80) -> None:\n        pass\n'
    ),
    "pkg/utils.py": "def clamp(value, low, high):\n    return value\n\ndef other():\n    pass\n",
    "pkg/style.py": "class Style:\n    def __init__(self, bold: bool = False):\n        pass\n",
    "pkg/app.py": "",
}
APP = (
    "from .console import Console\nfrom . import utils\nfrom .style import Style\n\n"
    "s = Style(bold=True)\nutils.clamp(1, 2, 3)\n"
)


def test_the_name_before_the_cursor_comes_first(indexed: Indexed) -> None:
    index = indexed(WORKSPACE)
    text = APP + "c = Console("
    found = repository_context(index, "pkg/app.py", "python", text, len(text))
    assert [path for path, _ in found] == ["pkg/console.py", "pkg/utils.py", "pkg/style.py"]
    assert found[0][1].startswith("class Console:")
    assert "def __init__(self, width: int = 80) -> None: ..." in found[0][1]
    # Of an imported module, the members the file uses, not the whole module.
    assert "def clamp(value, low, high):" in found[1][1]
    assert "other" not in found[1][1]


def test_a_module_before_the_cursor_gives_its_outline(indexed: Indexed) -> None:
    index = indexed(WORKSPACE)
    text = "from . import utils\n\nutils."
    found = repository_context(index, "pkg/app.py", "python", text, len(text))
    assert found == (("pkg/utils.py", "def clamp(value, low, high):\n    ...\ndef other():\n    ..."),)


def test_the_budget_holds_and_nothing_of_the_file_itself(indexed: Indexed) -> None:
    index = indexed(WORKSPACE)
    text = APP + "c = Console("
    found = repository_context(index, "pkg/app.py", "python", text, len(text), budget_chars=120)
    assert sum(len(t) + len(p) + 16 for p, t in found) <= 120
    assert [p for p, _ in found] == ["pkg/console.py"]
    assert all(path != "pkg/app.py" for path, _ in repository_context(index, "pkg/app.py", "python", text, 0))


def test_a_document_the_index_does_not_hold_is_read_from_its_text(indexed: Indexed) -> None:
    index = indexed(WORKSPACE)
    text = "from pkg.style import Style\nStyle("
    found = repository_context(index, "pkg/new.py", "python", text, len(text))
    assert [p for p, _ in found] == ["pkg/style.py"]


def test_recent_edits_come_after_the_imports() -> None:
    ring = RecentEdits(size=3, radius=1)
    ring.record("a.py", "l0\nl1\nl2\nl3\n", 4)
    ring.record("a.py", "l0\nl1\nl2 changed\nl3\n", 8)  # near the last edit: moves it
    ring.record("b.py", "x = 1\n", 0)
    ring.record("c.py", "y = 2\n", 0)
    assert ring.snippets(exclude="c.py") == [("b.py", "x = 1"), ("a.py", "l1\nl2 changed\nl3")]
    ring.record("d.py", "z = 3\n", 0)
    assert [p for p, _ in ring.snippets(exclude="", limit=5)] == ["d.py", "c.py", "b.py"]
    assert fit([("x.py", "def a(): ..."), ("b.py", "x = 1")], 100) == (("x.py", "def a(): ..."), ("b.py", "x = 1"))


def test_line_context_stays_put_while_typing_on_the_line(indexed: Indexed) -> None:
    index = indexed(WORKSPACE)
    kept = LineContext()
    head = APP + "c = Console("
    first = kept.at(index, "pkg/app.py", "python", head, len(head))
    for typed in ("w", "wi", "width=", "width=3"):
        text = head + typed
        assert kept.at(index, "pkg/app.py", "python", text, len(text)) is first
    below = head + "2)\nx = "
    moved = kept.at(index, "pkg/app.py", "python", below, len(below))
    assert moved is not first
    index.update_now(
        index.folders.roots[0] / "pkg" / "style.py", "class Style:\n    def __init__(self, dim: bool):\n        pass\n"
    )
    assert "dim: bool" in kept.at(index, "pkg/app.py", "python", below, len(below))[-1][1]
