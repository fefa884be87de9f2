from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from conftest import cli_runner

from asynclint.cli import app
from asynclint.codes import BY_CATEGORY, BY_CODE, DOCS_BASE, PARSE_ERROR, RULES, Rule

CODE = re.compile(r"^ASL[0-9]{3}$")
KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def test_codes_unique_and_well_formed() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    assert [code for code in codes if not CODE.match(code)] == []
    assert codes == sorted(codes)
    assert set(BY_CODE) == set(codes)
    assert PARSE_ERROR in BY_CODE


def test_names_unique_and_kebab_case() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    assert [name for name in names if not KEBAB.match(name)] == []


def test_categories_unique() -> None:
    categories = [rule.category for rule in RULES if rule.category]
    assert len(categories) == len(set(categories))
    assert set(BY_CATEGORY) == set(categories)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_level(rule: Rule) -> None:
    assert rule.level in ("error", "warning", "note")
    assert rule.severity in ("error", "warning", "recommendation")


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_summary_style(rule: Rule) -> None:
    assert rule.summary.strip() == rule.summary
    assert "\n" not in rule.summary
    assert not rule.summary.endswith(".")
    assert rule.summary[0].isupper() or rule.summary[0] == "`"
    assert rule.summary.count("`") % 2 == 0


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_why_style(rule: Rule) -> None:
    assert rule.why.count("`") % 2 == 0
    assert rule.why.endswith(".")
    assert "  " not in rule.why


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_examples(rule: Rule) -> None:
    assert rule.bad.strip() and rule.good.strip()
    assert rule.bad != rule.good
    ast.parse(rule.good)
    if rule.code == PARSE_ERROR:
        with pytest.raises(SyntaxError):
            ast.parse(rule.bad)
    else:
        ast.parse(rule.bad)


def _codes_found(tmp_path: Path, source: str) -> list[str]:
    tmp_path.mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "example.py").write_text(source + "\n")
    result = cli_runner().invoke(app, ["check", "--no-cache", "-f", "json", str(tmp_path)])
    return sorted({finding["code"] for finding in json.loads(result.stdout)["findings"]})


# ASL003's example is a configuration file: it stops the run (exit 2) instead of being a finding
PYTHON_EXAMPLES = [rule for rule in RULES if rule.code != "ASL003"]


@pytest.mark.parametrize("rule", PYTHON_EXAMPLES, ids=lambda rule: rule.code)
def test_the_example_on_the_rule_page_is_reported_as_written(rule: Rule, tmp_path: Path) -> None:
    """A reader who pastes a rule page's example into a file gets that rule, and its "use
    instead" version is clean."""
    assert _codes_found(tmp_path / "bad", rule.bad) == [rule.code]
    assert _codes_found(tmp_path / "good", rule.good) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_help_uri(rule: Rule) -> None:
    assert rule.help_uri == f"{DOCS_BASE}/{rule.code}.md"
