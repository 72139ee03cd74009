"""*Find bugs*: the model's review of the code in question, as diagnostics.

The code is shown to the model with its file line numbers; each answer line
``<line>: <problem>`` becomes a warning with ``source: "codex"`` on that line.
"""

from __future__ import annotations

import dataclasses

from lsprotocol import types

from .ask import ask
from .inputs import prompt_input, require_target
from .job import FindingsResult, Job
from .prompts import number_lines, parse_findings

SOURCE = "codex"
#: A list of findings is short; a longer answer is a model repeating itself.
MAX_TOKENS = 320


async def find_bugs(job: Job) -> FindingsResult:
    target = require_target(job)
    snapshot = job.snapshot
    first = snapshot.lines.line_of(target.start) + 1
    last = snapshot.lines.line_of(target.end) + 1
    data = prompt_input(job, target, context=False)
    data = dataclasses.replace(data, code=number_lines(data.code, first))
    answer, _ = await ask(job, "findBugs", data, max_tokens=MAX_TOKENS, stop_on_repeats=True)
    diagnostics = [_diagnostic(job, line - 1, message) for line, message in parse_findings(answer, first, last)]
    return FindingsResult(snapshot.uri, diagnostics)


def _diagnostic(job: Job, line: int, message: str) -> types.Diagnostic:
    lines = job.snapshot.lines
    text = lines.get(line)
    start = lines.start(line) + len(text) - len(text.lstrip())
    return types.Diagnostic(
        range=job.snapshot.range(start, lines.end(line)),
        message=message,
        severity=types.DiagnosticSeverity.Warning,
        source=SOURCE,
    )
