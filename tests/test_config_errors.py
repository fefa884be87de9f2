"""Every bad configuration, rule file and baseline is one clear error with exit status 2 in the
CLI, and one ASL001 finding on line 1 in the flake8 plugin, which goes on with the other plugins
(issue 15, repros 05, 13, 14 in ``shared/repros/robustness``)."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_runner

from asynclint.cli import app
from asynclint.config import _KEYS

runner = cli_runner()
BLOCKING = "import time\n\n\nasync def h():\n    time.sleep(1)\n"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text(BLOCKING)
    return root


def one_line_error(project: Path, *needles: str) -> str:
    result = runner.invoke(app, ["check", "--no-cache", "-q", str(project)])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}"
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("asynclint: error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


DEEP_TOML_ARRAY = "a = " + "[" * 5000 + "]" * 5000 + "\n"
BAD_PYPROJECTS = [
    pytest.param('[tool.asynclint]\ncustom-rules = ""\n', ["custom-rules"], id="empty-string"),
    pytest.param('[tool.asynclint]\ncustom-rules = [""]\n', ["custom-rules"], id="empty-glob"),
    pytest.param(
        '[tool.asynclint]\ncustom-rules = ["/etc/*"]\n', ["custom-rules", "relative"], id="absolute"
    ),
    pytest.param("tool = 1\n", ["tool"], id="tool-not-a-table"),
    pytest.param("[tool.asynclint]\nrule = [1]\n", ["rule"], id="rule-not-a-table"),
    pytest.param(DEEP_TOML_ARRAY, ["nests more than"], id="deep-array"),
    pytest.param(
        "[tool.asynclint]\nallow = " + "[" * 40 + "]" * 40 + "\n", ["nests"], id="deep-but-parses"
    ),
]


@pytest.mark.parametrize(("text", "needles"), BAD_PYPROJECTS)
def test_bad_pyproject_is_one_error(project: Path, text: str, needles: list[str]) -> None:
    (project / "pyproject.toml").write_text(text)
    one_line_error(project, "pyproject.toml", *needles)


RULE_HEAD = '[[rule]]\ncode = "ASL901"\nname = "a"\nmessage = "m"\n'
BAD_RULE_FILES = [
    pytest.param(RULE_HEAD + "rule = [1]\n", ["`rule` must be a table"], id="rule-list"),
    pytest.param(
        RULE_HEAD + "rule = " + "{ not = " * 500 + '{ kind = "identifier" }' + "}" * 500 + "\n",
        ["nests more than"],
        id="rule-500-deep",
    ),
    pytest.param(
        '[[rule]]\ncode = "ASL901\\n"\nname = "a"\nmessage = "m"\npattern = "time.sleep($A)"\n',
        ["code", "ASL901\\n"],
        id="code-with-newline",
    ),
    pytest.param(
        '[[rule]]\ncode = "ASL901"\nname = "a\\n"\nmessage = "m"\npattern = "f()"\n',
        ["name"],
        id="name-with-newline",
    ),
    pytest.param("rule = 3\n", ["rule"], id="rule-not-an-array"),
]


@pytest.mark.parametrize(("text", "needles"), BAD_RULE_FILES)
def test_bad_rule_file_is_one_error(project: Path, text: str, needles: list[str]) -> None:
    (project / "pyproject.toml").write_text('[tool.asynclint]\ncustom-rules = ["r.toml"]\n')
    (project / "r.toml").write_text(text)
    one_line_error(project, "r.toml", *needles)


def test_deeply_nested_json_baseline_is_one_error(project: Path) -> None:
    baseline = project / "base.json"
    baseline.write_text("[" * 100_000 + "]" * 100_000)
    result = runner.invoke(app, ["check", "--no-cache", "--baseline", str(baseline), str(project)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"asynclint: error: {baseline}: not a JSON baseline file: nests more than 32 levels deep"
    ]


# every key of [tool.asynclint] with values of every TOML type: a clear error or a normal run
WRONG_VALUES = ["1", "true", '"x"', '""', "[1]", '[""]', "[[1]]", "{a = 1}", "[{a = 1}]", "1.5"]


@pytest.mark.parametrize(
    ("key", "value"),
    list(itertools.product(sorted(_KEYS - {"custom-rules"}), WRONG_VALUES)),
)
def test_every_key_with_every_type_is_an_error_or_a_run(
    project: Path, key: str, value: str
) -> None:
    (project / "pyproject.toml").write_text(f'[tool.asynclint]\n"{key}" = {value}\n')
    result = runner.invoke(app, ["check", "--no-cache", "-q", str(project)])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}"
    )
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("asynclint: error: "), result.stderr


# -- the flake8 plugin: one finding on line 1, and flake8 goes on ------------------------------


def flake8(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "flake8"
    command = [str(executable)] if executable.is_file() else [sys.executable, "-m", "flake8"]
    return subprocess.run(
        [*command, *args], cwd=project, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "pyproject",
    [
        '[tool.asynclint]\ncustom-rules = [""]\n',
        "tool = 1\n",
        DEEP_TOML_ARRAY,
        '[tool.asynclint]\ncustom-rules = ["r.toml"]\n',
    ],
    ids=["empty-glob", "tool-not-a-table", "deep-array", "bad-rule-file"],
)
def test_flake8_plugin_reports_bad_config_as_one_finding(project: Path, pyproject: str) -> None:
    (project / "app.py").write_text("import os\n" + BLOCKING)  # F401 as well
    (project / "pyproject.toml").write_text(pyproject)
    (project / "r.toml").write_text(RULE_HEAD + "rule = [1]\n")
    result = flake8(project, "--select", "F,ASL", "app.py")
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    assert lines[0].startswith("app.py:1:1: ASL003 asynclint cannot run: ")
    assert lines[1].startswith("app.py:1:1: F401 ")
    assert result.returncode == 1
