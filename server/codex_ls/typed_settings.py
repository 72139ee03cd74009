"""The machinery of typed settings, for any tree of frozen attrs classes.

A setting is an attrs field declared with :func:`setting`, which keeps its one-line
description and bounds in the field's metadata (for validation and for the generated
documentation alike). JSON arrives in camelCase and is structured one setting at a
time: an invalid value is reported by its dotted name and left at its default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar, get_args, get_origin

import attrs
import cattrs
from attrs import validators as v

_T = TypeVar("_T")
Check = Callable[[Any, "attrs.Attribute[Any]", Any], Any]

_converter = cattrs.Converter(forbid_extra_keys=True)


def setting(
    doc: str,
    default: _T,
    *checks: Check,
    minimum: float | None = None,
    maximum: float | None = None,
    above: float | None = None,
    machine: bool = False,
    choices: Mapping[str, str] | None = None,
    refused: Mapping[str, str] | None = None,
    aliases: Mapping[bool, Any] | None = None,
    measured: str | None = None,
) -> _T:
    """One setting: ``doc`` is its one-line description (Markdown); the bounds become its
    validators and its schema. ``machine``: a workspace may not set it (a path or a command);
    ``choices``: a description per value; ``refused``: values once accepted, each with the
    reason it is not; ``aliases``: the value that ``true`` or ``false`` stands for, where the
    setting once was a switch; ``measured``: where its default was measured."""
    bounds: list[Check] = []
    if minimum is not None:
        bounds.append(v.ge(minimum))
    if maximum is not None:
        bounds.append(v.le(maximum))
    if above is not None:
        bounds.append(v.gt(above))
    if default is None and bounds:
        bounds = [v.optional(bounds)]
    metadata: dict[str, object] = {"doc": doc, "minimum": minimum, "maximum": maximum, "above": above}
    metadata |= {"machine": machine, "choices": choices, "refused": refused, "aliases": aliases, "measured": measured}
    field: _T = attrs.field(default=default, validator=[*checks, *bounds], metadata=metadata)
    return field


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _structure_leaf(value: Any, annotation: Any) -> Any:
    """Structure one value strictly: no silent str→float or float→int coercion."""
    origin = get_origin(annotation)
    if annotation is bool and not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    if annotation in (int, float) and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise TypeError(f"expected a number, got {value!r}")
    if annotation is int and isinstance(value, float) and not value.is_integer():
        raise TypeError(f"expected a whole number, got {value!r}")
    if annotation is str and not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    if origin is Literal and value not in get_args(annotation):
        choices = ", ".join(repr(c) for c in get_args(annotation))
        raise ValueError(f"expected one of {choices}, got {value!r}")
    return _converter.structure(value, annotation)


def structure(cls: type[_T], raw: Any, path: str, errors: list[str]) -> _T:
    """``cls`` from the camelCase object ``raw``; one message per rejected setting in ``errors``."""
    if not isinstance(raw, Mapping):
        errors.append(f"{path}: expected an object, got {raw!r}")
        return cls()
    fields = {camel(f.name): f for f in attrs.fields(cls)}  # type: ignore[arg-type]
    hints = attrs.resolve_types(cls)  # type: ignore[type-var]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"{path}.{key}"
        field = fields.get(key) or fields.get(camel(snake(str(key))))
        if field is None:
            errors.append(f"{name}: unknown setting, ignored{_moved(cls, str(key), path)}")
            continue
        annotation: Any = attrs.fields_dict(hints)[field.name].type  # type: ignore[arg-type]
        try:
            if attrs.has(annotation):
                values[field.name] = structure(annotation, value, name, errors)
                continue
            refused: Mapping[str, str] = field.metadata.get("refused") or {}
            if isinstance(value, str) and value in refused:
                raise ValueError(f"{value!r} {refused[value]}")
            aliases: Mapping[bool, Any] = field.metadata.get("aliases") or {}
            if isinstance(value, bool) and value in aliases:
                value = aliases[value]
            values[field.name] = _structure_leaf(value, annotation)
            cls(**{field.name: values[field.name]})  # run the field's validator alone
        except (TypeError, ValueError, cattrs.BaseValidationError) as exc:
            values.pop(field.name, None)
            errors.append(f"{name}: {_describe(exc)}; using the default")
    return cls(**values)


def _moved(cls: type[Any], key: str, path: str) -> str:
    """Where a key now lives when it is one of the section's tuning knobs, so that an old one is not lost."""
    tuning = attrs.fields_dict(cls).get("tuning")
    if tuning is None or not isinstance(tuning.type, type) or not attrs.has(tuning.type):
        return ""
    name = camel(snake(key))
    return f"; it is {path}.tuning.{name}" if name in {camel(f.name) for f in attrs.fields(tuning.type)} else ""


def _describe(exc: Exception) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(str(e) for e in exc.exceptions) or str(exc)
    return str(exc)


def merge(base: Any, override: Any) -> Any:
    """Deep-merge two raw settings objects; ``override`` wins."""
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base.get(key), value)
        return merged
    return base if override is None else override


def to_wire(value: Any) -> Any:
    """The camelCase JSON form of a settings tree (for logs, docs and ``doctor``)."""
    if attrs.has(type(value)):
        return {camel(f.name): to_wire(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, Mapping):
        return {k: to_wire(x) for k, x in value.items()}
    if isinstance(value, tuple):
        return [to_wire(x) for x in value]
    return value
