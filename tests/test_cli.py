"""The command line through typer's CliRunner: exit codes, formats, errors."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_runner

from asynclint import __version__
from asynclint.cli import app
from asynclint.codes import RULES
from asynclint.discover import find_marked_root

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

runner = cli_runner()

BLOCKING = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
CLEAN = "import asyncio\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"


def invoke(*args: str):
    return runner.invoke(app, ["check", "--no-cache", *args])


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "bad.py").write_text(BLOCKING)
    (tmp_path / "good.py").write_text(CLEAN)
    return tmp_path


def test_findings_exit_1_with_location_code_snippet_and_advice(project: Path) -> None:
    result = invoke(str(project / "bad.py"))
    assert result.exit_code == 1, result.output
    assert "bad.py:5:5: ASL501 `time.sleep` blocks the event loop" in result.output
    assert "    time.sleep(1)" in result.output
    assert "= help:" in result.output and "asyncio.sleep" in result.output


def test_clean_file_exits_0(project: Path) -> None:
    result = invoke(str(project / "good.py"))
    assert result.exit_code == 0, result.output
    assert "No blocking calls found" in result.output


def test_directory_is_walked(project: Path) -> None:
    result = invoke(str(project), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [(Path(f["path"]).name, f["line"], f["code"]) for f in data["findings"]] == [
        ("bad.py", 5, "ASL501")
    ]


def test_json_shape_has_documented_fields(project: Path) -> None:
    data = json.loads(invoke(str(project / "bad.py"), "--format", "json").stdout)
    finding = data["findings"][0]
    for key in ("code", "path", "line", "column", "message", "advice", "api", "chain"):
        assert key in finding
    assert finding["api"] == "time.sleep"
    assert finding["column"] == 5


def test_sarif_and_github_formats(project: Path) -> None:
    sarif = json.loads(invoke(str(project / "bad.py"), "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["results"][0]["ruleId"] == "ASL501"
    github = invoke(str(project / "bad.py"), "--format", "github").stdout
    assert github.startswith("::error file=bad.py,line=5,")


def test_output_file_is_written(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.sarif"
    result = invoke(str(project / "bad.py"), "--format", "sarif", "--output", str(target))
    assert result.exit_code == 1
    assert json.loads(target.read_text())["runs"][0]["results"]


def test_unwritable_output_is_a_clean_error(project: Path) -> None:
    result = invoke(str(project / "bad.py"), "--output", str(project / "no" / "such" / "x.txt"))
    assert result.exit_code == 2
    assert "cannot write" in result.output
    assert "Traceback" not in result.output


def test_select_and_ignore(project: Path) -> None:
    assert invoke(str(project / "bad.py"), "--ignore", "ASL501").exit_code == 0
    assert invoke(str(project / "bad.py"), "--select", "ASL1").exit_code == 0
    assert invoke(str(project / "bad.py"), "--select", "ASL5").exit_code == 1
    assert invoke(str(project / "bad.py"), "--select", "ASL101,ASL501").exit_code == 1


def test_bad_code_in_select_is_a_usage_error(project: Path) -> None:
    result = invoke(str(project / "bad.py"), "--select", "E501")
    assert result.exit_code == 2
    assert "not an asynclint code" in result.output


def test_unknown_format_is_a_usage_error(project: Path) -> None:
    result = invoke(str(project / "bad.py"), "--format", "xml")
    assert result.exit_code == 2


def test_missing_path_is_a_clean_error(tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "nope.py"))
    assert result.exit_code == 2
    assert "no such file or directory" in result.output
    assert "Traceback" not in result.output


def test_directory_without_python_files_is_a_warning_as_in_ruff(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hi")
    result = invoke(str(tmp_path))
    assert result.exit_code == 0
    assert "warning: no Python files found" in result.output


def test_syntax_error_is_a_finding_not_a_crash(project: Path) -> None:
    (project / "broken.py").write_text("async def f(:\n    pass\n")
    result = invoke(str(project / "broken.py"))
    assert result.exit_code == 1
    assert "broken.py:1:" in result.output and "ASL001" in result.output


def test_unreadable_file_is_reported_and_the_rest_still_checked(project: Path) -> None:
    # a dangling symlink cannot be read, even by root (who can read a chmod 000 file)
    (project / "dangling.py").symlink_to(project / "missing-target.py")
    result = invoke(str(project))
    assert result.exit_code == 1
    assert "dangling.py:1:1: ASL001" in result.output and "cannot be read" in result.output
    assert "bad.py:5:5: ASL501" in result.output


def test_undecodable_file_is_reported(project: Path) -> None:
    (project / "latin.py").write_bytes(b"async def f():\n    return '\xe9'\n")
    result = invoke(str(project / "latin.py"))
    assert result.exit_code == 1
    assert "ASL001" in result.output


def test_broken_config_is_a_clean_error(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.asynclint]\nselekt = ['ASL1']\n")
    result = invoke(str(project / "bad.py"))
    assert result.exit_code == 2
    assert "pyproject.toml" in result.output and "selekt" in result.output


def test_invalid_toml_is_a_clean_error(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.asynclint\n")
    result = invoke(str(project / "bad.py"))
    assert result.exit_code == 2
    assert "not valid TOML" in result.output


def test_config_ignore_and_cli_override(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.asynclint]\nignore = ['ASL501']\n")
    assert invoke(str(project / "bad.py")).exit_code == 0
    assert invoke(str(project / "bad.py"), "--ignore", "ASL101").exit_code == 1


def test_exit_zero_and_statistics(project: Path) -> None:
    result = invoke(str(project / "bad.py"), "--exit-zero", "--statistics")
    assert result.exit_code == 0
    assert "1  ASL501" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"asynclint {__version__}"


def test_version_is_the_one_in_pyproject() -> None:
    """`__version__` is written out in the package (reading it from the installed metadata
    costs an import of importlib.metadata on every run): it must say what pyproject says."""
    pyproject = Path(__file__).parent.parent / "pyproject.toml"
    assert __version__ == tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


def test_rules_lists_every_code() -> None:
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0
    for rule in RULES:
        assert rule.code in result.output
    data = json.loads(runner.invoke(app, ["rules", "--format", "json"]).output)
    assert [r["code"] for r in data] == [r.code for r in RULES]
    costs = {r["code"]: r["cost"] for r in data}
    assert costs["ASL101"] == "wait" and costs["ASL301"] == "file" and costs["ASL001"] == ""


def test_catalog_lists_entries() -> None:
    result = runner.invoke(app, ["catalog", "--format", "json"])
    assert result.exit_code == 0
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert {"requests.get", "time.sleep", "requests.Session"} <= set(rows)
    assert rows["os.stat"]["twin"] == "aiofiles.os.stat"
    assert rows["openai.Completion.create"]["versions"] == "openai < 1.0"
    assert rows["redis.client.PubSub"]["versions"]["ssubscribe"] == "redis >= 5.0"
    assert "__exit__" in rows["concurrent.futures.ThreadPoolExecutor"]["blocking"]


def test_files_that_cannot_reach_the_loop_are_parsed_only_when_named(project: Path) -> None:
    # no `async def`, no startup handler: nothing in it can run on the loop
    (project / "script.py").write_text("import time\ntime.sleep(1)\ndef broken(:\n")
    assert invoke(str(project / "good.py"), str(project / "script.py")).exit_code == 1
    walked = invoke(str(project), "--format", "json")
    assert [f["path"].rsplit("/", 1)[-1] for f in json.loads(walked.stdout)["findings"]] == [
        "bad.py"
    ]


def test_unparsable_module_imported_by_an_analysed_one_is_reported(project: Path) -> None:
    (project / "helpers.py").write_text("def slow(:\n    pass\n")
    (project / "app.py").write_text("from helpers import slow\n\n\nasync def f():\n    slow()\n")
    result = invoke(str(project), "--format", "json")
    found = {
        (f["path"].rsplit("/", 1)[-1], f["code"]) for f in json.loads(result.stdout)["findings"]
    }
    assert ("helpers.py", "ASL001") in found


def test_baseline_reports_only_new_findings(project: Path, tmp_path: Path) -> None:
    recorded = tmp_path / "baseline.json"
    result = invoke(str(project), "--write-baseline", str(recorded))
    assert result.exit_code == 0, result.output
    assert json.loads(recorded.read_text())["findings"][0]["code"] == "ASL501"
    assert invoke(str(project), "--baseline", str(recorded)).exit_code == 0
    # unrelated edits that move the finding keep it known
    (project / "bad.py").write_text("# a new first line\n" + BLOCKING)
    assert invoke(str(project), "--baseline", str(recorded)).exit_code == 0
    # a new blocking call is reported
    (project / "bad.py").write_text(BLOCKING + "    time.sleep(2)\n")
    result = invoke(str(project), "--baseline", str(recorded), "--format", "json")
    assert result.exit_code == 1
    assert [f["line"] for f in json.loads(result.stdout)["findings"]] == [6]


def test_malformed_baseline_is_a_clean_error(project: Path, tmp_path: Path) -> None:
    broken = tmp_path / "baseline.json"
    broken.write_text("{not json")
    result = invoke(str(project), "--baseline", str(broken))
    assert result.exit_code == 2 and "not a JSON baseline" in result.output
    broken.write_text('{"findings": []}')
    result = invoke(str(project), "--baseline", str(broken))
    assert result.exit_code == 2 and "not an asynclint baseline" in result.output
    result = invoke(str(project), "--baseline", str(tmp_path / "missing.json"))
    assert result.exit_code == 2 and "cannot read baseline" in result.output


def test_baseline_flags_conflict(project: Path, tmp_path: Path) -> None:
    result = invoke(str(project), "--baseline", "a.json", "--write-baseline", "b.json")
    assert result.exit_code == 2 and "cannot be used together" in result.output


def test_stdin_filename_checks_the_buffer_at_its_own_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "helpers.py").write_text("import time\n\n\ndef pause():\n    time.sleep(1)\n")
    (tmp_path / "app.py").write_text("async def f():\n    pass\n")
    buffer = "\n\nfrom helpers import pause\n\n\nasync def f():\n    pause()\n"
    result = cli_runner().invoke(
        app, ["check", "--stdin-filename", "app.py", "-f", "json", "--no-cache"], input=buffer
    )
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["path"], finding["line"], finding["code"]) == ("app.py", 7, "ASL501")
    assert [hop["path"] for hop in finding["chain"]] == ["helpers.py"]
    assert (tmp_path / "app.py").read_text() == "async def f():\n    pass\n"


def test_stdin_filename_needs_no_file_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(
        app,
        ["check", "--stdin-filename", "new/unsaved.py", "--no-cache"],
        input="import time\nasync def f():\n    time.sleep(1)\n",
    )
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("new/unsaved.py:3:5: ASL501")
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["app.py"], "name no paths"),
        (["--fix"], "cannot take a buffer from stdin"),
        (["--diff"], "cannot take a buffer from stdin"),
    ],
)
def test_stdin_filename_refuses_what_it_cannot_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(
        app, ["check", "--stdin-filename", "app.py", *extra], input="x = 1\n"
    )
    assert result.exit_code == 2
    assert message in result.output


def test_ruff_spellings_of_format_and_output(project: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = invoke(
        str(project / "bad.py"), "--output-format", "json", "--output-file", str(report)
    )
    assert result.exit_code == 1
    assert json.loads(report.read_text())["findings"]


def test_extend_select_adds_to_the_configured_selection(project: Path) -> None:
    only_files = invoke(str(project / "bad.py"), "--select", "ASL3", "-f", "json")
    assert json.loads(only_files.stdout)["findings"] == []
    both = invoke(str(project / "bad.py"), "--select", "ASL3", "--extend-select", "ASL5")
    assert both.exit_code == 1 and "ASL501" in both.output


@pytest.mark.parametrize(
    ("environment", "colored"),
    [({}, False), ({"FORCE_COLOR": "1"}, True), ({"NO_COLOR": "1", "FORCE_COLOR": ""}, False)],
)
def test_color_follows_force_color_and_no_color(
    project: Path, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], colored: bool
) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    result = invoke(str(project / "bad.py"))
    assert result.exit_code == 1
    assert ("\x1b[" in result.stdout) is colored


def test_rules_code_prints_that_rules_page() -> None:
    result = cli_runner().invoke(app, ["rules", "asl501"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# ASL501: blocking-sleep")
    as_json = cli_runner().invoke(app, ["rules", "ASL101", "-f", "json"])
    assert json.loads(as_json.stdout)["code"] == "ASL101"
    unknown = cli_runner().invoke(app, ["rules", "ASL999"])
    assert unknown.exit_code == 2 and "unknown code ASL999" in unknown.output


def test_a_file_in_no_project_is_analysed_with_its_siblings_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No pyproject.toml or .git above the file: its directory is not a project to walk (it
    may be a home directory or /tmp), and no cache is written there. The files beside it are
    still read, so a chain through a sibling module is found."""
    from asynclint import engine

    if find_marked_root(tmp_path) is not None:
        pytest.fail(f"{tmp_path} is inside a project: the test needs a directory in none")
    (tmp_path / "app.py").write_text(
        "from helpers import wait\n\nasync def handler():\n    wait()\n", encoding="utf-8"
    )
    (tmp_path / "helpers.py").write_text(
        "import time\n\ndef wait():\n    time.sleep(1)\n", encoding="utf-8"
    )
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "other.py").write_text("async def f():\n    pass\n", encoding="utf-8")
    projects: list[object] = []
    check = engine.check

    def spy(*args: Any, **kwargs: Any) -> engine.Report:
        projects.append(args[5] if len(args) > 5 else kwargs.get("project"))
        return check(*args, **kwargs)

    monkeypatch.setattr(engine, "check", spy)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", "app.py", "--format", "json"])
    data = json.loads(result.stdout)
    assert [(f["code"], f["line"]) for f in data["findings"]] == [("ASL501", 4)]
    assert projects == [[tmp_path / "app.py", tmp_path / "helpers.py"]]
    assert not (tmp_path / ".asynclint_cache").exists()


# -- the console script ends the process without tearing the analysis down ---------------------


@pytest.mark.parametrize(
    ("code", "status", "printed"),
    [(None, 0, ""), (0, 0, ""), (1, 1, ""), (2, 2, ""), ("asynclint: bad flag", 1, "bad flag")],
)
def test_the_console_script_exits_with_the_commands_status(
    code: object,
    status: int,
    printed: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from asynclint import cli

    def command() -> None:
        raise SystemExit(code)

    exited: list[int] = []
    monkeypatch.setattr(cli, "app", command)
    monkeypatch.setattr(cli.os, "_exit", exited.append)
    monkeypatch.setattr(cli, "_ENDS_PROCESS", False)
    cli.main()
    assert exited == [status]
    assert cli._ENDS_PROCESS  # `check` keeps its analysis until the end (engine.linger)
    assert printed in capsys.readouterr().err


def test_the_console_script_runs_check_as_a_process_would(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    script = Path(sys.executable).parent / "asynclint"
    done = subprocess.run(
        [str(script), "check", ".", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "ASL501" in done.stdout and done.stdout.endswith("\n")  # flushed, whole
    done = subprocess.run(
        [str(script), "check", ".", "--no-such-flag"], cwd=tmp_path, capture_output=True
    )
    assert done.returncode == 2


def test_only_the_last_runs_analysis_lingers(monkeypatch: pytest.MonkeyPatch) -> None:
    from asynclint import engine

    monkeypatch.setattr(engine, "_LINGERING", None)
    engine.linger("check", object())
    assert engine._LINGERING is None  # not asked for: nothing kept
    engine.leave_lingering()
    first, second = object(), object()
    engine.linger("check", first)
    engine.linger("check", second)
    kept = engine._LINGERING
    assert kept == {"check": (second,)}
    gc.unfreeze()
