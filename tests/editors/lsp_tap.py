"""Run a language server and record every LSP message between it and the editor.

``python tests/editors/lsp_tap.py LOG SERVER [ARGS...]`` starts ``SERVER``, copies the
editor's stdin to it and its stdout back unchanged, and appends each framed JSON-RPC
message to ``LOG`` as one JSON line: ``{"t": seconds, "from": "client" | "server",
"message": {...}, "pid": server pid}``. The real-VS-Code tests point
``codexLs.server.path`` at a script that runs this, so that they can count what VS
Code asked for; the bytes on the wire are the server's own.

It is run as a script, not with ``-m``: ``-m`` would put the editor's working
directory (the user's project) first on ``sys.path``. When the server exits (killed,
for instance) the tap exits with its status, so the editor sees the same end of
stream it would see without the tap.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from typing import BinaryIO


class Recorder:
    def __init__(self, path: str, pid: int) -> None:
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the process's life
        self._lock = threading.Lock()
        self._pid = pid

    def record(self, side: str, body: bytes) -> None:
        try:
            message = json.loads(body)
        except ValueError:
            message = {"unparsed": body.decode("utf-8", "replace")}
        line = json.dumps({"t": time.time(), "from": side, "pid": self._pid, "message": message})
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()


def pump(source: BinaryIO, sink: BinaryIO, side: str, recorder: Recorder) -> None:
    """Copy LSP frames from ``source`` to ``sink``, recording each; return at end of stream."""
    while True:
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            byte = source.read(1)
            if not byte:
                return
            header += byte
        length = 0
        for line in header.decode("ascii", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        body = source.read(length)
        try:
            sink.write(header + body)
            sink.flush()
        except (BrokenPipeError, ValueError):
            return
        recorder.record(side, body)
        if len(body) < length:
            return


def main(argv: list[str]) -> int:
    log, *command = argv
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert server.stdin is not None
    assert server.stdout is not None
    recorder = Recorder(log, server.pid)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer

    def to_server() -> None:
        pump(stdin, server.stdin, "client", recorder)  # type: ignore[arg-type]
        with contextlib.suppress(OSError):
            server.stdin.close()  # type: ignore[union-attr]

    threading.Thread(target=to_server, daemon=True).start()
    pump(server.stdout, stdout, "server", recorder)
    code = server.wait()
    stdout.flush()
    # A server killed by a signal ends the tap the same way, as the editor would see it.
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.stdout.flush()
    os._exit(main(sys.argv[1:]))
