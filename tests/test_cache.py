"""The summary and run cache: warm runs reuse work, any relevant edit invalidates it."""

from __future__ import annotations

from pathlib import Path

import pytest

from asynclint import engine
from asynclint.cache import Summaries
from asynclint.config import Settings

ROUTE = """\
from fastapi import FastAPI
from helpers import fetch

app = FastAPI()


@app.get("/")
async def index():
    return fetch()
"""
BLOCKING_HELPER = "import requests\n\n\ndef fetch():\n    return requests.get('u')\n"
PURE_HELPER = "def fetch():\n    return 42\n"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(ROUTE)
    (tmp_path / "helpers.py").write_text(BLOCKING_HELPER)
    return tmp_path


def check(project: Path, cache: Path, files: list[str]) -> tuple[list[tuple[int, str]], Summaries]:
    summaries = Summaries(cache)
    report = engine.check([project / f for f in files], project, Settings(), summaries)
    return [(f.line, f.code) for f in report.findings], summaries


@pytest.mark.parametrize("files", [["app.py", "helpers.py"], ["app.py"]])
def test_editing_a_helper_in_another_module_updates_the_route_finding(
    project: Path, tmp_path: Path, files: list[str]
) -> None:
    cache = tmp_path / "cache"
    assert check(project, cache, files)[0] == [(9, "ASL101")]
    warm, summaries = check(project, cache, files)
    assert warm == [(9, "ASL101")]
    assert summaries.misses == 0  # nothing parsed again
    (project / "helpers.py").write_text(PURE_HELPER)
    assert check(project, cache, files)[0] == []
    (project / "helpers.py").write_text(BLOCKING_HELPER)
    assert check(project, cache, files)[0] == [(9, "ASL101")]


def test_summaries_are_reused_when_only_the_route_changes(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check(project, cache, ["app.py", "helpers.py"])
    (project / "app.py").write_text(ROUTE + "\n# a comment\n")
    findings, summaries = check(project, cache, ["app.py", "helpers.py"])
    assert findings == [(9, "ASL101")]
    assert summaries.misses == 1 and summaries.hits == 1


def test_corrupt_cache_entries_are_ignored(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check(project, cache, ["app.py", "helpers.py"])
    for entry in cache.rglob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    findings, summaries = check(project, cache, ["app.py", "helpers.py"])
    assert findings == [(9, "ASL101")]
    assert len(summaries.warnings) == 1 and "corrupt" in summaries.warnings[0]


def test_unusable_cache_directory_falls_back_with_a_warning(project: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory should be")
    findings, summaries = check(project, blocker, ["app.py", "helpers.py"])
    assert findings == [(9, "ASL101")]
    assert summaries.warnings and "not usable" in summaries.warnings[0]


def test_settings_that_change_the_analysis_use_another_cache(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check(project, cache, ["app.py", "helpers.py"])
    allowed = Settings(allow=("requests.get",))
    summaries = Summaries(cache, salt=allowed.fingerprint())
    report = engine.check([project / "app.py", project / "helpers.py"], project, allowed, summaries)
    assert report.findings == ()


def test_cache_dir_gets_a_gitignore(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check(project, cache, ["app.py"])
    assert (cache / ".gitignore").read_text().strip().endswith("*")


def test_deleting_an_imported_module_invalidates_the_run_cache(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "__init__.py").write_text("")
    helper = root / "lib" / "net.py"
    helper.write_text("import requests\n\n\ndef fetch():\n    return requests.get('http://x')\n")
    main = root / "main.py"
    main.write_text("from lib.net import fetch\n\n\nasync def handler():\n    return fetch()\n")
    cache = tmp_path / "cache"

    def codes() -> list[str]:
        report = engine.check([main], root, Settings(), Summaries(cache))
        return [f.code for f in report.findings]

    assert codes() == ["ASL101"]
    assert codes() == ["ASL101"]  # served by the run cache
    helper.unlink()
    assert codes() == []
