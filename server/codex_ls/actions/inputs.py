"""Shared steps of the chat actions: the code in question, its surroundings, checked answers."""

from __future__ import annotations

import ast
import dataclasses
import textwrap
from collections.abc import Callable

from ..backends.chat import Message
from .ask import ask_code
from .functions import PYTHON
from .job import ActionFailedError, Job
from .prompts import PromptInput, retry_message
from .target import Target, target_at


def require_target(job: Job) -> Target:
    target = target_at(job.snapshot, job.args.range)
    if target is None:
        raise ActionFailedError("select some code or put the cursor in a function")
    return target


def prompt_input(job: Job, where: Target, *, context: bool = True, **more: str) -> PromptInput:
    """The prompt's data: the code in question and, if asked, whole lines around it within the budget."""
    text = job.snapshot.text
    budget = job.config.tuning.context_chars if context else 0
    before = text[max(0, where.start - budget * 3 // 4) : where.start]
    before = before[before.find("\n") + 1 :] if where.start > budget * 3 // 4 else before
    after = text[where.end : where.end + budget // 4]
    after = after[: after.rfind("\n") + 1] if where.end + budget // 4 < len(text) else after
    data = PromptInput(
        language=job.snapshot.language,
        path=job.snapshot.path,
        code=where.code(text),
        before=before,
        after=after,
        subject=where.subject,
    )
    return dataclasses.replace(data, **more)


def is_python(job: Job) -> bool:
    return job.snapshot.language.lower() in PYTHON


def python_parses(code: str) -> bool:
    try:
        ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError):
        return False
    return True


async def ask_checked(
    job: Job,
    action: str,
    data: PromptInput,
    check: Callable[[str], str | None],
    *,
    prefer: str | None = None,
) -> str:
    """A code answer that passes ``check`` (which returns what is wrong, or ``None``).

    A rejected answer is asked again once, with the answer and the reason in the
    conversation, so the model does not simply repeat itself.
    """
    history: tuple[Message, ...] = ()
    problem = "the model gave no code"
    for attempt in range(2):
        if attempt:
            job.report(f"{problem}; asking again")
        code, answer = await ask_code(job, action, data, prefer, history)
        found = "the model gave no code" if not code.strip() else check(code)
        if found is None:
            return code
        problem = found
        history = (("assistant", answer), ("user", retry_message(problem)))
    raise ActionFailedError(f"{problem}; nothing was changed")
