"""The ``codex-ls`` command: the server, ``complete``, ``doctor`` and ``model``."""
