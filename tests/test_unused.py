"""ASL002: unused suppressions are reported only for codes that ran and are selected, in
analysed files, and their safe fix removes exactly the unused codes."""

from __future__ import annotations

from pathlib import Path

from conftest import cli_runner

from asynclint import engine
from asynclint.cache import Summaries
from asynclint.cli import app
from asynclint.config import Settings, from_table
from asynclint.discover import discover
from asynclint.findings import Finding

APP = """\
import asyncio
import time


async def route() -> None:
    await asyncio.sleep(1)  # noqa: ASL501
    time.sleep(1)  # noqa: ASL501, ASL101
"""


def check(root: Path, settings: Settings | None = None) -> list[Finding]:
    found = discover([str(root)], root=root)
    return list(engine.check(found.files, root, settings or Settings(), Summaries(None)).findings)


def codes(findings: list[Finding]) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in findings]


def test_reported_for_selected_codes_only(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    assert codes(check(tmp_path)) == [(6, "ASL002"), (7, "ASL002")]
    (second,) = [f for f in check(tmp_path) if f.line == 7]
    assert "`ASL101`" in second.message and "ASL501`" not in second.message
    # ASL501 is not selected: its suppressions are not judged, ASL101's still are
    only_http = Settings(select=("ASL1", "ASL002"))
    assert codes(check(tmp_path, only_http)) == [(7, "ASL002")]
    assert codes(check(tmp_path, Settings(select=("ASL5",)))) == []
    assert codes(check(tmp_path, Settings(ignore=("ASL002",)))) == []


def test_per_file_ignores_of_the_suppressed_code_keep_it_quiet(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    settings = from_table({"per-file-ignores": {"app.py": ["ASL1"]}}, str(tmp_path / "p.toml"))
    assert codes(check(tmp_path, settings)) == [(6, "ASL002")]


def test_files_that_are_not_analysed_are_left_alone(tmp_path: Path) -> None:
    # no `async def` and no FastAPI import: the pre-scan never parses this file
    (tmp_path / "worker.py").write_text("import time\n\ntime.sleep(1)  # noqa: ASL501\n")
    assert check(tmp_path) == []


def test_a_suppression_used_by_a_project_rule_is_not_reported(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import legacy\n\n\nasync def route() -> None:\n    legacy.call()  # noqa: ASL901\n"
        "    legacy.other()  # noqa: ASL901\n"
    )
    settings = from_table(
        {
            "rule": [
                {
                    "code": "ASL901",
                    "name": "legacy-call",
                    "pattern": "legacy.call($$$A)",
                    "message": "`legacy.call` blocks",
                    "advice": "use `legacy.acall`",
                }
            ]
        },
        str(tmp_path / "pyproject.toml"),
    )
    assert codes(check(tmp_path, settings)) == [(6, "ASL002")]


def test_fix_removes_the_unused_codes_and_keeps_the_rest(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import asyncio\n\n\nasync def route() -> None:\n"
        "    await asyncio.sleep(1)  # noqa: ASL501\n"
        "    await asyncio.sleep(2)  # noqa: E501, ASL501\n"
        "    await asyncio.sleep(3)  # noqa: ASL501  # type: ignore\n"
        "    await asyncio.sleep(4)  # asynclint: ignore[ASL501, ASL101] reason\n"
    )
    result = cli_runner().invoke(app, ["check", str(tmp_path), "--no-cache", "--fix"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "app.py").read_text() == (
        "import asyncio\n\n\nasync def route() -> None:\n"
        "    await asyncio.sleep(1)\n"
        "    await asyncio.sleep(2)  # noqa: E501\n"
        "    await asyncio.sleep(3)  # type: ignore\n"
        "    await asyncio.sleep(4)\n"
    )


def test_baseline_entries_that_match_no_finding_are_reported_and_fixed(tmp_path: Path) -> None:
    import json

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    source = tmp_path / "app.py"
    # `requests.get` has only an unsafe fix: `--fix` leaves the code as it is
    source.write_text(
        "import requests\n\n\nasync def route() -> None:\n    requests.get('a')\n"
        "    requests.get('b')\n"
    )
    baseline = tmp_path / "baseline.json"
    runner = cli_runner()
    written = runner.invoke(
        app, ["check", str(tmp_path), "--no-cache", "--write-baseline", str(baseline)]
    )
    assert written.exit_code == 0, written.output
    assert len(json.loads(baseline.read_text())["findings"]) == 2
    source.write_text("import requests\n\n\nasync def route() -> None:\n    requests.get('a')\n")
    args = ["check", str(tmp_path), "--no-cache", "--baseline", str(baseline), "-f", "json"]
    result = runner.invoke(app, args)
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["code"] == "ASL002" and "matches no finding" in finding["message"]
    assert result.exit_code == 1
    # not selected: the entry's code was not run, so the entry is not judged
    quiet = runner.invoke(app, [*args, "--select", "ASL5,ASL002"])
    assert json.loads(quiet.stdout)["findings"] == []
    fixed = runner.invoke(app, [*args[:-2], "--fix"])
    assert fixed.exit_code == 0, fixed.output
    entries = json.loads(baseline.read_text())["findings"]
    assert [e["line"] for e in entries] == [5]
