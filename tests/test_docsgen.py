from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from asynclint import docsgen
from asynclint.codes import RULES, Rule

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_page_on_disk_is_current(rule: Rule) -> None:
    page = DOCS / f"{rule.code}.md"
    assert page.is_file(), f"missing {page}: run `python -m asynclint.docsgen`"
    assert page.read_text(encoding="utf-8") == docsgen.render_page(rule), (
        f"{page} is stale: run `python -m asynclint.docsgen`"
    )


def test_index_on_disk_is_current() -> None:
    assert (DOCS / "README.md").read_text(encoding="utf-8") == docsgen.render_index()


def test_no_stale_pages_on_disk() -> None:
    assert docsgen.stale(DOCS) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_page_headings(rule: Rule) -> None:
    page = docsgen.render_page(rule)
    lines = page.splitlines()
    assert lines[0] == f"# {rule.code}: {rule.name}"
    positions = [lines.index(heading) for heading in docsgen.HEADINGS]
    assert positions == sorted(positions), "headings out of order"
    assert f"# noqa: {rule.code}" in page
    assert f"# asynclint: ignore[{rule.code}]" in page
    assert f'[tool.asynclint]\nignore = ["{rule.code}"]' in page
    assert f"```python\n{rule.bad}\n```" in page
    assert f"```python\n{rule.good}\n```" in page
    assert rule.why in page


def test_index_lists_every_rule() -> None:
    index = docsgen.render_index()
    assert "| Code | Name | Summary | Level |" in index
    for rule in RULES:
        assert (
            f"| [{rule.code}]({rule.code}.md) | `{rule.name}` | {rule.summary} | {rule.level} |"
            in index
        )


def test_write_then_check(tmp_path: Path) -> None:
    target = tmp_path / "rules"
    assert docsgen.main([str(target)]) == 0
    assert sorted(p.name for p in target.iterdir()) == sorted(docsgen.pages())
    assert docsgen.main([str(target), "--check"]) == 0

    (target / "ASL101.md").write_text("edited by hand\n", encoding="utf-8")
    assert docsgen.main([str(target), "--check"]) == 1
    assert docsgen.main([str(target)]) == 0
    assert docsgen.main([str(target), "--check"]) == 0

    (target / "ASL999.md").write_text("# ASL999: removed\n", encoding="utf-8")
    assert docsgen.stale(target) == ["ASL999.md"]
    assert docsgen.main([str(target), "--check"]) == 1


def test_check_missing_directory(tmp_path: Path) -> None:
    assert docsgen.main([str(tmp_path / "nowhere"), "--check"]) == 1


def test_module_entry_point(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "asynclint.docsgen", "--check"],
        cwd=DOCS.parents[1],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "asynclint.docsgen"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "docs" / "rules" / "ASL101.md").is_file()
