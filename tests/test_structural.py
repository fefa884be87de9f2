"""Custom structural rules (ASL9xx) from pyproject and from rule files, in every format."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import cli_runner

from asynclint.cli import app

runner = cli_runner()
DATA = Path(__file__).parent / "data"

PYPROJECT = """\
[tool.asynclint]
custom-rules = ["lint/*.toml"]

[[tool.asynclint.rule]]
code = "ASL901"
name = "legacy-client-call"
pattern = "legacy_client.call($$$ARGS)"
message = "`legacy_client.call` blocks the event loop"
advice = "use `await legacy_client.acall(...)`"
fix = "await legacy_client.acall($$$ARGS)"
"""
RULE_FILE = """\
[[rule]]
code = "ASL902"
name = "db-query-in-async-route"
message = "`.query()` on a sync session inside an async route"
advice = "use `AsyncSession` with `select()`"
level = "error"
[rule.rule]
pattern = "$DB.query($$$)"
[rule.rule.inside]
kind = "decorated_definition"
stopBy = "end"
has = { pattern = "@$APP.get($$$)", stopBy = "end" }
"""
APP = """\
import legacy_client
from fastapi import FastAPI

app = FastAPI()


@app.get("/x")
async def x(db):
    legacy_client.call(1, key="v")
    return db.query(User).all()


def sync():
    legacy_client.call(2)


async def not_a_route(db):
    db.query(User)
    legacy_client.call(3)  # noqa: ASL901
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "lint").mkdir()
    (tmp_path / "lint" / "db.toml").write_text(RULE_FILE)
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def check(project: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["check", "--no-cache", str(project), *args])


def test_rules_from_pyproject_and_files_report_only_async_matches(project: Path) -> None:
    data = json.loads(check(project, "--format", "json").stdout)
    assert [(f["line"], f["code"], f["severity"]) for f in data["findings"]] == [
        (9, "ASL901", "warning"),
        (10, "ASL902", "error"),
    ]


def test_custom_rules_in_sarif_validate_and_are_described(project: Path) -> None:
    log = json.loads(check(project, "--format", "sarif").stdout)
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    for result in log["runs"][0]["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_custom_rules_in_text_github_and_rules_listing(project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert "ASL901 `legacy_client.call` blocks the event loop" in check(project).output
    assert (
        "title=asynclint ASL902 (db-query-in-async-route)"
        in check(project, "--format", "github").output
    )
    monkeypatch.chdir(project)
    listing = runner.invoke(app, ["rules"]).output
    assert "ASL901  legacy-client-call" in listing and "ASL902" in listing


def test_custom_fix_applies_with_unsafe_fixes(project: Path) -> None:
    check(project, "--fix", "--unsafe-fixes")
    assert '    await legacy_client.acall(1, key="v")\n' in (project / "app.py").read_text()


def test_select_accepts_user_codes(project: Path) -> None:
    data = json.loads(check(project, "--format", "json", "--select", "ASL902").stdout)
    assert [f["code"] for f in data["findings"]] == ["ASL902"]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ('code = "ASL101"\nname = "x"\npattern = "a()"\nmessage = "m"', "user range"),
        ('code = "ASL903"\nname = "Bad Name"\npattern = "a()"\nmessage = "m"', "kebab-case"),
        ('code = "ASL903"\nname = "x"\nmessage = "m"', "needs a `pattern` or a `rule`"),
        ('code = "ASL903"\nname = "x"\npattern = "a()"', "`message` is required"),
        ('code = "ASL903"\nname = "x"\nmessage = "m"\n[rule.rule]\nkind = 3', "ast-grep"),
        ('code = "ASL903"\nname = "x"\npattern = "a()"\nmessage = "m"\nsevere = 1', "unknown"),
    ],
)
def test_malformed_rule_file_is_reported_with_file_and_reason(
    project: Path, rule: str, message: str
) -> None:
    (project / "lint" / "bad.toml").write_text("[[rule]]\n" + rule + "\n")
    result = check(project)
    assert result.exit_code == 2, result.output
    assert "bad.toml" in result.output and message in result.output
    assert "Traceback" not in result.output


def test_duplicate_codes_are_an_error(project: Path) -> None:
    (project / "lint" / "dup.toml").write_text(RULE_FILE)
    result = check(project)
    assert result.exit_code == 2 and "used twice: ASL902" in result.output
