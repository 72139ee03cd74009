"""``codex-ls doctor`` against each real engine, and a model name the engine does not have."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from codex_ls.backends.base import GenerationRequest
from codex_ls.backends.openai import OpenAIBackend
from codex_ls.completion.fim import TEMPLATES
from tests.engines.engines import ALIAS, Engine, loopback_env
from tests.engines.wire import collect
from tests.fakes.backends import backend_config


def doctor(**backend: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codex_ls", "doctor", "--config", json.dumps({"backend": backend})],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=loopback_env(),
    )


def test_doctor_llamacpp(server: Engine) -> None:
    result = doctor(kind="llamacpp", url=server.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok: {server.url} answers: ok; other files reach the prompt" in result.stdout


def test_doctor_openai(engine: Engine) -> None:
    result = doctor(kind="openai", url=engine.openai_url, model=ALIAS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok: {engine.openai_url} answers; models: {ALIAS}" in result.stdout


async def test_a_model_name_the_engine_does_not_have(engine: Engine) -> None:
    # Both engines serve their one model under any name: the request is answered...
    config = backend_config(kind="openai", url=engine.openai_url, model="gpt-4o-mini", max_retries=0)
    qwen = TEMPLATES["qwen"]
    request = GenerationRequest("def add(a, b):\n    return ", "\n", qwen.render("def add(a, b):\n    return ", "\n"),
                                ("\n", *qwen.stop), 8, 0.0)  # fmt: skip
    backend = OpenAIBackend(config)
    try:
        choices = await collect(backend.stream(request))
    finally:
        await backend.aclose()
    assert choices[0][0].strip()
    # ...so only the doctor tells the user which name the engine serves.
    result = doctor(kind="openai", url=engine.openai_url, model="gpt-4o-mini")
    assert result.returncode == 1
    assert f"backend.model 'gpt-4o-mini' is not served at {engine.openai_url}; it serves: {ALIAS}" in result.stdout


def test_doctor_says_the_engine_ignores_the_suffix_field(server: Engine) -> None:
    # llama-server's /v1/completions drops the suffix field without a word (test_errors.py): the doctor
    # sees a one-token request count the same prompt tokens with a suffix as without.
    result = doctor(kind="openai", url=server.openai_url, model=ALIAS, fim="suffix")
    assert result.returncode == 1, result.stdout
    assert "ignores the suffix field" in result.stdout
    assert "set backend.fim to 'template'" in result.stdout


def test_doctor_says_the_engine_reads_the_suffix_field(python_server: Engine) -> None:
    result = doctor(kind="openai", url=python_server.openai_url, model=ALIAS, fim="suffix")
    assert result.returncode == 0, result.stdout
    assert "; it reads the suffix field" in result.stdout


def test_doctor_says_the_slots_leave_no_room_for_other_files(small_slots: Engine) -> None:
    # /infill keeps for input_extra only what a slot's context leaves beyond its batch (2048): with
    # 2048-token slots the probe file never reaches the prompt the engine says it evaluated.
    result = doctor(kind="llamacpp", url=small_slots.url)
    assert result.returncode == 1, result.stdout
    assert "drops the other files (input_extra)" in result.stdout
    assert "each slot has a context of 2048 tokens" in result.stdout
