"""Embedded models: finding parts, assembling, verifying, caching."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import platformdirs
import pytest

from codex_ls.models import assembly as models
from codex_ls.models.registry import (
    DEFAULT_MODEL,
    MODELS,
    ModelError,
    ModelNotInstalledError,
    ModelSpec,
    ModelVerificationError,
)

PART_COUNT = 10  # part10 exists so that a lexical order (part1, part10, part2, …) would assemble the wrong file


# -- fake part packages --------------------------------------------------------------------------------------


def _write_part(site: Path, module: str, slices: Sequence[bytes]) -> None:
    package = site / module
    (package / "data").mkdir(parents=True)
    # The parts are data: importing one is a bug, and this makes it a loud one.
    (package / "__init__.py").write_text("raise RuntimeError('model parts must not be imported')\n")
    for index, data in enumerate(slices, start=1):
        (package / "data" / f"part{index:02d}.bin").write_bytes(data)


def _spec(modules: Sequence[str], payload: bytes, **changes: Any) -> ModelSpec:
    spec = ModelSpec(
        name="fake-model",
        description="a model made of random bytes",
        packages=tuple(f"{module.replace('_', '-')}==1.0" for module in modules),
        modules=tuple(modules),
        size=len(payload),
        sha256=hashlib.sha256(payload).hexdigest(),
        filename="fake-model.gguf",
        fim_family="qwen",
        licence="Apache-2.0",
    )
    return replace(spec, **changes)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "site"
    directory.mkdir()
    monkeypatch.syspath_prepend(str(directory))
    return directory


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CODEX_LS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "models"


@pytest.fixture
def fake(site: Path) -> tuple[ModelSpec, bytes]:
    """A ten-part model; part 3 is split into two slices to check the order within a part."""
    rng = random.Random(1234)
    modules = [f"fakemodel_part{index}" for index in range(1, PART_COUNT + 1)]
    payload = b""
    for index, module in enumerate(modules, start=1):
        slices = [rng.randbytes(rng.randrange(1, 3000)) for _ in range(2 if index == 3 else 1)]
        _write_part(site, module, slices)
        payload += b"".join(slices)
    return _spec(modules, payload), payload


def _forbid_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> Any:
        raise AssertionError("the file was hashed again")

    monkeypatch.setattr(hashlib, "sha256", refuse)


# -- registry ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [pytest.param(spec, id=name) for name, spec in MODELS.items()])
def test_registry_entry_is_self_consistent(spec: ModelSpec) -> None:
    assert MODELS[spec.name] is spec
    assert re.fullmatch(r"[0-9a-f]{64}", spec.sha256)
    assert spec.size > 0
    assert spec.filename.endswith(".gguf")
    assert spec.fim_family == "qwen"
    assert spec.licence == "Apache-2.0"
    assert len(spec.packages) == len(spec.modules) > 1
    names = [requirement.split("==")[0] for requirement in spec.packages]
    assert all(re.fullmatch(r"[a-z0-9-]+==[0-9.]+", requirement) for requirement in spec.packages)
    assert list(spec.modules) == [name.replace("-", "_") for name in names]
    assert [int(module.rsplit("part", 1)[1]) for module in spec.modules] == list(range(1, len(spec.modules) + 1))


def test_default_model_is_registered() -> None:
    assert DEFAULT_MODEL in MODELS


def test_unknown_model_name_lists_the_known_ones() -> None:
    with pytest.raises(ModelError, match=re.escape(DEFAULT_MODEL)):
        models.ensure_model("no-such-model")


# -- cache directory -----------------------------------------------------------------------------------------


def test_models_dir_honours_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEX_LS_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert models.models_dir() == tmp_path / "elsewhere" / "models"


def test_models_dir_defaults_to_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODEX_LS_CACHE_DIR", raising=False)
    assert models.models_dir() == Path(platformdirs.user_cache_dir("codex-ls")) / "models"


# -- parts and assembly --------------------------------------------------------------------------------------


def test_part_files_in_numeric_part_order(fake: tuple[ModelSpec, bytes], site: Path) -> None:
    spec, _ = fake
    files = models.part_files(spec)
    assert [path.relative_to(site).parts[0] for path in files] == [
        "fakemodel_part1",
        "fakemodel_part2",
        "fakemodel_part3",
        "fakemodel_part3",
        *(f"fakemodel_part{index}" for index in range(4, PART_COUNT + 1)),
    ]
    assert [path.name for path in files[2:4]] == ["part01.bin", "part02.bin"]


def test_assemble_writes_exact_concatenation(fake: tuple[ModelSpec, bytes], cache: Path) -> None:
    spec, payload = fake
    seen: list[tuple[int, int]] = []
    path = models.assemble(spec, progress=lambda done, total: seen.append((done, total)))
    assert path == cache / spec.filename
    assert path.read_bytes() == payload
    assert seen[-1] == (len(payload), len(payload))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    sidecar = json.loads((cache / f"{spec.filename}.verified").read_text())
    assert sidecar == {"size": len(payload), "mtime_ns": path.stat().st_mtime_ns, "sha256": spec.sha256}
    assert sorted(p.name for p in cache.iterdir()) == [spec.filename, f"{spec.filename}.verified"]


def test_assemble_streams_in_bounded_chunks(
    fake: tuple[ModelSpec, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, payload = fake
    monkeypatch.setattr(models, "BUFFER_SIZE", 100)
    seen: list[int] = []
    models.assemble(spec, dest_dir=tmp_path / "out", progress=lambda done, _total: seen.append(done))
    assert all(later - earlier <= 100 for earlier, later in zip([0, *seen], seen, strict=False))
    assert (tmp_path / "out" / spec.filename).read_bytes() == payload


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"sha256": "0" * 64}, id="wrong-digest"),
        pytest.param({"size": 1}, id="wrong-size"),
    ],
)
def test_assemble_mismatch_leaves_nothing(fake: tuple[ModelSpec, bytes], cache: Path, changes: dict[str, Any]) -> None:
    spec = replace(fake[0], **changes)
    with pytest.raises(ModelVerificationError, match="sha256 mismatch") as caught:
        models.assemble(spec)
    message = str(caught.value)
    assert str(cache / spec.filename) in message
    assert spec.sha256 in message
    assert hashlib.sha256(fake[1]).hexdigest() in message
    assert "codex-ls model install fake-model" in message
    assert list(cache.iterdir()) == []


def test_assemble_with_explicit_parts(tmp_path: Path) -> None:
    first, second = tmp_path / "a.bin", tmp_path / "b.bin"
    first.write_bytes(b"hello ")
    second.write_bytes(b"world")
    spec = _spec(["unused_part1"], b"hello world")
    path = models.assemble(spec, [first, second], dest_dir=tmp_path / "out")
    assert path.read_bytes() == b"hello world"


@pytest.mark.parametrize(
    "break_part",
    [
        pytest.param(lambda site: None, id="not-installed"),
        pytest.param(lambda site: (site / "fakemodel_part11" / "data").mkdir(parents=True), id="no-data"),
        pytest.param(lambda site: (site / "fakemodel_part11.py").write_text(""), id="plain-module"),
    ],
)
def test_missing_parts_are_named(
    fake: tuple[ModelSpec, bytes], site: Path, cache: Path, break_part: Callable[[Path], object]
) -> None:
    spec, payload = fake
    break_part(site)
    modules = [*spec.modules, "fakemodel_part11", "fakemodel_part12"]
    spec = _spec(modules, payload)
    with pytest.raises(ModelNotInstalledError) as caught:
        models.ensure_model(spec)
    assert caught.value.missing == ("fakemodel-part11==1.0", "fakemodel-part12==1.0")
    message = str(caught.value)
    assert "fakemodel-part11==1.0" in message
    assert "fakemodel-part12==1.0" in message
    assert "fakemodel-part10" not in message
    assert "`codex-ls model install fake-model`" in message
    assert not cache.exists() or list(cache.iterdir()) == []


# -- ensure_model and verification ---------------------------------------------------------------------------


def test_ensure_model_reuses_verified_file_without_hashing(
    fake: tuple[ModelSpec, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, payload = fake
    first = models.ensure_model(spec)
    mtime = first.stat().st_mtime_ns
    _forbid_hashing(monkeypatch)
    assert models.ensure_model(spec) == first
    assert first.stat().st_mtime_ns == mtime
    assert first.read_bytes() == payload


def test_ensure_model_hashes_once_when_sidecar_missing(
    fake: tuple[ModelSpec, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, _ = fake
    path = models.ensure_model(spec)
    (cache / f"{spec.filename}.verified").unlink()
    assert models.status(spec) == "assembled-unverified"
    assert models.ensure_model(spec) == path
    assert models.status(spec) == "verified"
    _forbid_hashing(monkeypatch)
    assert models.ensure_model(spec) == path


def _flip_byte(path: Path, *, keep_mtime: bool) -> None:
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    # Coarse filesystem clocks can leave mtime unchanged after a quick rewrite; set it explicitly either way.
    mtime = before.st_mtime_ns if keep_mtime else before.st_mtime_ns + 2_000_000_000
    os.utime(path, ns=(before.st_atime_ns, mtime))
    assert path.stat().st_size == before.st_size


def test_corrupt_cached_file_with_new_mtime_is_refused(fake: tuple[ModelSpec, bytes], cache: Path) -> None:
    spec, _ = fake
    path = models.ensure_model(spec)
    _flip_byte(path, keep_mtime=False)
    with pytest.raises(ModelVerificationError, match="sha256 mismatch") as caught:
        models.ensure_model(spec)
    assert str(path) in str(caught.value)
    assert "delete the file" in str(caught.value)
    # Refused, not silently rebuilt: the damaged file is still there and the stale sidecar is gone.
    assert path.exists()
    assert not (cache / f"{spec.filename}.verified").exists()
    assert models.status(spec) == "assembled-unverified"


def test_full_verify_catches_corruption_hidden_from_fast_path(fake: tuple[ModelSpec, bytes], cache: Path) -> None:
    spec, _ = fake
    path = models.ensure_model(spec)
    _flip_byte(path, keep_mtime=True)
    models.verify(path, spec)  # the sidecar still matches size and mtime: the fast path trusts it
    with pytest.raises(ModelVerificationError, match="sha256 mismatch"):
        models.verify(path, spec, full=True)
    with pytest.raises(ModelVerificationError, match="sha256 mismatch"):
        models.ensure_model(spec)


def test_force_rebuilds_corrupt_file(fake: tuple[ModelSpec, bytes], cache: Path) -> None:
    spec, payload = fake
    path = models.ensure_model(spec)
    _flip_byte(path, keep_mtime=False)
    assert models.ensure_model(spec, force=True) == path
    assert path.read_bytes() == payload
    assert models.status(spec) == "verified"
    models.verify(path, spec, full=True)


def test_reinstall_keeps_file_when_parts_are_missing(fake: tuple[ModelSpec, bytes], cache: Path) -> None:
    spec, payload = fake
    path = models.ensure_model(spec)
    broken = replace(spec, modules=(*spec.modules, "fakemodel_part99"), packages=(*spec.packages, "x==1"))
    with pytest.raises(ModelNotInstalledError):
        models.reinstall(broken)
    assert path.read_bytes() == payload


def test_verify_missing_file(tmp_path: Path, fake: tuple[ModelSpec, bytes]) -> None:
    with pytest.raises(ModelError, match="codex-ls model install fake-model"):
        models.verify(tmp_path / "absent.gguf", fake[0])


def test_status_progression(site: Path, cache: Path) -> None:
    payload = b"some model bytes"
    spec = _spec(["statusmodel_part1"], payload)
    assert models.status(spec) == "missing"
    _write_part(site, "statusmodel_part1", [payload])
    assert models.status(spec) == "parts-installed"
    models.ensure_model(spec)
    assert models.status(spec) == "verified"
    (cache / f"{spec.filename}.verified").write_text("{not json")
    assert models.status(spec) == "assembled-unverified"


# -- pip -----------------------------------------------------------------------------------------------------


def test_install_packages_command_line() -> None:
    spec = MODELS[DEFAULT_MODEL]
    argv = models.install_packages(spec, python="/opt/python")
    assert argv == ["/opt/python", "-m", "pip", "install", "--progress-bar", "on", *spec.packages]


@pytest.mark.parametrize(("returncode", "fails"), [pytest.param(0, False, id="ok"), pytest.param(1, True, id="fails")])
def test_run_install_reports_pip_failure(monkeypatch: pytest.MonkeyPatch, returncode: int, fails: bool) -> None:
    calls: list[list[str]] = []

    def fake_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        # pip's progress must reach the terminal, so nothing may be captured.
        assert "capture_output" not in kwargs
        assert "stdout" not in kwargs
        calls.append(argv)
        return subprocess.CompletedProcess(argv, returncode)

    monkeypatch.setattr(subprocess, "run", fake_run)
    spec = MODELS[DEFAULT_MODEL]
    if fails:
        with pytest.raises(ModelError, match="exit status 1"):
            models.run_install(spec, python="/opt/python")
    else:
        models.run_install(spec, python="/opt/python")
    assert calls == [models.install_packages(spec, python="/opt/python")]
