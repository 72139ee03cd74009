"""Prompt templates for code actions, as data, and the reading of their answers.

One template per action: a system message and a user message with ``{slots}``.
Slots are substituted in the template only, so braces in the user's code are
never re-interpreted. Actions that expect code say so in the prompt ("answer
with … only") and their answers go through :func:`extract_code`, which keeps
the code and drops Markdown fences and chatter around them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..completion.postprocess import strip_code_fences
from ..languages import fence_tag, language_name
from .styles import TEST_STYLES, TestStyle, doc_style

_SLOT = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class PromptTemplate:
    action: str
    system: str
    user: str
    #: The answer is code: fences and chatter are stripped from it.
    code_answer: bool


@dataclass(frozen=True)
class PromptInput:
    """What a template can mention; empty strings are fine."""

    language: str
    path: str
    code: str
    #: Code around ``code`` in the file (the window before and after it).
    before: str = ""
    after: str = ""
    subject: str = "This code"
    instruction: str = ""
    target: str = ""
    framework: str = ""
    test_path: str = ""
    import_line: str = ""


_CONTEXT = "The file {path} reads, around the code in question:\n```{fence}\n{before}{marker}{after}\n```\n\n"

PROMPTS: dict[str, PromptTemplate] = {
    t.action: t
    for t in (
        PromptTemplate(
            action="explain",
            system="You are an expert {language} programmer. You explain code to a colleague, clearly and briefly.",
            user=(
                "{context}Explain this {language} code from {path}:\n```{fence}\n{code}\n```\n"
                'Begin with "{subject}" and say what it does, what it takes and returns, and anything '
                "surprising or risky. Answer in Markdown, in at most 200 words."
            ),
            code_answer=False,
        ),
        PromptTemplate(
            action="addTests",
            system="You are an expert {language} programmer who writes thorough, runnable unit tests.",
            user=(
                "Write {framework} unit tests for this {language} code from {path}:\n```{fence}\n{code}\n```\n"
                "{placement}\n{conventions}\n"
                "Answer with {test_answer} only, as code, without explanations."
            ),
            code_answer=True,
        ),
        PromptTemplate(
            action="edit",
            system="You are an expert {language} programmer who changes code exactly as instructed.",
            user=(
                "{context}Rewrite this {language} code from {path} according to the instruction.\n"
                "Instruction: {instruction}\n```{fence}\n{code}\n```\n"
                "Answer with the rewritten code only, without explanations."
            ),
            code_answer=True,
        ),
        PromptTemplate(
            action="addDocstring",
            system="You are an expert {language} programmer who writes precise documentation.",
            user=(
                "{doc_request} this {language} function from {path}. It says what the function does, "
                "its arguments and what it returns. Do not change the code.\n```{fence}\n{code}\n```\n"
                "Answer with the complete function, including its new {doc_name}, as code only."
            ),
            code_answer=True,
        ),
        PromptTemplate(
            action="addComments",
            system="You are an expert {language} programmer who writes helpful code comments.",
            user=(
                "Copy this {language} code from {path} and insert a `{comment}` comment line above each "
                "step that is not obvious, saying what it does. Do not write a {doc_name} and do not "
                "change the code.\n```{fence}\n{code}\n```\nAnswer with the commented code only."
            ),
            code_answer=True,
        ),
        PromptTemplate(
            action="findBugs",
            system="You are an expert {language} programmer who reviews code for bugs.",
            user=(
                "Find the bugs in this {language} code from {path}: inputs that make it fail or give a "
                "wrong result. Each line starts with its line number.\n```{fence}\n{code}\n```\n"
                "For each bug, write one line: `line <number>: <the bug>`. Do not list style issues. "
                "If there are no bugs, write NONE."
            ),
            code_answer=False,
        ),
        PromptTemplate(
            action="translate",
            system="You are an expert programmer in {language} and {target}.",
            user=(
                "Translate this {language} code from {path} to {target}. Keep the names, the behaviour "
                "and the comments.\n```{fence}\n{code}\n```\nAnswer with the {target} code only."
            ),
            code_answer=True,
        ),
    )
}

#: LSP language id → (name in prompts, Markdown fence tag, file extension).
#: Targets offered by *Translate to…*, by language id.
TRANSLATE_TARGETS: tuple[str, ...] = ("python", "javascript", "typescript", "go", "rust")

#: Line comment prefixes, for ``codex: <instruction>`` comments.
LINE_COMMENTS: dict[str, str] = {
    "python": "#",
    "ruby": "#",
    "shellscript": "#",
    "lua": "--",
    "sql": "--",
    "haskell": "--",
}


_DEFAULT_TEST_STYLE = TestStyle(
    "The tests go in {test_path} and begin with:\n{import_line}",
    "Write one test per behaviour in the framework's usual form; cover normal cases and edge cases.",
)


def line_comment(language_id: str) -> str:
    return LINE_COMMENTS.get(language_id.lower(), "//")


#: Sent after a rejected code answer, so the model's next try knows what was wrong.
RETRY = "That answer cannot be used: {problem}. Answer again, with the code only."


def retry_message(problem: str) -> str:
    return _substitute(RETRY, {"problem": problem})


def render(action: str, data: PromptInput) -> tuple[tuple[str, str], ...]:
    """The chat messages ``((role, content), …)`` for ``action``."""
    template = PROMPTS[action]
    values = _values(data)
    values["context"] = _substitute(_CONTEXT, values) if (data.before.strip() or data.after.strip()) else ""
    return (("system", _substitute(template.system, values)), ("user", _substitute(template.user, values)))


def _values(data: PromptInput) -> dict[str, str]:
    values = {
        "language": language_name(data.language),
        "fence": fence_tag(data.language),
        "path": data.path or "an unsaved file",
        "code": data.code.strip("\n"),
        "before": data.before,
        "after": data.after,
        "marker": "<the code in question>",
        "subject": data.subject,
        "instruction": data.instruction.strip(),
        "target": language_name(data.target),
        "framework": data.framework,
        "test_path": data.test_path,
        "import_line": data.import_line,
        "comment": line_comment(data.language),
        "doc_request": doc_style(data.language).request,
        "doc_name": doc_style(data.language).name,
    }
    style = TEST_STYLES.get(data.framework) or _DEFAULT_TEST_STYLE
    values["placement"] = _substitute(style.placement, values)
    values["conventions"] = style.conventions
    values["test_answer"] = style.answer
    return values


def _substitute(template: str, values: Mapping[str, str]) -> str:
    return _SLOT.sub(lambda m: values.get(m.group(1), m.group(0)), template)


# -- reading answers --------------------------------------------------------------------------

#: A Markdown code fence line: its indentation, backticks and language.
FENCE = re.compile(r"^([ \t]*)```[\w+#.-]*[ \t]*\r?$")
_CHATTER = re.compile(
    r"^\s*(?:sure|certainly|of course|okay|ok|here(?:'s| is| are)|below is|the following)\b[^\n]*\n", re.IGNORECASE
)
_TRAILER = re.compile(r"\n\s*\n(?:explanation|this code|this function|note|in this|the above)\b.*\Z", re.I | re.S)


def fenced_blocks(answer: str) -> list[str]:
    """The Markdown code blocks of an answer; an unclosed last block counts.

    A block closes at a fence line indented like its opening one, so a fence
    inside the code (in a docstring, say) does not end it.
    """
    blocks: list[str] = []
    current: list[str] | None = None
    indent = ""
    for line in answer.split("\n"):
        match = FENCE.match(line)
        if current is None and match is not None:
            current, indent = [], match.group(1)
        elif current is not None and match is not None and match.group(1) == indent and line.strip() == "```":
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line.removeprefix(indent))
    if current is not None:
        blocks.append("\n".join(current))
    return blocks


def extract_code(answer: str, prefer: str | None = None) -> str:
    """The code in a chat answer: the first fenced block (containing ``prefer``, if any), else the answer.

    Without fences, a leading "Here is the code:" line and a trailing explanation
    paragraph are dropped.
    """
    blocks = [b for b in fenced_blocks(answer) if b.strip()]
    if blocks:
        chosen = next((b for b in blocks if prefer and prefer in b), blocks[0])
        return chosen.strip("\n").rstrip()
    text = _CHATTER.sub("", strip_code_fences(answer), count=1)
    return _TRAILER.sub("", text).strip("\n").rstrip()


def number_lines(code: str, first: int) -> str:
    """``code`` with each line prefixed by its 1-based line number in the file."""
    return "\n".join(f"{first + i}: {line}" for i, line in enumerate(code.split("\n")))


_FINDING = re.compile(r"^\s*[-*]?\s*(?:line\s*)?[`<]?(\d+)[`>]?\s*[:.)\-–]\s*<?(.+?)>?\s*$", re.IGNORECASE)  # noqa: RUF001


_NOTHING = frozenset({"none", "no bug", "no bugs", "n/a", "ok", "correct"})


def parse_findings(answer: str, first: int, last: int) -> list[tuple[int, str]]:
    """``(line, message)`` pairs from a *Find bugs* answer; lines outside ``first..last`` are dropped."""
    if answer.strip().strip("`.").upper() == "NONE":
        return []
    findings: list[tuple[int, str]] = []
    for line in answer.splitlines():
        match = _FINDING.match(line)
        if match is None:
            continue
        number, message = int(match.group(1)), match.group(2).strip()
        # The same message on several lines is a model repeating itself: keep the first.
        if message.strip("`.").lower() in _NOTHING:
            continue
        if first <= number <= last and message and all(message != m for _, m in findings):
            findings.append((number, message))
    return findings


def strip_echo(code: str, before: str, after: str) -> str:
    """``code`` without the surrounding lines it repeats: models given context often answer with all of it."""
    lines = code.split("\n")
    above = before.rstrip("\n").split("\n") if before.strip() else []
    below = after.lstrip("\n").rstrip("\n").split("\n") if after.strip() else []
    head = max((k for k in range(1, min(len(above), len(lines) - 1) + 1) if _same(lines[:k], above[-k:])), default=0)
    lines = lines[head:]
    tail = max((k for k in range(1, min(len(below), len(lines) - 1) + 1) if _same(lines[-k:], below[:k])), default=0)
    return "\n".join(lines[: len(lines) - tail]).strip("\n")


def _same(a: list[str], b: list[str]) -> bool:
    return [x.rstrip() for x in a] == [x.rstrip() for x in b]
