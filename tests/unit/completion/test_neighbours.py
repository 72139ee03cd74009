"""Snippets from other open documents: the most similar window, cached per version."""

from __future__ import annotations

from codex_ls.completion.fim import TEMPLATES
from codex_ls.completion.neighbours import NeighbourIndex, jaccard, words

GEOMETRY = (
    "".join(f"# filler {i}\n" for i in range(40))
    + (
        "def circle_area(radius):\n    return math.pi * radius ** 2\n\n"
        "def circle_perimeter(radius):\n    return 2 * math.pi * radius\n"
    )
    + "".join(f"# more filler {i}\n" for i in range(40))
)
UNRELATED = "".join(f"print('hello {i}')\n" for i in range(30))


def test_jaccard() -> None:
    assert jaccard(words("alpha beta"), words("beta gamma")) == 1 / 3
    assert jaccard(frozenset(), words("x")) == 0.0


def test_the_most_similar_window_of_each_document_is_chosen() -> None:
    index = NeighbourIndex()
    query = "import math\n\ndef sphere_volume(radius):\n    return 4 / 3 * math.pi * radius"
    docs = [("file:///geo.py", "geo.py", 1, GEOMETRY), ("file:///hello.py", "hello.py", 1, UNRELATED)]
    (snippet,) = index.best(query, docs)
    assert snippet.path == "geo.py"
    assert "circle_area" in snippet.text
    assert len(snippet.text.splitlines()) <= 20


def test_windows_are_tokenized_once_per_version() -> None:
    index = NeighbourIndex()
    first = index.windows("file:///a.py", 1, GEOMETRY)
    assert index.windows("file:///a.py", 1, "changed text") is first
    assert index.windows("file:///a.py", 2, "changed text") is not first


def test_budget_and_huge_documents_are_respected() -> None:
    index = NeighbourIndex()
    huge = "radius math pi\n" * 40_000
    docs = [("file:///big.py", "big.py", 1, huge), ("file:///geo.py", "geo.py", 1, GEOMETRY)]
    assert [s.path for s in index.best("radius math pi", docs, budget_chars=5000)] == ["geo.py"]
    assert index.best("radius math pi", docs, budget_chars=10) == []


def test_qwen_repository_format_carries_the_snippets() -> None:
    prompt = TEMPLATES["qwen"].render("x = ", "\n", [("geo.py", "def circle_area(r): ...\n")])
    assert prompt.startswith("<|repo_name|>workspace\n<|file_sep|>geo.py\ndef circle_area(r): ...\n")
    assert prompt.endswith("<|fim_prefix|>x = <|fim_suffix|>\n<|fim_middle|>")
