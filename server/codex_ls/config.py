"""Settings: typed, frozen, camelCase on the wire, and described here and nowhere else.

The same JSON shape arrives from ``initializationOptions``, from
``workspace/didChangeConfiguration`` (section ``codexLs``) and from the file named
by ``CODEX_LS_CONFIG``. Each setting is parsed on its own: an invalid value is
reported by its dotted name and replaced by its default, so one typo never turns
the whole configuration off.

Each setting is declared with ``setting``: its one-line description, default,
bounds and type live on the attrs field, and ``codex_ls.settings_doc`` writes the
README's tables and the VS Code extension's schema from them. Each section keeps
the knobs whose defaults were chosen by measurement, and those few users change,
under its ``tuning`` object, which editors do not list among the everyday settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs
from attrs import validators as v

from .typed_settings import merge as merge
from .typed_settings import setting, structure
from .typed_settings import to_wire as to_wire

BackendKind = Literal["local", "openai", "llamacpp", "ollama"]
FimMode = Literal["template", "suffix"]
CacheLayoutMode = Literal["auto", "on", "off"]

DEFAULT_URLS: dict[str, str] = {
    "openai": "http://127.0.0.1:8080/v1",
    "llamacpp": "http://127.0.0.1:8080",
    "ollama": "http://127.0.0.1:11434",
    "local": "",
}

_CREDENTIAL_HEADERS = {"authorization", "proxy-authorization", "api-key", "x-api-key", "cookie"}


def _no_credentials(_: object, attribute: attrs.Attribute[Any], value: Mapping[str, str]) -> None:
    if found := sorted(name for name in value if str(name).lower() in _CREDENTIAL_HEADERS):
        raise ValueError(
            f"{', '.join(found)} would put a credential in the settings; use backend.apiKeyEnv or "
            "backend.apiKeyCommand (and backend.apiKeyHeader)"
        )


_MEASURED_LOCAL = "bench/results/local.md"
_MEASURED_HUMANEVAL = "bench/results/humaneval.md"
_MEASURED_FAILOVER = "bench/results/failover.md"


@attrs.frozen
class BackendTuning:
    """Network knobs of an HTTP backend whose defaults rarely need changing."""

    connect_timeout: float = setting("Seconds allowed to connect to the model server.", 5.0, above=0)
    read_timeout: float = setting(
        "Longest silence, in seconds, allowed between two chunks of an answer.", 30.0, above=0
    )
    request_timeout: float = setting(
        "Seconds allowed for a whole request to the model server, from its start to the last byte, retries "
        "and their waits included.",
        60.0,
        above=0,
    )
    max_retries: int = setting(
        "Retries of 429/5xx answers and timeouts, only before the first token.", 2, minimum=0, maximum=10
    )
    max_retry_wait: float = setting(
        "Longest `Retry-After`, in seconds, worth waiting for; a longer one fails at once.", 8.0, minimum=0
    )
    failover_cooldown: float = setting(
        "Seconds a failed endpoint of `backend.fallbackUrls` is tried last, so that requests do not wait "
        "on a dead one first.",
        30.0,
        minimum=0,
        measured=_MEASURED_FAILOVER,
    )
    max_stop_sequences: int = setting(
        "Stop sequences sent to the server (OpenAI accepts 4); codex-ls applies the rest itself.", 4, minimum=0
    )


@attrs.frozen
class BackendConfig:
    kind: BackendKind = setting(  # noqa: RUF009 (a Literal of strings: immutable)
        "Which kind of model server codex-ls talks to.",
        "local",
        refused={
            # A chat endpoint cannot fill in the middle; kind openai sends code actions to /chat/completions already.
            "openai-chat": "cannot serve completions, which need a completions endpoint: use 'openai' with the "
            "same url, whose code actions go to {url}/chat/completions",
        },
        choices={
            "local": "The embedded model, run in-process by llama.cpp (needs the `local` extra).",
            "openai": "Any OpenAI-compatible completions endpoint: OpenAI, vLLM, llama.cpp server, LM Studio, "
            "LiteLLM, Ollama's /v1; code actions use its /chat/completions.",
            "llamacpp": "llama.cpp server's native /infill endpoint.",
            "ollama": "Ollama's native /api/generate endpoint.",
        },
    )
    url: str = setting(
        "Base URL of the model server; for `openai` it ends in `/v1`, as the OpenAI SDK's `base_url`. "
        "Empty: the kind's default (`http://127.0.0.1:8080/v1`, `http://127.0.0.1:8080`, `http://127.0.0.1:11434`).",
        "",
        v.matches_re(r"^(https?://\S+)?$"),
    )
    model: str = setting("Model name sent to the server; also picks the fill-in-the-middle template.", "")
    fim_family: str | None = setting(
        "Fill-in-the-middle template family. Empty: detected from the model name (or the GGUF file).", None
    )
    fim: FimMode = setting(  # noqa: RUF009 (a Literal of strings: immutable)
        "How the code after the cursor reaches the model.",
        "template",
        choices={
            "template": "codex-ls builds the FIM prompt from the model family's template.",
            "suffix": "The code after the cursor goes in the API's `suffix` field.",
        },
    )
    api_key_env: str | None = setting(
        "Name of the environment variable holding the API key (e.g. `OPENAI_API_KEY`); the key itself is "
        "never stored in settings.",
        None,
    )
    api_key_command: tuple[str, ...] | None = setting(
        'A command whose output is the API key, for secret managers, e.g. `["pass", "show", "openai"]`.',
        None,
        machine=True,
    )
    api_key_header: str = setting(
        "Header that carries the key: `authorization` sends `Bearer KEY`; any other name (Azure's `api-key`) "
        "sends the key as is.",
        "authorization",
        v.matches_re(r"^[A-Za-z0-9-]+$"),
    )
    fallback_urls: tuple[str, ...] = setting(
        "Endpoints of the same kind that take over, in order, when `backend.url` cannot be reached, times out "
        "or answers 5xx.",
        (),
        v.deep_iterable(v.matches_re(r"^https?://\S+$"), v.instance_of(tuple)),
        machine=True,
    )
    ca_bundle: str | None = setting(
        "PEM file of the CA that signed the server's certificate (TLS is always verified). Empty: the system's.",
        None,
        machine=True,
    )
    proxy: str | None = setting(
        "Proxy for the backend (`http://`, `https://`, `socks5://`). Empty: `HTTPS_PROXY`, `HTTP_PROXY`, "
        "`ALL_PROXY` and `NO_PROXY` from the environment.",
        None,
        v.optional(v.matches_re(r"^(https?|socks5h?)://\S+$")),
        machine=True,
    )
    #: Extra request headers; never credentials, which come only from apiKeyEnv or apiKeyCommand.
    headers: Mapping[str, str] = attrs.field(
        factory=dict,
        validator=_no_credentials,
        metadata={"doc": "Extra HTTP headers sent with every request; a credential header is refused."},
    )
    tuning: BackendTuning = attrs.field(factory=BackendTuning)

    @property
    def base_url(self) -> str:
        return (self.url or DEFAULT_URLS[self.kind]).rstrip("/")

    @property
    def base_urls(self) -> list[str]:
        """``url`` then the fallbacks, without repeats."""
        urls = [self.base_url, *(url.rstrip("/") for url in self.fallback_urls)]
        return list(dict.fromkeys(urls))


@attrs.frozen
class ModelTuning:
    """The embedded model's context, prompt layout and sharing, chosen by measurement."""

    n_ctx: int = setting("Context size, in tokens, of the local model.", 4096, minimum=512, maximum=131072)
    cache_layout: CacheLayoutMode = setting(  # noqa: RUF009 (a Literal of strings: immutable)
        "Put the typed part of the cursor line last in the prompt, so that a keystroke within a line evaluates "
        "only itself; a word the cursor cuts is healed (the answer is held to start with the typed text). `auto`: "
        "as the model answers best; `true` and `false` mean `on` and `off`.",
        "auto",
        aliases={True: "on", False: "off"},
        choices={
            "auto": "The model's own: on for the 0.5B and any `model.path`; off for the 1.5B, whose answers "
            "it changes (on SAFIM, 20 of 47 Python conditions right with it, the bare model's 22 without).",
            "on": "The typed part last: a key within a line evaluates only itself.",
            "off": "The prompt as the model's template lays it out: a key re-evaluates the suffix.",
        },
        measured="bench/results/safim.md",
    )
    suffix_chars: int = setting(
        "Characters of code after the cursor shown to the local model, at most (0: the window's share); "
        "a new line re-evaluates them.",
        512,
        minimum=0,
        measured=_MEASURED_LOCAL,
    )
    cold_tokens: int = setting(
        "Where the local model has not been, answer from a window of this many tokens around the cursor "
        "(the lines that open its blocks first, no snippets) until the whole window is evaluated; "
        "0: always the whole window.",
        384,
        minimum=0,
        maximum=131072,
        measured=_MEASURED_LOCAL,
    )
    warm: bool = setting(
        "Load the local model when the server starts (with the cascade, the small one), and evaluate a "
        "file's first lines when it opens.",
        True,
        measured=_MEASURED_LOCAL,
    )
    completions_first: bool = setting(
        "A code action on the local model pauses between tokens for a waiting completion.",
        True,
        measured=_MEASURED_LOCAL,
    )


@attrs.frozen
class ModelConfig:
    """The embedded model used by the ``local`` backend."""

    name: str = setting(
        "The embedded model used by the `local` backend (`codex-ls model list` shows them).", "qwen2.5-coder-0.5b"
    )
    path: str | None = setting(
        "Any local GGUF file for the `local` backend; overrides `model.name`.", None, machine=True
    )
    large: str = setting(
        "The cascade's larger model, for manual triggers, empty function bodies and code actions while typing "
        'stays on `model.name`: `auto` is the 1.5B model once installed and verified, `""` none.',
        "auto",
        measured=_MEASURED_HUMANEVAL,
    )
    n_threads: int | None = setting("llama.cpp threads for the local model. Empty: all cores.", None, minimum=1)
    tuning: ModelTuning = attrs.field(factory=ModelTuning)


@attrs.frozen
class CompletionTuning:
    """The completion pipeline's knobs, chosen by measurement; turning reuse or debounce off is for benchmarks."""

    temperature: float = setting(
        "Sampling temperature of a single suggestion (0: greedy, the model's most likely line).",
        0.0,
        minimum=0.0,
        maximum=2.0,
    )
    samples: int = setting(
        "Suggestions drawn for multi-line insertion and manual triggers, then ranked (stopped, then no new "
        "syntax error, then mean log-probability); the embedded model draws them one after another and stops "
        "at the first that ends by itself.",
        3,
        minimum=1,
        maximum=5,
        measured=_MEASURED_HUMANEVAL,
    )
    sample_temperature: float = setting(
        "Sampling temperature of the further samples of `completion.tuning.samples`.",
        0.4,
        minimum=0.0,
        maximum=2.0,
        measured=_MEASURED_HUMANEVAL,
    )
    prefix_ratio: float = setting(
        "Share of the window taken before the cursor (the rest is after it).", 0.75, minimum=0.0, maximum=1.0
    )
    chars_per_token: float = setting(
        "Characters per token used to turn the token budgets into characters.", 3.5, above=0
    )
    context_files: int = setting(
        "Snippets of other open documents (the most like the code at the cursor) added to the prompt; 0: none.",
        3,
        minimum=0,
        maximum=10,
    )
    context_files_chars: int = setting(
        "Most characters of other documents' snippets in one prompt.", 2000, minimum=0, maximum=100_000
    )
    min_mean_logprob: float | None = setting(
        "Hide suggestions whose mean token log-probability is below this. Empty: show all.", None, maximum=0.0
    )
    reuse: bool = setting(
        "Serve typing through a suggestion, repeated requests and agreeing generations in flight without a new "
        "model call.",
        True,
        measured="bench/results/replay.md",
    )
    debounce: bool = setting(
        "When keystrokes outrun the model, wait for a pause instead of starting a generation per key "
        "(an isolated keystroke is never delayed).",
        True,
        measured="bench/results/replay.md",
    )


@attrs.frozen
class CompletionConfig:
    enabled: bool = setting("Suggest completions while typing.", True)
    max_tokens: int = setting(
        "Longest single-line suggestion, in tokens; a backend that sends more is cut off there (by its own token "
        "counts where it reports them, else at 8 characters a token).",
        128,
        minimum=1,
        maximum=8192,
    )
    multiline_max_tokens: int = setting("Longest multi-line suggestion, in tokens.", 256, minimum=1, maximum=8192)
    context_tokens: int = setting(
        "Size, in tokens, of the window of code around the cursor sent to the model.", 1024, minimum=16, maximum=131072
    )
    timeout: float = setting(
        "Seconds a suggestion may take, from the request to its answer: just before it (a tenth of it, at most 0.5 s) "
        "the samples finished by then are the answer; with none, it is empty and `codex/status` says why.",
        30.0,
        above=0,
        measured="bench/results/hang.md",
    )
    tuning: CompletionTuning = attrs.field(factory=CompletionTuning)


@attrs.frozen
class ActionsTuning:
    """Sampling and context of the code actions, chosen by measurement."""

    temperature: float = setting(
        "Sampling temperature of the code actions' chat answers.", 0.2, minimum=0.0, maximum=2.0
    )
    samples: int = setting(
        "Candidates *Implement* samples per round (`n` in one request for `openai`, else one request each) before "
        "the best is chosen.",
        4,
        minimum=1,
        maximum=8,
    )
    sample_temperature: float = setting(
        "Sampling temperature of *Implement*'s candidates; a second round, if the first gave nothing usable, adds 0.4.",
        0.4,
        minimum=0.0,
        maximum=2.0,
    )
    implement_max_tokens: int = setting(
        "Longest body written by *Implement*, in tokens; doubled once if every candidate was cut off.",
        256,
        minimum=256,
        maximum=8192,
    )
    context_chars: int = setting(
        "Characters of the surrounding code sent with the selection.", 6000, minimum=0, maximum=200000
    )


@attrs.frozen
class ActionsConfig:
    """Code actions (explain, tests, edit, implement…): chat answers and FIM samples."""

    enabled: bool = setting("Offer the code actions (Explain, Edit with instruction, Implement, …).", True)
    max_tokens: int = setting(
        "Longest chat answer of a code action, in tokens (*Find bugs* stops at 320, or where the model repeats "
        "itself).",
        1024,
        minimum=16,
        maximum=8192,
    )
    tuning: ActionsTuning = attrs.field(factory=ActionsTuning)


@attrs.frozen
class Config:
    backend: BackendConfig = attrs.field(factory=BackendConfig)
    model: ModelConfig = attrs.field(factory=ModelConfig)
    completion: CompletionConfig = attrs.field(factory=CompletionConfig)
    actions: ActionsConfig = attrs.field(factory=ActionsConfig)


def parse_config(raw: Any, path: str = "codexLs") -> tuple[Config, list[str]]:
    """Parse settings; return the config and one message per rejected setting."""
    errors: list[str] = []
    if raw is None:
        return Config(), errors
    return structure(Config, raw, path, errors), errors
