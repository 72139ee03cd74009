"""The embedded models' files: where they live, how they are assembled, whether they are intact.

An embedded model reaches the machine as pinned PyPI packages, each holding one
slice of the GGUF under ``data/*.bin``. This module finds the slices without
importing their packages, concatenates them into the user cache directory,
checks the result against the pinned size and sha256, and records a successful
check in a ``<file>.verified`` sidecar so that later starts need no re-hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import BinaryIO, Literal, TypeAlias

import platformdirs

from .registry import ModelError, ModelNotInstalledError, ModelSpec, ModelVerificationError, get_spec

#: Called with (bytes done, bytes expected) while a model is assembled or hashed.
Progress: TypeAlias = Callable[[int, int], None]
Status: TypeAlias = Literal["verified", "assembled-unverified", "parts-installed", "missing"]

#: Copy and hash in 1 MiB steps: the models are up to a gigabyte and must never sit in memory whole.
BUFFER_SIZE = 1 << 20


def models_dir() -> Path:
    """Where assembled models are kept: ``$CODEX_LS_CACHE_DIR/models`` or the user cache directory."""
    override = os.environ.get("CODEX_LS_CACHE_DIR")
    base = Path(override).expanduser() if override else Path(platformdirs.user_cache_dir("codex-ls"))
    return base / "models"


def cached_path(name_or_spec: str | ModelSpec, dest_dir: Path | None = None) -> Path:
    """The path the assembled GGUF has (or will have)."""
    spec = get_spec(name_or_spec)
    return (dest_dir if dest_dir is not None else models_dir()) / spec.filename


# -- finding the parts -------------------------------------------------------------------------------------


def part_files(spec: ModelSpec) -> list[Path]:
    """Every slice of the model in concatenation order; raises ModelNotInstalledError naming all missing parts."""
    # Packages pip installed while this process runs are invisible until the finders' caches are dropped.
    importlib.invalidate_caches()
    files: list[Path] = []
    missing: list[str] = []
    for module, package in zip(spec.modules, spec.packages, strict=True):
        slices = _module_slices(module)
        if slices:
            files.extend(slices)
        else:
            missing.append(package)
    if missing:
        raise ModelNotInstalledError(spec.name, missing)
    return files


def _module_slices(module: str) -> list[Path]:
    """The ``data/*.bin`` files of an installed package, sorted by name; empty when it is absent."""
    # find_spec locates a top-level package without running its __init__: the parts are data, not code.
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return []
    if found is None or not found.submodule_search_locations:
        return []
    for location in found.submodule_search_locations:
        slices = sorted(path for path in Path(location, "data").glob("*.bin") if path.is_file())
        if slices:
            return slices
    return []


# -- assembling and verifying -------------------------------------------------------------------------------


def _copy_hashing(sources: Iterable[Path], out: BinaryIO | None, total: int, progress: Progress | None) -> str:
    """Stream the sources through sha256 (and into ``out`` if given); returns the hex digest."""
    digest = hashlib.sha256()
    view = memoryview(bytearray(BUFFER_SIZE))
    done = 0
    for source in sources:
        with source.open("rb", buffering=0) as stream:
            while count := stream.readinto(view):
                chunk = view[:count]
                digest.update(chunk)
                if out is not None:
                    out.write(chunk)
                done += count
                if progress is not None:
                    progress(done, total)
    return digest.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _atomic_write_text(target: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _write_sidecar(path: Path, sha256: str, stat: os.stat_result) -> None:
    """Remember that ``path``, as it was at ``stat``, has ``sha256``."""
    record = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}
    # The sidecar only saves a re-hash on the next start; failing to write it must not fail the caller.
    with contextlib.suppress(OSError):
        _atomic_write_text(_sidecar(path), json.dumps(record) + "\n")


def _sidecar_matches(path: Path, spec: ModelSpec) -> bool:
    """Whether the sidecar vouches for the file exactly as it is now."""
    try:
        record = json.loads(_sidecar(path).read_text(encoding="utf-8"))
        stat = path.stat()
    except (OSError, ValueError):
        return False
    return (
        isinstance(record, dict)
        and record.get("size") == stat.st_size == spec.size
        and record.get("mtime_ns") == stat.st_mtime_ns
        and record.get("sha256") == spec.sha256
    )


def assemble(
    spec: ModelSpec,
    parts: Sequence[Path] | None = None,
    dest_dir: Path | None = None,
    progress: Progress | None = None,
) -> Path:
    """Concatenate the parts into ``dest_dir/spec.filename``, verified; nothing is left behind on a mismatch."""
    sources = list(parts) if parts is not None else part_files(spec)
    final = cached_path(spec, dest_dir)
    final.parent.mkdir(parents=True, exist_ok=True)
    # A temporary name in the same directory lets os.replace publish the file atomically: a reader
    # never sees a half-written model, even if this process is killed.
    fd, temp_name = tempfile.mkstemp(prefix=f".{spec.filename}.", suffix=".tmp", dir=final.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            actual = _copy_hashing(sources, out, spec.size, progress)
            out.flush()
            os.fsync(out.fileno())
        if temp.stat().st_size != spec.size or actual != spec.sha256:
            raise ModelVerificationError(spec.name, final, spec.sha256, actual, removed=True)
        _sidecar(final).unlink(missing_ok=True)
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _write_sidecar(final, spec.sha256, final.stat())
    return final


def verify(path: Path, spec: ModelSpec, *, full: bool = False, progress: Progress | None = None) -> None:
    """Raise unless ``path`` has the pinned sha256; a matching sidecar stands in for the hash unless ``full``."""
    if not path.is_file():
        raise ModelError(f"{path} does not exist; run `codex-ls model install {spec.name}` to build it.")
    if not full and _sidecar_matches(path, spec):
        return
    # Stat before hashing: if the file changes meanwhile, the sidecar will not match it and it is hashed again.
    stat = path.stat()
    actual = _copy_hashing([path], None, stat.st_size, progress)
    if stat.st_size != spec.size or actual != spec.sha256:
        _sidecar(path).unlink(missing_ok=True)
        raise ModelVerificationError(spec.name, path, spec.sha256, actual)
    _write_sidecar(path, spec.sha256, stat)


def ensure_model(
    name_or_spec: str | ModelSpec,
    *,
    dest_dir: Path | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> Path:
    """The verified GGUF, assembled from the installed parts the first time it is needed.

    A cached file that fails verification is reported, never silently rebuilt: the user should
    learn that their file is damaged. ``force`` (what ``codex-ls model install --force`` uses)
    deletes and rebuilds it.
    """
    spec = get_spec(name_or_spec)
    if force:
        return reinstall(spec, dest_dir=dest_dir, progress=progress)
    path = cached_path(spec, dest_dir)
    if path.exists():
        verify(path, spec, progress=progress)
        return path
    return assemble(spec, dest_dir=path.parent, progress=progress)


def reinstall(
    name_or_spec: str | ModelSpec,
    *,
    dest_dir: Path | None = None,
    progress: Progress | None = None,
) -> Path:
    """Delete the cached GGUF and assemble it again from the installed parts."""
    spec = get_spec(name_or_spec)
    # Locate the parts first so that a missing package does not cost the user their existing file.
    parts = part_files(spec)
    path = cached_path(spec, dest_dir)
    _sidecar(path).unlink(missing_ok=True)
    # Deleting before assembling frees the old file's space (up to a gigabyte) for the new one.
    path.unlink(missing_ok=True)
    return assemble(spec, parts, dest_dir=path.parent, progress=progress)


def status(name_or_spec: str | ModelSpec, *, dest_dir: Path | None = None) -> Status:
    """How far along a model is, without hashing anything (for ``codex-ls model list``)."""
    spec = get_spec(name_or_spec)
    path = cached_path(spec, dest_dir)
    if path.is_file():
        return "verified" if _sidecar_matches(path, spec) else "assembled-unverified"
    try:
        part_files(spec)
    except ModelNotInstalledError:
        return "missing"
    return "parts-installed"


# -- installing the packages ---------------------------------------------------------------------------------


def install_packages(spec: ModelSpec, *, python: str = sys.executable) -> list[str]:
    """The pip command line that installs the model's packages into ``python``'s environment."""
    return [python, "-m", "pip", "install", "--progress-bar", "on", *spec.packages]


def run_install(spec: ModelSpec, *, python: str = sys.executable) -> None:
    """Run pip with its output on the terminal, so a long download shows its progress."""
    argv = install_packages(spec, python=python)
    try:
        completed = subprocess.run(argv, check=False)
    except OSError as exc:
        raise ModelError(f"Cannot run {python} to install model {spec.name}: {exc.strerror or exc}.") from exc
    if completed.returncode != 0:
        raise ModelError(
            f"pip failed with exit status {completed.returncode} while installing model {spec.name}; "
            f"see its output above, then run `codex-ls model install {spec.name}` again."
        )
    importlib.invalidate_caches()
