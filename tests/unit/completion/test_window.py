"""The window shown to the model: whole lines around the cursor under a budget."""

from __future__ import annotations

from codex_ls.completion.window import window


def test_small_file_fits_whole() -> None:
    text = "def f():\n    return 1\n\nprint(f())\n"
    w = window(text, text.index("return") + 6, 1000)
    assert w.prefix + w.suffix == text
    assert (w.start, w.end) == (0, len(text))


def test_window_takes_whole_lines_about_three_quarters_before() -> None:
    lines = [f"line_{i:03d} = {i}\n" for i in range(200)]
    text = "".join(lines)
    cursor = text.index("line_100")
    w = window(text, cursor, 400, 0.75)
    assert w.prefix.startswith("line_")
    assert w.prefix.endswith("\n")
    assert w.suffix.endswith("\n")
    assert len(w.prefix) + len(w.suffix) <= 400
    assert 280 <= len(w.prefix) <= 310  # 300 plus what whole suffix lines left over
    assert 80 <= len(w.suffix) <= 100
    assert text[w.start : w.end] == w.prefix + w.suffix


def test_unused_suffix_budget_goes_to_the_prefix_at_end_of_file() -> None:
    text = "".join(f"x{i} = {i}\n" for i in range(100))
    w = window(text, len(text), 300, 0.75)
    assert w.suffix == ""
    assert len(w.prefix) > 250


def test_a_huge_single_line_is_cut_at_the_budget() -> None:
    text = "x" * 100_000
    w = window(text, 50_000, 1000, 0.75)
    assert len(w.prefix) == 750
    assert len(w.suffix) == 250
