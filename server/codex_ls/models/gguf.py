"""Just enough of a GGUF file's header to tell which fill-in-the-middle format its model speaks.

The reader walks the header and the key/value metadata without loading tensors:
the names (``general.architecture``, ``general.name``) decide most families, and
only when they are silent is the vocabulary scanned for a family's FIM tokens.
A file that is not GGUF v2/v3, or is cut short, raises ``ModelError``.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path
from typing import BinaryIO, TypeAlias, cast

from .registry import ModelError

GGUFScalar: TypeAlias = str | int | float | bool

GGUF_MAGIC = b"GGUF"
_STRING = 8
_ARRAY = 9
_SCALAR_FORMATS: dict[int, str] = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
#: Arrays nest only one level in real files; the bound keeps a corrupt file from exhausting the stack.
_MAX_ARRAY_DEPTH = 8

_NAME_KEYS = frozenset({"general.architecture", "general.name", "general.basename"})
_TOKENS_KEY = "tokenizer.ggml.tokens"

#: Architecture prefixes that decide the family on their own.
_ARCH_FAMILIES = (("qwen", "qwen"), ("starcoder", "starcoder"), ("deepseek", "deepseek"))
#: Model names that decide the family for fine-tunes of general architectures (llama, gemma).
_NAME_FAMILIES = (
    ("codellama", "codellama"),
    ("codestral", "codestral"),
    ("codegemma", "codegemma"),
    ("starcoder", "starcoder"),
    ("deepseek", "deepseek"),
    ("qwen", "qwen"),
)
#: FIM tokens that identify a family when the names say nothing; CodeGemma shares Qwen's spelling,
#: so it is told apart by its file separator and must be tried first.
_TOKEN_FAMILIES: tuple[tuple[str, frozenset[str]], ...] = (
    ("codegemma", frozenset({"<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|file_separator|>"})),
    ("qwen", frozenset({"<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"})),
    ("starcoder", frozenset({"<fim_prefix>", "<fim_suffix>", "<fim_middle>"})),
    ("deepseek", frozenset({"<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"})),  # noqa: RUF001
    ("codestral", frozenset({"[PREFIX]", "[SUFFIX]", "[MIDDLE]"})),
    ("codellama", frozenset({"▁<PRE>", "▁<SUF>", "▁<MID>"})),
)
_FIM_TOKENS = frozenset().union(*(tokens for _, tokens in _TOKEN_FAMILIES))


class _MetadataReader:
    """Walks the header and key/value section of one open GGUF file, never past it."""

    def __init__(self, stream: BinaryIO, path: Path) -> None:
        self._stream = stream
        self._path = path
        self._size = os.fstat(stream.fileno()).st_size
        self._pos = 0

    def _truncated(self) -> ModelError:
        return ModelError(f"{self._path} is truncated or corrupt: its GGUF metadata ends early.")

    def _take(self, count: int) -> bytes:
        # Lengths come from the file; checking them against its size keeps a corrupt one from asking for gigabytes.
        if count > self._size - self._pos:
            raise self._truncated()
        data = self._stream.read(count)
        if len(data) != count:
            raise self._truncated()
        self._pos += count
        return data

    def _skip(self, count: int) -> None:
        if count > self._size - self._pos:
            raise self._truncated()
        self._pos += count
        self._stream.seek(self._pos)

    def _u32(self) -> int:
        return int(struct.unpack("<I", self._take(4))[0])

    def _u64(self) -> int:
        return int(struct.unpack("<Q", self._take(8))[0])

    def header(self) -> int:
        """Check magic and version; returns the number of key/value pairs."""
        if self._stream.read(4) != GGUF_MAGIC:
            raise ModelError(f"{self._path} is not a GGUF file (it does not start with the GGUF magic bytes).")
        self._pos = 4
        version = self._u32()
        if version not in (2, 3):
            raise ModelError(f"{self._path} is GGUF version {version}; only little-endian versions 2 and 3 are read.")
        self._u64()  # tensor count: the tensors are not read
        return self._u64()

    def string(self) -> str:
        return self._take(self._u64()).decode("utf-8", errors="replace")

    def scalar(self, kind: int) -> GGUFScalar:
        if kind == _STRING:
            return self.string()
        fmt = self._format(kind)
        return cast(GGUFScalar, struct.unpack(fmt, self._take(struct.calcsize(fmt)))[0])

    def _format(self, kind: int) -> str:
        fmt = _SCALAR_FORMATS.get(kind)
        if fmt is None:
            raise ModelError(f"{self._path} has GGUF metadata of unknown type {kind}; the file is corrupt or newer.")
        return fmt

    def skip(self, kind: int, depth: int = 0) -> None:
        if kind == _STRING:
            self._skip(self._u64())
        elif kind == _ARRAY:
            if depth >= _MAX_ARRAY_DEPTH:
                raise ModelError(f"{self._path} has GGUF arrays nested too deeply; the file is corrupt.")
            element, count = self._u32(), self._u64()
            self._skip_elements(element, count, depth + 1)
        else:
            self._skip(struct.calcsize(self._format(kind)))

    def strings_among(self, wanted: frozenset[str]) -> set[str]:
        """Read an array value; returns which of ``wanted`` it contains."""
        element, count = self._u32(), self._u64()
        if element != _STRING:
            self._skip_elements(element, count, 1)
            return set()
        found: set[str] = set()
        for _ in range(count):
            text = self.string()
            if text in wanted:
                found.add(text)
        return found

    def _skip_elements(self, element: int, count: int, depth: int) -> None:
        if element in _SCALAR_FORMATS:
            self._skip(count * struct.calcsize(_SCALAR_FORMATS[element]))
        else:
            # Strings and nested arrays have no fixed size: each length must be read to step over it.
            for _ in range(count):
                self.skip(element, depth)

    def scan(self, keys: frozenset[str] | None, tokens: frozenset[str]) -> tuple[dict[str, GGUFScalar], set[str]]:
        """Scalar values of ``keys`` (all when None) and which of ``tokens`` the vocabulary holds."""
        values: dict[str, GGUFScalar] = {}
        found: set[str] = set()
        tokens_read = not tokens
        for _ in range(self.header()):
            key = self.string()
            kind = self._u32()
            if kind == _ARRAY and key == _TOKENS_KEY and tokens:
                found, tokens_read = self.strings_among(tokens), True
            elif kind != _ARRAY and (keys is None or key in keys):
                values[key] = self.scalar(kind)
            else:
                self.skip(kind)
            if keys is not None and tokens_read and keys <= values.keys():
                break
        return values, found


def _scan_gguf(
    path: Path, keys: frozenset[str] | None, tokens: frozenset[str]
) -> tuple[dict[str, GGUFScalar], set[str]]:
    try:
        with path.open("rb") as stream:
            return _MetadataReader(stream, path).scan(keys, tokens)
    except OSError as exc:
        raise ModelError(f"Cannot read {path}: {exc.strerror or exc}.") from exc


def read_gguf_metadata(path: Path, keys: set[str] | None = None) -> dict[str, GGUFScalar]:
    """The scalar metadata of a GGUF file (arrays are skipped), limited to ``keys`` when given.

    Raises ModelError when the file is not a readable GGUF v2/v3 file.
    """
    values, _ = _scan_gguf(path, frozenset(keys) if keys is not None else None, frozenset())
    return values


def _family_from_names(metadata: dict[str, GGUFScalar]) -> str | None:
    architecture = str(metadata.get("general.architecture", "")).lower()
    for prefix, family in _ARCH_FAMILIES:
        if architecture.startswith(prefix):
            return family
    names = " ".join(str(metadata.get(key, "")) for key in ("general.name", "general.basename"))
    # "Code Llama", "code-llama" and "CodeLlama" all name the same family.
    compact = re.sub(r"[^a-z0-9]", "", names.lower())
    for needle, family in _NAME_FAMILIES:
        if needle in compact:
            return family
    return None


def _family_from_tokens(present: set[str]) -> str | None:
    for family, required in _TOKEN_FAMILIES:
        if required <= present:
            return family
    return None


def gguf_fim_family(path: Path) -> str | None:
    """The fill-in-the-middle format the GGUF model at ``path`` speaks, or None when it cannot be told."""
    metadata, _ = _scan_gguf(path, _NAME_KEYS, frozenset())
    family = _family_from_names(metadata)
    if family is not None:
        return family
    # The vocabulary is read only when the names are silent: it holds up to a few hundred thousand strings.
    _, present = _scan_gguf(path, frozenset(), _FIM_TOKENS)
    return _family_from_tokens(present)
