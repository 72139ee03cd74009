"""Fill-in-the-middle templates, as data.

Each family's template and stop tokens come from its model card; the family is
set in the settings (``backend.fimFamily``) or detected from the model name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: Other files for the prompt, as ``(path, text)``.
Files = tuple[tuple[str, str], ...]

_SLOTS = re.compile(r"\{prefix\}|\{suffix\}")


@dataclass(frozen=True)
class FimTemplate:
    family: str
    #: ``{prefix}`` and ``{suffix}`` are substituted in the template only, so
    #: braces or FIM markers inside the code are never re-interpreted.
    template: str
    stop: tuple[str, ...]
    #: Regex matched against a lower-cased model name.
    model_pattern: str
    #: Repository-level context: ``{path}`` / ``{text}`` per file, before the FIM part.
    file_template: str | None = None
    repo_header: str | None = None

    def render(self, prefix: str, suffix: str, files: Sequence[tuple[str, str]] = ()) -> str:
        values = {"{prefix}": prefix, "{suffix}": suffix}
        body = _SLOTS.sub(lambda m: values[m.group(0)], self.template)
        if not files or self.file_template is None:
            return body
        parts = [self.repo_header or ""]
        parts += [self.file_template.replace("{path}", p).replace("{text}", t) for p, t in files]
        return "".join(parts) + body

    def head(self, prefix: str, files: Sequence[tuple[str, str]] = ()) -> str | None:
        """How every prompt whose prefix starts with ``prefix`` (and with these files) starts:
        what a prompt cache can hold before the cursor is known. ``None`` where the suffix
        comes first."""
        before, found, _ = self.template.partition("{prefix}")
        if not found or "{suffix}" in before:
            return None
        body = len(self.render("", ""))
        rendered = self.render("", "", files)
        return rendered[: len(rendered) - body] + before + prefix


TEMPLATES: dict[str, FimTemplate] = {
    t.family: t
    for t in (
        FimTemplate(
            family="qwen",
            template="<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>",
            stop=(
                "<|endoftext|>",
                "<|fim_pad|>",
                "<|repo_name|>",
                "<|file_sep|>",
                "<|im_start|>",
                "<|im_end|>",
            ),
            model_pattern=r"qwen",
            file_template="<|file_sep|>{path}\n{text}\n",
            repo_header="<|repo_name|>workspace\n",
        ),
        FimTemplate(
            family="starcoder",
            template="<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>",
            stop=("<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>", "<file_sep>", "<|endoftext|>"),
            model_pattern=r"starcoder|stable-?code|santacoder",
            file_template="<file_sep>{path}\n{text}\n",
        ),
        FimTemplate(
            family="codellama",
            template="<PRE> {prefix} <SUF>{suffix} <MID>",
            stop=("<EOT>",),
            model_pattern=r"code-?llama",
        ),
        FimTemplate(
            family="deepseek",
            # Full-width bars and U+2581 are part of DeepSeek's special tokens.
            template="<｜fim▁begin｜>{prefix}<｜fim▁hole｜>{suffix}<｜fim▁end｜>",  # noqa: RUF001
            stop=("<｜end▁of▁sentence｜>",),  # noqa: RUF001
            model_pattern=r"deepseek",
        ),
        FimTemplate(
            family="codestral",
            template="[SUFFIX]{suffix}[PREFIX]{prefix}",
            stop=("[PREFIX]", "[SUFFIX]"),
            model_pattern=r"codestral|mistral",
        ),
        FimTemplate(
            family="codegemma",
            template="<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>",
            stop=("<|file_separator|>",),
            model_pattern=r"codegemma|gemma",
        ),
    )
}

DEFAULT_FAMILY = "qwen"

#: Every family's special tokens (its markers and stops): cut wherever they occur,
#: whatever the model, as they never belong to code. Codestral's are plain text in
#: brackets, which code can hold: they are left out.
SPECIAL_TOKENS: tuple[str, ...] = tuple(
    dict.fromkeys(
        token
        for t in TEMPLATES.values()
        for token in (*re.findall(r"<[^<>{} ]+>", t.template), *t.stop)
        if token.startswith("<")
    )
)


def detect_family(model: str) -> str | None:
    """The FIM family whose pattern matches the model name, if any."""
    name = model.lower()
    for template in TEMPLATES.values():
        if re.search(template.model_pattern, name):
            return template.family
    return None


def template_for(family: str | None, model: str) -> FimTemplate:
    """The template named by ``family``, else detected from ``model``, else Qwen's."""
    if family:
        try:
            return TEMPLATES[family.lower()]
        except KeyError:
            known = ", ".join(sorted(TEMPLATES))
            raise ValueError(f"unknown FIM family {family!r}; known: {known}") from None
    return TEMPLATES[detect_family(model) or DEFAULT_FAMILY]
