"""The model answerer's work: one request's generation, from its request to its ranked suggestions.

The request is laid out by the backend's prompting (``prompting.py``), its samples
are drawn through the document's flight, which watches the stream against the
typing (``flight.py``), then post-processed and ranked (``suggestions.py``). In
Python, a line the model indented for another block than the cursor's is asked for
once more with the indentation an editor's Enter gives.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import replace

from ..backends.base import Backend, GenerationRequest
from ..config import CompletionConfig
from .fim import FimTemplate
from .flight import Finished, Generation, InFlight
from .prompting import Prompting
from .request import Place
from .samples import Enough, Sample, block_ended, past, plan, wrote_code
from .suggestions import Shaping, Suggestion, suggestions
from .syntax import Extent, empty_body, misplaced_line
from .window import Window

log = logging.getLogger(__name__)


class Generator:
    """Starts the generation of one request in its document's flight."""

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

    @staticmethod
    def wants_large(manual: bool, win: Window, extent: Extent) -> bool:
        """Where the larger model of a cascade answers: the user asked and waits, or a whole
        body is to be written. Typing elsewhere stays on the small model."""
        return manual or (extent is Extent.BLOCK and empty_body(win.prefix, win.suffix))

    def start(self, place: Place, flight: InFlight) -> Generation:
        ctx, win, extent = place.ctx, place.win, place.extent
        self.counts["model"] += 1
        samples, enough = plan(self.backend, self.config.tuning.samples, extent, ctx.manual)
        large = self.wants_large(ctx.manual, win, extent)
        request = self.prompting.request(
            win,
            extent,
            samples=samples,
            files=(*ctx.neighbours, *ctx.repository),
            large=large,
            typing=extent is Extent.LINE and not ctx.manual,
        )
        generation = Generation(place.anchor, extent=extent, until=ctx.deadline)
        return flight.start(generation, self._generate(place, flight, generation, request, enough))

    def _shaping(self, place: Place) -> Shaping:
        return Shaping(place.ctx.language_id, place.extent, self.template.stop, self.config.tuning.min_mean_logprob)

    async def _generate(
        self,
        place: Place,
        flight: InFlight,
        generation: Generation,
        request: GenerationRequest,
        enough: Enough | None,
    ) -> Finished:
        started, win, language_id = time.perf_counter(), place.win, place.ctx.language_id
        samples = await flight.draw(
            generation,
            self.backend.stream,
            request,
            ended=block_ended(win.prefix, win.suffix, language_id) if place.extent is Extent.BLOCK else None,
            enough=enough,
            retry=request.n > 1 and enough is not wrote_code,
            first=True,
        )
        found = suggestions(win, samples, self._shaping(place))
        # The line shown, or the model's own when nothing was left of it (it repeated the code below).
        line = found[0].text if found else samples[0].text.split("\n", 1)[0] if samples else ""
        misplaced = line.strip() and not past(generation.until)
        if misplaced and (indent := misplaced_line(language_id, win.prefix, win.suffix, line)) is not None:
            again = await self._reindented(place, flight, generation, request, indent)
            found = again or found
        elapsed = time.perf_counter() - started
        log.debug("completion: %d samples, %d shown, %.0f ms", len(samples), len(found), elapsed * 1000)
        if log.isEnabledFor(logging.DEBUG):
            for index, sample in enumerate(samples):
                log.debug("candidate %d: finish=%s raw=%s", index, sample.finish, json.dumps(sample.text))
        return Finished(found)

    async def _reindented(
        self, place: Place, flight: InFlight, generation: Generation, request: GenerationRequest, indent: str
    ) -> list[Suggestion]:
        """The line once more, its indentation given: the one the model chose does not compile where it goes.

        Asked at column 0 in front of code, the small model often indents a line for
        another block than the cursor's; given the indentation an editor's Enter
        would give, it writes a line for this one.
        """
        self.counts["reindented"] += 1
        win, language = place.win, place.ctx.language_id
        moved = replace(win, prefix=win.prefix + indent)
        samples = await flight.draw(
            generation,
            self.backend.stream,
            self.prompting.again(request, moved),
            ended=block_ended(moved.prefix, win.suffix, language) if place.extent is Extent.BLOCK else None,
            retry=False,
            first=False,
        )
        indented = [Sample([indent, *s.parts], s.finish, s.logprob, s.tokens, s.scored_tokens) for s in samples]
        log.debug("completion: the line did not compile at its indentation; asked again at %d", len(indent))
        return suggestions(win, indented, self._shaping(place))
