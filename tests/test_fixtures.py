"""Every fixture states its findings in trailing comments; the engine must match them exactly.

`tests/fixtures/rules/*.py` are single files, `tests/fixtures/projects/*/` are multi-module
projects. A line with `# error: ASL101` must be reported with that code; every other line
must stay clean, so an extra finding fails as surely as a missing one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, actual_findings, expected_details, expected_findings, run

SINGLE = sorted((FIXTURES / "rules").glob("*.py"))
PROJECTS = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())


@pytest.mark.parametrize("fixture", SINGLE + PROJECTS, ids=lambda p: p.name)
def test_fixture_findings_match_expectations(fixture: Path) -> None:
    actual, expected = actual_findings(fixture), expected_findings(fixture)
    missing = [f"{p}:{line}: {code}" for p, line, code in expected if (p, line, code) not in actual]
    extra = [f"{p}:{line}: {code}" for p, line, code in actual if (p, line, code) not in expected]
    assert not missing and not extra, f"missing: {missing}\nunexpected: {extra}"
    assert actual == expected  # same multiset, same order
    details = expected_details(fixture)
    base = fixture if fixture.is_dir() else fixture.parent
    for finding in run(fixture):
        relative = Path(finding.path).resolve().relative_to(base.resolve()).as_posix()
        stated = details.get((relative, finding.line, finding.code))
        if stated is None:
            continue
        column, api = stated
        where = f"{relative}:{finding.line}: {finding.code}"
        assert column is None or finding.column == column, f"{where}: column {finding.column}"
        assert not api or finding.api == api, f"{where}: reaches {finding.api}"


def test_fixtures_state_columns_and_apis_somewhere() -> None:
    # the detail syntax is exercised, so a parser regression cannot pass silently
    assert sum(len(expected_details(f)) for f in SINGLE) >= 5


def test_there_are_fixtures() -> None:
    assert len(SINGLE) >= 10 and len(PROJECTS) >= 3


def test_long_chain_is_cut_and_says_so(tmp_path: Path) -> None:
    from asynclint.config import Settings

    depth = 12
    lines = ["import time", ""]
    for i in range(depth):
        callee = f"step{i + 1}()" if i + 1 < depth else "time.sleep(1)"
        lines += [f"def step{i}():", f"    {callee}", ""]
    lines += ["async def route():", "    step0()", ""]
    (tmp_path / "deep.py").write_text("\n".join(lines))
    (finding,) = run(tmp_path, Settings(max_chain=5))
    assert len(finding.chain) == 5 and finding.chain_cut == depth - 5
    assert f"... {depth - 5} more call(s) -> time.sleep" in finding.chain_text()
    (full,) = run(tmp_path)
    assert len(full.chain) == 8 and full.chain_cut == depth - 8
