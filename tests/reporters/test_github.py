from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from asynclint.findings import Finding, Hop
from asynclint.reporters import FORMATS, github


def make(root: Path, **changes: Any) -> Finding:
    finding = Finding(
        code="ASL101",
        path=str(root / "app dir" / "café.py"),
        line=12,
        column=12,
        end_line=12,
        end_column=24,
        message="`requests.get` blocks the event loop in route `GET /users/{user_id}`",
        advice="use `httpx.AsyncClient` and `await` the request",
        api="requests.get",
        function="read_user",
        context="route `GET /users/{user_id}`",
        snippet="    return requests.get(url).json()",
    )
    return dataclasses.replace(finding, **changes)


def test_registered_as_github() -> None:
    assert FORMATS["github"] is github.render


def test_error_line(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    assert github.render([make(root)], root=root) == (
        "::error file=app dir/café.py,line=12,endLine=12,col=12,endColumn=24,"
        "title=asynclint ASL101 (blocking-http-call)::"
        "`requests.get` blocks the event loop in route `GET /users/{user_id}`; "
        "use `httpx.AsyncClient` and `await` the request\n"
    )


def test_level_picks_command(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    warning = make(root, code="ASL301", message="`open` blocks", advice="use a thread")
    [line] = github.render([warning], root=root).splitlines()
    assert line.startswith("::warning file=")
    assert "title=asynclint ASL301 (blocking-file-io)::" in line


def test_note_becomes_notice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from asynclint import codes

    note = dataclasses.replace(codes.BY_CODE["ASL701"], level="note")
    monkeypatch.setitem(codes.BY_CODE, "ASL701", note)
    root = tmp_path / "repo"
    [line] = github.render([make(root, code="ASL701")], root=root).splitlines()
    assert line.startswith("::notice ")


def test_message_and_properties_escaped(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    finding = make(
        root,
        path=str(root / "a,b:c%d.py"),
        message="100% `x`\r\nsecond line: a, b",
        advice="",
    )
    [line] = github.render([finding], root=root).splitlines()
    assert line.startswith("::error file=a%2Cb%3Ac%25d.py,line=12,")
    assert line.endswith("::100%25 `x`%0D%0Asecond line: a, b")


def test_escape_functions() -> None:
    assert github.escape_data("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad:e,f"
    assert github.escape_property("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad%3Ae%2Cf"


def test_path_relative_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    monkeypatch.chdir(root / "src")
    out = github.render([make(root, path="pkg/ñ.py")], root=root)
    assert out.startswith("::error file=src/pkg/ñ.py,line=12,")


def test_chain_is_one_line(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    finding = make(root, chain=(Hop("Svc.get", str(root / "svc.py"), 3, 5),))
    assert len(github.render([finding], root=root).splitlines()) == 1


def test_no_findings_no_output(tmp_path: Path) -> None:
    assert github.render([], root=tmp_path) == ""


def test_sorted(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    late, early = make(root, line=30, end_line=30), make(root, line=2, end_line=2)
    lines = github.render([late, early], root=root).splitlines()
    assert [",line=2," in lines[0], ",line=30," in lines[1]] == [True, True]
