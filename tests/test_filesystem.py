"""One file-system layer: summaries, module lookups and fix planning all read through it, so
contents that are not on disk (an unsaved buffer, a fix being proven) are seen by every stage."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from asynclint import engine
from asynclint.cache import Summaries
from asynclint.config import Settings
from asynclint.filesystem import DISK, FileSystem
from asynclint.project import Project
from asynclint.summary import summarise

ROUTE = (
    "from fastapi import FastAPI\n"
    "from helpers import fetch\n"
    "app = FastAPI()\n"
    "\n"
    "@app.get('/')\n"
    "async def index():\n"
    "    return fetch()\n"
)
HELPER = "import requests\n\ndef fetch():\n    return requests.get('https://example.com').text\n"


def _check(root: Path, files: FileSystem) -> engine.Report:
    app = root / "app.py"
    return engine.check([app], root, Settings(), Summaries(None, files=files), explicit=[app])


def test_overlay_wins_over_the_disk_and_adds_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(b"on disk\n")
    files = FileSystem({str(tmp_path / "a.py"): b"in the buffer\n", str(tmp_path / "b.py"): b""})
    assert files.read(tmp_path / "a.py") == (b"in the buffer\n", None)
    assert files.is_file(tmp_path / "b.py") and not DISK.is_file(tmp_path / "b.py")
    assert DISK.read_bytes(tmp_path / "a.py") == b"on disk\n"
    data, why = DISK.read(tmp_path / "missing.py")
    assert data is None and why


def test_overlaid_keeps_what_was_there_and_puts_the_new_on_top(tmp_path: Path) -> None:
    first = FileSystem({str(tmp_path / "a.py"): b"1", str(tmp_path / "b.py"): b"1"})
    second = first.overlaid({str(tmp_path / "b.py"): b"2"})
    assert second.read_bytes(tmp_path / "a.py") == b"1"
    assert second.read_bytes(tmp_path / "b.py") == b"2"
    assert first.read_bytes(tmp_path / "b.py") == b"1"  # the original is unchanged


def test_a_module_that_exists_only_in_a_buffer_is_imported(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(ROUTE)
    assert _check(tmp_path, DISK).findings == ()  # helpers.py is not on disk
    buffer = FileSystem({str(tmp_path / "helpers.py"): HELPER.encode()})
    (finding,) = _check(tmp_path, buffer).findings
    assert (finding.code, finding.api, finding.line) == ("ASL101", "requests.get", 7)
    assert [(Path(h.path).name, h.line) for h in finding.chain] == [("helpers.py", 4)]


def test_a_buffer_replaces_the_file_on_disk_for_findings_snippets_and_fixes(
    tmp_path: Path,
) -> None:
    (tmp_path / "app.py").write_text("async def f():\n    pass\n")
    buffer = "import time\n\nasync def f():\n    time.sleep(1)\n"
    files = FileSystem({str(tmp_path / "app.py"): buffer.encode()})
    (finding,) = _check(tmp_path, files).findings
    assert (finding.code, finding.line, finding.snippet) == ("ASL501", 4, "    time.sleep(1)")
    assert finding.fix is not None and "asyncio.sleep" in finding.fix.edits[0].content


def test_module_lookups_probe_through_the_layer(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("import pkg.mod\n")
    main = str(tmp_path / "main.py")
    overlay = {
        str(tmp_path / "pkg" / "__init__.py"): b"",
        str(tmp_path / "pkg" / "mod.py"): b"x = 1\n",
    }
    files = FileSystem(overlay)
    project = Project(tmp_path, [tmp_path / "main.py"], lambda p: summarise(b"", str(p)), files)
    assert project.find_module("pkg.mod", main) == str(tmp_path / "pkg" / "mod.py")
    on_disk = Project(tmp_path, [tmp_path / "main.py"], lambda p: summarise(b"", str(p)))
    assert on_disk.find_module("pkg.mod", main) is None
    assert str(tmp_path / "pkg" / "mod.py") in on_disk.missing


def test_findings_carry_absolute_paths_and_reporters_show_them_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asynclint.reporters import json_format, text

    (tmp_path / "app.py").write_text("import time\n\nasync def f():\n    time.sleep(1)\n")
    monkeypatch.chdir(tmp_path)
    (finding,) = _check(tmp_path, DISK).findings
    assert finding.path == os.path.join(str(tmp_path), "app.py")
    assert text.render([finding], root=tmp_path).startswith("app.py:4:5: ASL501")
    assert '"path": "app.py"' in json_format.render([finding], root=tmp_path)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # the file is not below it: shown whole
    rendered = text.render([finding], root=tmp_path)
    assert rendered.startswith(f"{tmp_path.as_posix()}/app.py:4:5: ASL501")
