"""Language ids, names and file extensions."""

from __future__ import annotations

import pytest

from codex_ls.languages import fence_tag, language_name, language_of


@pytest.mark.parametrize(
    ("path", "language"),
    [
        pytest.param("src/app.py", "python", id="python"),
        pytest.param("file:///w/a.tsx", "typescriptreact", id="tsx-not-ts"),
        pytest.param("include/x.h", "c", id="header"),
        pytest.param("x.cpp", "cpp", id="cpp-not-c"),
        pytest.param("README", "", id="unknown"),
    ],
)
def test_language_of(path: str, language: str) -> None:
    assert language_of(path) == language


def test_names_and_fences() -> None:
    assert (language_name("cpp"), fence_tag("cpp")) == ("C++", "cpp")
    assert (language_name("shellscript"), fence_tag("shellscript")) == ("Shell", "sh")
    assert (language_name("zig"), fence_tag("Zig")) == ("Zig", "zig")
