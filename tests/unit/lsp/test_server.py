"""The server's own helpers."""

from __future__ import annotations

from codex_ls.lsp.server import relative_path


def test_relative_path_inside_a_workspace_folder() -> None:
    assert relative_path("file:///home/u/proj/src/a.py", ["file:///home/u/proj"]) == "src/a.py"
    assert relative_path("file:///elsewhere/b.py", ["file:///home/u/proj"]) == "b.py"
