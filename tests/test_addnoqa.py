"""`--add-noqa` silences every finding on its own line, and never breaks a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cli_runner

from asynclint.addnoqa import _closed_lines, plan
from asynclint.cli import app

BLOCKING = (
    "import time\n"
    "import requests\n"
    "\n"
    "\n"
    "async def handler():\n"
    "    time.sleep(1)\n"
    "    requests.get('u')  # noqa: E501\n"
    "    time.sleep(2)  # noqa: ASL101\n"
    "    requests.post(\n"
    "        'u'\n"
    "    )\n"
)


def _run(root: Path, *extra: str) -> object:
    return cli_runner().invoke(app, ["check", str(root), "--no-cache", *extra])


def test_adds_directives_and_the_next_run_is_clean(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(BLOCKING)
    result = _run(tmp_path, "--add-noqa")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "added noqa to 4 line(s) in 1 file(s)" in result.output  # type: ignore[attr-defined]
    assert (tmp_path / "app.py").read_text().splitlines()[5:9] == [
        "    time.sleep(1)  # noqa: ASL501",
        "    requests.get('u')  # noqa: E501, ASL101",
        "    time.sleep(2)  # noqa: ASL101, ASL501",
        "    requests.post(  # noqa: ASL101",
    ]
    # what is left is the ASL101 that silenced nothing on line 8: removed by --fix, never
    # silenced by one more directive
    after = json.loads(_run(tmp_path, "-f", "json").stdout)  # type: ignore[attr-defined]
    assert [(f["line"], f["code"]) for f in after["findings"]] == [(8, "ASL002")]


def test_a_line_ending_inside_a_string_or_continuation_is_left_alone(tmp_path: Path) -> None:
    source = (
        "import requests\n"
        "\n"
        "\n"
        "async def handler():\n"
        '    requests.get("""https://\n'
        '    example.com""")\n'
        "    requests.post('u', \\\n"
        "        json=1)\n"
    )
    (tmp_path / "app.py").write_text(source)
    result = _run(tmp_path, "--add-noqa")
    assert result.exit_code == 0
    output = result.output  # type: ignore[attr-defined]
    assert "app.py:5: no noqa added: the line ends inside a string or a continuation" in output
    assert "app.py:7: no noqa added" in output
    assert (tmp_path / "app.py").read_text() == source  # untouched, still reported
    assert _run(tmp_path).exit_code == 1  # type: ignore[attr-defined]


def test_closed_lines_know_strings_fstrings_and_backslashes() -> None:
    text = 'a = f"""x\n{1}\ny"""\nb = 1 + \\\n  2\nc = 3\n'
    assert _closed_lines(text) == {3, 5, 6}


def test_crlf_and_encoding_are_kept(tmp_path: Path) -> None:
    raw = "# -*- coding: latin-1 -*-\r\nimport time\r\nasync def f():\r\n    time.sleep(1)  # é\r\n"
    data = raw.encode("latin-1")
    (tmp_path / "app.py").write_bytes(data)
    assert _run(tmp_path, "--add-noqa").exit_code == 0
    assert (tmp_path / "app.py").read_bytes() == data.replace(
        "# é\r\n".encode("latin-1"), "# é  # noqa: ASL501\r\n".encode("latin-1")
    )


@pytest.mark.parametrize("other", ["--fix", "--diff"])
def test_refused_with_other_writers(tmp_path: Path, other: str) -> None:
    (tmp_path / "app.py").write_text(BLOCKING)
    result = _run(tmp_path, "--add-noqa", other)
    assert result.exit_code == 2
    assert (tmp_path / "app.py").read_text() == BLOCKING


def test_plan_skips_files_it_could_not_read() -> None:
    from asynclint.findings import Finding

    finding = Finding("ASL501", "/nowhere/app.py", 3, 5, 3, 15, "m", "a", api="time.sleep")
    planned = plan([finding], {})
    assert planned.changes == ()
    assert planned.skipped == (("/nowhere/app.py", 3, "the file could not be read"),)
