"""Code actions on the embedded 0.5B model: real FIM samples and real chat, through the real server."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.editor import Editor, start_editor
from tests.e2e.lsp import server_config

PALINDROME = '''def is_palindrome(s: str) -> bool:
    """Return True if s reads the same forwards and backwards, else False.

    >>> is_palindrome("level")
    True
    >>> is_palindrome("codex")
    False
    """


if __name__ == "__main__":
    import doctest

    doctest.testmod()
'''

MEAN = """def mean(values):
    total = 0
    for value in values:
        total += value
    return total / len(values)
"""


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient, tmp_path: Path) -> Any:
    await start_editor(lsp_client, None, tmp_path)  # no settings: the embedded model
    yield
    await lsp_client.shutdown_session()


async def run(client: LanguageClient, command: str, uri: str, line: int) -> None:
    cursor = {"line": line, "character": 4}
    argument = {"uri": uri, "range": {"start": cursor, "end": cursor}}
    params = types.ExecuteCommandParams(command=command, arguments=[argument])
    await asyncio.wait_for(client.workspace_execute_command_async(params), 120)


def problems(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if m.type == types.MessageType.Error]


async def test_implement_function_passes_its_doctest(client: LanguageClient, tmp_path: Path) -> None:
    editor = Editor(client)
    path = tmp_path / "palindrome.py"
    uri = editor.open(path, PALINDROME)
    await run(client, "codex.implement", uri, 1)
    assert problems(client) == []
    assert len(editor.applied) == 1
    text = editor.text(uri)
    ast.parse(text)
    body = text.split('    """\n', 1)[1].split("\n\n\nif __name__")[0]
    assert body.strip(), text
    await asyncio.to_thread(path.write_text, text)
    command = [sys.executable, "-m", "doctest", "-v", str(path)]
    doctest = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=30, check=False)
    assert doctest.returncode == 0, text + doctest.stdout
    assert "2 passed" in doctest.stdout


async def test_add_docstring_documents_and_keeps_the_code(client: LanguageClient, tmp_path: Path) -> None:
    editor = Editor(client)
    uri = editor.open(tmp_path / "stats.py", MEAN)
    await run(client, "codex.addDocstring", uri, 1)
    assert problems(client) == []
    text = editor.text(uri)
    tree = ast.parse(text)
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    assert ast.get_docstring(function)
    # Only the docstring was inserted: the code around it is exactly the old code.
    signature, body = MEAN.split("\n", 1)
    assert text.startswith(signature + '\n    """')
    assert text.endswith('"""\n' + body)
