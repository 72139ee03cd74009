"""Completions for the editor's open documents: one session per document, snippets of the others.

The service sees documents as plain views (URI, workspace-relative path, version,
text, language) and the cursor as an offset into the text; making those from the
LSP's documents and positions is the LSP face's business (``lsp/server.py``).
Each open document has one ``DocumentSession``: a newer request supersedes the
older one there (latest wins), and the engine decides whether the older one's
generation serves the newer request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..backends.base import Backend
from ..config import CompletionConfig
from ..workspace.context import LineContext
from ..workspace.files import grammar_for
from ..workspace.index import WorkspaceIndex
from .engine import CompletionEngine
from .fim import FimTemplate
from .neighbours import NeighbourIndex
from .request import Answer, CompletionContext
from .session import DocumentSession

#: How much of the text above the cursor line is compared with the other documents.
#: The cursor line is left out, so the snippets (the first thing in the prompt) stay
#: the same while the user types on one line, and a prompt cache keeps them.
QUERY_CHARS = 1500
#: The repository context's share of the prompt (outlines of what the code at the cursor uses).
REPOSITORY_CHARS = 1500


@dataclass(frozen=True)
class OpenDocument:
    uri: str
    #: Relative to the workspace folder holding it, or its file name.
    path: str
    version: int | None
    text: str
    language_id: str = ""


class CompletionService:
    def __init__(self, engine: CompletionEngine) -> None:
        self.engine = engine
        self.sessions: dict[str, DocumentSession] = {}
        self.neighbours = NeighbourIndex()
        #: The workspace folders' index, once the client has named them.
        self.workspace: WorkspaceIndex | None = None
        self.repository = LineContext()

    @property
    def backend(self) -> Backend:
        return self.engine.backend

    @property
    def template(self) -> FimTemplate:
        return self.engine.template

    @property
    def warms(self) -> bool:
        """Whether evaluating the prompt where the cursor rests pays (the backend keeps a prompt cache)."""
        return self.engine.prompting.warms

    def stats(self) -> dict[str, int]:
        """How the requests so far were answered, and why streams were closed."""
        return dict(self.engine.counts)

    def usage(self) -> dict[str, int]:
        """The model's work so far (tokens evaluated and generated), where the backend counts it:
        the embedded models do; an HTTP backend's server keeps its own count."""
        return dict(getattr(self.engine.backend, "usage", {}))

    def session(self, uri: str) -> DocumentSession:
        session = self.sessions.get(uri)
        if session is None:
            session = self.sessions[uri] = self.engine.session(uri)
        return session

    async def complete(
        self,
        document: OpenDocument,
        offset: int,
        *,
        manual: bool,
        others: Iterable[OpenDocument] = (),
        deadline: float | None = None,
    ) -> Answer | None:
        """The suggestions at ``offset``; ``None`` if a newer request for the document superseded this one.

        ``others`` are the other open documents, read only when snippets are wanted.
        At ``deadline`` (event loop time) the answer holds the samples finished by then.
        Backend errors propagate: the caller tells the user.
        """
        context = CompletionContext(
            uri=document.uri,
            text=document.text,
            offset=offset,
            language_id=document.language_id,
            path=document.path,
            version=document.version,
            manual=manual,
            neighbours=self._snippets(_lines_above(document.text, offset), others),
            repository=self._repository(document, offset),
            deadline=deadline,
        )
        session = self.session(document.uri)
        return await session.job.run(self.engine.complete(context, session))

    def _snippets(self, query: str, others: Iterable[OpenDocument]) -> tuple[tuple[str, str], ...]:
        """Snippets of the other open documents most like the code before the cursor."""
        c: CompletionConfig = self.engine.config.completion
        if c.tuning.context_files == 0:
            return ()
        documents = ((d.uri, d.path, d.version, d.text) for d in others)
        found = self.neighbours.best(
            query, documents, limit=c.tuning.context_files, budget_chars=c.tuning.context_files_chars
        )
        return tuple((s.path, s.text) for s in found)

    async def prepare(self) -> None:
        """Have the backend load what it needs before the first request."""
        await self.engine.backend.prepare()

    def _repository(self, document: OpenDocument, offset: int) -> tuple[tuple[str, str], ...]:
        """Outlines from the workspace of what the code at ``offset`` uses, the best last (nearest the
        code); the same for every request on one line."""
        if self.workspace is None:
            return ()
        grammar = grammar_for(document.language_id, document.path)
        found = self.repository.at(
            self.workspace, document.path, grammar, document.text, offset, budget_chars=REPOSITORY_CHARS
        )
        return tuple(reversed(found))

    async def warm(
        self, document: OpenDocument, others: Iterable[OpenDocument] = (), offset: int | None = None
    ) -> None:
        """Have the backend ready before the next keystroke, its prompt cache holding the
        prompt at ``offset`` (the cursor rests there), or the document's first lines (it opened)."""
        if not self.warms:  # nothing to evaluate ahead: no snippets to find
            await self.engine.backend.prepare()
            return
        line = min(len(document.text), QUERY_CHARS) if offset is None else offset
        files = self._snippets(_lines_above(document.text, line), others)
        files += self._repository(document, line)
        await self.engine.backend.prepare(*self.engine.prompting.warm_prompts(document.text, files, offset))

    def replace_engine(self, engine: CompletionEngine) -> CompletionEngine:
        """Complete with ``engine`` from now on; the previous engine is returned, its work stopped
        and what was kept for the documents dropped."""
        old, self.engine = self.engine, engine
        self.stop()
        self.sessions.clear()
        return old

    async def aclose(self) -> None:
        await self.engine.aclose()

    def watching(self, uri: str) -> bool:
        """Whether an edit of ``uri`` matters to a generation in flight."""
        session = self.sessions.get(uri)
        return session is not None and session.flight.watching

    def edited(self, uri: str, text: str, cursor: int) -> None:
        """The document changed and its cursor is now at ``cursor``: close what the typing contradicts."""
        session = self.sessions.get(uri)
        if session is not None:
            session.flight.edited(text, cursor)

    def closed(self, uri: str) -> None:
        """The document closed: its work stops and what was kept for it goes."""
        session = self.sessions.pop(uri, None)
        if session is not None:
            session.close()

    def stop(self) -> None:
        """Stop every job and close every stream (settings changed, or shutdown)."""
        for session in self.sessions.values():
            session.job.cancel()
        for session in self.sessions.values():
            session.flight.close_current("shutdown")


def _lines_above(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    return text[max(0, line_start - QUERY_CHARS) : line_start]
