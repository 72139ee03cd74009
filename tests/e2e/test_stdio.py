"""The server over stdio: a pipe is read by the event loop, anything else by pygls' reader."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

import pytest

from codex_ls.lsp.stdio import readable_by_the_loop


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def read_message(stdout: IO[bytes]) -> dict[str, Any]:
    length = 0
    while header := stdout.readline().strip():
        if header.lower().startswith(b"content-length:"):
            length = int(header.split(b":")[1])
    message: dict[str, Any] = json.loads(stdout.read(length))
    return message


def request(method: str, id: int, params: dict[str, Any] | None = None) -> bytes:
    return frame({"jsonrpc": "2.0", "id": id, "method": method, "params": params or {}})


def notification(method: str) -> bytes:
    return frame({"jsonrpc": "2.0", "method": method, "params": {}})


# A header line longer than any buffer limit is skipped, as pygls skips a header it
# does not know, and the message after it is answered.
SESSION = [
    request("initialize", 1, {"capabilities": {}}) + notification("initialized"),
    b"X-Junk: " + b"x" * 200_000 + b"\r\n" + request("shutdown", 2),
    notification("exit"),
]


COMMAND = [sys.executable, "-m", "codex_ls", "--stdio", "--log-level", "debug", "--log-file"]


def test_a_pipe_is_read_by_the_event_loop(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with subprocess.Popen([*COMMAND, str(log)], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as server:
        assert server.stdin is not None
        assert server.stdout is not None
        answered = []
        for part in SESSION[:2]:
            server.stdin.write(part)
            server.stdin.flush()
            while "result" not in (message := read_message(server.stdout)):
                pass
            answered.append(message["id"])
        server.stdin.write(SESSION[2])
        server.stdin.close()
        assert server.wait(timeout=60) == 0
    assert answered == [1, 2]
    assert "read by the event loop" in log.read_text()


def test_a_file_is_read_by_pygls(tmp_path: Path) -> None:
    session, log = tmp_path / "session", tmp_path / "log"
    session.write_bytes(SESSION[0])
    with session.open("rb") as stdin:
        result = subprocess.run([*COMMAND, str(log)], stdin=stdin, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0
    stdout, answered = io.BytesIO(result.stdout), []
    while stdout.tell() < len(result.stdout):
        if "result" in (message := read_message(stdout)):
            answered.append(message["id"])
    assert answered == [1]
    assert "read by the event loop" not in log.read_text()


def test_what_the_loop_can_read(tmp_path: Path) -> None:
    read, write = os.pipe()
    try:
        with os.fdopen(read, "rb", closefd=False) as pipe:
            assert readable_by_the_loop(pipe)
    finally:
        os.close(read)
        os.close(write)
    path = tmp_path / "file"
    path.write_bytes(b"")
    with path.open("rb") as regular:
        assert not readable_by_the_loop(regular)
    assert not readable_by_the_loop(io.BytesIO())


#: What llama-cpp-python does while a model loads, between two messages of the protocol's.
MUTED_STDOUT = """
import os, sys
from codex_ls.lsp.stdio import protocol_stdout
out = protocol_stdout()
out.write(b"first ")
out.flush()
saved = os.dup(1)
with open(os.devnull, "w") as null:
    os.dup2(null.fileno(), 1)
    out.write(b"while muted ")
    out.flush()
    os.write(1, b"native noise")
    os.dup2(saved, 1)
print("printed")
os.write(1, b"native line")
out.write(b"last")
out.flush()
"""


def test_the_protocol_has_stdout_to_itself() -> None:
    result = subprocess.run(
        [sys.executable, "-c", MUTED_STDOUT], capture_output=True, timeout=60, check=True, cwd=Path(__file__).parent
    )
    assert result.stdout == b"first while muted last"
    assert result.stderr == b"printed\nnative line"


@pytest.mark.parametrize("cut", [10, len(request("shutdown", 1)) - 3])
def test_a_client_gone_mid_message_ends_the_server(cut: int) -> None:
    message = request("shutdown", 1)
    command = [sys.executable, "-m", "codex_ls", "--stdio"]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as server:
        stdout, _ = server.communicate(message[:cut], timeout=60)
    assert server.returncode == 0
    assert stdout == b""
