"""One chat request of an action, read to its end (or until the action is cancelled).

The stream is closed in a ``finally`` whatever happens, so cancelling the task
that reads it closes the HTTP connection or stops the local model. While it
is read, the progress message counts the characters received, and an answer
meant to be read (``write``) is passed on piece by piece as it arrives.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from contextlib import aclosing

from ..backends.chat import Message
from .job import Job
from .prompts import PROMPTS, PromptInput, extract_code, render

log = logging.getLogger(__name__)

#: Seconds between two progress reports of the characters received (the first goes out at once).
REPORT_INTERVAL = 0.1


async def ask(
    job: Job,
    action: str,
    data: PromptInput,
    history: tuple[Message, ...] = (),
    max_tokens: int | None = None,
    *,
    stop_on_repeats: bool = False,
    write: Callable[[str], None] | None = None,
) -> tuple[str, str | None]:
    """The model's whole answer to ``action``'s prompt (followed by ``history``) and its finish reason.

    With ``stop_on_repeats`` (for line lists), reading stops once the model
    writes the same line three times over (numbers aside). ``write`` receives
    each piece of the answer as it arrives.
    """
    messages = render(action, data) + history
    config = job.config
    limit = min(config.max_tokens, max_tokens or config.max_tokens)
    parts: list[str] = []
    finish: str | None = None
    received = 0
    started = time.perf_counter()
    reported = started - REPORT_INTERVAL
    job.report("waiting for the model")
    stream = job.chat.chat(messages, max_tokens=limit, temperature=config.tuning.temperature)
    async with aclosing(stream):
        async for delta in stream:
            if delta.index != 0:
                continue
            parts.append(delta.text)
            received += len(delta.text)
            if write is not None and delta.text:
                write(delta.text)
            if delta.text and (now := time.perf_counter()) - reported >= REPORT_INTERVAL:
                reported = now
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
    job: Job,
    action: str,
    data: PromptInput,
    prefer: str | None = None,
    history: tuple[Message, ...] = (),
    *,
    write: Callable[[str], None] | None = None,
) -> tuple[str, str]:
    """Like :func:`ask`, for answers that are code: the code (fences and chatter removed) and the raw answer."""
    answer, _ = await ask(job, action, data, history, write=write)
    return (extract_code(answer, prefer) if PROMPTS[action].code_answer else answer), answer


_DIGITS = re.compile(r"\d+")


def repeating(text: str, times: int = 3) -> bool:
    """The last ``times`` complete lines say the same thing (numbers aside)."""
    lines = [_DIGITS.sub("#", line.strip()) for line in text.split("\n")[:-1] if line.strip()]
    return len(lines) >= times and len(set(lines[-times:])) == 1
