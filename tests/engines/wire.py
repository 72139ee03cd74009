"""What an engine answered, beyond the text the backends read.

The backends turn an engine's stream into text deltas and a finish reason. The
engine says more in the same stream: llama-server's last ``/infill`` event holds the
prompt it evaluated, how many tokens it took from its cache (``timings.cache_n``)
and how many it evaluated (``timings.prompt_n``), why it stopped (``stop_type``,
``stopping_word``). :class:`Recording` is the real transport, keeping each answer's
bytes as they pass, so a test reads the engine's own account of the request.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

from codex_ls.backends.base import Delta
from codex_ls.backends.http import HttpTransport


class Recording(HttpTransport):
    """An :class:`HttpTransport` that keeps every request body and answer it carried."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bodies: list[dict[str, Any]] = []
        self.answers: list[bytearray] = []

    async def stream(self, path: str, body: dict[str, Any], *, sse: bool = True) -> AsyncGenerator[bytes, None]:
        self.bodies.append(body)
        answer = bytearray()
        self.answers.append(answer)
        async for chunk in super().stream(path, body, sse=sse):
            answer.extend(chunk)
            yield chunk

    def events(self, index: int = -1) -> list[dict[str, Any]]:
        """The JSON events of one answer (the last by default), ``[DONE]`` left out."""
        found = []
        for block in bytes(self.answers[index]).split(b"\n\n"):
            for line in block.splitlines():
                if line.startswith(b"data: ") and line[6:].strip() != b"[DONE]":
                    found.append(json.loads(line[6:]))
        return found

    def final(self, index: int = -1) -> dict[str, Any]:
        """llama-server's closing event: the one with ``timings``."""
        closing = [e for e in self.events(index) if "timings" in e]
        assert closing, f"the engine sent no closing event: {bytes(self.answers[index])[-400:]!r}"
        return closing[-1]


async def collect(deltas: AsyncGenerator[Delta, None]) -> dict[int, tuple[str, str | None, int]]:
    """Per choice: its text, its finish reason and the number of deltas it came in."""
    choices: dict[int, tuple[str, str | None, int]] = {}
    async for delta in deltas:
        text, _, count = choices.get(delta.index, ("", None, 0))
        choices[delta.index] = (text + delta.text, delta.finish_reason, count + 1)
    return choices
