"""One chat request of an action, read to its end (or until the action is cancelled).

The stream is closed in a ``finally`` whatever happens, so cancelling the task
that reads it closes the HTTP connection or stops the local model.
"""

from __future__ import annotations

import logging
import re
import time
from contextlib import aclosing

from ..backends.chat import Message
from .job import Job
from .prompts import PROMPTS, PromptInput, extract_code, render

log = logging.getLogger(__name__)

#: Characters between two progress reports.
REPORT_EVERY = 200


async def ask(
    job: Job,
    action: str,
    data: PromptInput,
    history: tuple[Message, ...] = (),
    max_tokens: int | None = None,
    *,
    stop_on_repeats: bool = False,
) -> tuple[str, str | None]:
    """The model's whole answer to ``action``'s prompt (followed by ``history``) and its finish reason.

    With ``stop_on_repeats`` (for line lists), reading stops once the model
    writes the same line three times over (numbers aside).
    """
    messages = render(action, data) + history
    config = job.config
    limit = min(config.max_tokens, max_tokens or config.max_tokens)
    parts: list[str] = []
    finish: str | None = None
    received, reported = 0, 0
    started = time.perf_counter()
    job.report("waiting for the model")
    stream = job.chat.chat(messages, max_tokens=limit, temperature=config.tuning.temperature)
    async with aclosing(stream):
        async for delta in stream:
            if delta.index != 0:
                continue
            parts.append(delta.text)
            received += len(delta.text)
            if received - reported >= REPORT_EVERY:
                reported = received
                job.report(f"{received} characters received")
            if delta.finish_reason is not None:
                finish = delta.finish_reason
                break
            if stop_on_repeats and "\n" in delta.text and repeating("".join(parts)):
                finish = "repeats"
                break
    answer = "".join(parts)
    log.info("%s: %d characters, finish=%s, %.2fs", action, len(answer), finish, time.perf_counter() - started)
    return answer, finish


async def ask_code(
    job: Job, action: str, data: PromptInput, prefer: str | None = None, history: tuple[Message, ...] = ()
) -> tuple[str, str]:
    """Like :func:`ask`, for answers that are code: the code (fences and chatter removed) and the raw answer."""
    answer, _ = await ask(job, action, data, history)
    return (extract_code(answer, prefer) if PROMPTS[action].code_answer else answer), answer


_DIGITS = re.compile(r"\d+")


def repeating(text: str, times: int = 3) -> bool:
    """The last ``times`` complete lines say the same thing (numbers aside)."""
    lines = [_DIGITS.sub("#", line.strip()) for line in text.split("\n")[:-1] if line.strip()]
    return len(lines) >= times and len(set(lines[-times:])) == 1
