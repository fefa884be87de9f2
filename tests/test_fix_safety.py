"""`--fix` never changes what a program means, never writes outside what was checked, and never
writes over an edit made while it ran (issue 15, repros 04, 06, 07, 08, 09 in
``shared/repros/robustness``). The fixed files are compiled and inspected, never run."""

from __future__ import annotations

import ast
import os
import re
import stat
from pathlib import Path

import pytest
from conftest import cli_runner

from asynclint import autofix, engine
from asynclint.cache import Summaries
from asynclint.cli import app
from asynclint.config import Settings
from asynclint.discover import discover
from asynclint.fixes import Change, verify, write

runner = cli_runner()


def fix(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["check", "--no-cache", *args, "--fix"])


def compiles(path: Path) -> bool:
    try:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
    except SyntaxError:
        return False
    return True


# -- 1: the fixed module must compile, not only parse ------------------------------------------

CLASS_BODY = """\
import time


async def make_class():
    class K:
        v = time.sleep(1)
        w = [time.sleep(i) for i in range(2)]
    return K
"""


def test_no_await_is_written_into_a_class_body(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    target.write_text(CLASS_BODY)
    fix(str(target))
    assert target.read_text() == CLASS_BODY  # no fix is offered there
    assert compiles(target)


def test_verify_compiles_the_fixed_module(tmp_path: Path) -> None:
    # `ast.parse` accepts this; `compile` does not ("'await' outside function")
    after = b"async def f():\n    class K:\n        v = await g()\n"
    ast.parse(after)
    problem = verify(Change(str(tmp_path / "m.py"), b"", after, ()))
    assert problem is not None and "would not compile" in problem


# -- 2: `asyncio` in the fix must be the module where the fix puts it ---------------------------


def _call_root(path: Path) -> tuple[str, set[str]]:
    """The name the fixed `await X.sleep(...)` uses, and the names module-level imports of
    `asyncio` bind (`import asyncio` -> asyncio, `import asyncio as a` -> a)."""
    tree = ast.parse(path.read_bytes())
    awaited = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call)
    ]
    assert len(awaited) == 1, ast.dump(tree)
    func = awaited[0].func
    assert isinstance(func, ast.Attribute) and func.attr == "sleep"
    assert isinstance(func.value, ast.Name)
    bound = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == "asyncio"
    }
    return func.value.id, bound


@pytest.mark.parametrize(
    "source",
    [
        'import time\nasyncio = "config value"\n\n\nasync def h():\n    time.sleep(0)\n'
        "    return asyncio\n",
        'import time\n\n\nasync def h(asyncio="not the module"):\n    time.sleep(0)\n'
        "    return asyncio\n",
        "import time\n\n\nasync def h():\n    asyncio = 1\n    time.sleep(0)\n    return asyncio\n",
        "import time\n\n\ndef outer(asyncio):\n    async def h():\n        time.sleep(0)\n"
        "        return asyncio\n\n    return h\n",
        # `_asyncio` is taken too: the next free name is used
        "import time\n_asyncio = 2\n\n\nasync def h(asyncio=None):\n    time.sleep(0)\n"
        "    return asyncio, _asyncio\n",
    ],
    ids=["module-variable", "parameter", "local", "closure-parameter", "alias-taken"],
)
def test_shadowed_asyncio_is_imported_under_a_free_name(tmp_path: Path, source: str) -> None:
    target = tmp_path / "m.py"
    target.write_text(source)
    result = fix(str(target))
    assert "fixed 1 finding(s)" in result.output, result.output
    assert compiles(target)
    used, bound = _call_root(target)
    assert used != "asyncio" and used in bound
    assert used not in source.replace(f"import asyncio as {used}", "")  # a fresh name
    # the user's own `asyncio` is left as it was: the one new word is the import's
    words = re.compile(r"\basyncio\b")
    assert len(words.findall(target.read_text())) == len(words.findall(source)) + 1


def test_local_import_of_asyncio_is_used_as_is(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    target.write_text("import time\n\n\nasync def h():\n    import asyncio\n    time.sleep(0)\n")
    fix(str(target))
    assert target.read_text() == (
        "import time\n\n\nasync def h():\n    import asyncio\n    await asyncio.sleep(0)\n"
    )


def test_comprehension_variable_named_asyncio_is_not_used(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    target.write_text(
        "import time\n\n\nasync def h(items):\n"
        "    return [time.sleep(asyncio) for asyncio in items]\n"
    )
    fix(str(target))
    assert compiles(target)
    used, bound = _call_root(target)
    assert used != "asyncio" and used in bound


# -- 13: comments inside the replaced call are kept ---------------------------------------------

COMMENTED = """\
import time


async def h():
    time.sleep(  # back off: the upstream rate-limits us (ticket OPS-123)
        # do NOT lower this, see incident 2024-05
        1.5  # seconds
    )
"""


def test_safe_fix_keeps_comments_inside_the_call(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    target.write_text(COMMENTED)
    result = fix(str(target))
    assert "fixed 1 finding(s)" in result.output, result.output
    assert target.read_text() == "import asyncio\n" + COMMENTED.replace(
        "time.sleep(", "await asyncio.sleep("
    )


def test_offload_fix_keeps_comments_inside_the_call(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    source = (
        "import requests\n\n\nasync def h():\n    await g()\n"
        "    requests.get(  # the health check\n        'http://x'  # no timeout\n    )\n"
    )
    target.write_text(source)
    runner.invoke(app, ["check", "--no-cache", str(target), "--fix", "--unsafe-fixes"])
    text = target.read_text()
    assert compiles(target), text
    assert "# the health check" in text and "# no timeout" in text
    assert "await asyncio.to_thread(requests.get," in text


# -- 3: compare-and-swap: a fix is written only over the bytes it was computed from ------------

SLEEP_10 = "import time\n\n\nasync def handler():\n    time.sleep(10)\n"
SLEEP_99 = "import time\n\n\nasync def handler():\n    time.sleep(99)\n"


def test_edit_saved_after_the_analysis_is_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "aaa.py"
    target.write_text(SLEEP_10)
    found = discover([str(tmp_path)])
    report = engine.check(found.files, tmp_path, Settings(), Summaries(None))
    assert [f.fix is not None for f in report.findings] == [True]
    target.write_text(SLEEP_99)  # the editor saves while asynclint runs
    outcome = autofix.fix(report.findings, found.files, tmp_path, Settings(), checked=[tmp_path])
    assert outcome.applied == ()
    assert [why for _, why in outcome.rejected] == ["changed on disk, fix skipped"]
    assert target.read_text() == SLEEP_99


def test_write_rereads_just_before_replacing(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"new content\n")
    change = Change(str(target), b"old content\n", b"fixed\n", ())
    assert write(change) == "changed on disk, fix skipped"
    assert target.read_bytes() == b"new content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]  # no temp file left


# -- 4: --fix writes only regular files inside the checked paths, keeps owner, mode, links ------

SLEEP = "import time\n\n\nasync def h():\n    time.sleep(1)\n"


def test_fix_never_writes_through_symlinks_or_hard_links(tmp_path: Path) -> None:
    outside, shared, project = tmp_path / "outside_lib", tmp_path / "shared", tmp_path / "proj"
    for directory in (outside, shared, project):
        directory.mkdir()
    (outside / "ext.py").write_text(SLEEP)
    (shared / "linked.py").write_text(SLEEP)
    (project / "vendor").symlink_to(outside)
    (project / "linked.py").symlink_to(shared / "linked.py")
    (project / "app.py").write_text(SLEEP)
    os.link(project / "app.py", project / "app.hardlink.py")
    (project / "own.py").write_text(SLEEP)
    os.chdir(project)
    result = fix(".")
    assert (outside / "ext.py").read_text() == SLEEP
    assert (project / "linked.py").is_symlink()
    assert (shared / "linked.py").read_text() == SLEEP
    assert (project / "app.py").read_text() == SLEEP
    assert os.stat(project / "app.py").st_nlink == 2
    assert "await asyncio.sleep(1)" in (project / "own.py").read_text()
    assert "fixed 1 finding(s) in 1 file(s)" in result.output
    assert "is a symbolic link" in result.output or "outside the checked paths" in result.output
    assert "hard link" in result.output


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_fix_keeps_owner_and_mode(tmp_path: Path) -> None:
    target = tmp_path / "app.py"
    target.write_text(SLEEP)
    os.chown(target, 65534, 65534)
    os.chmod(target, 0o640)
    fix(str(target))
    info = os.stat(target)
    assert "await asyncio.sleep(1)" in target.read_text()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (65534, 65534, 0o640)
