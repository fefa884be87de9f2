"""--fix, --unsafe-fixes and --diff: before/after pairs through the CLI."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, cli_runner

from asynclint.cli import app
from asynclint.findings import Finding
from asynclint.fixes import Change, write

FIXES = FIXTURES / "fixes"
runner = cli_runner()


def fix(path: Path, *flags: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["check", "--no-cache", str(path), *flags])


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return tmp_path


def place(work: Path, name: str, newline: str = "\n") -> Path:
    text = (FIXES / f"{name}_before.py").read_text(encoding="utf-8")
    target = work / f"{name}.py"
    target.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return target


def expected(name: str, newline: str = "\n") -> bytes:
    return (FIXES / name).read_text(encoding="utf-8").replace("\n", newline).encode("utf-8")


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_safe_fix_rewrites_only_reported_calls(work: Path, newline: str) -> None:
    target = place(work, "sleep", newline)
    result = fix(target, "--fix")
    assert target.read_bytes() == expected("sleep_after.py", newline)
    assert result.exit_code == 1  # the generator expression is left for a human
    assert "fixed 3 finding(s) in 1 file(s)" in result.output


def test_fix_is_idempotent(work: Path) -> None:
    target = place(work, "sleep")
    fix(target, "--fix")
    once = target.read_bytes()
    result = fix(target, "--fix")
    assert target.read_bytes() == once
    assert "fixed 0 finding(s)" in result.output


def test_safe_fix_leaves_unsafe_ones_alone(work: Path) -> None:
    target = place(work, "offload")
    before = target.read_bytes()
    fix(target, "--fix")
    assert target.read_bytes() == before


def test_unsafe_fixes_offload_and_make_plain_def(work: Path) -> None:
    target = place(work, "offload")
    result = fix(target, "--fix", "--unsafe-fixes")
    assert target.read_bytes() == expected("offload_after_unsafe.py")
    # the route is a plain `def` now: off the loop, but its request without a timeout keeps a
    # threadpool token for as long as it waits, which is all that is left to report
    assert result.exit_code == 1, result.output
    codes = re.findall(r": (ASL\d+) ", result.output)
    assert codes == ["ASL801"], result.output


def test_offload_fix_is_described_as_the_call_it_writes(work: Path) -> None:
    target = work / "handler.py"
    target.write_text(
        "import requests\n\n\n"
        "async def fetch(url: str) -> dict:\n"
        "    return requests.get(url, timeout=5).json()\n\n\n"
        "async def shadowed(url: str, asyncio: str = 'not the module') -> dict:\n"
        "    return requests.get(url, timeout=5).json()\n"
    )
    described = re.findall(r"= fix \(unsafe, [^)]*\): (.*)", fix(target).output)
    assert described == [
        "run `requests.get` in a worker thread with `await asyncio.to_thread(...)`",
        "run `requests.get` in a worker thread with `await _asyncio.to_thread(...)`",
    ]
    fix(target, "--fix", "--unsafe-fixes")
    text = target.read_text()
    assert "(await asyncio.to_thread(requests.get, url, timeout=5)).json()" in text
    assert "(await _asyncio.to_thread(requests.get, url, timeout=5)).json()" in text


def test_diff_writes_nothing_and_exits_1(work: Path) -> None:
    target = place(work, "sleep")
    before = target.read_bytes()
    result = fix(target, "--diff")
    assert result.exit_code == 1
    assert "-        time.sleep(0.5 * attempt)" in result.output
    assert "+        await asyncio.sleep(0.5 * attempt)" in result.output
    assert target.read_bytes() == before


def test_diff_with_nothing_to_fix_exits_0(work: Path) -> None:
    (work / "ok.py").write_text("import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n")
    assert fix(work / "ok.py", "--diff").exit_code == 0


def test_fix_and_diff_conflict(work: Path) -> None:
    target = place(work, "sleep")
    assert fix(target, "--fix", "--diff").exit_code == 2


def test_bom_is_kept(work: Path) -> None:
    target = work / "bom.py"
    target.write_bytes(b"\xef\xbb\xbfimport time\n\n\nasync def f():\n    time.sleep(1)\n")
    fix(target, "--fix")
    assert target.read_bytes() == (
        b"\xef\xbb\xbfimport asyncio\nimport time\n\n\nasync def f():\n    await asyncio.sleep(1)\n"
    )


def test_file_changed_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"new content\n")
    change = Change(str(target), b"old content\n", b"fixed\n", ())
    assert write(change) == "changed on disk, fix skipped"
    assert target.read_bytes() == b"new content\n"


def test_json_and_text_show_the_fix(work: Path) -> None:
    target = place(work, "sleep")
    text = fix(target).output
    assert "= fix (safe, --fix): replace with `await asyncio.sleep(1)`" in text


def test_examples_fixed_copy_still_parses_and_passes(tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    shutil.copytree(Path(__file__).parent.parent / "examples", examples)
    fix(examples, "--fix", "--unsafe-fixes")
    for path in examples.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    result = runner.invoke(app, ["check", "--no-cache", str(examples), "--format", "json"])
    import json

    left = [
        Finding(
            **{
                k: v
                for k, v in f.items()
                if k
                in ("code", "path", "line", "column", "end_line", "end_column", "message", "advice")
            }
        )
        for f in json.loads(result.stdout)["findings"]
    ]
    # left: the plain-def startup handler (it cannot await and must stay sync), the avatar
    # upload's `with open(...)` block (offloading `open` alone would leave the write on the
    # loop, so no fix is offered for an operation that spans several calls), and the two plain
    # `def` routes the example has that hold a `get_db` connection across a threadpool token
    # (ASL802). The `async def` routes that would do the same as plain `def`s (`GET /books`,
    # `GET /orders`) are offloaded instead: the fixes make no new ASL802
    assert [(Path(f.path).name, f.code) for f in left] == [
        ("main.py", "ASL301"),
        ("orders.py", "ASL802"),
        ("users.py", "ASL802"),
        ("users.py", "ASL301"),
    ]
