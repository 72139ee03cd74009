"""The ``llamacpp`` backend against llama-server's ``/infill``, judged by the engine's own account.

The engine's closing event says what it evaluated (``prompt``, the detokenized prompt
with its special tokens), what it took from its cache (``timings.cache_n``) and why it
stopped (``stop_type``, ``stopping_word``).
"""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

from codex_ls.backends.base import GenerationRequest
from codex_ls.backends.llamacpp import LlamaCppBackend
from codex_ls.completion.fim import TEMPLATES
from tests.engines.engines import Engine
from tests.engines.wire import Recording, collect
from tests.fakes.backends import backend_config

QWEN_STOPS = TEMPLATES["qwen"].stop
#: About 600 tokens above the cursor: the part of the prompt a keystroke on the next line leaves alone.
HEAD = "".join(f"def scale_{i}(value):\n    return value * {i}\n\n\n" for i in range(40))


def request(prefix: str, suffix: str = "\n", **fields: Any) -> GenerationRequest:
    values: dict[str, Any] = {"stop": ("\n", *QWEN_STOPS), "max_tokens": 24, "temperature": 0.0, **fields}
    return GenerationRequest(prefix=prefix, suffix=suffix, prompt="", **values)


async def infill(engine: Engine, *requests: GenerationRequest) -> tuple[Recording, list[dict[int, Any]]]:
    config = backend_config(kind="llamacpp", url=engine.url, max_retries=0, request_timeout=60.0)
    transport = Recording(config)
    backend = LlamaCppBackend(config, transport)
    answers = []
    try:
        for one in requests:
            async with aclosing(backend.stream(one)) as deltas:
                answers.append(await collect(deltas))
    finally:
        await backend.aclose()
    return transport, answers


async def test_input_extra_puts_the_other_files_before_the_fim_prefix(server: Engine) -> None:
    neighbour = ("src/geometry.py", "TAU_CONSTANT = 6.283185\n")
    wire, _ = await infill(server, request("import math\n\ndef circumference(r):\n    return ", extra=(neighbour,)))
    assert wire.bodies[0]["input_extra"] == [{"filename": "src/geometry.py", "text": "TAU_CONSTANT = 6.283185\n"}]
    prompt = wire.final()["prompt"]
    # Qwen2.5-Coder's repository form: each file after <|file_sep|> and its path, the current file last.
    assert "<|file_sep|>src/geometry.py\nTAU_CONSTANT = 6.283185" in prompt, prompt
    assert prompt.index("TAU_CONSTANT") < prompt.index("<|fim_prefix|>") < prompt.index("def circumference")


async def test_slots_of_2048_tokens_leave_no_room_for_other_files(small_slots: Engine) -> None:
    neighbour = ("src/geometry.py", "TAU_CONSTANT = 6.283185\n")
    wire, (choices,) = await infill(small_slots, request("def circumference(r):\n    return ", extra=(neighbour,)))
    assert choices[0][0].strip()  # answered, without the other file: the engine says nothing of it
    assert "TAU_CONSTANT" not in wire.final()["prompt"]


async def test_cache_prompt_leaves_a_keystroke_only_the_tokens_after_it(server: Engine) -> None:
    typed = HEAD + "def area(r):\n    return 3.14"
    wire, _ = await infill(server, request(typed), request(typed + " *"))
    assert all(body["cache_prompt"] is True for body in wire.bodies)
    first, second = wire.final(0), wire.final(1)
    assert first["tokens_evaluated"] > 500
    # The engine kept the head and the lines above in its cache: it evaluated the typed
    # character, the suffix after it and the FIM markers, not the 300 tokens before them.
    assert second["timings"]["cache_n"] >= first["tokens_evaluated"] - 10, second["timings"]
    assert second["timings"]["prompt_n"] <= 10, second["timings"]


async def test_the_engine_stops_at_the_newline_and_says_so(server: Engine) -> None:
    # Greedy, the 0.5B model writes more than one line here.
    wire, (choices,) = await infill(server, request("def add(a, b):\n    return ", suffix="\n\n\ndef sub(a, b):\n"))
    text, finish, _ = choices[0]
    final = wire.final()
    assert (final["stop_type"], final["stopping_word"]) == ("word", "\n"), final
    assert finish == "stop"
    assert text.strip()
    assert "\n" not in text


async def test_the_engine_stops_at_a_stop_sequence_of_the_request(server: Engine) -> None:
    wire, (choices,) = await infill(
        server, request("values = [1, 2, 3]\ntotal = sum(", suffix="\n", stop=(")", *QWEN_STOPS))
    )
    text, finish, _ = choices[0]
    final = wire.final()
    assert (final["stop_type"], final["stopping_word"]) == ("word", ")"), final
    assert finish == "stop"
    assert text.strip()
    assert ")" not in text
