"""A file's findings are facts of the project, not of what was named on the command line.

Checked as `.`, as its directory or as the file itself, with the files in any order, through
the CLI or the flake8 plugin: the same findings, with the same messages (route labels carry
every `include_router` prefix, wherever the router is mounted).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FIXTURES

from asynclint import engine
from asynclint.cache import Summaries
from asynclint.config import Settings
from asynclint.discover import discover
from asynclint.findings import Finding
from asynclint.flake8_plugin import project_findings

EXAMPLES = Path(__file__).parent.parent / "examples"


def check(paths: list[Path], root: Path, settings: Settings | None = None) -> list[Finding]:
    found = discover([str(p) for p in paths], root=root)
    report = engine.check(
        found.files, root, settings or Settings(), Summaries(None), found.explicit
    )
    return list(report.findings)


def by_file(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for finding in findings:
        out.setdefault(os.path.abspath(finding.path), []).append(finding)
    return out


@pytest.mark.parametrize(
    "root", [EXAMPLES, *sorted((FIXTURES / "projects").iterdir())], ids=lambda p: p.name
)
def test_a_files_findings_do_not_depend_on_what_is_selected(root: Path) -> None:
    whole = by_file(check([root], root))
    assert whole, "the project must have findings for this test to mean anything"
    for path, expected in whole.items():
        file = Path(path)
        assert check([file], root) == expected, f"checked alone: {file}"
        assert by_file(check([file.parent], root)).get(path) == expected, f"dir: {file.parent}"


def test_route_labels_keep_prefixes_when_only_the_routers_are_checked() -> None:
    routers = EXAMPLES / "bookstore" / "routers"
    labels = {f.context for f in check([routers], EXAMPLES) if f.context.startswith("route")}
    whole = {f.context for f in check([EXAMPLES], EXAMPLES) if f.context.startswith("route")}
    assert labels and labels <= whole
    assert all(" /books" in label or " /orders" in label or " /" in label for label in labels)
    assert "route `PUT /books/{book_id}/cover`" in labels


def test_order_of_the_files_does_not_matter() -> None:
    found = discover([str(EXAMPLES)], root=EXAMPLES)
    forward = engine.check(found.files, EXAMPLES, Settings(), Summaries(None)).findings
    reverse = engine.check(found.files[::-1], EXAMPLES, Settings(), Summaries(None)).findings
    assert forward == reverse


def test_the_flake8_plugin_sees_what_the_cli_sees() -> None:
    whole = by_file(check([EXAMPLES], EXAMPLES))
    for path, expected in whole.items():
        assert project_findings(Path(path), use_cache=False) == expected
        # `flake8 file.py`: explored from that file alone, the same findings
        assert project_findings(Path(path), use_cache=False, scope={Path(path)}) == expected


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_a_route_awaited_elsewhere_is_not_made_a_plain_def(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/users.py": (
                "import requests\n"
                "from fastapi import APIRouter\n"
                "router = APIRouter()\n\n"
                "@router.get('/users')\n"
                "async def list_users():\n"
                "    return requests.get('https://example.com').json()\n"
            ),
            "app/admin.py": (
                "from app.users import list_users\n\n"
                "async def report():\n"
                "    return await list_users()\n"
            ),
        },
    )
    (alone,) = check([root / "app" / "users.py"], root)
    (whole,) = [f for f in check([root], root) if f.path.endswith("users.py")]
    assert alone == whole
    # awaited in admin.py: turning it into a plain `def` would break that caller
    assert "plain `def`" not in alone.advice
    assert alone.fix is None or "plain `def`" not in alone.fix.description


def test_a_custom_rule_that_is_not_async_only_checks_every_selected_file(tmp_path: Path) -> None:
    root = _project(
        tmp_path, {"jobs.py": "import pickle\n\ndef load(b):\n    return pickle.loads(b)\n"}
    )
    (root / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\n\n"
        "[[tool.asynclint.rule]]\n"
        'code = "ASL901"\n'
        'name = "pickle-loads"\n'
        'pattern = "pickle.loads($X)"\n'
        'message = "`pickle.loads` on untrusted data"\n'
        "async-only = false\n"
    )
    from asynclint.config import load

    settings = load(root / "pyproject.toml")
    assert [(f.code, f.line) for f in check([root], root, settings)] == [("ASL901", 4)]


def test_ignoring_one_code_shows_the_next_one_the_call_reaches() -> None:
    fixture = FIXTURES / "rules" / "per_code.py"
    everything = check([fixture], fixture.parent)
    line = next(f.line for f in everything if f.code == "ASL101" and f.also)
    quiet = check([fixture], fixture.parent, Settings(ignore=("ASL101",)))
    assert [f.code for f in quiet if f.line == line] == ["ASL501"]


@pytest.mark.parametrize("code", ["ASL101", "ASL201", "ASL301", "ASL501"])
def test_selecting_fewer_codes_never_adds_a_finding_at_a_new_place(code: str) -> None:
    everything = check([EXAMPLES], EXAMPLES)
    fewer = check([EXAMPLES], EXAMPLES, replace(Settings(), ignore=(code,)))
    places = {(f.path, f.line, f.column) for f in everything}
    assert {(f.path, f.line, f.column) for f in fewer} <= places
    assert all(f.code != code for f in fewer)
