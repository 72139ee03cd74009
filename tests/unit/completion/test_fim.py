"""FIM templates: exact strings per family, detection from model names."""

from __future__ import annotations

import pytest

from codex_ls.completion.fim import SPECIAL_TOKENS, TEMPLATES, detect_family, template_for


@pytest.mark.parametrize(
    ("family", "expected"),
    [
        pytest.param("qwen", "<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>", id="qwen"),
        pytest.param("starcoder", "<fim_prefix>P<fim_suffix>S<fim_middle>", id="starcoder"),
        pytest.param("codellama", "<PRE> P <SUF>S <MID>", id="codellama"),
        pytest.param("deepseek", "<｜fim▁begin｜>P<｜fim▁hole｜>S<｜fim▁end｜>", id="deepseek"),  # noqa: RUF001
        pytest.param("codestral", "[SUFFIX]S[PREFIX]P", id="codestral"),
        pytest.param("codegemma", "<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>", id="codegemma"),
    ],
)
def test_render_matches_the_model_card(family: str, expected: str) -> None:
    assert TEMPLATES[family].render("P", "S") == expected


def test_code_with_braces_and_markers_is_inserted_verbatim() -> None:
    prefix = 'f"{x}" {suffix} {prefix}'
    suffix = "} {prefix}"
    rendered = TEMPLATES["qwen"].render(prefix, suffix)
    assert rendered == f"<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>"


def test_qwen_repository_form_puts_other_files_first() -> None:
    rendered = TEMPLATES["qwen"].render("a", "b", files=[("util.py", "def u(): ...")])
    assert rendered == (
        "<|repo_name|>workspace\n<|file_sep|>util.py\ndef u(): ...\n<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>"
    )


@pytest.mark.parametrize(
    ("model", "family"),
    [
        pytest.param("qwen2.5-coder-1.5b", "qwen", id="qwen"),
        pytest.param("Qwen/Qwen2.5-Coder-7B", "qwen", id="qwen-hf"),
        pytest.param("bigcode/starcoder2-3b", "starcoder", id="starcoder2"),
        pytest.param("stabilityai/stable-code-3b", "starcoder", id="stable-code"),
        pytest.param("codellama:7b-code", "codellama", id="codellama"),
        pytest.param("deepseek-coder-6.7b-base", "deepseek", id="deepseek"),
        pytest.param("codestral-latest", "codestral", id="codestral"),
        pytest.param("google/codegemma-2b", "codegemma", id="codegemma"),
        pytest.param("gpt-3.5-turbo-instruct", None, id="unknown"),
    ],
)
def test_family_detected_from_model_name(model: str, family: str | None) -> None:
    assert detect_family(model) == family


def test_explicit_family_wins_over_the_name() -> None:
    assert template_for("starcoder", "qwen2.5-coder").family == "starcoder"


def test_unknown_family_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known: codegemma, codellama"):
        template_for("gpt", "x")


def test_every_family_has_stop_tokens() -> None:
    assert all(t.stop for t in TEMPLATES.values())


@pytest.mark.parametrize("family", sorted(TEMPLATES))
def test_every_familys_markers_and_stops_are_cut_as_special_tokens(family: str) -> None:
    template = TEMPLATES[family]
    angled = [
        t for t in (*template.stop, *template.template.replace("{", " ").replace("}", " ").split()) if t[0] == "<"
    ]
    assert set(angled) <= set(SPECIAL_TOKENS)


def test_bracketed_markers_that_code_can_hold_are_not_special_tokens() -> None:
    assert "[PREFIX]" not in SPECIAL_TOKENS
    assert "[SUFFIX]" not in SPECIAL_TOKENS


def test_a_templates_head_is_how_every_prompt_below_it_starts() -> None:
    files = (("lib/util.py", "def helper():\n    return 1\n"),)
    for family, template in TEMPLATES.items():
        head = template.head("import os\n\n", files)
        if family == "codestral":
            assert head is None  # the suffix comes first
            continue
        assert head is not None
        prompt = template.render("import os\n\ndef main():\n    ", "\n", files)
        assert prompt.startswith(head), family
        assert head.endswith("import os\n\n")
