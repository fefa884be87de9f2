"""`asynclint server` driven over stdio by pygls' language client, as an editor drives it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any, Callable, TypeVar, Union

from lsprotocol import types
from pygls.lsp.client import LanguageClient

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from asynclint import engine
from asynclint.cache import Summaries
from asynclint.config import find_pyproject, load

T = TypeVar("T")
TIMEOUT = 30.0  # seconds one answer may take on a loaded machine; each test takes ~3 s alone

APP = """\
from fastapi import FastAPI

from services import fetch_user

app = FastAPI()


@app.get("/users/{user_id}")
async def read_user(user_id: int) -> dict:
    return fetch_user(user_id)
"""

SERVICES = """\
import requests


def fetch_user(user_id: int) -> dict:
    return {"id": user_id}
"""

# the unsaved edit: the helper now calls the network
SERVICES_EDITED = """\
import requests


def fetch_user(user_id: int) -> dict:
    response = requests.get(f"https://api.example.com/users/{user_id}", timeout=5)
    return response.json()
"""

PYPROJECT = '[project]\nname = "demo"\nversion = "0"\n\n[tool.asynclint]\n'


def project(tmp_path: Path, pyproject: str = PYPROJECT) -> Path:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "services.py").write_text(SERVICES)
    return tmp_path


class Editor:
    """A language client with the documents it has open and the diagnostics it was sent."""

    def __init__(self, root: Path, debounce_ms: int = 50) -> None:
        self.root = root
        self.debounce_ms = debounce_ms
        self.client = LanguageClient("asynclint-test", "1")
        self.diagnostics: dict[str, types.PublishDiagnosticsParams] = {}
        self.changed = asyncio.Condition()
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        async def published(params: types.PublishDiagnosticsParams) -> None:
            async with self.changed:
                self.diagnostics[params.uri] = params
                self.changed.notify_all()

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def logged(params: types.LogMessageParams) -> None:
            pass

    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    async def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        await self.client.start_io(
            sys.executable,
            "-c",
            "from asynclint.cli import main; main()",
            "server",
            "--debounce-ms",
            str(self.debounce_ms),
            cwd=str(self.root),
            env=env,
        )
        capabilities = types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(
                workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True)
            ),
            general=types.GeneralClientCapabilities(
                position_encodings=[types.PositionEncodingKind.Utf16]
            ),
        )
        await within(
            self.client.initialize_async(
                types.InitializeParams(
                    capabilities=capabilities, root_uri=self.root.as_uri(), process_id=os.getpid()
                )
            )
        )
        self.client.initialized(types.InitializedParams())

    async def stop(self) -> None:
        await within(self.client.shutdown_async(None))
        self.client.exit(None)
        await within(self.client.stop())

    def open(self, name: str) -> None:
        text = (self.root / name).read_text()
        self.versions[name] = 1
        self.texts[name] = text
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=self.uri(name), language_id="python", version=1, text=text
                )
            )
        )

    def change(self, name: str, changes: list[types.TextDocumentContentChangeEvent]) -> None:
        self.versions[name] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri(name), version=self.versions[name]
                ),
                content_changes=changes,
            )
        )

    def replace_all(self, name: str, text: str) -> None:
        self.texts[name] = text
        self.change(name, [types.TextDocumentContentChangeWholeDocument(text=text)])

    async def diagnostics_of(
        self, name: str, wanted: Callable[[list[types.Diagnostic]], bool]
    ) -> list[types.Diagnostic]:
        """The diagnostics of ``name`` once the server has published ones that satisfy
        ``wanted`` for the document's current version."""
        uri = self.uri(name)

        def ready() -> bool:
            got = self.diagnostics.get(uri)
            return (
                got is not None
                and got.version in (None, self.versions.get(name))
                and wanted(list(got.diagnostics))
            )

        async def wait() -> list[types.Diagnostic]:
            async with self.changed:
                await self.changed.wait_for(ready)
                return list(self.diagnostics[uri].diagnostics)

        return await within(wait())


async def within(step: Awaitable[T]) -> T:
    return await asyncio.wait_for(step, TIMEOUT)


def run(scenario: Callable[[Editor], Awaitable[None]], root: Path, debounce_ms: int = 50) -> None:
    async def main() -> None:
        editor = Editor(root, debounce_ms)
        await editor.start()
        try:
            await scenario(editor)
        finally:
            await editor.stop()

    asyncio.run(main())


def as_changes(
    edits: Sequence[Union[types.TextEdit, types.AnnotatedTextEdit, types.SnippetTextEdit]],
) -> list[types.TextDocumentContentChangeEvent]:
    """A workspace edit's text edits as one didChange: all of them are relative to the text
    before the edit, and changes apply one after the other, so the last one goes first."""
    ordered = sorted(
        (e for e in edits if isinstance(e, types.TextEdit)),
        key=lambda e: (e.range.start.line, e.range.start.character),
        reverse=True,
    )
    return [types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in ordered]


def test_unsaved_edit_two_modules_away_then_fix(tmp_path: Path) -> None:
    root = project(tmp_path)

    async def scenario(editor: Editor) -> None:
        editor.open("app.py")
        editor.open("services.py")
        assert await editor.diagnostics_of("app.py", lambda d: True) == []
        # the edit exists only in the buffer of services.py: nothing is saved
        editor.replace_all("services.py", SERVICES_EDITED)
        found = await editor.diagnostics_of("app.py", lambda d: bool(d))
        assert (tmp_path / "services.py").read_text() == SERVICES
        [diagnostic] = found
        assert diagnostic.code == "ASL101"
        assert diagnostic.source == "asynclint"
        assert diagnostic.severity == types.DiagnosticSeverity.Warning
        assert diagnostic.code_description is not None
        assert diagnostic.code_description.href.endswith("/docs/rules/ASL101.md")
        assert diagnostic.range == types.Range(
            start=types.Position(line=9, character=11), end=types.Position(line=9, character=21)
        )
        assert "`requests.get`" in diagnostic.message
        # the chain: the call in services.py that reaches requests.get
        [hop] = diagnostic.related_information or []
        assert hop.location.uri == editor.uri("services.py")
        assert hop.location.range.start == types.Position(line=4, character=15)
        assert "`fetch_user` calls `requests.get`" in hop.message

        actions = await within(
            editor.client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=editor.uri("app.py")),
                    range=diagnostic.range,
                    context=types.CodeActionContext(diagnostics=[diagnostic]),
                )
            )
        )
        assert actions is not None
        [action] = [a for a in actions if isinstance(a, types.CodeAction)]
        # making the route a plain `def` changes behaviour: offered, marked, not preferred
        assert action.kind == types.CodeActionKind.QuickFix
        assert "unsafe" in action.title and not action.is_preferred
        assert action.edit is not None and action.edit.document_changes
        [change] = action.edit.document_changes
        assert isinstance(change, types.TextDocumentEdit)
        assert change.text_document.version == editor.versions["app.py"]
        # the editor applies the edit to its buffer and tells the server, as VS Code does
        editor.change("app.py", as_changes(change.edits))
        assert await editor.diagnostics_of("app.py", lambda d: not d) == []
        assert "async def" in (tmp_path / "app.py").read_text()  # the server wrote nothing

    run(scenario, root)


def test_hover_shows_message_chain_advice_and_context(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "services.py").write_text(SERVICES_EDITED)

    async def scenario(editor: Editor) -> None:
        editor.open("app.py")
        [diagnostic] = await editor.diagnostics_of("app.py", lambda d: bool(d))
        hover = await within(
            editor.client.text_document_hover_async(
                types.HoverParams(
                    text_document=types.TextDocumentIdentifier(uri=editor.uri("app.py")),
                    # inside the finding's range, past its start
                    position=types.Position(
                        line=diagnostic.range.start.line,
                        character=diagnostic.range.start.character + 3,
                    ),
                )
            )
        )
        assert hover is not None
        assert isinstance(hover.contents, types.MarkupContent)
        text = hover.contents.value
        assert "**ASL101**" in text
        assert "blocks the event loop" in text
        assert "Runs in: `read_user`, route `GET /users/{user_id}`" in text
        assert "- `fetch_user` (services.py:5)" in text and "- `requests.get`" in text
        assert "make it a plain `def`" in text
        nothing = await within(
            editor.client.text_document_hover_async(
                types.HoverParams(
                    text_document=types.TextDocumentIdentifier(uri=editor.uri("app.py")),
                    position=types.Position(line=0, character=3),
                )
            )
        )
        assert nothing is None

    run(scenario, root)


def test_broken_config_is_one_diagnostic_at_line_1(tmp_path: Path) -> None:
    root = project(tmp_path, PYPROJECT + 'select = "ASL101"\nmax-chain = "many"\n')

    async def scenario(editor: Editor) -> None:
        editor.open("app.py")
        [diagnostic] = await editor.diagnostics_of("app.py", lambda d: bool(d))
        assert diagnostic.code == "ASL003"
        assert diagnostic.range.start == types.Position(line=0, character=0)
        assert diagnostic.message.startswith("asynclint cannot run: ")
        assert "pyproject.toml" in diagnostic.message
        # the server is still up: fixing the configuration on disk brings the analysis back
        (root / "pyproject.toml").write_text(PYPROJECT)
        editor.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[
                    types.FileEvent(
                        uri=editor.uri("pyproject.toml"), type=types.FileChangeType.Changed
                    )
                ]
            )
        )
        assert await editor.diagnostics_of("app.py", lambda d: not d) == []

    run(scenario, root)


def test_no_fix_is_offered_over_text_it_was_not_computed_from(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "services.py").write_text(SERVICES_EDITED)

    async def scenario(editor: Editor) -> None:
        editor.open("app.py")
        [diagnostic] = await editor.diagnostics_of("app.py", lambda d: bool(d))
        # a line inserted above: the finding's edits would now land one line too high, and
        # the next analysis waits for the (long) debounce
        editor.change(
            "app.py",
            [
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=0, character=0),
                        end=types.Position(line=0, character=0),
                    ),
                    text="# a comment\n",
                )
            ],
        )
        actions = await within(
            editor.client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=editor.uri("app.py")),
                    range=diagnostic.range,
                    context=types.CodeActionContext(diagnostics=[diagnostic]),
                )
            )
        )
        assert not actions

    run(scenario, root, debounce_ms=4000)


def test_findings_of_open_documents_are_those_of_the_whole_project() -> None:
    # the server explores the call graph from the open documents' code only
    root = (Path(__file__).parent.parent / "examples").resolve()
    settings = load(find_pyproject(root))
    files = list(engine.project_files(root, settings))
    summaries = Summaries(None)
    everything = engine.check(files, root, settings, summaries).findings
    assert everything
    for file in files:
        alone = engine.check(files, root, settings, summaries, only=[file]).findings
        assert alone == tuple(f for f in everything if Path(f.path) == file), file


def test_open_documents_with_suppressions_match_the_whole_project(tmp_path: Path) -> None:
    # whether a suppression comment silenced anything depends on what the whole project's loop code
    # reaches: a helper here is called only from a route in another module
    root = project(tmp_path)
    (root / "services.py").write_text(
        "import time\n\n\ndef fetch_user(user_id: int) -> dict:\n"
        "    time.sleep(1)  # noqa: ASL501\n    return {}\n\n\n"
        "def idle() -> None:\n    time.sleep(1)  # noqa: ASL501\n\n\n"
        "async def ping() -> None:\n    return None\n"
    )
    settings = load(find_pyproject(root))
    files = list(engine.project_files(root, settings))
    summaries = Summaries(None)
    everything = engine.check(files, root, settings, summaries).findings
    assert [(Path(f.path).name, f.line, f.code) for f in everything] == [
        ("services.py", 10, "ASL002")  # the second comment silences nothing: idle never runs
    ]
    for file in files:
        alone = engine.check(files, root, settings, summaries, only=[file]).findings
        assert alone == tuple(f for f in everything if Path(f.path) == file), file


def test_safe_fix_on_a_non_ascii_line_counts_utf16_units(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "app.py").write_text(
        "import asyncio\nimport time\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        '@app.get("/")\nasync def index() -> str:\n    await asyncio.sleep(0)\n'
        '    note = "😀 naïve"; time.sleep(1)\n    return note\n'
    )

    async def scenario(editor: Editor) -> None:
        editor.open("app.py")
        [diagnostic] = await editor.diagnostics_of("app.py", lambda d: bool(d))
        assert diagnostic.code == "ASL501"
        # `    note = "😀 naïve"; ` is 22 characters, 23 UTF-16 units (the emoji takes two)
        assert diagnostic.range.start == types.Position(line=11, character=23)
        actions = await within(
            editor.client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=editor.uri("app.py")),
                    range=diagnostic.range,
                    context=types.CodeActionContext(diagnostics=[diagnostic]),
                )
            )
        )
        assert actions is not None
        [action] = [a for a in actions if isinstance(a, types.CodeAction)]
        assert action.is_preferred and "unsafe" not in action.title
        assert action.edit is not None and action.edit.document_changes
        [change] = action.edit.document_changes
        assert isinstance(change, types.TextDocumentEdit)
        edits = [e for e in change.edits if isinstance(e, types.TextEdit)]
        assert any(
            e.range.start == types.Position(line=11, character=23)
            and "await asyncio.sleep(1)" in e.new_text
            for e in edits
        ), edits
        editor.change("app.py", as_changes(change.edits))
        assert await editor.diagnostics_of("app.py", lambda d: not d) == []

    run(scenario, root)


DOCS = Path(__file__).parent.parent / "docs" / "editors.md"


def snippet(first_line: str) -> str:
    """The fenced block of docs/editors.md whose first line is ``first_line``."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    [block] = [b for b in blocks if b.startswith(first_line + "\n")]
    return block


def jsonc(text: str) -> Any:
    return json.loads("\n".join(line for line in text.splitlines() if not line.startswith("//")))


def test_editor_configs_in_the_docs_run_the_server() -> None:
    vscode = jsonc(snippet("// .vscode/settings.json"))
    assert vscode["glspc.server.command"].endswith("/asynclint")
    assert vscode["glspc.server.commandArguments"] == ["server"]
    assert vscode["glspc.server.languageId"] == ["python"]
    helix = tomllib.loads(snippet("# languages.toml"))
    assert helix["language-server"]["asynclint"] == {"command": "asynclint", "args": ["server"]}
    [python] = helix["language"]
    assert python["name"] == "python" and "asynclint" in python["language-servers"]
    zed = tomllib.loads(snippet("# extension.toml"))
    assert zed["language_servers"]["asynclint"]["languages"] == ["Python"]
    assert 'args: vec!["server".into()]' in snippet("// src/lib.rs")
    zed_settings = jsonc(snippet("// settings.json"))
    assert "asynclint" in zed_settings["languages"]["Python"]["language_servers"]
    for variant in (
        "-- Neovim 0.11+",
        "-- Neovim 0.8 to 0.10",
        "-- nvim-lspconfig",
        "-- Neovim 0.7",
    ):
        assert 'cmd = { "asynclint", "server" }' in snippet(variant), variant
