"""`--show-fixes`: the fixes applied and those on offer, per file and code, after the text
report (ruff's flag of the same name)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import cli_runner

from asynclint.cli import app

runner = cli_runner()

SLEEPS = "import time\n\n\nasync def nap():\n    time.sleep(1)\n    time.sleep(2)\n"
HTTP = "import requests\n\n\nasync def fetch():\n    return requests.get('https://x')\n"


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "naps.py").write_text(SLEEPS)
    (tmp_path / "app" / "net.py").write_text(HTTP)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _tail(output: str, heading: str) -> list[str]:
    lines = output.splitlines()
    return lines[lines.index(heading) :]


def test_without_fix_it_lists_the_fixes_available_by_safety(project: Path) -> None:
    result = runner.invoke(app, ["check", "--no-cache", "--show-fixes", "."])
    assert result.exit_code == 1
    assert _tail(result.stdout, "Fixable with `--fix`: 2 findings") == [
        "Fixable with `--fix`: 2 findings",
        "- app/naps.py:",
        "    2 \u00d7 ASL501 (blocking-sleep)",
        "",
        "Fixable with `--fix --unsafe-fixes`: 1 finding",
        "- app/net.py:",
        "    1 \u00d7 ASL101 (blocking-http-call)",
    ]
    assert (project / "app" / "naps.py").read_text() == SLEEPS  # nothing written


def test_with_fix_it_lists_what_was_fixed_and_what_is_left(project: Path) -> None:
    result = runner.invoke(app, ["check", "--no-cache", "--fix", "--show-fixes", "."])
    assert result.exit_code == 1  # the HTTP call is left: its fix is unsafe
    assert "asyncio.sleep" in (project / "app" / "naps.py").read_text()
    assert _tail(result.stdout, "Fixed 2 findings:") == [
        "Fixed 2 findings:",
        "- app/naps.py:",
        "    2 \u00d7 ASL501 (blocking-sleep)",
        "",
        "Fixable with `--fix --unsafe-fixes`: 1 finding",
        "- app/net.py:",
        "    1 \u00d7 ASL101 (blocking-http-call)",
    ]


def test_nothing_to_fix_says_so(project: Path) -> None:
    for name in ("naps.py", "net.py"):
        os.remove(project / "app" / name)
    (project / "app" / "ok.py").write_text("async def f():\n    return 1\n")
    result = runner.invoke(app, ["check", "--no-cache", "--show-fixes", "."])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "No fixes applied or available."


def test_only_the_text_format_carries_the_list(project: Path) -> None:
    plain = runner.invoke(app, ["check", "--no-cache", "--format", "json", "."])
    listed = runner.invoke(app, ["check", "--no-cache", "--format", "json", "--show-fixes", "."])
    assert listed.stdout == plain.stdout
    assert "Fixable" not in runner.invoke(app, ["check", "--no-cache", "."]).stdout
