"""codex-ls: a language server for Codex-style code assistance."""

from __future__ import annotations

__version__ = "0.1.0"
