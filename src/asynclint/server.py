"""``asynclint server``: a Language Server over stdio.

One long-lived process keeps, per project (the directory of the nearest ``pyproject.toml``, as
``asynclint check`` and the flake8 plugin find it), the summaries of its files in memory. The
open documents' text is an overlay on the disk (``FileSystem``): the analysis sees unsaved
buffers exactly as it would see the saved files, so an edit in one module shows up at once in
the findings of another (a route whose helper two modules away now calls ``requests.get``).

After an edit the project is analysed again once typing pauses (debounced), in full but with
every unchanged file's summary taken from memory (a changed file is parsed again); the
diagnostics of every open document of the project are then published, since a change in one
module can add or remove findings in another. The server never writes a source file: fixes are
code actions the editor applies. It writes nothing to stdout but protocol messages, and logs to
stderr and the client's log.

The analysis runs on the event loop's thread, not in a worker thread: summarising a large
project uses a process pool, which must not be forked from a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from asynclint import __version__, engine, incremental, lsp_convert
from asynclint.cache import Run, Summaries, resolve_cache_dir
from asynclint.catalog import CatalogError
from asynclint.config import CONFIG_FILES, ConfigError, Settings, find_pyproject, load
from asynclint.discover import DiscoveryError, find_marked_root
from asynclint.filesystem import FileSystem
from asynclint.findings import Finding
from asynclint.fixes import digest
from asynclint.summary import ModuleSummary, decode_source, source_lines

DEBOUNCE_SECONDS = 0.15
# the project's file list and the bytes of its saved files are trusted without looking at
# the disk again while analyses follow each other within DISK_SNAPSHOT_SECONDS (a burst of
# typing: finding, reading and hashing thousands of files is most of an incremental
# analysis), for DISK_SNAPSHOT_MAX_SECONDS at most; a save, a close, a watched-file event or
# a configuration change drops them at once
DISK_SNAPSHOT_SECONDS = 2.0
DISK_SNAPSHOT_MAX_SECONDS = 30.0
log = logging.getLogger("asynclint.server")


class BufferSummaries(Summaries):
    """Summaries that stay in memory between runs: a file whose bytes did not change since the
    last run is neither parsed nor read from the disk cache again. Whole-run entries are not
    written: each edit would leave one on disk that no later run asks for."""

    stat_index = False  # the project's snapshot holds the saved files' bytes between runs

    def __init__(self, cache_dir: Optional[Path], salt: str, project_root: Path) -> None:
        super().__init__(cache_dir, salt=salt, project_root=project_root)
        self._memory: dict[str, tuple[str, ModuleSummary]] = {}
        # content hashes by the bytes object hashed: unchanged files are the same objects
        # run after run (see ``SnapshotFileSystem``), so each is hashed once
        self._digests: dict[int, tuple[bytes, str]] = {}

    def _key(self, data: bytes) -> str:
        known = self._digests.get(id(data))
        if known is not None and known[0] is data:
            return known[1]
        if len(self._digests) > 4 * max(len(self._memory), 1024):
            self._digests.clear()  # buffers of many keystrokes ago
        digest = super()._key(data)
        self._digests[id(data)] = (data, digest)
        return digest

    def load_many(
        self,
        paths: Iterable[Path],
        contents: Optional[Sequence[tuple[Optional[bytes], Optional[str]]]] = None,
    ) -> list[ModuleSummary]:
        paths = list(paths)
        contents = list(contents) if contents is not None else self.bytes_of(paths)
        out: list[Optional[ModuleSummary]] = [None] * len(paths)
        todo: list[int] = []
        keys: dict[int, str] = {}
        for index, (path, (data, _)) in enumerate(zip(paths, contents)):
            if data is not None:
                key = self._key(data)
                keys[index] = key
                kept = self._memory.get(str(path))
                if kept is not None and kept[0] == key:
                    self.hashes[str(path)] = key
                    self.hits += 1
                    out[index] = kept[1]
                    continue
            todo.append(index)
        if todo:
            found = super().load_many([paths[i] for i in todo], [contents[i] for i in todo])
            for index, summary in zip(todo, found):
                out[index] = summary
                if index in keys:
                    self._memory[str(paths[index])] = (keys[index], summary)
        return [summary for summary in out if summary is not None]

    def put_run(self, key: str, dependencies: Iterable[str], run: Run) -> None:
        return None


class SnapshotFileSystem(FileSystem):
    """The open buffers over the disk, with the disk's answers kept in ``seen`` (a dict the
    project keeps between runs while its snapshot is fresh, see ``DISK_SNAPSHOT_SECONDS``)."""

    def __init__(
        self,
        overlay: dict[str, bytes],
        seen: dict[str, tuple[Optional[bytes], Optional[str]]],
    ) -> None:
        super().__init__(overlay)
        self._seen = seen

    def read(self, path: Union[str, Path]) -> tuple[Optional[bytes], Optional[str]]:
        key = str(path)  # the engine asks with absolute, normal paths: no abspath to pay
        buffer = self.overlay.get(key)
        if buffer is not None:
            return buffer, None
        found = self._seen.get(key)
        if found is None:
            found = super().read(path)
            if not (self.overlay and os.path.abspath(key) in self.overlay):
                self._seen[key] = found  # the disk's answer, not a buffer's
        return found


@dataclass
class _Project:
    root: Path
    marked: bool  # False: a file in no project, analysed with the files beside it only
    summaries: Optional[BufferSummaries] = None
    settings: Optional[Settings] = None
    config_state: tuple[object, ...] = ()
    salt: str = ""
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    published: set[str] = field(default_factory=set)  # uris that were given diagnostics
    timer: Optional[asyncio.TimerHandle] = None
    warned: set[str] = field(default_factory=set)
    # the previous analysis: an edit inside function bodies updates it (see incremental.py)
    state: incremental.State = field(default_factory=incremental.State)
    # the disk as the last runs saw it: the project's files, and the bytes read from them
    files: Optional[list[Path]] = None
    disk: dict[str, tuple[Optional[bytes], Optional[str]]] = field(default_factory=dict)
    found_time: float = 0.0  # when ``files`` were found
    disk_time: float = 0.0  # when the last analysis that used them ended

    def forget_disk(self) -> None:
        self.files, self.disk = None, {}


def path_of(uri: str) -> Optional[str]:
    """The real path of a ``file:`` URI (None for ``untitled:`` and other schemes)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and path.startswith("/"):  # pragma: no cover - file:///C:/...
        path = path[1:]
    return os.path.realpath(path)


def project_root(path: str) -> tuple[Path, bool]:
    """The root ``asynclint check`` and the flake8 plugin use for the file: the directory of
    the nearest configuration file above it, else of the nearest pyproject.toml or .git; and
    whether there is one (False: the file is in no project, and its directory is the root)."""
    config = find_pyproject(Path(path))
    if config is not None:
        return config.parent, True
    marked = find_marked_root(Path(path))
    return (marked, True) if marked is not None else (Path(path).parent, False)


class AsyncLintServer(LanguageServer):
    def __init__(self, debounce: float = DEBOUNCE_SECONDS, use_cache: bool = True) -> None:
        super().__init__(
            "asynclint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental
        )
        self.debounce = debounce
        self.use_cache = use_cache
        self.projects: dict[Path, _Project] = {}
        self.uris: dict[str, str] = {}  # open document: real path -> uri as the client spells it
        self.last_run_seconds = 0.0

    # -- documents --------------------------------------------------------------------------

    def encoding(self) -> str:
        chosen = self.workspace.position_encoding
        if isinstance(chosen, types.PositionEncodingKind):
            return str(chosen.value)
        return chosen or lsp_convert.UTF16

    def buffer(self, uri: str) -> Optional[str]:
        document = self.workspace.text_documents.get(uri)
        return document.source if document is not None else None

    def lines(self, path: str) -> Sequence[str]:
        """A file's lines: the open buffer's, else the saved file's."""
        uri = self.uris.get(path)
        text = self.buffer(uri) if uri is not None else None
        if text is None:
            data = FileSystem().read_bytes(path)
            try:
                text = decode_source(data) if data is not None else ""
            except (LookupError, UnicodeDecodeError):
                text = ""
        return source_lines(text)

    def uri_of(self, path: str) -> str:
        return self.uris.get(path) or Path(path).as_uri()

    def project_of(self, uri: str) -> Optional[_Project]:
        path = path_of(uri)
        if path is None or not path.endswith(".py"):
            return None
        root, marked = project_root(path)
        project = self.projects.get(root)
        if project is None:
            project = self.projects[root] = _Project(root, marked)
        return project

    def open_in(self, project: _Project) -> dict[str, str]:
        """The project's open documents: real path -> uri."""
        prefix = str(project.root) + os.sep
        return {
            path: uri
            for path, uri in self.uris.items()
            if path.startswith(prefix) and self.project_of(uri) is project
        }

    def schedule(self, project: _Project, delay: Optional[float] = None) -> None:
        if project.timer is not None:
            project.timer.cancel()
        loop = asyncio.get_running_loop()
        wait = self.debounce if delay is None else delay
        project.timer = loop.call_later(wait, self.run_project, project)

    # -- analysis ---------------------------------------------------------------------------

    def run_project(self, project: _Project) -> None:
        project.timer = None
        started = time.perf_counter()
        documents = self.open_in(project)
        try:
            self._analyse(project, documents)
        except (ConfigError, CatalogError, DiscoveryError) as exc:
            self._publish_error(project, documents, str(exc))
        except Exception as exc:  # a bug in the analysis must not take the editor's server down
            log.error("analysis of %s failed:\n%s", project.root, traceback.format_exc())
            self._publish_error(
                project,
                documents,
                f"internal error ({type(exc).__name__}: {exc}); please report it",
            )
        self.last_run_seconds = time.perf_counter() - started
        how = project.state.mode
        if how == "full" and project.state.reason:
            how = f"full: {project.state.reason}"
        self.log(
            types.MessageType.Log,
            f"analysed {project.root} in {self.last_run_seconds * 1000:.0f} ms ({how})",
        )

    def _analyse(self, project: _Project, documents: dict[str, str]) -> None:
        if not documents:  # the last one was closed: nothing to show, nothing to analyse
            project.findings = {}
            self._clear(project, set())
            return
        pyproject = find_pyproject(project.root)
        if pyproject is not None and pyproject.parent != project.root:
            pyproject = None
        settings = self._settings(project, pyproject)
        salt = settings.fingerprint()
        if project.summaries is None or project.salt != salt:
            # a file outside any project gets no cache folder written next to it
            cache_dir = resolve_cache_dir(
                None, project.root, not (self.use_cache and project.marked)
            )
            project.summaries = BufferSummaries(cache_dir, salt, project.root)
            project.salt = salt
        summaries = project.summaries
        overlay = {}
        for path, uri in documents.items():
            text = self.buffer(uri)
            if text is not None:
                overlay[path] = lsp_convert.encode_buffer(text)
        now = time.monotonic()
        if (
            project.files is None
            or now - project.disk_time > DISK_SNAPSHOT_SECONDS
            or now - project.found_time > DISK_SNAPSHOT_MAX_SECONDS
        ):
            project.forget_disk()
            if project.marked:
                project.files = list(engine.project_files(project.root, settings))
            else:
                project.files = sorted(
                    p.absolute() for p in project.root.glob("*.py") if p.is_file()
                )
            project.found_time = now
        summaries.files = SnapshotFileSystem(overlay, project.disk)
        summaries.warnings.clear()
        files = list(project.files)
        known = set(files)
        # a new module that exists only in a buffer is part of the project too
        files += [Path(path) for path in overlay if Path(path) not in known]
        # findings are shown for open documents only: the graph is explored from their code
        report = engine.check(
            files,
            project.root,
            settings,
            summaries,
            project=files,
            only=[Path(path) for path in documents],
            state=project.state,
        )
        project.disk_time = time.monotonic()
        for warning in report.warnings:
            if warning not in project.warned:
                project.warned.add(warning)
                self.log(types.MessageType.Warning, warning)
        by_path: dict[str, list[Finding]] = {}
        for finding in report.findings:
            by_path.setdefault(os.path.realpath(finding.path), []).append(finding)
        project.findings = by_path
        encoding = self.encoding()
        shown = set()
        for path, uri in documents.items():
            diagnostics = [
                lsp_convert.diagnostic(finding, self.lines, self.uri_of, encoding)
                for finding in by_path.get(path, [])
            ]
            self._publish(uri, diagnostics)
            shown.add(uri)
        self._clear(project, shown)

    def _settings(self, project: _Project, pyproject: Optional[Path]) -> Settings:
        """The project's settings, loaded again only when its pyproject.toml changed: loading
        the catalog takes longer than re-analysing a small project after an edit."""
        state: tuple[object, ...] = ()
        if pyproject is not None:
            try:
                info = pyproject.stat()
                state = (str(pyproject), info.st_mtime_ns, info.st_size, info.st_ino)
            except OSError:
                state = (str(pyproject),)
        if project.settings is None or project.config_state != state:
            project.settings = None
            project.forget_disk()
            settings = load(pyproject)
            settings.catalog()  # a broken catalog entry is a configuration error, said once
            project.settings, project.config_state = settings, state
        return project.settings

    def _publish_error(self, project: _Project, documents: dict[str, str], reason: str) -> None:
        project.findings = {}
        for uri in documents.values():
            self._publish(uri, [lsp_convert.config_diagnostic(reason)])
        self._clear(project, set(documents.values()))

    def _publish(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        document = self.workspace.text_documents.get(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri,
                diagnostics=diagnostics,
                version=document.version if document is not None else None,
            )
        )

    def _clear(self, project: _Project, shown: set[str]) -> None:
        """Documents that had diagnostics and are no longer open in the project get none."""
        for uri in project.published - shown:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
        project.published = shown

    def log(self, kind: types.MessageType, text: str) -> None:
        if kind != types.MessageType.Log:
            log.warning(text)
        # no client (yet, or any more): stderr has the warnings
        with contextlib.suppress(Exception):
            self.window_log_message(types.LogMessageParams(type=kind, message=text))

    # -- requests ---------------------------------------------------------------------------

    def findings_at(self, uri: str, span: types.Range) -> list[Finding]:
        path = path_of(uri)
        project = self.project_of(uri)
        if path is None or project is None:
            return []
        lines = self.lines(path)
        encoding = self.encoding()
        return [
            finding
            for finding in project.findings.get(path, [])
            if lsp_convert.contains(lsp_convert.finding_range(finding, lines, encoding), span)
        ]

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        path = path_of(uri)
        text = self.buffer(uri)
        if path is None or text is None:
            return []
        current = digest(lsp_convert.encode_buffer(text))
        lines = source_lines(text)
        encoding = self.encoding()
        document = self.workspace.text_documents.get(uri)
        capabilities = self.client_capabilities.workspace
        edit_capabilities = capabilities.workspace_edit if capabilities else None
        versioned = bool(edit_capabilities and edit_capabilities.document_changes)
        actions = []
        for finding in self.findings_at(uri, params.range):
            # a fix is offered only over the very text it was computed from: after a keystroke
            # it waits for the next analysis rather than edit the wrong place
            if finding.fix is None or finding.fix.source != current:
                continue
            shown = lsp_convert.diagnostic(finding, self.lines, self.uri_of, encoding)
            actions.append(
                lsp_convert.code_action(
                    finding,
                    shown,
                    uri,
                    document.version if document is not None else None,
                    lines,
                    encoding,
                    versioned,
                )
            )
        actions.sort(key=lambda action: not action.is_preferred)
        return actions

    def hover(self, params: types.HoverParams) -> Optional[types.Hover]:
        where = types.Range(start=params.position, end=params.position)
        found = self.findings_at(params.text_document.uri, where)
        if not found:
            return None
        text = "\n\n---\n\n".join(lsp_convert.hover_text(finding) for finding in found)
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))


def create_server(debounce: float = DEBOUNCE_SECONDS, use_cache: bool = True) -> AsyncLintServer:
    server = AsyncLintServer(debounce, use_cache)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AsyncLintServer, params: types.DidOpenTextDocumentParams) -> None:
        _opened(ls, params.text_document.uri, delay=0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AsyncLintServer, params: types.DidChangeTextDocumentParams) -> None:
        _opened(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: AsyncLintServer, params: types.DidSaveTextDocumentParams) -> None:
        _changed_on_disk(ls, [params.text_document.uri])

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AsyncLintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = path_of(uri)
        if path is not None and ls.uris.get(path) == uri:
            del ls.uris[path]
        project = ls.project_of(uri)
        if project is not None:
            project.forget_disk()  # its saved text replaces the buffer: read the disk again
            # its diagnostics go (it is not open), and its saved text replaces the buffer
            ls.schedule(project)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched(ls: AsyncLintServer, params: types.DidChangeWatchedFilesParams) -> None:
        _changed_on_disk(ls, [change.uri for change in params.changes])

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: AsyncLintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        try:
            return ls.code_actions(params)
        except Exception:
            log.error("code action failed:\n%s", traceback.format_exc())
            return []

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: AsyncLintServer, params: types.HoverParams) -> Optional[types.Hover]:
        try:
            return ls.hover(params)
        except Exception:
            log.error("hover failed:\n%s", traceback.format_exc())
            return None

    return server


def _opened(ls: AsyncLintServer, uri: str, delay: Optional[float] = None) -> None:
    path = path_of(uri)
    project = ls.project_of(uri)
    if path is None or project is None:
        return
    ls.uris[path] = uri
    ls.schedule(project, delay)


def _changed_on_disk(ls: AsyncLintServer, uris: Iterable[str]) -> None:
    """A saved or changed file (a module, or a ``pyproject.toml``): every project that holds
    it, or lies below a changed configuration, is analysed again."""
    for uri in uris:
        path = path_of(uri)
        if path is None:
            continue
        for project in ls.projects.values():
            root = str(project.root) + os.sep
            config = os.path.basename(path) in CONFIG_FILES
            if path.startswith(root) or (
                config and root.startswith(os.path.dirname(path) + os.sep)
            ):
                project.forget_disk()
                ls.schedule(project)


def serve(debounce: float = DEBOUNCE_SECONDS, use_cache: bool = True) -> None:
    """Serve over stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="asynclint server: %(message)s")
    # the protocol gets streams of its own: a stray print() goes to stderr instead of into
    # the JSON-RPC stream, and a summarising process forked while the reader thread waits
    # on stdin does not hang closing a `sys.stdin` whose lock that thread holds
    # (multiprocessing closes sys.stdin in every child it starts)
    stdin = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdin = open(os.devnull)  # noqa: SIM115 - stays open for the process's life
    sys.stdout = sys.stderr
    create_server(debounce, use_cache).start_io(stdin, stdout)
