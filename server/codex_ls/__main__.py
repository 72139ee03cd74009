"""``python -m codex_ls``: the same as the ``codex-ls`` command."""

from __future__ import annotations

import sys

from .cli.main import main

if __name__ == "__main__":
    sys.exit(main())
