"""Engine-level behaviour that no single stage owns."""

from __future__ import annotations

from pathlib import Path

import pytest

from asynclint import engine
from asynclint.cache import Summaries
from asynclint.config import Settings


def _check(root: Path) -> engine.Report:
    files = sorted(root.rglob("*.py"))
    return engine.check(files, root, Settings(), Summaries(None), explicit=files)


@pytest.mark.parametrize(
    ("requires", "reported"), [(">=3.99", False), (">=3.9", True), (None, True)]
)
def test_syntax_of_a_newer_python_than_the_project_needs_is_a_note_not_a_finding(
    tmp_path: Path, requires: str | None, reported: bool
) -> None:
    project = "[project]\nname = 'demo'\n"
    if requires is not None:
        project += f"requires-python = '{requires}'\n"
    (tmp_path / "pyproject.toml").write_text(project)
    (tmp_path / "app.py").write_text("async def f():\n    return (\n")
    report = _check(tmp_path)
    assert [f.code for f in report.findings] == (["ASL001"] if reported else [])
    notes = [w for w in report.warnings if "do not parse as Python" in w]
    assert bool(notes) is not reported
    if notes:
        assert "requires Python >= 3.99" in notes[0] and "app.py" in notes[0]
