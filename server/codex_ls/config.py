"""Settings: typed, frozen, camelCase on the wire.

The same JSON shape arrives from ``initializationOptions``, from
``workspace/didChangeConfiguration`` (section ``codexLs``) and from the file named
by ``CODEX_LS_CONFIG``. Each setting is parsed on its own: an invalid value is
reported by its dotted name and replaced by its default, so one typo never turns
the whole configuration off.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

import attrs
import cattrs
from attrs import validators as v

BackendKind = Literal["local", "openai", "openai-chat", "llamacpp", "ollama"]
FimMode = Literal["template", "suffix"]

DEFAULT_URLS: dict[str, str] = {
    "openai": "http://127.0.0.1:8080/v1",
    "openai-chat": "http://127.0.0.1:8080/v1",
    "llamacpp": "http://127.0.0.1:8080",
    "ollama": "http://127.0.0.1:11434",
    "local": "",
}


def _positive(_: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and value <= 0:
        raise ValueError(f"must be greater than 0, got {value!r}")


_CREDENTIAL_HEADERS = {"authorization", "proxy-authorization", "api-key", "x-api-key", "cookie"}


def _no_credentials(_: object, attribute: attrs.Attribute[Any], value: Mapping[str, str]) -> None:
    if found := sorted(name for name in value if str(name).lower() in _CREDENTIAL_HEADERS):
        raise ValueError(
            f"{', '.join(found)} would put a credential in the settings; use backend.apiKeyEnv or "
            "backend.apiKeyCommand (and backend.apiKeyHeader)"
        )


@attrs.frozen
class BackendConfig:
    kind: BackendKind = "local"
    #: Base URL; for the OpenAI kinds it ends in ``/v1`` as in the OpenAI SDK.
    url: str = attrs.field(default="", validator=v.matches_re(r"^(https?://\S+)?$"))
    model: str = ""
    #: FIM template family; ``None`` detects it from the model name.
    fim_family: str | None = None
    fim: FimMode = "template"
    api_key_env: str | None = None
    #: argv of a command whose stdout is the API key (for secret managers).
    api_key_command: tuple[str, ...] | None = None
    #: Endpoints of the same kind that take over, in order, when ``url`` cannot be reached or answers 5xx.
    fallback_urls: tuple[str, ...] = attrs.field(
        default=(), validator=v.deep_iterable(v.matches_re(r"^https?://\S+$"), v.instance_of(tuple))
    )
    #: Seconds a failed endpoint is tried last, so that each request does not wait on a dead one first.
    failover_cooldown: float = attrs.field(default=30.0, validator=v.ge(0))
    #: PEM file of the CA that signed the backend's certificate (TLS is always verified).
    ca_bundle: str | None = None
    #: Proxy URL for the backend; unset, the HTTP(S)_PROXY / ALL_PROXY / NO_PROXY environment applies.
    proxy: str | None = attrs.field(default=None, validator=v.optional(v.matches_re(r"^(https?|socks5h?)://\S+$")))
    connect_timeout: float = attrs.field(default=5.0, validator=_positive)
    #: Longest silence allowed between two chunks of a stream.
    read_timeout: float = attrs.field(default=30.0, validator=_positive)
    #: Deadline for a whole request, so that a slow drip cannot hold it forever.
    request_timeout: float = attrs.field(default=60.0, validator=_positive)
    max_retries: int = attrs.field(default=2, validator=[v.ge(0), v.le(10)])
    #: Longest ``Retry-After`` worth waiting for; longer ones fail at once.
    max_retry_wait: float = attrs.field(default=8.0, validator=v.ge(0))
    #: OpenAI accepts at most 4 stop sequences; the rest are applied client-side.
    max_stop_sequences: int = attrs.field(default=4, validator=v.ge(0))
    #: Header that carries the key: ``authorization`` sends ``Bearer KEY``; any other (Azure's ``api-key``) the key.
    api_key_header: str = attrs.field(default="authorization", validator=v.matches_re(r"^[A-Za-z0-9-]+$"))
    #: Extra request headers; never credentials, which come only from apiKeyEnv or apiKeyCommand.
    headers: Mapping[str, str] = attrs.field(factory=dict, validator=_no_credentials)

    @property
    def base_url(self) -> str:
        return (self.url or DEFAULT_URLS[self.kind]).rstrip("/")

    @property
    def base_urls(self) -> list[str]:
        """``url`` then the fallbacks, without repeats."""
        urls = [self.base_url, *(url.rstrip("/") for url in self.fallback_urls)]
        return list(dict.fromkeys(urls))


@attrs.frozen
class ModelConfig:
    """The embedded model used by the ``local`` backend."""

    name: str = "qwen2.5-coder-0.5b"
    #: Any local GGUF file; overrides ``name``.
    path: str | None = None
    #: The larger embedded model of the cascade, for manual triggers, whole function bodies and
    #: code actions while typing stays on ``name``: ``auto`` is the 1.5B model when it is
    #: installed and verified, ``""`` none.
    large: str = "auto"
    n_threads: int | None = attrs.field(default=None, validator=v.optional(v.ge(1)))
    n_ctx: int = attrs.field(default=4096, validator=[v.ge(512), v.le(131072)])
    #: The cursor line's typed part after the FIM middle marker, so that a keystroke on a
    #: line evaluates only itself (0.46 s against 3.06 s for a completion within a line on
    #: the 0.5B model). A word the cursor cuts is healed (``backends/healing.py``): with it,
    #: HumanEval infilling pass@1 with the cursor mid-line went from 0.61 to 0.82, and at
    #: the line start stayed 0.62; see bench/results/local.md.
    cache_layout: bool = True
    #: Characters of suffix shown to the model at most (0: the window's share): a new
    #: line re-evaluates the suffix. Chosen by measurement, see bench/results/local.md.
    suffix_chars: int = attrs.field(default=512, validator=v.ge(0))
    #: A place the model has not seen (its whole prompt would evaluate 128 tokens more than
    #: a short one) is answered from a window of this many tokens (at charsPerToken) around
    #: the cursor, without other files' snippets; the keys typed on that line reuse it.
    #: 0: always the whole window. 256 lost 4 of 100 HumanEval lines at the line start;
    #: see bench/results/local.md.
    cold_tokens: int = attrs.field(default=384, validator=[v.ge(0), v.le(131072)])
    #: Load the model when the server starts, and evaluate a document's head when it opens.
    warm: bool = True
    #: An action's generation yields the model to a waiting completion between tokens.
    completions_first: bool = True


@attrs.frozen
class CompletionConfig:
    #: Of a single sample: greedy, the model's most likely line (several samples use ``sample_temperature``).
    temperature: float = attrs.field(default=0.0, validator=[v.ge(0.0), v.le(2.0)])
    max_tokens: int = attrs.field(default=128, validator=[v.ge(1), v.le(8192)])
    multiline_max_tokens: int = attrs.field(default=256, validator=[v.ge(1), v.le(8192)])
    #: Token budget of the prefix + suffix window.
    context_tokens: int = attrs.field(default=1024, validator=[v.ge(16), v.le(131072)])
    prefix_ratio: float = attrs.field(default=0.75, validator=[v.ge(0.0), v.le(1.0)])
    #: Characters per token used to turn the token budget into characters.
    chars_per_token: float = attrs.field(default=3.5, validator=_positive)
    enabled: bool = True
    #: Serve type-through, repeats and agreeing in-flight streams without a new model call.
    reuse: bool = True
    #: Coalesce keystrokes that arrive faster than the model answers.
    debounce: bool = True
    #: Samples drawn for multi-line insertion and manual triggers, where the backend allows ``n``.
    samples: int = attrs.field(default=3, validator=[v.ge(1), v.le(5)])
    sample_temperature: float = attrs.field(default=0.4, validator=[v.ge(0.0), v.le(2.0)])
    #: Snippets of other open documents added to the prompt (0: none), and their size limit.
    context_files: int = attrs.field(default=3, validator=[v.ge(0), v.le(10)])
    context_files_chars: int = attrs.field(default=2000, validator=[v.ge(0), v.le(100_000)])
    #: Hide suggestions whose mean token log-probability is below this (``None``: show all).
    min_mean_logprob: float | None = attrs.field(default=None, validator=v.optional(v.le(0.0)))
    #: Seconds from the request to its answer; past it the answer is empty. The embedded
    #: model on 2 cores needs about 17 s for a whole window it has not seen (1,024 tokens at
    #: 62 a second) and a line; see docs/RELIABILITY.md.
    timeout: float = attrs.field(default=30.0, validator=_positive)


@attrs.frozen
class ActionsConfig:
    """Code actions (explain, tests, edit, implement…): chat answers and FIM samples."""

    temperature: float = attrs.field(default=0.2, validator=[v.ge(0.0), v.le(2.0)])
    max_tokens: int = attrs.field(default=1024, validator=[v.ge(16), v.le(8192)])
    #: Resamples for *Implement function* (FIM), at ``sample_temperature``.
    samples: int = attrs.field(default=4, validator=[v.ge(1), v.le(8)])
    sample_temperature: float = attrs.field(default=0.4, validator=[v.ge(0.0), v.le(2.0)])
    implement_max_tokens: int = attrs.field(default=256, validator=[v.ge(256), v.le(8192)])
    #: Characters of surrounding code shown with the selection.
    context_chars: int = attrs.field(default=6000, validator=[v.ge(0), v.le(200000)])
    enabled: bool = True


@attrs.frozen
class Config:
    backend: BackendConfig = attrs.field(factory=BackendConfig)
    model: ModelConfig = attrs.field(factory=ModelConfig)
    completion: CompletionConfig = attrs.field(factory=CompletionConfig)
    actions: ActionsConfig = attrs.field(factory=ActionsConfig)


_converter = cattrs.Converter(forbid_extra_keys=True)
_C = TypeVar("_C")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _structure_leaf(value: Any, annotation: Any) -> Any:
    """Structure one value strictly: no silent str→float or float→int coercion."""
    origin = get_origin(annotation)
    if annotation is bool and not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    if annotation in (int, float) and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise TypeError(f"expected a number, got {value!r}")
    if annotation is int and isinstance(value, float) and not value.is_integer():
        raise TypeError(f"expected a whole number, got {value!r}")
    if annotation is str and not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    if origin is Literal and value not in get_args(annotation):
        choices = ", ".join(repr(c) for c in get_args(annotation))
        raise ValueError(f"expected one of {choices}, got {value!r}")
    return _converter.structure(value, annotation)


def _structure(cls: type[_C], raw: Any, path: str, errors: list[str]) -> _C:
    if not isinstance(raw, Mapping):
        errors.append(f"{path}: expected an object, got {raw!r}")
        return cls()
    fields = {camel(f.name): f for f in attrs.fields(cls)}  # type: ignore[arg-type]
    hints = attrs.resolve_types(cls)  # type: ignore[type-var]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"{path}.{key}"
        field = fields.get(key) or fields.get(camel(snake(str(key))))
        if field is None:
            errors.append(f"{name}: unknown setting, ignored")
            continue
        annotation: Any = attrs.fields_dict(hints)[field.name].type  # type: ignore[arg-type]
        try:
            if attrs.has(annotation):
                values[field.name] = _structure(annotation, value, name, errors)
                continue
            values[field.name] = _structure_leaf(value, annotation)
            cls(**{field.name: values[field.name]})  # run the field's validator alone
        except (TypeError, ValueError, cattrs.BaseValidationError) as exc:
            values.pop(field.name, None)
            errors.append(f"{name}: {_describe(exc)}; using the default")
    return cls(**values)


def _describe(exc: Exception) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(str(e) for e in exc.exceptions) or str(exc)
    return str(exc)


def parse_config(raw: Any, path: str = "codexLs") -> tuple[Config, list[str]]:
    """Parse settings; return the config and one message per rejected setting."""
    errors: list[str] = []
    if raw is None:
        return Config(), errors
    return _structure(Config, raw, path, errors), errors


def load_env_config(environ: Mapping[str, str] = os.environ) -> tuple[Any, list[str]]:
    """Read the JSON file named by ``CODEX_LS_CONFIG``, if any."""
    name = environ.get("CODEX_LS_CONFIG")
    if not name:
        return None, []
    try:
        return json.loads(Path(name).read_text(encoding="utf-8")), []
    except (OSError, ValueError) as exc:
        return None, [f"CODEX_LS_CONFIG={name}: cannot read it ({exc}); using the defaults"]


def merge(base: Any, override: Any) -> Any:
    """Deep-merge two raw settings objects; ``override`` wins."""
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base.get(key), value)
        return merged
    return base if override is None else override


def load_settings(editor: Any, environ: Mapping[str, str] = os.environ) -> tuple[Config, list[str]]:
    """The settings: the ``CODEX_LS_CONFIG`` file's, overridden by the editor's (or the command
    line's) where both set a value; with one message per problem, the file's included."""
    file_settings, errors = load_env_config(environ)
    config, more = parse_config(merge(file_settings, editor))
    return config, errors + more


def to_wire(config: Config) -> dict[str, Any]:
    """The camelCase JSON form of a config (for logs, docs and ``doctor``)."""

    def convert(value: Any) -> Any:
        if attrs.has(type(value)):
            return {camel(f.name): convert(getattr(value, f.name)) for f in attrs.fields(type(value))}
        if isinstance(value, Mapping):
            return {k: convert(x) for k, x in value.items()}
        if isinstance(value, tuple):
            return [convert(x) for x in value]
        return value

    result: dict[str, Any] = convert(config)
    return result
