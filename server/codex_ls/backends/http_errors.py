"""What an HTTP backend's failures mean: the error raised, whether to retry or fail over, how long to wait.

Pure functions over status codes, headers, bodies and httpx's exceptions, and the
one URL form fit for messages (no credentials, no query string).
"""

from __future__ import annotations

import email.utils
import json
import random
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

import httpx

from ..errors import (
    BackendError,
    BackendTimeoutError,
    BackendUnavailableError,
    ServerError,
    StreamBrokenError,
    redact,
)


def display_url(url: str) -> str:
    """``url`` fit for a message: no user:password and no query string, where keys may hide."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """``Retry-After`` (or ``retry-after-ms``) in seconds: delta-seconds or an HTTP date."""
    if value := headers.get("retry-after-ms"):
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def backoff(attempt: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return retry_after
    delay: float = min(8.0, 0.5 * 2**attempt) * (0.75 + random.random() / 2)
    return delay


def error_message(body: bytes) -> str:
    """The human part of an error body in the OpenAI, llama.cpp or Ollama shape."""
    return redact(_error_text(body))


def _error_text(body: bytes) -> str:
    try:
        data: Any = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:300] or "no details"
    error = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(error, dict):
        return str(error.get("message") or error)[:300]
    return str(error)[:300]


def fails_over(exc: BackendError) -> bool:
    """Whether another endpoint may answer where this one failed."""
    return isinstance(exc, BackendUnavailableError | BackendTimeoutError | ServerError)


def transport_error(exc: httpx.HTTPError, base: str, *, mid_stream: bool = False) -> BackendError:
    name = type(exc).__name__
    url = display_url(base)
    if isinstance(exc, httpx.TimeoutException):
        return BackendTimeoutError(f"{url} did not answer in time ({name})")
    if mid_stream:
        return StreamBrokenError(f"the stream from {url} broke off ({name})")
    if isinstance(exc, httpx.ConnectError) and "CERTIFICATE" in str(exc).upper():
        return BackendUnavailableError(
            f"TLS certificate of {url} was not accepted; set backend.caBundle for a private CA"
        )
    return BackendUnavailableError(f"cannot connect to {url} ({name})")
