"""The install a user makes: build the sdist and the wheel, install the wheel in a fresh venv.

The wheel is built from the sdist (``python -m build``'s default), both from a copy
of the tracked files, so a file missing from either breaks this test. It is
installed into a venv outside the repository and run from outside it, so nothing
is imported from the checkout: ``codex-ls --version``, ``codex-ls doctor`` and one
completion through the server, against the fake backend on loopback.

Offline: the build requirements and the dependencies come from ``build/wheelhouse``,
which ``make test`` fills from the registry first (``make wheelhouse``). Without it the
test skips, unless ``CODEX_LS_REQUIRE_PACKAGING=1`` (CI), where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codex_ls import __version__
from tests.fakes.fake_backend import FakeBackend, Reply

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / "build" / "wheelhouse"
STEP_TIMEOUT = 300


def run(command: list[str | Path], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"{command} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def tracked_copy(destination: Path) -> Path:
    """The repository's tracked files, as a clone has them."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60)
    for name in listed.stdout.decode().split("\0"):
        if name and (ROOT / name).is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
    return destination


@pytest.fixture
def offline_env() -> dict[str, str]:
    if not any(WHEELHOUSE.glob("*.whl")):
        reason = f"no wheelhouse at {WHEELHOUSE} (make wheelhouse)"
        if os.environ.get("CODEX_LS_REQUIRE_PACKAGING") == "1":
            pytest.fail(f"{reason} (CODEX_LS_REQUIRE_PACKAGING=1)")
        pytest.skip(reason)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_LS_", "PIP_", "PYTHON", "VIRTUAL_ENV"))}
    env = {k: v for k, v in env.items() if not k.lower().endswith("_proxy")}
    return env | {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(WHEELHOUSE), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def test_the_wheel_installs_in_a_fresh_venv_and_completes(offline_env: dict[str, str], tmp_path: Path) -> None:
    source = tracked_copy(tmp_path / "source")
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "build", "--outdir", dist, source], tmp_path, offline_env)
    (sdist,) = dist.glob("codex_ls-*.tar.gz")
    (wheel,) = dist.glob("codex_ls-*.whl")
    assert sdist.name == f"codex_ls-{__version__}.tar.gz"

    venv = tmp_path / "user" / "venv"
    run([sys.executable, "-m", "venv", venv], tmp_path, offline_env)
    run([venv / "bin" / "pip", "install", "--quiet", wheel], tmp_path, offline_env)
    home = tmp_path / "user"
    user_env = offline_env | {"HOME": str(home), "PATH": f"{venv / 'bin'}{os.pathsep}{offline_env.get('PATH', '')}"}

    where = run([venv / "bin" / "python", "-c", "import codex_ls; print(codex_ls.__file__)"], home, user_env)
    assert Path(where.stdout.strip()).is_relative_to(venv)  # the wheel's copy, not the checkout
    version = run([venv / "bin" / "codex-ls", "--version"], home, user_env)
    assert version.stdout.strip() == f"codex-ls {__version__}"

    with FakeBackend() as backend:
        backend.responder = lambda request: Reply(chunks=["a + b"])
        backend.models = ["qwen2.5-coder"]
        settings = json.dumps({"backend": {"kind": "openai", "url": backend.openai_url, "model": "qwen2.5-coder"}})
        doctor = run([venv / "bin" / "codex-ls", "doctor", "--config", settings], home, user_env)
        assert doctor.stdout.splitlines()[-1].startswith("ok:"), doctor.stdout
        code = home / "add.py"
        code.write_text("def add(a, b):\n    return \n", encoding="utf-8")
        command = [venv / "bin" / "codex-ls", "complete", code, "--line", "2", "--col", "12", "--json"]
        completed = run([*command, "--config", settings, "--timeout", "60"], home, user_env)
        assert json.loads(completed.stdout.splitlines()[-1])["items"] == ["a + b"]
        prompts = [(r.body or {}).get("prompt", "") for r in backend.requests if r.path == "/v1/completions"]
        # The code above the cursor and the typed part of its line, wherever the layout puts them.
        assert any("def add(a, b):\n" in prompt and prompt.endswith("return ") for prompt in prompts)
