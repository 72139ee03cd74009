"""The model answerer's work: one request's generation, from its request to its ranked suggestions.

The request was laid out with the place (``prompting.py``); the document's flight
started this work and hands it the watch that closes a stream the typing
contradicts (``flight.py``). Its samples are drawn (``samples.py``), then
post-processed and ranked (``suggestions.py``). In Python, a line the model indented
for another block than the cursor's is asked for once more with the indentation an
editor's Enter gives.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import AsyncGenerator
from dataclasses import replace

from ..backends.base import Backend, Delta, GenerationRequest
from ..config import CompletionConfig
from .fim import FimTemplate
from .flight import Finished, Generation, Watch
from .prompting import Prompting
from .request import Place
from .samples import Sample, Stream, block_ended, draw, past, wrote_code
from .suggestions import Shaping, Suggestion, suggestions
from .syntax import Extent, misplaced_line

log = logging.getLogger(__name__)


class Generator:
    """The work of one request's generation: its samples, made into suggestions."""

    def __init__(
        self,
        config: CompletionConfig,
        backend: Backend,
        template: FimTemplate,
        prompting: Prompting,
        counts: Counter[str],
    ) -> None:
        self.config = config
        self.backend = backend
        self.template = template
        self.prompting = prompting
        self.counts = counts

    def _shaping(self, place: Place) -> Shaping:
        return Shaping(place.ctx.language_id, place.extent, self.template.stop, self.config.tuning.min_mean_logprob)

    async def generate(self, place: Place, generation: Generation, watch: Watch) -> Finished:
        """``generation``'s answer at ``place``; its first sample streams into ``generation.streamed``."""
        started, win, language_id = time.perf_counter(), place.win, place.ctx.language_id
        request, enough = place.request, place.enough

        def stream(request: GenerationRequest) -> AsyncGenerator[Delta, None]:
            return watch(self.backend.stream(request))

        samples = await draw(
            stream,
            request,
            ended=block_ended(win.prefix, win.suffix, language_id) if place.extent is Extent.BLOCK else None,
            first=generation.streamed,
            enough=enough,
            retry=request.n > 1 and enough is not wrote_code,
            until=generation.until,
        )
        found = suggestions(win, samples, self._shaping(place))
        # The line shown, or the model's own when nothing was left of it (it repeated the code below).
        line = found[0].text if found else samples[0].text.split("\n", 1)[0] if samples else ""
        misplaced = line.strip() and not past(generation.until)
        if misplaced and (indent := misplaced_line(language_id, win.prefix, win.suffix, line)) is not None:
            again = await self._reindented(place, stream, generation.until, indent)
            found = again or found
        elapsed = time.perf_counter() - started
        log.debug("completion: %d samples, %d shown, %.0f ms", len(samples), len(found), elapsed * 1000)
        if log.isEnabledFor(logging.DEBUG):
            for index, sample in enumerate(samples):
                log.debug("candidate %d: finish=%s raw=%s", index, sample.finish, json.dumps(sample.text))
        return Finished(found)

    async def _reindented(self, place: Place, stream: Stream, until: float | None, indent: str) -> list[Suggestion]:
        """The line once more, its indentation given: the one the model chose does not compile where it goes.

        Asked at column 0 in front of code, the small model often indents a line for
        another block than the cursor's; given the indentation an editor's Enter
        would give, it writes a line for this one.
        """
        self.counts["reindented"] += 1
        win, language = place.win, place.ctx.language_id
        moved = replace(win, prefix=win.prefix + indent)
        samples = await draw(
            stream,
            self.prompting.again(place.request, moved),
            ended=block_ended(moved.prefix, win.suffix, language) if place.extent is Extent.BLOCK else None,
            retry=False,
            until=until,
        )
        indented = [Sample([indent, *s.parts], s.finish, s.logprob, s.tokens, s.scored_tokens) for s in samples]
        log.debug("completion: the line did not compile at its indentation; asked again at %d", len(indent))
        return suggestions(win, indented, self._shaping(place))
