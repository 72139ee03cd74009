"""The SAFIM benchmark's pure parts: the document and cursor of a task, the scorers, the unit-test runner.

The runner's tests compile and run small programs with Debian's compilers (``make
install-compilers``); a language whose compiler or runtime is missing skips, unless
``CODEX_LS_REQUIRE_COMPILERS=1`` (CI), where it fails.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil

import pytest
from bench.safim import score
from bench.safim_data import FOLDER
from bench.safim_exec import java_main_class, run_program, same_output
from bench.safim_tasks import Task, document_after, from_row, inserted, line_scores, syntax_match

ECHO_SUM = [{"input": "2 3\n", "output": ["5"]}, {"input": "10 -4\n", "output": ["6\n"]}]
#: Each run of these small programs takes well under a second, the JVM's start included; a hang ends here.
RUN_TIMEOUT = 5.0

PROGRAMS = {
    "python": ("a, b = map(int, input().split())\nprint(a + b)\n", "a, b = map(int, input().split())\nprint(a - b)\n"),
    "java": (
        "import java.util.*;\npublic class Solution {\n  public static void main(String[] a) {\n"
        "    Scanner s = new Scanner(System.in);\n    System.out.println(s.nextInt() + s.nextInt());\n  }\n}\n",
        "import java.util.*;\npublic class Solution {\n  public static void main(String[] a) {\n"
        "    Scanner s = new Scanner(System.in);\n    System.out.println(s.nextInt() * s.nextInt());\n  }\n}\n",
    ),
    "cpp": (
        "#include <bits/stdc++.h>\nint main() { long a, b; std::cin >> a >> b; std::cout << a + b << '\\n'; }\n",
        "#include <bits/stdc++.h>\nint main() { long a, b; std::cin >> a >> b; std::cout << a + b + 1 << '\\n'; }\n",
    ),
    "csharp": (
        "using System;\nclass P { static void Main() { var t = Console.ReadLine().Split(' ');\n"
        "  Console.WriteLine(int.Parse(t[0]) + int.Parse(t[1])); } }\n",
        "using System;\nclass P { static void Main() { var t = Console.ReadLine().Split(' ');\n"
        "  Console.WriteLine(int.Parse(t[0])); } }\n",
    ),
}
#: The commands each language's programs are built and run with; Python's is this interpreter.
COMMANDS = {"python": (), "java": ("javac", "java"), "cpp": ("g++",), "csharp": ("mcs", "mono")}


def require_compiler(lang: str) -> None:
    missing = [command for command in COMMANDS[lang] if shutil.which(command) is None]
    if not missing:
        return
    reason = f"{' and '.join(missing)} not installed (make install-compilers)"
    if os.environ.get("CODEX_LS_REQUIRE_COMPILERS") == "1":
        pytest.fail(f"{reason} (CODEX_LS_REQUIRE_COMPILERS=1)")
    pytest.skip(reason)


def row(eval_prompt: str, truth: str = "x = 1", lang: str = "python") -> dict[str, object]:
    return {"lang": lang, "task_id": "t", "eval_prompt": eval_prompt, "ground_truth": truth, "unit_tests": []}


def test_the_hole_is_cut_out_and_the_cursor_is_where_it_was() -> None:
    task = from_row("block", row("def f():\n    {{completion}}\n    return x\n"))
    assert (task.prefix, task.suffix) == ("def f():\n    ", "\n    return x\n")
    assert task.text == "def f():\n    \n    return x\n"


def test_crlf_files_are_opened_with_line_feeds() -> None:
    task = from_row("control", row("int main() {\r\n  if ({{completion}}) {\r\n  }\r\n}", "a\r\n&& b", "cpp"))
    assert task.prefix == "int main() {\n  if ("
    assert task.suffix == ") {\n  }\n}"
    assert task.ground_truth == "a\n&& b"


def test_a_document_with_two_holes_is_refused() -> None:
    with pytest.raises(ValueError, match="2 holes"):
        from_row("block", row("{{completion}}\n{{completion}}"))


@pytest.mark.parametrize(
    ("text", "replace", "hole", "after"),
    [
        pytest.param("u == v", 0, "u == v", "if (u == v) {", id="plain insertion"),
        pytest.param("u == v)", 1, "u == v", "if (u == v) {", id="the closing bracket typed over"),
        pytest.param("u == v", 1, "u == v", "if (u == v {", id="replaced characters it does not end with"),
        pytest.param("u == v)", 2, "u == v", "if (u == v){", id="the bracket and a space typed over"),
        pytest.param(None, 0, "", "if () {", id="no answer"),
    ],
)
def test_what_lands_in_the_hole(text: str | None, replace: int, hole: str, after: str) -> None:
    task = Task("control", "cpp", "t", "if (", ") {", "u == v", ())
    assert document_after(task, text, replace) == after
    assert inserted(task, text, replace) == hole


@pytest.mark.parametrize(
    ("answer", "truth", "lang", "expected"),
    [
        pytest.param("np.sum(a, axis=0, keepdims=True)", "np.sum(a,axis=0,keepdims=True)", "python", True, id="spaces"),
        pytest.param("f(a, keepdims=True, axis=0)", "f(a, axis=0, keepdims=True)", "python", True, id="keyword order"),
        pytest.param("np.sum(a, 0)", "np.sum(a, axis=0)", "python", False, id="positional for keyword"),
        pytest.param("np.mean(a)", "np.sum(a)", "python", True, id="callee not compared, as the dataset's"),
        pytest.param("gson.fromJson(s, User[].class)", "gson.fromJson(s,User[].class)", "java", True, id="java"),
        pytest.param("gson.fromJson(s, User[].class);", "gson.fromJson(s, User[].class)", "java", False, id="extra ;"),
        pytest.param("f(", "f(x)", "python", False, id="unparsable"),
    ],
)
def test_syntax_match(answer: str, truth: str, lang: str, expected: bool) -> None:
    assert syntax_match(answer, truth, lang) is expected


def test_line_scores_read_the_first_non_blank_line_stripped() -> None:
    assert line_scores("\n  res = x;\n  break;", "res = x;\nbreak;") == {"exact_line": True, "similarity_line": 1.0}
    scores = line_scores("res = y;", "res = x;")
    assert scores["exact_line"] is False
    assert scores["similarity_line"] == pytest.approx(1 - 1 / 8, abs=1e-3)
    assert line_scores("", "x")["exact_line"] is False


def test_outputs_compare_as_tokens() -> None:
    assert same_output("1 2\n3\n", ["1 2 3"])
    assert same_output("7\r\n", ["6", "7"])
    assert not same_output("1 2", ["1 2 3"])


@pytest.mark.parametrize(
    ("source", "name"),
    [
        pytest.param("class A {}\npublic class Main {\n}", "Main", id="public class"),
        pytest.param("/* the class has to be Main */\n public class Main {}", "Main", id="comment before it"),
        pytest.param(
            "import x;\nclass Solver {\n public static void main(String[] a) {}\n}", "Solver", id="none public"
        ),
    ],
)
def test_java_main_class(source: str, name: str) -> None:
    assert java_main_class(source) == name


@pytest.mark.parametrize("lang", list(PROGRAMS))
def test_the_runner_passes_a_right_program_and_fails_a_wrong_one(lang: str) -> None:
    require_compiler(lang)
    right, wrong = PROGRAMS[lang]
    verdict = run_program(lang, right, ECHO_SUM, timeout=RUN_TIMEOUT)
    assert verdict.outcome == "PASSED", verdict.detail
    verdict = run_program(lang, wrong, ECHO_SUM, timeout=RUN_TIMEOUT)
    assert verdict.outcome == "WRONG_ANSWER", verdict.detail


@pytest.mark.parametrize("lang", list(PROGRAMS))
def test_a_program_that_does_not_compile(lang: str) -> None:
    require_compiler(lang)
    verdict = run_program(lang, PROGRAMS[lang][0].replace("(", "", 1), ECHO_SUM, timeout=RUN_TIMEOUT)
    assert verdict.outcome == "COMPILATION_ERROR", verdict.detail


def test_a_crash_and_a_hang() -> None:
    assert run_program("python", "raise SystemExit(3)\n", ECHO_SUM).outcome == "RUNTIME_ERROR"
    assert run_program("python", "while True: pass\n", ECHO_SUM, timeout=0.5).outcome == "TIME_LIMIT_EXCEEDED"


def test_score_runs_the_answer_in_the_program() -> None:
    task = from_row(
        "block", {**row("a, b = map(int, input().split())\n{{completion}}\n", "print(a + b)"), "unit_tests": ECHO_SUM}
    )
    right = score(task, {"completion": "print(a + b)", "replace": 0}, {})
    wrong = score(task, {"completion": "print(a)", "replace": 0}, {})
    assert (right["passed"], right["exact_line"], right["empty"]) == (True, True, False)
    assert (wrong["passed"], wrong["outcome"], wrong["exact_line"]) == (False, "WRONG_ANSWER", False)
    assert score(task, {"completion": None, "replace": 0}, {})["empty"] is True


def test_every_kept_task_has_one_hole_and_a_checked_ground_truth() -> None:
    for split in ("block", "control", "api"):
        with gzip.open(FOLDER / f"{split}.jsonl.gz", "rt", encoding="utf-8") as stream:
            rows = [json.loads(line) for line in stream]
        assert {r["lang"] for r in rows} == {"python", "java", "cpp", "csharp"}
        for r in rows:
            assert r["eval_prompt"].count("{{completion}}") == 1
            assert bool(r["unit_tests"]) == (split != "api")
            if split != "api":
                assert r["ground_truth_verdict"] in {
                    "PASSED",
                    "WRONG_ANSWER",
                    "RUNTIME_ERROR",
                    "COMPILATION_ERROR",
                    "TIME_LIMIT_EXCEEDED",
                }


def test_the_post_row_ends_a_run_on_answer_where_the_block_ends() -> None:
    from bench.safim_offline import post

    source = "class A {\n    void f(int x) {\n        if (x > 0) {\n            {{completion}}\n        }\n    }\n}\n"
    task = from_row("block", row(source, "x--;", "java"))
    raw = "x--;\n        }\n        return;\n    }\n}\n"
    record = post(task, raw)
    assert record["logs"] == ["completion at 0: asks the model (multi-line)"]
    assert record["completion"] == "x--;"


def test_the_post_row_asks_one_line_mid_line() -> None:
    from bench.safim_offline import post

    task = from_row("control", row("int f(int u, int v) {\n    if ({{completion}}) {\n    }\n}\n", "u == v", "cpp"))
    record = post(task, "u == v) {")
    assert record["logs"] == ["completion at 0: asks the model (one line)"]
    assert inserted(task, record["completion"], record["replace"]) == "u == v"
