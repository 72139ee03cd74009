"""What the benchmarks share: where things are, summaries of timings, CPU use, the machine, the code under test."""

from __future__ import annotations

import contextlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: The shared benchmark data (HumanEval): ``../shared/data`` beside the repository, or ``CODEX_LS_BENCH_DATA``.
DATA = Path(os.environ.get("CODEX_LS_BENCH_DATA") or ROOT.parent / "shared" / "data")
RESULTS = ROOT / "bench" / "results"


def command() -> str:
    """The command that is running, as the results record it."""
    return " ".join(["python -m", __import__("__main__").__spec__.name, *sys.argv[1:]])


def write_results(out: Path, results: dict[str, Any], markdown: Callable[[dict[str, Any]], str]) -> None:
    """``results`` as JSON at ``out`` and as Markdown beside it; the Markdown is printed too."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def common_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def latency_summary(seconds: list[float]) -> dict[str, Any]:
    if not seconds:
        return {"n": 0}
    return {
        "n": len(seconds),
        "p50_s": round(percentile(seconds, 50), 3),
        "p95_s": round(percentile(seconds, 95), 3),
        "mean_s": round(statistics.fmean(seconds), 3),
        "max_s": round(max(seconds), 3),
    }


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSample:
    """CPU time (jiffies) of the whole machine and of the server process at one moment."""

    wall: float
    busy: int
    steal: int
    server: int

    @classmethod
    def take(cls, pid: int) -> CpuSample:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        server = 0
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            after = stat[stat.rindex(")") + 2 :].split()
            server = int(after[11]) + int(after[12])  # utime, stime
        return cls(time.perf_counter(), user + nice + system + irq + softirq, steal, server)

    def until(self, end: CpuSample) -> dict[str, float]:
        """Average cores used in between: by the server, by everything (server, this script, others), stolen."""
        wall = max(end.wall - self.wall, 1e-9)
        return {
            "wall_s": round(wall, 1),
            "server_cores": round((end.server - self.server) / CLOCK_TICKS / wall, 2),
            "machine_busy_cores": round((end.busy - self.busy) / CLOCK_TICKS / wall, 2),
            "steal_cores": round((end.steal - self.steal) / CLOCK_TICKS / wall, 2),
        }


def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def snapshot(ref: str) -> Path:
    """``server/codex_ls`` as committed in ``ref``, extracted into a new temporary directory."""
    folder = Path(tempfile.mkdtemp(prefix="bench-local-src-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", git("rev-parse", ref), "server/codex_ls"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def server_source(ref: str, env: dict[str, str]) -> dict[str, Any]:
    """Which code the servers will run: the commit, and where ``codex_ls`` is imported from with ``env``."""
    where = subprocess.run(
        [sys.executable, "-c", "import codex_ls; print(codex_ls.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    ).stdout.strip()
    if ref == "installed":
        return {"ref": "installed", "imported_from": where, "head": git("describe", "--always", "--dirty")}
    return {"ref": ref, "commit": git("rev-parse", ref), "imported_from": where}


def machine() -> dict[str, Any]:
    names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if ":" in line]
    keys = [line.split(":", 1)[0].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if ":" in line]
    cpu = next((name for key, name in zip(keys, names, strict=True) if key == "model name"), platform.processor())
    import llama_cpp

    return {
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "python": platform.python_version(),
        "llama_cpp_python": llama_cpp.__version__,
        "loadavg_start": os.getloadavg(),
    }
