"""flake8 shows exactly what the CLI shows, per file, including cross-module chains."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, cli_runner
from flake8.api import legacy

from asynclint.cli import app
from asynclint.resolve import FuncKey

EXAMPLES = Path(__file__).parent.parent / "examples"


def flake8_findings(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, int, str]]:
    """Run flake8 in-process over ``root`` and collect (path, line, col, text) for ASL codes."""
    monkeypatch.chdir(root)
    collected: list[tuple[str, int, int, str]] = []
    style = legacy.get_style_guide(select=["ASL"])
    original = style._application.formatter.handle

    def handle(error) -> None:  # type: ignore[no-untyped-def]
        collected.append(
            (error.filename, error.line_number, error.column_number, f"{error.code} {error.text}")
        )
        return original(error)

    style._application.formatter.handle = handle  # type: ignore[method-assign]
    style.check_files(["."])
    out = []
    for filename, line, column, text in collected:
        relative = Path(filename).resolve().relative_to(root.resolve()).as_posix()
        out.append((relative, line, column, text))
    return sorted(out)


def cli_findings(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, int, str]]:
    monkeypatch.chdir(root)
    result = cli_runner().invoke(app, ["check", ".", "--format", "json", "--no-cache"])
    assert result.exit_code in (0, 1), result.output
    out = []
    for f in json.loads(result.stdout)["findings"]:
        # flake8 columns are 0-based internally and shown 1-based; both count from the callee
        text = f"{f['code']} {f['message']}; {f['advice']}"
        out.append((f["path"], f["line"], f["column"], text))
    return sorted(out)


@pytest.mark.parametrize("name", ["layered", "srclayout"])
def test_flake8_matches_cli_on_cross_module_projects(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / name
    shutil.copytree(FIXTURES / "projects" / name, root)
    from_cli = cli_findings(root, monkeypatch)
    assert from_cli, "the fixture must have findings for the comparison to mean anything"
    assert any("->" in t or "it reaches" in t for *_, t in from_cli)
    assert flake8_findings(root, monkeypatch) == from_cli


def test_flake8_matches_cli_on_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root)
    from_cli = cli_findings(root, monkeypatch)
    assert len(from_cli) >= 10
    assert flake8_findings(root, monkeypatch) == from_cli


def test_plugin_is_registered() -> None:
    from importlib.metadata import entry_points

    eps = entry_points()
    if hasattr(eps, "select"):
        group = eps.select(group="flake8.extension")
    else:  # Python 3.9
        group = eps["flake8.extension"]
    assert any(ep.name == "ASL" and ep.value.startswith("asynclint.") for ep in group)


def test_broken_config_is_one_finding_not_a_crash(tmp_path: Path) -> None:
    from asynclint.flake8_plugin import AsyncLintChecker

    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nselekt = 1\n")
    (tmp_path / "app.py").write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    results = list(AsyncLintChecker(None, str(tmp_path / "app.py")).run())  # type: ignore[arg-type]
    assert len(results) == 1
    line, column, text, _ = results[0]
    assert (line, column) == (1, 0) and text.startswith("ASL003 asynclint cannot run:")
    assert "selekt" in text


@pytest.mark.parametrize("use_cache", [False, True])
def test_plugin_sees_edits_made_after_its_first_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_cache: bool
) -> None:
    from asynclint import flake8_plugin
    from asynclint.flake8_plugin import project_findings

    monkeypatch.setattr(flake8_plugin, "TRUST_SECONDS", 0.0)  # an editor, seconds later
    monkeypatch.setattr(flake8_plugin, "TRUST_FACTOR", 0.0)
    monkeypatch.setattr(flake8_plugin, "_RUNS", {})

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    app = tmp_path / "app.py"
    app.write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    assert [f.code for f in project_findings(app, use_cache=use_cache)] == ["ASL501"]
    app.write_text("import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n\n")
    assert project_findings(app, use_cache=use_cache) == []


def test_the_first_run_of_a_process_takes_the_stats_its_cache_looked_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asynclint import flake8_plugin
    from asynclint.flake8_plugin import project_findings

    monkeypatch.setattr(flake8_plugin, "_RUNS", {})
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    app = tmp_path / "app.py"
    app.write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    given: list[object] = []
    real = flake8_plugin._state

    def state(files: list[Path], seen: dict[str, tuple[int, int]] | None = None) -> object:
        given.append(seen)
        return real(files, seen)

    monkeypatch.setattr(flake8_plugin, "_state", state)
    assert [f.code for f in project_findings(app)] == ["ASL501"]
    # what the stat index looked at, not asked again
    assert given == [{str(app): (app.stat().st_mtime_ns, app.stat().st_size)}]
    (run,) = flake8_plugin._RUNS.values()
    seen = app.stat()
    assert run.state == ((str(app), seen.st_mtime_ns, seen.st_size),)


def _checked(path: Path, lines: list[str] | None, name: str | None = None) -> list[str]:
    from asynclint.flake8_plugin import AsyncLintChecker

    checker = AsyncLintChecker(None, name or str(path), lines)  # type: ignore[arg-type]
    return [f"{line}:{column + 1}:{text.split()[0]}" for line, column, text, _ in checker.run()]


def test_an_edited_buffer_is_checked_not_the_saved_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "helpers.py").write_text("import time\n\n\ndef pause():\n    time.sleep(1)\n")
    app = tmp_path / "app.py"
    app.write_text("async def f():\n    pass\n")
    assert _checked(app, app.read_text().splitlines(keepends=True)) == []
    # unsaved: two new lines on top and a call two modules away; the chain runs through the
    # saved helper, the line numbers are the buffer's
    buffer = ["\n", "from helpers import pause\n", "\n", "async def f():\n", "    pause()\n"]
    assert _checked(app, buffer) == ["5:5:ASL501"]
    assert app.read_text() == "async def f():\n    pass\n"  # nothing written


def test_a_buffer_with_no_file_name_is_checked_as_a_file_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    buffer = ["import time\n", "async def f():\n", "    time.sleep(1)\n"]
    assert _checked(tmp_path / "stdin.py", buffer, name="stdin") == ["3:5:ASL501"]


def test_a_file_in_no_project_is_analysed_with_its_siblings_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asynclint import engine
    from asynclint.flake8_plugin import project_findings

    analysed: list[list[str]] = []
    original = engine.check

    def spy(*args: object, **kwargs: object) -> engine.Report:
        report = original(*args, **kwargs)  # type: ignore[arg-type]
        analysed.append(sorted(Path(p).name for p in args[5]))  # type: ignore[attr-defined]
        return report

    monkeypatch.setattr(engine, "check", spy)

    loose = tmp_path / "downloads"
    (loose / "deep" / "er").mkdir(parents=True)
    (loose / "helper.py").write_text("import time\n\n\ndef pause():\n    time.sleep(1)\n")
    (loose / "deep" / "er" / "broken.py").write_text("async def f(:\n")
    script = loose / "script.py"
    script.write_text("from helper import pause\n\n\nasync def f():\n    pause()\n")
    findings = project_findings(script)
    assert [(f.code, f.line) for f in findings] == [("ASL501", 5)]
    assert analysed == [["helper.py", "script.py"]]  # not deep/er/broken.py
    assert not (loose / ".asynclint_cache").exists()  # no cache left in a stranger's folder


def _count_analyses(root: str, log: str) -> None:
    """In a worker process: findings for one file, noting each whole-project analysis."""
    from asynclint import engine
    from asynclint.flake8_plugin import project_findings

    original = engine._analyse

    def counted(*args: object, **kwargs: object) -> object:
        with open(log, "a") as out:
            out.write("analysed\n")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    engine._analyse = counted  # type: ignore[assignment]
    assert [f.code for f in project_findings(Path(root) / "app.py")] == ["ASL501"]


def test_flake8_workers_analyse_the_project_once(tmp_path: Path) -> None:
    import multiprocessing

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "app.py").write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    log = tmp_path / "analyses.log"
    context = multiprocessing.get_context("spawn")  # fresh processes, as flake8's workers
    workers = [
        context.Process(target=_count_analyses, args=(str(tmp_path), str(log))) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    assert log.read_text().splitlines() == ["analysed"]  # the others read its run


def test_a_run_is_trusted_for_ten_times_what_looking_at_the_project_cost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a flake8 run over a large project must not walk it again every two seconds in every
    # worker: looking again is allowed a tenth of the time at most
    from asynclint.flake8_plugin import _Run

    small = _Run((), {}, checked_at=100.0, looking=0.01)
    assert small.trusted(101.9) and not small.trusted(102.1)  # the 2 s floor
    large = _Run((), {}, checked_at=100.0, looking=0.5)
    assert large.trusted(104.9) and not large.trusted(105.1)  # 10 x 0.5 s


def test_files_only_names_the_files_flake8_was_given(tmp_path: Path) -> None:
    from asynclint.flake8_plugin import _files_only

    app = tmp_path / "app.py"
    app.write_text("x = 1\n")
    other = tmp_path / "other.py"
    other.write_text("y = 2\n")
    assert _files_only([str(app), str(other)]) == {app.resolve(), other.resolve()}
    assert _files_only([str(app), str(tmp_path)]) is None  # a directory: the whole project
    assert _files_only([str(app), "-"]) is None  # stdin
    assert _files_only([str(tmp_path / "missing.py")]) is None
    assert _files_only([]) is None  # flake8 checks the working directory
    assert _files_only(None) is None


def test_flake8_on_one_file_of_a_large_project_explores_from_that_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the call graph is explored from the named file's loop code: a route in another module
    # (which reaches a blocking call of its own) is not looked at, yet the named file's
    # finding through a helper module is reported
    from asynclint import callgraph
    from asynclint.flake8_plugin import project_findings

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "helpers.py").write_text("import time\n\n\ndef nap():\n    time.sleep(1)\n")
    (tmp_path / "a.py").write_text("from helpers import nap\n\n\nasync def a():\n    nap()\n")
    (tmp_path / "b.py").write_text("import time\n\n\nasync def b():\n    time.sleep(2)\n")
    explored: list[str] = []
    original = callgraph.CallGraph.explore

    def explore(self: callgraph.CallGraph, roots: list[FuncKey]) -> None:
        explored.extend(sorted(Path(key.path).name for key in roots))
        original(self, roots)

    monkeypatch.setattr(callgraph.CallGraph, "explore", explore)
    a = tmp_path / "a.py"
    assert [(f.line, f.code) for f in project_findings(a, use_cache=False, scope={a})] == [
        (5, "ASL501")
    ]
    assert explored == ["a.py"]
    explored.clear()
    assert [(f.line, f.code) for f in project_findings(a, use_cache=False)] == [(5, "ASL501")]
    assert explored == ["a.py", "b.py"]  # the whole project, once for every file of the run
