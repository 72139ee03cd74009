"""The window shown to the model: whole lines around the cursor under a budget."""

from __future__ import annotations

from codex_ls.completion.window import Window, cached_window, cold_window, split_typed, window


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


def long_module(lines: int = 400) -> str:
    return "".join(f"    value_{i:04d} = compute({i}, factor={i % 7})\n" for i in range(lines))


def test_the_cached_window_keeps_its_head_while_the_user_types_on_a_line() -> None:
    text = long_module()
    line = text.index("    value_0200")
    typed = "    total = sum(values) / len(values)"
    keys = range(4, len(typed))  # the editor indents the new line: the typing starts after it
    windows = [cached_window(text[:line] + typed[:n] + text[line:], line + n, 3584, 0.75, 512) for n in keys]
    assert len({w.start for w in windows}) == 1
    assert len({w.suffix for w in windows}) == 1
    assert {split_typed(w.prefix)[0][-5:] for w in windows} == {"\n    "}
    assert [split_typed(w.prefix)[1] for w in windows] == [typed[4:n] for n in keys]


def test_the_cached_windows_head_moves_in_steps_not_with_every_line() -> None:
    text = long_module()
    starts = []
    for index in range(100, 300):
        line = text.index(f"    value_{index:04d}")
        w = cached_window(text, line + 4, 3584, 0.75, 512)
        assert text[w.start - 1] == "\n"  # whole lines
        assert len(w.prefix) <= int(3584 * 0.75) + 4
        starts.append(w.start)
    # 200 lines of about 45 characters: the head moved a handful of times, not 200.
    assert 5 <= len(set(starts)) <= 12
    assert starts == sorted(starts)


def test_the_cached_windows_suffix_is_bounded_in_whole_lines() -> None:
    text = long_module()
    cursor = text.index("    value_0200") + 10
    w = cached_window(text, cursor, 3584, 0.75, 200)
    assert len(w.suffix) <= 200
    assert w.suffix.endswith("\n")
    assert text[w.start : w.end] == w.prefix + w.suffix
    unbounded = cached_window(text, cursor, 3584, 0.75, 0)
    assert len(unbounded.suffix) > 600


def test_a_small_file_is_all_in_the_cached_window() -> None:
    text = "def f():\n    return 1\n\nprint(f())\n"
    w = cached_window(text, text.index("return") + 6, 3584, 0.75, 512)
    assert w.prefix + w.suffix == text
    assert split_typed(w.prefix) == ("def f():\n    ", "return")


def typed_on_a_line(text: str, line: int, typed: str, indent: int) -> list[tuple[int, Window, Window]]:
    """For each key typed after the line's indentation: (keys, the whole window, the cold window of 896)."""
    found = []
    for n in range(indent, len(typed)):
        here = text[:line] + typed[:n] + text[line:]
        win = cached_window(here, line + n, 3584, 0.75, 512)
        cold = cold_window(win, 896)
        assert cold is not None
        assert win.suffix.startswith(cold.suffix)
        found.append((n, win, cold))
    assert len({split_typed(cold.prefix)[0] for _, _, cold in found}) == 1
    return found


def test_the_cold_window_is_the_cursors_surroundings_and_keeps_its_head_while_the_user_types() -> None:
    typed = "    total = sum(values)"
    found = typed_on_a_line(long_module(), long_module().index("    value_0200"), typed, 4)
    for _, win, cold in found:
        assert win.prefix.endswith(cold.prefix)
        assert len(cold.prefix) + len(cold.suffix) <= 896 + len(typed)
    assert len({cold.suffix for _, _, cold in found}) == 1


def test_no_cold_window_where_the_whole_window_is_as_small() -> None:
    text = "def f():\n    return 1\n\nprint(f())\n"
    win = cached_window(text, text.index("return") + 6, 3584, 0.75, 512)
    assert cold_window(win, 896) is None


def method_module(docstring_lines: int = 3) -> str:
    doc = "".join(f"        Explains step {i}.\n" for i in range(docstring_lines))
    body = "".join(f"        part_{i:03d} = self.compute({i}, factor={i % 7})\n" for i in range(120))
    return (
        "import os\n\n\nclass Wrapper:\n"
        '    """Wraps text."""\n\n'
        "    def wrap(self, text,\n             width=70):\n"
        f'        """Wrap the text to width.\n\n{doc}        """\n'
        "        lines = []\n"
        f"{body}        return lines\n\n\ndef other():\n    return 1\n"
    )


def test_a_small_cold_window_keeps_the_signature_and_docstring_of_the_function_it_is_in() -> None:
    text = method_module()
    typed = "        total = sum(parts)"
    head = 'class Wrapper:\n    def wrap(self, text,\n             width=70):\n        """Wrap the text to width.'
    for n, _, cold in typed_on_a_line(text, text.index("        part_040"), typed, 8):
        assert cold.prefix.startswith(head)
        assert '        """\n        part_' in cold.prefix  # the docstring, then the lines near the cursor
        assert "lines = []" not in cold.prefix
        assert "import os" not in cold.prefix
        assert cold.prefix.endswith("part_039 = self.compute(39, factor=4)\n" + typed[:n])
        assert len(cold.prefix) <= int(896 * 0.75) + n


def test_of_a_docstring_too_long_for_the_cold_window_its_first_paragraph_stays() -> None:
    text = method_module(docstring_lines=20)
    offset = text.index("        part_040")
    cold = cold_window(cached_window(text, offset, 3584, 0.75, 512), 896)
    assert cold is not None
    signature = "class Wrapper:\n    def wrap(self, text,\n             width=70):\n"
    assert cold.prefix.startswith(signature + '        """Wrap the text to width.\n        """\n        part_')
    assert "Explains" not in cold.prefix
    examples = text.replace("\n\n        Explains step 0.", "\n        >>> wrap('a b', 1)\n        Explains step 0.")
    cold = cold_window(cached_window(examples, examples.index("        part_040"), 3584, 0.75, 512), 896)
    assert cold is not None
    assert cold.prefix.startswith(signature + '        """Wrap the text to width.\n        """\n')
    unclosed = text.replace('Explains step 19.\n        """', 'Explains step 19."""')
    cold = cold_window(cached_window(unclosed, unclosed.index("        part_040"), 3584, 0.75, 512), 896)
    assert cold is not None
    assert cold.prefix.startswith(signature + "        part_")


def test_the_cold_window_keeps_the_lines_that_open_blocks_in_a_braced_language() -> None:
    body = "".join(f"      const part{i} = compute({i});\n" for i in range(100))
    text = f"export class Wrapper {{\n  wrap(text) {{\n    if (text) {{\n{body}    }}\n  }}\n}}\n"
    offset = text.index("      const part70")
    cold = cold_window(cached_window(text, offset, 3584, 0.75, 512), 600)
    assert cold is not None
    assert cold.prefix.startswith("export class Wrapper {\n  wrap(text) {\n    if (text) {\n      const part")


def test_where_the_cold_window_reaches_the_opening_lines_it_is_one_piece_of_the_text() -> None:
    text = method_module()
    offset = text.index("        part_005")
    win = cached_window(text, offset, 3584, 0.75, 512)
    cold = cold_window(win, 1200)
    assert cold is not None
    assert win.prefix.endswith(cold.prefix)
    assert (win.prefix + win.suffix)[cold.start : cold.end] == cold.prefix + cold.suffix
