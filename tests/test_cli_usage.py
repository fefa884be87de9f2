"""Usage errors from the command-line parser (typer's click) read like asynclint's other errors:
one line, ``asynclint: error: ...`` on stderr, exit code 2, never click's usage block."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_runner

from asynclint.cli import app

runner = cli_runner()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["check", "--bogus", "."],
            "asynclint: error: no such option: --bogus",
        ),
        (
            ["check", "--format", "xml", "."],
            "asynclint: error: invalid value for '--format' / '--output-format' / '-f': "
            "'xml' is not one of 'text', 'json', 'sarif', 'github'; "
            "see `asynclint check --help`",
        ),
        (
            ["catalog", "infer"],
            "asynclint: error: missing argument 'distributions'; "
            "see `asynclint catalog infer --help`",
        ),
        (["bogus"], "asynclint: error: no such command 'bogus'; see `asynclint --help`"),
        (["--bogus"], "asynclint: error: no such option: --bogus; see `asynclint --help`"),
        (
            ["server", "--debounce-ms", "soon"],
            "asynclint: error: invalid value for '--debounce-ms':",
        ),
    ],
)
def test_usage_errors_are_one_asynclint_error_line_with_exit_code_2(
    args: list[str], expected: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(expected)
    assert "Usage:" not in result.stderr and "Error:" not in result.stderr


def test_the_installed_command_reports_usage_errors_the_same_way(tmp_path: Path) -> None:
    """Through ``main``, as the console script runs it (not the test runner)."""
    result = subprocess.run(
        [sys.executable, "-c", "from asynclint.cli import main; main()", "check", "--nope"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("asynclint: error: no such option: --nope")
    assert result.stderr.count("\n") == 1


def test_asynclint_alone_still_prints_the_help() -> None:
    result = runner.invoke(app, [])
    assert "Usage:" in result.output and "Commands" in result.output
    assert "asynclint: error" not in result.output
