"""The errors codex-ls raises, as one tree.

    CodexError
    ├── ConfigError                  a setting is invalid
    └── BackendError                 a model call failed
        ├── BackendUnavailableError  connection refused, DNS, TLS handshake
        ├── BackendTimeoutError      connect or read timeout
        │   └── RequestDeadlineError backend.tuning.requestTimeout passed: no time left to retry
        ├── StreamProtocolError      the body is not the stream we expect
        └── BackendStatusError       the backend answered with an HTTP error
            ├── AuthenticationError  401, 403
            ├── NotFoundError        404 (usually a wrong model name or URL)
            ├── RateLimitError       429
            └── ServerError          5xx

Every error carries a one-sentence ``user_message`` fit for an editor popup (one
that names the setting to fix, where there is one) and never contains
credentials: the API keys in use are registered in ``SECRETS`` and
``redact`` replaces them wherever text leaves the server (messages and logs), even
when a backend echoes a key back in its error body.
"""

from __future__ import annotations

#: Secret values currently in use (API keys), replaced by ``***`` in anything shown or logged.
SECRETS: set[str] = set()


def redact(text: str) -> str:
    for secret in SECRETS:
        text = text.replace(secret, "***")
    return text


class CodexError(Exception):
    """Base class of everything codex-ls raises on purpose."""

    @property
    def user_message(self) -> str:
        return redact(str(self))


class ConfigError(CodexError):
    """A setting has a value codex-ls cannot use."""


class BackendError(CodexError):
    """A request to the model backend failed."""

    #: Whether trying the same request again may succeed.
    retryable: bool = False


class BackendUnavailableError(BackendError):
    retryable = True


class BackendTimeoutError(BackendError):
    retryable = True


class RequestDeadlineError(BackendTimeoutError):
    """The whole request took ``backend.tuning.requestTimeout``; trying again would take longer still."""

    retryable = False


class StreamProtocolError(BackendError):
    """The backend's response body could not be understood."""


class StreamBrokenError(StreamProtocolError):
    """The connection broke off in the middle of the backend's answer."""


class BackendStatusError(BackendError):
    def __init__(self, status: int, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.retry_after = retry_after


class AuthenticationError(BackendStatusError):
    pass

    @property
    def user_message(self) -> str:
        return f"the backend refused the API key ({self.status}); check backend.apiKeyEnv or backend.apiKeyCommand"


class NotFoundError(BackendStatusError):
    pass


class RateLimitError(BackendStatusError):
    retryable = True


class ServerError(BackendStatusError):
    retryable = True


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` is one of the ways a backend that is down or restarting fails: no
    connection, an answer cut off, or a gateway or the engine saying it is not ready (502-504)."""
    if isinstance(exc, ServerError):
        return exc.status in (502, 503, 504)
    return isinstance(exc, BackendUnavailableError | StreamBrokenError)


def status_error(status: int, message: str, retry_after: float | None = None) -> BackendStatusError:
    """Map an HTTP status to the matching error class."""
    cls: type[BackendStatusError]
    if status in (401, 403):
        cls = AuthenticationError
    elif status == 404:
        cls = NotFoundError
    elif status == 429:
        cls = RateLimitError
    elif status >= 500 or status in (408, 409):
        cls = ServerError
    else:
        cls = BackendStatusError
    return cls(status, message, retry_after=retry_after)


def user_message(exc: BaseException) -> str:
    """What the user is told about ``exc``: the same words in popups, statuses and ``codex-ls doctor``."""
    if isinstance(exc, CodexError):
        return exc.user_message
    return redact(f"internal error: {type(exc).__name__}: {exc}")
