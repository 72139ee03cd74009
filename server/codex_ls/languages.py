"""Languages by LSP language id: the name to show, the Markdown fence tag, the file extensions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    name: str
    fence: str
    extensions: tuple[str, ...]


LANGUAGES: dict[str, Language] = {
    "python": Language("Python", "python", (".py",)),
    "javascript": Language("JavaScript", "javascript", (".js",)),
    "javascriptreact": Language("JavaScript", "jsx", (".jsx",)),
    "typescript": Language("TypeScript", "typescript", (".ts",)),
    "typescriptreact": Language("TypeScript", "tsx", (".tsx",)),
    "go": Language("Go", "go", (".go",)),
    "rust": Language("Rust", "rust", (".rs",)),
    "c": Language("C", "c", (".c", ".h")),
    "cpp": Language("C++", "cpp", (".cpp",)),
    "java": Language("Java", "java", (".java",)),
    "csharp": Language("C#", "csharp", (".cs",)),
    "ruby": Language("Ruby", "ruby", (".rb",)),
    "lua": Language("Lua", "lua", (".lua",)),
    "shellscript": Language("Shell", "sh", (".sh",)),
}


def language_of(path: str) -> str:
    """The language id of a file by its extension; ``""`` when unknown."""
    for language_id, language in LANGUAGES.items():
        if path.endswith(language.extensions):
            return language_id
    return ""


def language_name(language_id: str) -> str:
    known = LANGUAGES.get(language_id.lower())
    return known.name if known else (language_id or "plain text").capitalize()


def fence_tag(language_id: str) -> str:
    known = LANGUAGES.get(language_id.lower())
    return known.fence if known else language_id.lower()
