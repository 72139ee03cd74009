"""Where the settings come from: the JSON file named by ``CODEX_LS_CONFIG``, then the editor's.

The editor's (or the command line's) value wins where both set one; each source's
problems are reported, and a file that cannot be read leaves the defaults.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .config import Config, parse_config
from .typed_settings import merge


def load_env_config(environ: Mapping[str, str] = os.environ) -> tuple[Any, list[str]]:
    """Read the JSON file named by ``CODEX_LS_CONFIG``, if any."""
    name = environ.get("CODEX_LS_CONFIG")
    if not name:
        return None, []
    try:
        return json.loads(Path(name).read_text(encoding="utf-8")), []
    except (OSError, ValueError) as exc:
        return None, [f"CODEX_LS_CONFIG={name}: cannot read it ({exc}); using the defaults"]


def load_settings(editor: Any, environ: Mapping[str, str] = os.environ) -> tuple[Config, list[str]]:
    """The settings: the ``CODEX_LS_CONFIG`` file's, overridden by the editor's (or the command
    line's) where both set a value; with one message per problem, the file's included."""
    file_settings, errors = load_env_config(environ)
    config, more = parse_config(merge(file_settings, editor))
    return config, errors + more
