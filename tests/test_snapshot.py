"""The snapshot of the last whole-project analysis: `asynclint check` after an edit inside
function bodies is incremental, gives what a full analysis gives, and anything the snapshot
cannot vouch for means a full analysis (tests/test_incremental.py edits projects at random
through snapshots too)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from conftest import cli_runner

from asynclint import engine, snapshot
from asynclint.cache import Summaries
from asynclint.cli import app
from asynclint.config import load

MAIN = """\
from fastapi import FastAPI

from helpers import fetch, pure

app = FastAPI()


@app.get("/a")
async def a():
    return fetch("u")


@app.get("/b")
async def b():
    return pure()
"""
HELPERS = """\
import requests


def fetch(url):
    return requests.get(url)


def pure():
    return 1
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (root / "main.py").write_text(MAIN)
    (root / "helpers.py").write_text(HELPERS)
    return root


def run(root: Path, cache: Path) -> engine.Report:
    settings = load(root / "pyproject.toml")
    files = list(engine.project_files(root, settings))
    return engine.check(files, root, settings, Summaries(cache), project=files)


def fresh(root: Path) -> engine.Report:
    settings = load(root / "pyproject.toml")
    files = list(engine.project_files(root, settings))
    return engine.check(files, root, settings, Summaries(None), project=files)


def edit_body(path: Path) -> None:
    """A statement added inside a function body: the module's interface stays."""
    text = path.read_text()
    path.write_text(text.replace("\n    return 1\n", "\n    _unused = 2\n    return 1\n", 1))


def test_a_body_edit_is_analysed_from_the_snapshot(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = run(project, cache)
    assert first.analysis == "full (no previous analysis)"
    assert [(f.function, f.api) for f in first.findings] == [("a", "requests.get")]
    assert run(project, cache).analysis == "cached"
    edit_body(project / "helpers.py")
    second = run(project, cache)
    # `b` calls into the edited module: its findings are built again; `a` does too
    assert second.analysis == "incremental (2 of 2 loop functions' findings computed again)"
    assert second.findings == fresh(project).findings
    (project / "main.py").write_text(MAIN.replace("return pure()", "pass\n    return pure()"))
    third = run(project, cache)
    assert third.analysis.startswith("incremental (")
    assert third.findings == fresh(project).findings


def test_verbose_says_how_the_findings_were_made(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    cache = str(tmp_path / "cache")
    runner = cli_runner()
    first = runner.invoke(app, ["check", ".", "--cache-dir", cache, "--verbose"])
    assert "asynclint: note: analysis: full (no previous analysis)" in first.stderr
    edit_body(project / "helpers.py")
    second = runner.invoke(app, ["check", ".", "--cache-dir", cache, "--verbose"])
    assert "asynclint: note: analysis: incremental (" in second.stderr
    full = runner.invoke(app, ["check", ".", "--no-cache"])
    assert second.stdout == full.stdout
    assert second.exit_code == full.exit_code == 1


def _snapshot_file(cache: Path) -> Path:
    (found,) = cache.rglob("state-*.msgpack")
    return found


def test_a_corrupt_snapshot_means_a_full_analysis(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(project, cache)
    _snapshot_file(cache).write_bytes(b"\x93not a snapshot")
    edit_body(project / "helpers.py")
    report = run(project, cache)
    assert report.analysis == "full (no previous analysis)"
    assert report.findings == fresh(project).findings
    assert any("corrupt" in warning for warning in report.warnings)


def test_a_snapshot_with_indices_out_of_range_means_a_full_analysis(
    project: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    run(project, cache)
    where = _snapshot_file(cache)
    taken = snapshot.DECODER.decode(where.read_bytes())
    broken = [
        msgspec.structs.replace(taken, targets=[len(taken.files) + 5]),
        msgspec.structs.replace(taken, targets=[-1]),
        msgspec.structs.replace(taken, loaded=[(len(taken.files), "0" * 64)]),
        msgspec.structs.replace(
            taken,
            functions=[
                msgspec.structs.replace(
                    function,
                    edges=[msgspec.structs.replace(edge, info=99) for edge in function.edges],
                )
                for function in taken.functions
            ],
        ),
    ]
    edit_body(project / "helpers.py")
    for bad in broken:
        where.write_bytes(msgspec.msgpack.encode(bad))
        report = run(project, cache)
        assert report.analysis == "full (no previous analysis)"
        assert report.findings == fresh(project).findings
        (project / "helpers.py").write_text(
            (project / "helpers.py").read_text() + "# another edit\n"
        )


def test_a_summary_missing_from_the_cache_means_a_full_analysis(
    project: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    run(project, cache)
    keep = _snapshot_file(cache).name
    for entry in cache.rglob("*.msgpack"):
        if entry.name != keep and not entry.name.startswith("stat-"):
            entry.unlink()
    edit_body(project / "helpers.py")
    report = run(project, cache)
    # the edited module's previous summary is what its new one is compared with
    helpers = project / "helpers.py"
    assert report.analysis == f"full (the previous summary of {helpers} is not in the cache)"
    assert report.findings == fresh(project).findings


def test_an_edited_module_outside_the_checked_files_means_a_full_analysis(
    project: Path, tmp_path: Path
) -> None:
    # an excluded module is still followed where the project imports it, but the run's
    # content hashes do not cover it: the snapshot checks it is still the one it read
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'app'\n[tool.asynclint]\nextend-exclude = ['helpers.py']\n"
    )
    cache = tmp_path / "cache"
    first = run(project, cache)
    assert [(f.function, f.api) for f in first.findings] == [("a", "requests.get")]
    (project / "helpers.py").write_text(HELPERS.replace("requests.get(url)", "url"))
    report = run(project, cache)
    assert report.analysis == "full (no previous analysis)"
    assert report.findings == () == fresh(project).findings


def test_a_module_the_imports_looked_for_that_exists_now_means_a_full_analysis(
    project: Path, tmp_path: Path
) -> None:
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'app'\n[tool.asynclint]\nextend-exclude = ['vendor']\n"
    )
    (project / "main.py").write_text(
        "from vendor.client import call\n" + MAIN + "\n\n@app.get('/c')\nasync def c():\n"
        "    return call()\n"
    )
    cache = tmp_path / "cache"
    first = run(project, cache)
    assert [f.function for f in first.findings] == ["a"]
    (project / "vendor").mkdir()
    (project / "vendor" / "client.py").write_text(
        "import time\n\n\ndef call():\n    time.sleep(1)\n"
    )
    edit_body(project / "helpers.py")
    report = run(project, cache)
    assert report.analysis == "full (no previous analysis)"
    assert [f.function for f in report.findings] == ["a", "c"]
    assert report.findings == fresh(project).findings


def test_a_selection_neither_reads_nor_writes_the_snapshot(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    settings = load(project / "pyproject.toml")
    files = list(engine.project_files(project, settings))
    main = [project / "main.py"]
    report = engine.check(main, project, settings, Summaries(cache), project=files)
    assert report.analysis == "full"
    assert not list(cache.rglob("state-*.msgpack"))


def test_the_snapshot_is_a_cache_entry_of_its_own_project(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(project, cache)
    other = tmp_path / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text("[project]\nname = 'other'\n")
    (other / "main.py").write_text(MAIN)
    (other / "helpers.py").write_text(HELPERS)
    run(other, cache)
    assert len(list(cache.rglob("state-*.msgpack"))) == 2
    edit_body(project / "helpers.py")
    assert run(project, cache).analysis.startswith("incremental (")


def test_a_snapshot_too_large_to_be_read_back_is_not_written(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asynclint import cache as cache_module

    cache = tmp_path / "cache"
    room = cache_module.MAX_ENTRY_BYTES
    original = Summaries.put_snapshot

    def tight(self: Summaries, root: Path, value: object) -> None:
        # an entry this large could not be read back (summaries keep their room)
        cache_module.MAX_ENTRY_BYTES = 16
        try:
            original(self, root, value)
        finally:
            cache_module.MAX_ENTRY_BYTES = room

    monkeypatch.setattr(Summaries, "put_snapshot", tight)
    report = run(project, cache)
    assert not list(cache.rglob("state-*.msgpack"))
    assert report.warnings == ()
    edit_body(project / "helpers.py")
    again = run(project, cache)
    assert again.analysis == "full (no previous analysis)"
    assert again.warnings == ()  # nothing read back as corrupt
    assert again.findings == fresh(project).findings
