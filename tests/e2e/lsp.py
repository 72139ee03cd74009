"""Helpers for end-to-end tests: a pytest-lsp client talking to the real server process."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, default_converter, register_lsp_features

from tests.fakes.fake_backend import FakeBackend

API_KEY = "sk-test-" + "9f8e7d6c5b4a" * 3
_ids = itertools.count()


def server_config(**env: str) -> ClientServerConfig:
    # Only loopback is ever targeted: a proxy from the machine's environment must not carry it.
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("CODEX_LS_") and not k.lower().endswith("_proxy")
    }
    environment.update(CODEX_TEST_API_KEY=API_KEY, **env)
    return ClientServerConfig(
        server_command=[sys.executable, "-m", "codex_ls", "--log-level", "debug"],
        server_env=environment,
    )


def openai_settings(fake: FakeBackend | str, **completion: Any) -> dict[str, Any]:
    """Settings for the fake (or another ``/v1`` URL) as the OpenAI backend."""
    return {
        "backend": {
            "kind": "openai",
            "url": fake if isinstance(fake, str) else fake.openai_url,
            "model": "qwen2.5-coder-1.5b",
            "apiKeyEnv": "CODEX_TEST_API_KEY",
            "tuning": {"maxRetries": 2, "readTimeout": 2.0, "requestTimeout": 5.0},
        },
        "completion": completion,
    }


async def start(
    client: LanguageClient, settings: dict[str, Any] | None, *, inline: bool = True
) -> types.InitializeResult:
    """Initialize as VS Code does, with inline completion unless ``inline`` is false (as Emacs, Helix)."""
    capabilities = client_capabilities("visual-studio-code")
    if inline:
        capabilities.text_document.inline_completion = types.InlineCompletionClientCapabilities()  # type: ignore[union-attr]
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            initialization_options=settings,
            workspace_folders=[types.WorkspaceFolder(uri="file:///work/project", name="project")],
        )
    )


def open_document(
    client: LanguageClient, text: str, uri: str = "file:///work/project/src/app.py", language_id: str = "python"
) -> str:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id=language_id, version=1, text=text))
    )
    return uri


def inline_params(uri: str, line: int, character: int, *, manual: bool = False) -> types.InlineCompletionParams:
    kind = types.InlineCompletionTriggerKind.Invoked if manual else types.InlineCompletionTriggerKind.Automatic
    return types.InlineCompletionParams(
        context=types.InlineCompletionContext(trigger_kind=kind),
        text_document=types.TextDocumentIdentifier(uri),
        position=types.Position(line, character),
    )


async def inline(client: LanguageClient, uri: str, line: int, character: int) -> list[types.InlineCompletionItem]:
    result = await client.text_document_inline_completion_async(inline_params(uri, line, character))
    assert isinstance(result, types.InlineCompletionList)
    return list(result.items)


def send_inline(client: LanguageClient, uri: str, line: int, character: int) -> tuple[str, Any]:
    """Send an inline request with a known id (so a test can cancel it)."""
    msg_id = f"inline-{next(_ids)}"
    future = asyncio.ensure_future(
        client.protocol.send_request_async(
            types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri, line, character), msg_id=msg_id
        )
    )
    return msg_id, future


def type_text(client: LanguageClient, uri: str, version: int, line: int, character: int, text: str) -> None:
    """Insert ``text`` at (line, character) as an editor's keystroke: one incremental didChange."""
    at = types.Position(line, character)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(at, at), text=text)],
        )
    )


def texts(items: list[types.InlineCompletionItem]) -> list[str]:
    return [i.insert_text if isinstance(i.insert_text, str) else i.insert_text.value for i in items]


@dataclass
class Partial:
    token: Any
    text: str
    at: float


@dataclass
class Partials:
    """The pieces of partial results (``codex/explain``, ``codex/translate``) the client received."""

    received: list[Partial] = field(default_factory=list)

    def texts(self, token: Any) -> list[str]:
        return [p.text for p in self.received if p.token == token]


PARTIALS = Partials()


def partials_client() -> LanguageClient:
    """The test client, whose ``$/progress`` handler also takes partial results (into :data:`PARTIALS`).

    pytest-lsp's own handler knows only work-done progress, and fails on any other value.
    """
    default: Callable[[LanguageClient, types.ProgressParams], None] = DEFAULT_CLIENT_FEATURES[types.PROGRESS]

    def progress(client: LanguageClient, params: types.ProgressParams) -> None:
        value = params.value
        # pygls hands over the values of custom progress as namedtuples.
        fields = value if isinstance(value, dict) else getattr(value, "_asdict", dict)()
        text = fields.get("markdown", fields.get("code"))
        if isinstance(text, str):
            PARTIALS.received.append(Partial(params.token, text, time.monotonic()))
            return
        default(client, params)

    client = LanguageClient(converter_factory=default_converter)
    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.PROGRESS: progress})
    return client
