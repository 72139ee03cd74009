"""The command line: ``codex-ls complete`` through a real server, and ``codex-ls doctor``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.fakes.fake_backend import FakeBackend, Reply


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codex_ls", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def settings(fake: FakeBackend, **backend: object) -> str:
    return json.dumps({"backend": {"kind": "openai", "url": fake.openai_url, "model": "fake-model", **backend}})


def test_complete_prints_the_suggestion(fake: FakeBackend, tmp_path: Path) -> None:
    source = tmp_path / "area.py"
    source.write_text("import math\n\ndef area(r):\n    return \n")
    fake.push(Reply(chunks=["math.pi", " * r ** 2"]))
    result = run("complete", str(source), "--line", "4", "--col", "12", "--config", settings(fake))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "math.pi * r ** 2\n"
    assert "1 suggestion(s)" in result.stderr
    prompt = (fake.requests[0].body or {})["prompt"]
    # Laid out for the server's prompt cache: the typed part of the line last.
    assert prompt.startswith("<|fim_prefix|>import math\n\ndef area(r):\n    <|fim_suffix|>")
    assert prompt.endswith("<|fim_middle|>return ")


def test_complete_without_a_line_completes_at_the_end(fake: FakeBackend, tmp_path: Path) -> None:
    source = tmp_path / "x.py"
    source.write_text("total = ")
    fake.push(Reply(chunks=["0"]))
    result = run("complete", str(source), "--config", settings(fake))
    assert result.stdout == "0\n"


def test_complete_rejects_a_column_outside_the_line(tmp_path: Path) -> None:
    source = tmp_path / "x.py"
    source.write_text("ab\n")
    result = run("complete", str(source), "--line", "1", "--col", "9")
    assert result.returncode != 0
    assert "--col 9 is outside line 1" in result.stderr


def test_doctor_says_what_answers(fake: FakeBackend) -> None:
    fake.models = ["fake-model"]
    result = run("doctor", "--config", settings(fake))
    assert result.returncode == 0, result.stdout
    assert "ok:" in result.stdout
    assert "fake-model" in result.stdout


def test_doctor_names_a_model_the_server_does_not_serve(fake: FakeBackend) -> None:
    fake.models = ["other-model"]
    result = run("doctor", "--config", settings(fake))
    assert result.returncode == 1
    assert "is not served" in result.stdout


def test_doctor_names_the_key_setting_on_401(fake: FakeBackend) -> None:
    fake.push(Reply(status=401))
    result = run("doctor", "--config", settings(fake, apiKeyEnv="CODEX_TEST_NO_SUCH_KEY"))
    assert result.returncode == 1
    assert "environment variable CODEX_TEST_NO_SUCH_KEY is NOT set" in result.stdout
    assert "refused the API key" in result.stdout


def test_doctor_reports_a_refused_connection() -> None:
    result = run(
        "doctor",
        "--config",
        json.dumps({"backend": {"kind": "openai", "url": "http://127.0.0.1:9/v1", "tuning": {"maxRetries": 0}}}),
    )
    assert result.returncode == 1
    assert "cannot connect" in result.stdout
