"""*Implement function*: fill a stub's body by FIM insertion, resampled and ranked.

The completion backend fills the hole between the signature (and docstring)
and the rest of the file. Several samples are drawn at a higher temperature by
the completions' sampling pipeline (``completion/samples.py``: one request with
``n``, however the backend serves it); a sample counts only if it stopped by
itself (or its block visibly ended) and the file still parses with it. Among
those, a higher mean log-probability wins when the backend reports one, else the
answer the samples agree on most. If every sample ran out of tokens, the whole
round is tried once more with twice the budget.
"""

from __future__ import annotations

import ast
import logging
import re
import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ..backends.base import GenerationRequest
from ..completion.samples import Sample, draw
from .braces import matching_brace
from .edits import replace
from .functions import PYTHON, function_at
from .job import ActionFailedError, EditResult, Job
from .names import undefined_names
from .source import Function

log = logging.getLogger(__name__)

_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/|#[^\n]*", re.DOTALL)
_PLACEHOLDER = re.compile(r"^(?:todo!\(.*\)|unimplemented!\(.*\)|throw new Error\(.*\));?$", re.DOTALL)

#: Stops that end a Python body: the next top-level statement.
_PYTHON_STOPS = ("\ndef ", "\nclass ", "\nif __name__", "\n@")


@dataclass(frozen=True)
class Hole:
    """Where the body goes: the text before and after it, and the indentation of its lines."""

    start: int
    end: int
    indent: str
    text: str
    python: bool

    def filled(self, body: str) -> str:
        return self.text[: self.start] + self.insertion(body) + self.text[self.end :]

    def insertion(self, body: str) -> str:
        return "\n" + self.indent + body


@dataclass(frozen=True)
class Body:
    """One sample as a function body: cut where its block ends, and why it cannot be used, if it cannot."""

    text: str
    finish: str | None = "stop"
    mean_logprob: float | None = None
    flaw: str | None = None

    @property
    def usable(self) -> bool:
        return self.finish == "stop" and self.flaw is None and bool(self.text.strip())


def body_of(hole: Hole, sample: Sample) -> Body:
    text, finish = sample.text, sample.finish or "length"
    if "\n" in text and (cut := block_end(text, hole.indent)) is not None:
        text, finish = text[:cut], "stop"
    text = text.rstrip()
    if finish != "stop":
        return Body(text, finish, sample.mean_logprob, "did not stop" if finish == "length" else f"ended: {finish}")
    return Body(text, finish, sample.mean_logprob, flaw(hole, text))


def hole_for(text: str, function: Function, python: bool) -> Hole:
    end = function.end
    if not python:  # keep the closing brace's line
        end = max(function.keep_end, text.rfind("\n", 0, text.rfind("}", 0, function.end + 1)))
    return Hole(function.keep_end, end, function.indent, text, python)


def block_end(text: str, indent: str) -> int | None:
    """Where the body leaves its block: the first later line indented less than the body.

    A line's indentation is known from its first visible character, so a line
    still arriving can end the block.
    """
    lines = text.split("\n")
    offset = len(lines[0])
    for line in lines[1:]:
        if line.strip() and len(line) - len(line.lstrip(" \t")) < len(indent):
            return offset
        offset += 1 + len(line)
    return None


def flaw(hole: Hole, body: str) -> str | None:
    """Why ``body`` cannot fill the hole (the file must parse, the body must do something, and
    a Python body must read no name nothing defines), or ``None``."""
    if not hole.python:
        code = _COMMENTS.sub("", body).strip()
        if not balanced(body):
            return "unbalanced brackets"
        return "does nothing" if not code or _PLACEHOLDER.match(code) else None
    try:
        tree = ast.parse(hole.filled(body))
        statements = ast.parse(textwrap.dedent(hole.indent + body)).body
    except (SyntaxError, ValueError):
        return "does not parse"
    first = hole.text.count("\n", 0, hole.start) + 2
    if unknown := undefined_names(tree, first, first + body.count("\n")):
        return f"reads undefined {', '.join(sorted(unknown))}"
    return None if any(not _inert(s) for s in statements) else "does nothing"


def _inert(statement: ast.stmt) -> bool:
    """``pass``, ``...`` or a bare string (another docstring): not an implementation."""
    if isinstance(statement, ast.Pass):
        return True
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def balanced(code: str) -> bool:
    """Brackets of ``code`` (outside strings and comments) close in order and all close."""
    wrapped = "{" + code + "\n}"
    return matching_brace(wrapped, 0) == len(wrapped) - 1 and _pairs_ok(code)


def _pairs_ok(code: str) -> bool:
    depth = {"(": 0, "[": 0}
    closing = {")": "(", "]": "["}
    for char in code:
        if char in depth:
            depth[char] += 1
        elif char in closing:
            depth[closing[char]] -= 1
            if depth[closing[char]] < 0:
                return False
    return all(v == 0 for v in depth.values())


async def implement(job: Job) -> EditResult:
    snapshot = job.snapshot
    function = function_at(snapshot.text, job.args.range.start.line, snapshot.language)
    if function is None or not function.is_stub:
        raise ActionFailedError("there is no unimplemented function at the cursor")
    hole = hole_for(snapshot.text, function, snapshot.language.lower() in PYTHON)
    candidates = await _rounds(job, hole)
    best = choose(candidates)
    if best is None:
        raise ActionFailedError(_no_sample_message(candidates))
    where = snapshot.range(hole.start, hole.end)
    edit = replace(snapshot.uri, snapshot.version, where, hole.insertion(best.text))
    return EditResult(edit, f"Implement {function.name}")


async def _rounds(job: Job, hole: Hole) -> list[Body]:
    """One round of samples; a second one if the first gave nothing usable.

    If every sample ran out of tokens, the second round has twice the budget;
    otherwise it samples at a higher temperature, to get away from the answer
    the model keeps giving.
    """
    max_tokens, temperature = job.config.tuning.implement_max_tokens, job.config.tuning.sample_temperature
    widened: list[bool] = []

    def again() -> None:
        widened.append(True)
        job.report("every sample ran out of tokens; once more with twice the budget")

    bodies = await sample(job, hole, max_tokens, temperature, again)
    if not widened and choose(bodies) is None:
        job.report("no usable sample; once more at a higher temperature")
        bodies += await sample(job, hole, max_tokens, min(1.0, temperature + 0.4))
    return bodies


def _no_sample_message(candidates: list[Body]) -> str:
    reasons = Counter(c.flaw or "was cut off" for c in candidates)
    listed = ", ".join(f"{count} {reason}" for reason, count in reasons.most_common())
    return f"no usable body among {len(candidates)} samples ({listed}); nothing was changed"


def choose(candidates: list[Body]) -> Body | None:
    usable = [c for c in candidates if c.usable]
    if not usable:
        return None
    if all(c.mean_logprob is not None for c in usable):
        return max(usable, key=lambda c: c.mean_logprob or 0.0)
    votes = Counter(_normal(c.text) for c in usable)
    return max(usable, key=lambda c: votes[_normal(c.text)])  # max keeps the first of equals


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def shown_suffix(hole: Hole) -> str:
    """What the model sees after the hole: the end of the function, not the code after it.

    The functions that follow pull a small model towards their names and bodies
    (on the embedded 0.5B model, a stub followed by ``def mean(values)`` got
    ``values == values[::-1]`` in 4 of 4 samples with the rest of the file as
    suffix, and a correct body in 4 of 4 with only the function's end).
    """
    if hole.python:
        return "\n"
    closing = hole.text.find("\n", hole.end + 1)
    return hole.text[hole.end : len(hole.text) if closing < 0 else closing + 1]


def request_for(job: Job, hole: Hole, max_tokens: int, n: int, temperature: float) -> GenerationRequest:
    template = job.completer.template
    prefix = _clip_prefix(hole.text[: hole.start] + "\n" + hole.indent, job.config.tuning.context_chars)
    suffix = shown_suffix(hole)
    stops = template.stop + (_PYTHON_STOPS if hole.python else ())
    return GenerationRequest(
        prefix=prefix,
        suffix=suffix,
        prompt=template.render(prefix, suffix),
        stop=stops,
        max_tokens=max_tokens,
        temperature=temperature,
        n=n,
        logprobs=n > 1,
        # Writing a whole body is where the small model fails most: the cascade's larger model.
        large=True,
    )


def _clip_prefix(text: str, budget: int) -> str:
    if len(text) <= budget:
        return text
    cut = text.find("\n", len(text) - budget)
    return text[cut + 1 :] if cut >= 0 else text[-budget:]


async def sample(
    job: Job, hole: Hole, max_tokens: int, temperature: float, again: Callable[[], None] | None = None
) -> list[Body]:
    """The round's samples as bodies; with ``again``, cut samples are drawn again with twice the budget."""
    backend = job.completer.backend
    n = max(1, min(job.config.tuning.samples, backend.max_samples))
    job.report(f"drawing {n} samples")
    request = request_for(job, hole, max_tokens, n, temperature)

    def ended(text: str) -> bool:
        return block_end(text, hole.indent) is not None

    def enough(found: list[Sample]) -> bool:
        # Without log-probabilities there is nothing to rank usable samples by: where
        # samples come one after another, the first usable one is kept.
        finished = [body_of(hole, c) for c in found if c.finish is not None]
        usable = [b for b in finished if b.usable]
        return bool(usable) and not all(b.mean_logprob is not None for b in usable)

    samples = await draw(
        backend.stream,
        request,
        ended=ended,
        enough=enough if backend.samples_in_sequence else None,
        retry=again is not None,
        again=again,
    )
    bodies = [body_of(hole, c) for c in samples]
    log.info("implement samples: %s", [(b.finish, b.flaw, b.text[:60]) for b in bodies])
    return bodies
