"""Real serving engines on 127.0.0.1 for tests/engines and bench/team.py.

Two engines run the embedded 0.5B GGUF that ``codex-ls model install`` assembles:

* llama.cpp's ``llama-server``, built once by ``install_llama_server.sh`` into the user
  cache (``make install-engines``);
* llama-cpp-python's OpenAI-compatible server (``python -m llama_cpp.server``, the
  ``engines`` extra), on the wheel the ``local`` extra compiles.

:class:`Engine` starts one on a free loopback port in its own process group, waits
until it answers, and stops it (the whole group, by its id). Its output goes to a log
file, kept for the failure message when it does not come up.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codex_ls.models.assembly import cached_path, status
from codex_ls.models.registry import MODELS

HERE = Path(__file__).resolve().parent
INSTALL_SCRIPT = HERE / "install_llama_server.sh"
MODEL = "qwen2.5-coder-0.5b"
#: The name each engine serves the model under (``--alias`` / ``--model_alias``).
ALIAS = MODEL
STARTUP_TIMEOUT = 120.0


def llama_server_binary() -> Path | None:
    """The cached ``llama-server``, if ``install_llama_server.sh`` finished building it."""
    found = subprocess.run(
        ["bash", str(INSTALL_SCRIPT), "--print-path"], capture_output=True, text=True, timeout=30, check=False
    )
    path = Path(found.stdout.strip())
    return path if found.returncode == 0 and path.is_file() else None


def model_file() -> Path | None:
    """The assembled and verified 0.5B GGUF."""
    spec = MODELS[MODEL]
    return cached_path(spec) if status(spec) == "verified" else None


def llama_cpp_server_missing() -> str | None:
    for module in ("llama_cpp", "fastapi", "uvicorn", "sse_starlette", "starlette_context", "pydantic_settings"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install 'codex-ls[local,engines]')"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str, timeout: float = 5.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def post_json(url: str, body: dict[str, Any], timeout: float = 60.0) -> tuple[int, Any]:
    """POST ``body``; the status and the JSON answer, error answers included."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def loopback_env() -> dict[str, str]:
    """The environment without proxies: only loopback is ever targeted."""
    return {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}


@dataclass
class Engine:
    """One engine process on ``127.0.0.1:port``."""

    kind: str  # "llama-server" or "llama_cpp.server"
    argv: list[str]
    port: int
    log_path: Path
    #: The path that answers 200 once the model is loaded.
    ready_path: str
    #: Added to the environment.
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    _log: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_url(self) -> str:
        return self.url + "/v1"

    def start(self, timeout: float = STARTUP_TIMEOUT) -> Engine:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**loopback_env(), **self.env},
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError, ValueError):
                get_json(self.url + self.ready_path, timeout=2.0)
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.kind} did not answer {self.ready_path} within {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the engine's process group (``SIGKILL`` to kill it as a crash would)."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> Engine:
        """The same engine again, on the same port."""
        self.stop()
        return self.start()

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"

    def slots(self) -> list[dict[str, Any]]:
        """llama-server's ``/slots``: one entry per slot, ``is_processing`` while it works."""
        answer = get_json(self.url + "/slots")
        assert isinstance(answer, list), answer
        return answer

    def busy_slots(self) -> list[int]:
        return [int(s["id"]) for s in self.slots() if s.get("is_processing")]

    def metric(self, name: str) -> float:
        """One value of llama-server's ``/metrics`` (started with ``--metrics``)."""
        with urllib.request.urlopen(self.url + "/metrics", timeout=5) as response:
            text = response.read().decode()
        found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
        assert found, f"no {name} in /metrics:\n{text}"
        return float(found[1])

    def log_mark(self) -> int:
        """Where the log ends now, for :meth:`tasks_since`."""
        return self.log_path.stat().st_size

    def tasks_since(self, mark: int) -> tuple[set[int], set[int]]:
        """llama-server's tasks since ``mark``: those a slot started, and those cancelled
        because their client left (the engine logs both, at its default verbosity)."""
        with self.log_path.open("rb") as log:
            log.seek(mark)
            text = log.read().decode(errors="replace")
        started = {int(n) for n in re.findall(r"task (\d+) \| processing task", text)}
        cancelled = {int(n) for n in re.findall(r"cancel task, id_task = (\d+)", text)}
        return started, cancelled

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def llama_server(
    binary: Path,
    model: Path,
    log_path: Path,
    *,
    parallel: int = 2,
    ctx_size: int = 8192,
    threads: int = 1,
    port: int | None = None,
    extra: tuple[str, ...] = (),
) -> Engine:
    """A ``llama-server`` (not started): ``ctx_size`` tokens shared by ``parallel`` slots.

    One thread by default: llama.cpp's threads wait for each other at every step, and on
    2 cores shared with the language servers and the tests a second thread that is not
    scheduled stalls the first (3 s a token was seen where one thread takes 0.04 s).

    ``/infill`` keeps for ``input_extra`` only what a slot's context leaves beyond the batch
    size (2048) and twice ``n_predict``: slots of 2048 tokens drop the other files entirely.
    """
    argv = [
        str(binary),
        "--model", str(model),
        "--alias", ALIAS,
        "--host", "127.0.0.1",
        "--port", str(port := port or free_port()),
        "--parallel", str(parallel),
        "--ctx-size", str(ctx_size),
        "--threads", str(threads),
        "--metrics",
        "--slots",
        "--no-webui",
        *extra,
    ]  # fmt: skip
    # LLAMA_SERVER_SLOTS_DEBUG: /slots also shows each slot's last prompt, as the engine saw it.
    return Engine("llama-server", argv, port, log_path, "/health", env={"LLAMA_SERVER_SLOTS_DEBUG": "1"})


def llama_cpp_server(
    model: Path, log_path: Path, *, ctx_size: int = 2048, threads: int = 1, port: int | None = None
) -> Engine:
    """llama-cpp-python's OpenAI-compatible server (not started)."""
    argv = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model),
        "--model_alias", ALIAS,
        "--host", "127.0.0.1",
        "--port", str(port := port or free_port()),
        "--n_ctx", str(ctx_size),
        "--n_threads", str(threads),
    ]  # fmt: skip
    return Engine("llama_cpp.server", argv, port, log_path, "/v1/models")
