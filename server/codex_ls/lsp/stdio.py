"""LSP over stdin/stdout, with stdin read by the event loop.

pygls reads stdin through its thread pool: every header line and every body is a
hand-off to a thread and back, three per message, paid on each keystroke's
``didChange`` and on each request (about 0.6 ms of a request's round trip on the
latency benchmark). When stdin is a pipe or a socket, as editors start language
servers, the event loop reads it directly. Anything else (a file, a terminal,
Windows) keeps pygls' reader.

Either way the protocol writes to a copy of stdout of its own (:func:`protocol_stdout`).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import stat
import sys
import threading
from typing import BinaryIO

from pygls.io_ import StdoutWriter, run_async
from pygls.server import JsonRPCServer

log = logging.getLogger(__name__)


def readable_by_the_loop(stdin: BinaryIO) -> bool:
    """True if ``stdin`` is a pipe or a socket the event loop can watch."""
    if os.name != "posix":
        return False
    try:
        mode = os.fstat(stdin.fileno()).st_mode
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def protocol_stdout() -> BinaryIO:
    """The process's stdout for the protocol alone; file descriptor 1 then goes to stderr.

    Native code writes to descriptor 1 and redirects it: llama.cpp prints there, and
    llama-cpp-python points descriptors 1 and 2 at ``/dev/null`` while a model loads.
    Every message the server sent meanwhile (answers to a user typing while the
    embedded model loads) was lost, and the client waited for them forever. What
    anything else prints, ``print`` included, goes to stderr, the server's log.
    """
    sys.stdout.flush()
    own = os.dup(sys.stdout.fileno())
    try:
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # no stderr: what is printed goes nowhere
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    return os.fdopen(own, "wb")


class PipeReader:
    """pygls' reader interface (``readline``, ``readexactly``) over an asyncio stream."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self._stream = stream

    async def readline(self) -> bytes:
        try:
            return await self._stream.readline()
        except ValueError:
            # A line longer than the stream's limit is no LSP header; pygls skips
            # lines it does not know, so this one is skipped too.
            return b"?\r\n"

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self._stream.readexactly(n)
        except asyncio.IncompleteReadError:
            return b""  # the client went away mid-message: the end


def serve(server: JsonRPCServer, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Serve ``server`` until the client exits or closes stdin (``stdin`` must pass
    :func:`readable_by_the_loop`)."""
    server.protocol.set_writer(StdoutWriter(stdout))
    log.debug("stdin is a pipe: read by the event loop")
    try:
        asyncio.run(_read(server, stdin))
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]


async def _read(server: JsonRPCServer, stdin: BinaryIO) -> None:
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), stdin)
    await run_async(
        stop_event=threading.Event(),
        reader=PipeReader(stream),
        protocol=server.protocol,
        logger=log,
        error_handler=server.report_server_error,
    )
