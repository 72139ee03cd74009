"""``codex-ls doctor``: check the configured backend and say exactly what is wrong."""

from __future__ import annotations

import os

from ..backends.http_errors import display_url
from ..backends.registry import make_backend
from ..config import Config
from ..errors import CodexError, user_message


async def run_doctor(config: Config, errors: list[str]) -> int:
    b = config.backend
    model = (config.model.path or config.model.name) if b.kind == "local" else b.model
    where = " then ".join(display_url(url) for url in b.base_urls) if b.base_url else "(in-process)"
    print(f"backend: {b.kind} {where} model={model or '(none set)'}")
    for error in errors:
        print(f"setting: {error}")
    if b.api_key_env:
        present = "set" if os.environ.get(b.api_key_env) else "NOT set"
        print(f"api key: environment variable {b.api_key_env} is {present}")
    backend = make_backend(config)
    try:
        print(f"ok: {await backend.check()}")
        return 1 if errors else 0
    except CodexError as exc:
        print(f"problem: {user_message(exc)}")
    finally:
        await backend.aclose()
    return 1
