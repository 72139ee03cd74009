from __future__ import annotations

from pathlib import Path

import pytest

from codex_ls.workspace.index import WorkspaceIndex


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def indexed(tmp_path: Path):  # type: ignore[no-untyped-def]
    def build(files: dict[str, str | bytes]) -> WorkspaceIndex:
        index = WorkspaceIndex([write_tree(tmp_path / "ws", files)])
        index.build_now()
        return index

    return build
