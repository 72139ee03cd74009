"""Actions whose answer is a new document: *Explain* (Markdown) and *Translate to…*.

Both pass their text on as the model writes it (``Job.write``): the explanation's
words, the translation's lines of code.

The document is written under the cache directory (``$CODEX_LS_CACHE_DIR`` or
the user cache directory) and shown with ``window/showDocument``; the file name
says where the code came from, so explaining the same code again replaces it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path, PurePosixPath

import platformdirs

from ..languages import LANGUAGES, language_name
from .ask import ask, ask_code
from .inputs import prompt_input, require_target
from .job import ActionFailedError, DocumentResult, Job
from .pieces import FencedCode, Trimmed
from .prompts import TRANSLATE_TARGETS
from .target import Target


def cache_dir() -> Path:
    override = os.environ.get("CODEX_LS_CACHE_DIR")
    return Path(override).expanduser() if override else Path(platformdirs.user_cache_dir("codex-ls"))


async def explanation(job: Job) -> tuple[Target, str]:
    """The model's Markdown explanation of the selection or the function at the cursor.

    Its text goes to ``job.write`` as the model writes it.
    """
    target = require_target(job)
    answer, _ = await ask(job, "explain", prompt_input(job, target), write=Trimmed(job.write))
    if not answer.strip():
        raise ActionFailedError("the model gave no explanation")
    return target, answer.strip()


async def explain(job: Job) -> DocumentResult:
    target, answer = await explanation(job)
    line = job.snapshot.lines.line_of(target.start) + 1
    name = f" `{target.function.name}`" if target.function else ""
    heading = f"# Explanation of{name} ({job.snapshot.path}, line {line})\n\n"
    text = heading + answer + "\n"
    return DocumentResult(await _write(job, "explanations", target, ".md", text), text)


def translation_target(raw: str | None, source: str) -> str:
    """The language id of a *Translate to…* target, by id or name (``"Go"``, ``"typescript"``)."""
    wanted = (raw or "").strip().lower()
    for language in (*TRANSLATE_TARGETS, *LANGUAGES):
        if wanted in (language, language_name(language).lower()):
            if language == source.lower():
                raise ActionFailedError(f"the code is already {language_name(language)}")
            return language
    names = ", ".join(language_name(t) for t in TRANSLATE_TARGETS)
    raise ActionFailedError(f"cannot translate to {raw!r}; choose one of {names}")


async def translation(job: Job) -> tuple[Target, str, str]:
    """The code (its lines go to ``job.write`` as the model writes them) and its language id."""
    target_language = translation_target(job.args.target, job.snapshot.language)
    target = require_target(job)
    data = prompt_input(job, target, context=False, target=target_language)
    code, _ = await ask_code(job, "translate", data, write=FencedCode(job.write))
    if not code.strip():
        raise ActionFailedError("the model gave no translation")
    return target, code, target_language


async def translate(job: Job) -> DocumentResult:
    target, code, target_language = await translation(job)
    extension = LANGUAGES[target_language].extensions[0]
    return DocumentResult(await _write(job, "translations", target, extension, code + "\n"), code + "\n")


async def _write(job: Job, folder: str, target: Target, extension: str, text: str) -> Path:
    snapshot = job.snapshot
    stem = PurePosixPath(snapshot.path).stem or "untitled"
    line = snapshot.lines.line_of(target.start) + 1
    tag = hashlib.sha256(snapshot.uri.encode()).hexdigest()[:8]
    path = job.cache_dir / folder / f"{stem}-L{line}-{tag}{extension}"
    try:
        await asyncio.to_thread(_save, path, text)
    except OSError as exc:
        raise ActionFailedError(f"cannot write {path}: {exc}") from None
    return path


def _save(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
