"""Two embedded models behind one backend: typing on the small one, the rest on the large one.

Requests marked ``large`` (manual triggers, a function body to write, *Implement
function*) go to the larger model, which is right more often and about twice as
slow; every other request (typing) stays on the small one. The small one is loaded
and warmed first (``model.tuning.warm``); then, once nobody waits for the cores, the
large one is loaded and warmed the same way, so that the first body it writes pays
neither its load nor its whole prompt. Both stay loaded, and take their turns at the
cores from one queue (``turns.py``).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping

from .base import Backend, CacheLayout, Delta, GenerationRequest


class CascadeBackend:
    def __init__(
        self, small: Backend, large: Backend, idle: Callable[[Callable[[], bool]], Awaitable[bool]] | None = None
    ) -> None:
        self.small = small
        self.large = large
        #: True once nobody waits for the cores (False: stopped first): the large model's load
        #: cannot pause for a keystroke.
        self._idle = idle
        #: Set when a newer warm-up comes: one waits for the cores at a time.
        self._waiting: threading.Event | None = None
        self.name = small.name
        self.max_samples = min(small.max_samples, large.max_samples)
        self.samples_in_sequence = small.samples_in_sequence or large.samples_in_sequence

    @property
    def cache_layout(self) -> CacheLayout | None:
        # Laid out for typing, the small model's business; the large one takes the same prompt.
        return self.small.cache_layout

    @property
    def usage(self) -> Mapping[str, int]:
        """Both models' work: they share one registry's count, which the small one shows."""
        found: Mapping[str, int] = getattr(self.small, "usage", {})
        return found

    def backend_for(self, request: GenerationRequest) -> Backend:
        return self.large if request.large else self.small

    def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        return self.backend_for(request).stream(request)

    async def prepare(self, *prompts: str) -> None:
        # The small model first: typing needs it. Loading the large one takes the cores
        # for seconds (4-7.5 s for the 1.5B on 2 cores), so it waits until they are free.
        await self.small.prepare(*prompts)
        if self._idle is not None:
            if self._waiting is not None:
                self._waiting.set()  # the newest place is the one wanted
            self._waiting = superseded = threading.Event()
            if not await self._idle(superseded.is_set):
                return
        # The large model answers whole bodies and manual triggers, which take the whole
        # window, never the cold prompt of typing: only the last, whole, prompt is its warm-up.
        await self.large.prepare(*prompts[-1:])

    async def check(self) -> str:
        return f"typing: {await self.small.check()}; the rest: {await self.large.check()}"

    async def aclose(self) -> None:
        await self.small.aclose()
        await self.large.aclose()
