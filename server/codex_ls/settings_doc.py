"""The settings' documentation, generated from ``config.py``: the README's tables and VS Code's schema.

``python -m codex_ls.settings_doc --write`` rewrites, in a checkout, the README between
its settings markers and the ``contributes.configuration.properties`` of
``editors/vscode/package.json`` (the extension's own ``server``/``trace`` keys and every
other key of the file are kept). ``--check`` says which setting drifted; ``--markdown`` and
``--schema`` print what would be written.

Each section's ``tuning`` object is one VS Code setting of type object: the settings UI shows
it as a single "Edit in settings.json" entry, and settings.json still completes and checks
its keys from the nested schema.
"""

from __future__ import annotations

import argparse
import json
import sys
import types
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import attrs

from .completion.fim import TEMPLATES
from .config import Config
from .typed_settings import camel, to_wire

SECTION = "codexLs"
README = Path("README.md")
PACKAGE_JSON = Path("editors/vscode/package.json")
MARKERS = {
    "settings": ("<!-- settings: generated from server/codex_ls/config.py by python -m codex_ls.settings_doc -->",
                 "<!-- end of settings -->"),
    "tuning": ("<!-- tuning: generated from server/codex_ls/config.py by python -m codex_ls.settings_doc -->",
               "<!-- end of tuning -->"),
}  # fmt: skip
#: Values a setting takes that another module owns: the FIM families are fim.py's templates.
ENUMS: dict[str, list[str]] = {"backend.fimFamily": ["", *TEMPLATES]}


@attrs.frozen
class Setting:
    """One leaf setting: its wire path below ``codexLs`` (``model.tuning.coldTokens``) and its field."""

    path: str
    field: attrs.Attribute[Any]
    annotation: Any

    @property
    def tuning(self) -> bool:
        return ".tuning." in self.path

    @property
    def default(self) -> Any:
        default: Any = self.field.default
        factory = getattr(default, "factory", None)  # attrs.Factory(dict) for a mutable default
        return to_wire(factory() if callable(factory) else default)

    @property
    def doc(self) -> str:
        doc: str = self.field.metadata["doc"]
        return doc


def settings(cls: type[Any] = Config, prefix: str = "") -> Iterator[Setting]:
    """Every leaf setting under ``cls``, in declaration order, each section's tuning knobs last."""
    hints = attrs.resolve_types(cls)
    for field in attrs.fields(hints):
        path = prefix + camel(field.name)
        if attrs.has(field.type):
            yield from settings(field.type, path + ".")
        else:
            yield Setting(path, field, field.type)


def sections(cls: type[Any] = Config, prefix: str = "") -> Iterator[tuple[str, type[Any]]]:
    """The tuning classes by wire path (``model.tuning``)."""
    for field in attrs.fields(attrs.resolve_types(cls)):
        if attrs.has(field.type):
            path = prefix + camel(field.name)
            if field.name == "tuning":
                yield path, field.type
            else:
                yield from sections(field.type, path + ".")


def _optional(annotation: Any) -> tuple[Any, bool]:
    """``(X, True)`` for ``X | None``, else ``(annotation, False)``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _json_type(annotation: Any) -> dict[str, Any]:
    """The JSON schema type of an annotation; an optional number may be ``null``, an optional
    string or list is unset when empty (the extension leaves ``""`` and ``[]`` out)."""
    base, optional = _optional(annotation)
    origin = get_origin(base)
    if origin is Literal:
        return {"type": "string", "enum": list(get_args(base))}
    if origin is tuple:
        return {"type": "array", "items": {"type": "string"}}
    if base is dict or origin is not None:  # Mapping[str, str]
        return {"type": "object", "additionalProperties": {"type": "string"}}
    name = {bool: "boolean", int: "integer", float: "number", str: "string"}[base]
    return {"type": [name, "null"] if optional and name in ("integer", "number") else name}


def _unset(annotation: Any) -> Any:
    """What VS Code shows for a setting whose default is ``None``."""
    kind = _json_type(annotation)["type"]
    return {"string": "", "array": []}.get(kind) if isinstance(kind, str) else None


def property_schema(setting: Setting) -> dict[str, Any]:
    """One VS Code ``contributes.configuration`` property."""
    meta = setting.field.metadata
    schema = _json_type(setting.annotation)
    if setting.path in ENUMS:
        schema["enum"] = ENUMS[setting.path]
    if choices := meta.get("choices"):
        schema["enumDescriptions"] = [choices[value] for value in schema["enum"]]
    default = setting.default
    schema["default"] = _unset(setting.annotation) if default is None else default
    if meta.get("machine"):
        schema["scope"] = "machine-overridable"
    bounds = {"minimum": "minimum", "above": "exclusiveMinimum", "maximum": "maximum"}
    schema |= {key: meta[name] for name, key in bounds.items() if meta.get(name) is not None}
    schema["markdownDescription"] = setting.doc
    return schema


def _tuning_schema(path: str, cls: type[Any]) -> dict[str, Any]:
    knobs = [s for s in settings(Config) if s.path.startswith(path + ".")]
    example = json.dumps({camel(attrs.fields(cls)[0].name): knobs[0].default})
    doc = (cls.__doc__ or "").strip()
    return {
        "type": "object",
        "default": {},
        "additionalProperties": False,
        "properties": {s.path.removeprefix(path + "."): property_schema(s) for s in knobs},
        "markdownDescription": f"{doc} Set in settings.json, e.g. `{example}`; the README's Tuning table "
        "describes each.",
    }


def schema() -> dict[str, Any]:
    """The server's settings as VS Code properties: the everyday ones, then one object per tuning section."""
    properties = {f"{SECTION}.{s.path}": property_schema(s) for s in settings() if not s.tuning}
    properties |= {f"{SECTION}.{path}": _tuning_schema(path, cls) for path, cls in sections()}
    return properties


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _default_cell(setting: Setting) -> str:
    default = setting.default
    return "unset" if default is None else _cell(f"`{json.dumps(default, ensure_ascii=False)}`")


def _meaning(setting: Setting) -> str:
    base, _ = _optional(setting.annotation)
    values = ENUMS.get(setting.path) or (list(get_args(base)) if get_origin(base) is Literal else [])
    listed = f" One of {', '.join(f'`{v}`' for v in values if v)}." if values else ""
    return _cell(setting.doc + listed)


def _measured(setting: Setting) -> str:
    measured = setting.field.metadata.get("measured")
    return f"[{Path(measured).name}]({measured})" if measured else ""


def markdown(table: str) -> str:
    """The README's ``settings`` table, or its ``tuning`` table with where each default was measured."""
    if table == "settings":
        rows = ["| setting | default | meaning |", "|---|---|---|"]
        for s in settings():
            if not s.tuning:
                measured = f" Measured: {_measured(s)}." if _measured(s) else ""
                rows.append(f"| `{s.path}` | {_default_cell(s)} | {_meaning(s)}{measured} |")
        return "\n".join(rows)
    rows = ["| setting | default | meaning | measured in |", "|---|---|---|---|"]
    rows += [f"| `{s.path}` | {_default_cell(s)} | {_meaning(s)} | {_measured(s)} |" for s in settings() if s.tuning]
    return "\n".join(rows)


def _region(text: str, table: str) -> tuple[int, int]:
    begin, end = MARKERS[table]
    start = text.find(begin)
    stop = text.find(end, start)
    if start < 0 or stop < 0:
        raise ValueError(f"the README has no {begin!r} … {end!r} markers")
    return start + len(begin), stop


def readme(text: str) -> str:
    """``text`` with both tables regenerated between their markers."""
    for table in MARKERS:
        start, stop = _region(text, table)
        text = f"{text[:start]}\n{markdown(table)}\n{text[stop:]}"
    return text


def package_json(text: str) -> str:
    """package.json's text with the server's settings regenerated; the extension's own keys stay first."""
    manifest = json.loads(text)
    properties = manifest["contributes"]["configuration"]["properties"]
    generated = schema()
    server_sections = {path.split(".")[1] for path in generated}
    own = {k: v for k, v in properties.items() if k.split(".")[1] not in server_sections}
    manifest["contributes"]["configuration"]["properties"] = own | generated
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def _rows(text: str) -> dict[str, str]:
    return {line.split("|")[1].strip(" `"): line for line in text.splitlines() if line.startswith("| `")}


def readme_drift(text: str) -> list[str]:
    """One line per setting whose README row differs from config.py (missing, extra or changed)."""
    problems: list[str] = []
    for table in MARKERS:
        start, stop = _region(text, table)
        have, want = _rows(text[start:stop]), _rows(markdown(table))
        problems += [f"README {table} table: {name} is missing" for name in want.keys() - have.keys()]
        problems += [f"README {table} table: {name} is not a setting" for name in have.keys() - want.keys()]
        problems += [
            f"README {table} table: {name} differs: {have[name]!r}, config.py says {want[name]!r}"
            for name in want.keys() & have.keys()
            if have[name] != want[name]
        ]
        if not problems and text[start:stop] != f"\n{markdown(table)}\n":
            problems.append(f"README {table} table: its header or order differs from config.py")
    return sorted(problems)


def _property_drift(key: str, have: Any, want: dict[str, Any]) -> list[str]:
    """What differs in one property; a tuning object's knobs are named one by one."""
    if have is None:
        return [f"package.json: {key} is missing"]
    if have == want:
        return []
    knobs, wanted = have.get("properties") or {}, want.get("properties") or {}
    problems = [
        f"package.json: {key}.{name} {'is missing' if name not in knobs else 'differs from config.py'}"
        for name, schema in wanted.items()
        if knobs.get(name) != schema
    ]
    problems += [f"package.json: {key}.{name} is not a setting of the server" for name in knobs.keys() - wanted.keys()]
    return problems or [f"package.json: {key} differs from config.py"]


def package_drift(text: str) -> list[str]:
    """One line per VS Code setting whose schema differs from config.py's, named by its key."""
    have = json.loads(text)["contributes"]["configuration"]["properties"]
    generated = schema()
    problems = [p for key, value in generated.items() for p in _property_drift(key, have.get(key), value)]
    server_sections = {key.split(".")[1] for key in generated}
    problems += [
        f"package.json: {key} is not a setting of the server"
        for key in have
        if key.split(".")[1] in server_sections and key not in generated
    ]
    if not problems and package_json(text) != text:
        problems.append("package.json: the order or formatting of its settings differs from the generated one")
    return sorted(problems)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codex_ls.settings_doc", description=__doc__)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--write", action="store_true", help="rewrite the README's tables and package.json")
    what.add_argument("--check", action="store_true", help="name every setting that drifted; exit 1 if any")
    what.add_argument("--markdown", action="store_true", help="print the README's two tables")
    what.add_argument("--schema", action="store_true", help="print the VS Code properties")
    parser.add_argument("--root", type=Path, default=Path(), help="the checkout (default: the current directory)")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown("settings"), markdown("tuning"), sep="\n\n")
        return 0
    if args.schema:
        print(json.dumps(schema(), indent=2, ensure_ascii=False))
        return 0
    files = {args.root / README: (readme, readme_drift), args.root / PACKAGE_JSON: (package_json, package_drift)}
    problems: list[str] = []
    for path, (generate, drift) in files.items():
        text = path.read_text(encoding="utf-8")
        if args.write:
            path.write_text(generate(text), encoding="utf-8")
        else:
            problems += drift(text)
    if problems:
        print(*problems, sep="\n", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
