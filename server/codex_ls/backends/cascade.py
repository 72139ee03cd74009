"""Two embedded models behind one backend: typing on the small one, the rest on the large one.

Requests marked ``large`` (manual triggers, a function body to write, *Implement
function*) go to the larger model, which is right more often and about twice as
slow; every other request (typing) stays on the small one. Each model is loaded
on its first request and stays loaded, so that neither waits for the other to load.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from .base import Backend, Delta, GenerationRequest


class CascadeBackend:
    def __init__(self, small: Backend, large: Backend) -> None:
        self.small = small
        self.large = large
        self.name = small.name
        self.max_samples = min(small.max_samples, large.max_samples)
        self.samples_in_sequence = small.samples_in_sequence or large.samples_in_sequence

    def backend_for(self, request: GenerationRequest) -> Backend:
        return self.large if request.large else self.small

    def stream(self, request: GenerationRequest) -> AsyncGenerator[Delta, None]:
        return self.backend_for(request).stream(request)

    async def check(self) -> str:
        return f"typing: {await self.small.check()}; the rest: {await self.large.check()}"

    async def aclose(self) -> None:
        await self.small.aclose()
        await self.large.aclose()
