"""*Implement function*: fill a stub's body by FIM insertion, resampled and ranked.

The completion backend fills the hole between the signature (and docstring)
and the rest of the file. Several samples are drawn at a higher temperature (in
one request with ``n`` where the backend supports it, else one request each);
a sample counts only if it stopped by itself (or its block visibly ended) and
the file still parses with it. Among those, a higher mean log-probability wins
when the backend reports one, else the answer the samples agree on most. If
every sample ran out of tokens, the whole round is tried once more with twice
the budget.
"""

from __future__ import annotations

import ast
import logging
import re
import textwrap
from collections import Counter
from contextlib import aclosing
from dataclasses import dataclass

from ..backends.base import GenerationRequest
from .braces import matching_brace
from .edits import replace
from .functions import PYTHON, function_at
from .job import ActionFailedError, EditResult, Job
from .names import undefined_names
from .source import Function

log = logging.getLogger(__name__)

_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/|#[^\n]*", re.DOTALL)
_PLACEHOLDER = re.compile(r"^(?:todo!\(.*\)|unimplemented!\(.*\)|throw new Error\(.*\));?$", re.DOTALL)

#: Temperature added per repeated sample.
SPREAD = 0.1

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


@dataclass
class Candidate:
    text: str = ""
    finish: str | None = None
    logprob: float = 0.0
    tokens: int = 0
    has_logprob: bool = False
    parses: bool = False
    #: Why the sample cannot be used, for the message when none can.
    flaw: str | None = None

    @property
    def mean_logprob(self) -> float:
        return self.logprob / self.tokens if self.tokens else float("-inf")

    @property
    def usable(self) -> bool:
        return self.finish == "stop" and self.parses and bool(self.text.strip())


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


def parses(hole: Hole, body: str) -> bool:
    return flaw(hole, body) is None


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


async def _rounds(job: Job, hole: Hole) -> list[Candidate]:
    """One round of samples; a second one if the first gave nothing usable.

    If every sample ran out of tokens, the second round has twice the budget;
    otherwise it samples at a higher temperature, to get away from the answer
    the model keeps giving.
    """
    max_tokens, temperature = job.config.implement_max_tokens, job.config.sample_temperature
    candidates = await sample(job, hole, max_tokens, temperature)
    if candidates and all(c.finish == "length" for c in candidates):
        job.report("every sample ran out of tokens; once more with twice the budget")
        return await sample(job, hole, max_tokens * 2, temperature)
    if choose(candidates) is None:
        job.report("no usable sample; once more at a higher temperature")
        candidates += await sample(job, hole, max_tokens, min(1.0, temperature + 0.4))
    return candidates


def _no_sample_message(candidates: list[Candidate]) -> str:
    reasons = Counter(c.flaw or "was cut off" for c in candidates)
    listed = ", ".join(f"{count} {reason}" for reason, count in reasons.most_common())
    return f"no usable body among {len(candidates)} samples ({listed}); nothing was changed"


def choose(candidates: list[Candidate]) -> Candidate | None:
    usable = [c for c in candidates if c.usable]
    if not usable:
        return None
    if all(c.has_logprob for c in usable):
        return max(usable, key=lambda c: c.mean_logprob)
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
    prefix = _clip_prefix(hole.text[: hole.start] + "\n" + hole.indent, job.config.context_chars)
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
    )


def _clip_prefix(text: str, budget: int) -> str:
    if len(text) <= budget:
        return text
    cut = text.find("\n", len(text) - budget)
    return text[cut + 1 :] if cut >= 0 else text[-budget:]


async def sample(job: Job, hole: Hole, max_tokens: int, temperature: float) -> list[Candidate]:
    """The round's samples: one request with ``n`` if the backend takes it, else one request each."""
    samples = job.config.samples
    if job.completer.backend.name == "openai":
        job.report(f"drawing {samples} samples")
        return await _read(job, hole, request_for(job, hole, max_tokens, samples, temperature))
    found: list[Candidate] = []
    for number in range(samples):
        job.report(f"sample {number + 1} of {samples}")
        # A sampler seeded alike for every request (the embedded model's is) gives
        # the same sample for the same request: each one gets its own temperature.
        warmer = min(1.0, temperature + SPREAD * number)
        found += await _read(job, hole, request_for(job, hole, max_tokens, 1, warmer))
        if _agreed(found):
            break
    return found


def _agreed(found: list[Candidate]) -> bool:
    """Whether more samples could change the choice.

    Without log-probabilities there is nothing to rank usable samples by, so the
    first usable one is kept (one request per sample costs the user time).
    """
    usable = [c for c in found if c.usable]
    return bool(usable) and not all(c.has_logprob for c in usable)


async def _read(job: Job, hole: Hole, request: GenerationRequest) -> list[Candidate]:
    candidates = [Candidate() for _ in range(request.n)]
    done: set[int] = set()
    async with aclosing(job.completer.backend.stream(request)) as stream:
        async for delta in stream:
            if delta.index >= request.n or delta.index in done:
                continue
            candidate = candidates[delta.index]
            candidate.text += delta.text
            if delta.logprob is not None:
                candidate.logprob += delta.logprob
                candidate.tokens += delta.tokens
                candidate.has_logprob = True
            if _ended(candidate, hole, delta.finish_reason):
                done.add(delta.index)
            if len(done) == request.n:
                break
    for candidate in candidates:
        _ended(candidate, hole, candidate.finish or "length")
        candidate.text = candidate.text.rstrip()
        candidate.flaw = flaw(hole, candidate.text)
        candidate.parses = candidate.flaw is None
        if candidate.finish != "stop":
            candidate.flaw = "did not stop" if candidate.finish == "length" else f"ended: {candidate.finish}"
    log.info("implement samples: %s", [(c.finish, c.flaw, c.text[:60]) for c in candidates])
    return candidates


def _ended(candidate: Candidate, hole: Hole, finish: str | None) -> bool:
    """Cut the candidate where its block ends; True once it is complete."""
    if "\n" in candidate.text and (cut := block_end(candidate.text, hole.indent)) is not None:
        candidate.text, candidate.finish = candidate.text[:cut], "stop"
        return True
    if finish is not None and candidate.finish is None:
        candidate.finish = finish
    return finish is not None
