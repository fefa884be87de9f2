"""Analysed code is never imported or executed.

A fixture project plants a payload everywhere code could run if asynclint imported, executed
or evaluated anything: module level, ``__init__.py``, imports, conftest/setup/sitecustomize
files, a ``.pth`` file, decorators, defaults, class bodies, string annotations, modules that
shadow the standard library. Each payload creates its own marker file. A control test proves
the payloads are live (running the project does create the markers); the others run the CLI
(in-process and as a command) and the flake8 plugin over the project and find no marker.
"""

from __future__ import annotations

import ast
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_runner

from asynclint.cli import app
from asynclint.flake8_plugin import AsyncLintChecker, project_findings

BIN = Path(sys.executable).parent

# every file also has an `async def` with a blocking call, so asynclint fully analyses it
BLOCKING = "\n\nasync def blocked_{tag}():\n    import time\n    time.sleep(1)\n"


def _touch(markers: Path, name: str) -> str:
    return f"__import__('pathlib').Path({str(markers / name)!r}).touch()"


def plant(project: Path, markers: Path) -> dict[str, Path]:
    """The fixture project; returns every file with a payload, by marker name."""
    project.mkdir(parents=True, exist_ok=True)
    markers.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {
        "pyproject.toml": "[project]\nname = 'victim'\n",
        "app/__init__.py": _touch(markers, "package_init") + "\n",
        "app/main.py": (
            _touch(markers, "module_level")
            + "\nimport app.helpers\nfrom app import side_effect\nfrom . import relative\n"
            "from app.helpers import fetch\n"
            f"@(lambda function: ({_touch(markers, 'decorator')}, function)[1])\n"
            "def decorated():\n    pass\n\n"
            f"def default(x={_touch(markers, 'default_argument')}):\n    pass\n\n"
            f"class Body:\n    {_touch(markers, 'class_body')}\n\n"
            f"def annotated(x: {_touch(markers, 'string_annotation')!r}) -> "
            f"{_touch(markers, 'return_annotation')!r}:\n    pass\n\n"
            "async def route():\n    return fetch()\n\n"
            f"if __name__ == '__main__':\n    {_touch(markers, 'dunder_main')}\n"
        ),
        "app/helpers.py": _touch(markers, "imported_module")
        + "\nimport requests\n\ndef fetch():\n    return requests.get('u')\n",
        "app/side_effect.py": _touch(markers, "from_import") + "\n",
        "app/relative.py": _touch(markers, "relative_import") + "\n",
        "app/__main__.py": _touch(markers, "package_main") + "\n",
        "conftest.py": _touch(markers, "conftest") + "\n",
        "tests/conftest.py": _touch(markers, "tests_conftest") + "\n",
        "setup.py": _touch(markers, "setup_py") + "\n",
        "sitecustomize.py": _touch(markers, "sitecustomize") + "\n",
        "usercustomize.py": _touch(markers, "usercustomize") + "\n",
        "noxfile.py": _touch(markers, "noxfile") + "\n",
        # modules that shadow what asynclint itself imports, should the project reach sys.path
        "typer.py": _touch(markers, "shadow_typer") + "\n",
        "ast.py": _touch(markers, "shadow_ast") + "\n",
        "tomllib.py": _touch(markers, "shadow_tomllib") + "\n",
        "pickle.py": _touch(markers, "shadow_pickle") + "\n",
        "annotations_future.py": "from __future__ import annotations\n"
        f"def f(x: {_touch(markers, 'future_annotation')}) -> None:\n    pass\n",
        "typing_tricks.py": "import typing\n"
        f"Alias = typing.Annotated[int, {_touch(markers, 'annotated_metadata')!r}]\n"
        f"T = typing.TypeVar('T', bound={_touch(markers, 'typevar_bound')!r})\n"
        f'def g(x: "typing.List[{_touch(markers, "nested_string_annotation")}]"):\n    pass\n',
    }
    for name, text in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tag = name.replace("/", "_").replace(".", "_")
        path.write_text(text + (BLOCKING.format(tag=tag) if name.endswith(".py") else ""))
    # `.pth` files run their `import` lines when their directory is a site directory
    pth = f"import pathlib; pathlib.Path({str(markers / 'pth_file')!r}).touch()\n"
    (project / "victim.pth").write_text(pth)
    (project / "lib" / "site-packages").mkdir(parents=True)
    (project / "lib" / "site-packages" / "victim.pth").write_text(pth)
    (project / "lib" / "site-packages" / "vendored.py").write_text(
        _touch(markers, "site_packages_module") + BLOCKING.format(tag="vendored")
    )
    return {name: project / name for name in files if name.endswith(".py")}


@pytest.fixture()
def victim(tmp_path: Path) -> tuple[Path, Path]:
    project, markers = tmp_path / "victim", tmp_path / "markers"
    plant(project, markers)
    return project, markers


def fired(markers: Path) -> list[str]:
    return sorted(p.name for p in markers.iterdir())


def command(name: str) -> list[str]:
    script = BIN / name
    if script.is_file():
        return [str(script)]
    module = {"asynclint": "asynclint.cli", "flake8": "flake8"}[name]
    if name == "asynclint":
        return [sys.executable, "-I", "-c", "from asynclint.cli import main; main()"]
    return [sys.executable, "-I", "-m", module]


def test_control_the_payloads_are_live(tmp_path: Path) -> None:
    """Running the project the way Python would fires the payloads: the fixture is real."""
    project, markers = tmp_path / "victim", tmp_path / "markers"
    plant(project, markers)
    script = (
        "import site, sys, runpy, types\n"
        "sys.modules['requests'] = types.ModuleType('requests')\n"
        f"site.addsitedir({str(project)!r})\n"  # processes victim.pth
        f"sys.path.insert(0, {str(project)!r})\n"
        "import app.main, conftest, setup, sitecustomize, annotations_future, typing_tricks\n"
        "import typing\n"
        "typing.get_type_hints(app.main.annotated)\n"
        "typing.get_type_hints(annotations_future.f)\n"
        "typing.get_type_hints(typing_tricks.g)\n"
        "runpy.run_module('app', run_name='__main__')\n"
        "runpy.run_module('app.main', run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    expected = {
        "pth_file",
        "package_init",
        "module_level",
        "imported_module",
        "from_import",
        "relative_import",
        "decorator",
        "default_argument",
        "class_body",
        "string_annotation",
        "return_annotation",
        "future_annotation",
        "nested_string_annotation",
        "conftest",
        "setup_py",
        "sitecustomize",
        "package_main",
        "dunder_main",
    }
    assert expected <= set(fired(markers))


def test_files_with_payloads_are_all_analysed(victim: tuple[Path, Path]) -> None:
    """The payload files are read and analysed, so the other tests are not vacuous."""
    project, markers = victim
    result = cli_runner().invoke(app, ["check", "--no-cache", "-f", "json", str(project)])
    assert result.exit_code == 1, result.output
    reported = {
        Path(f["path"]).resolve().relative_to(project.resolve()).as_posix()
        for f in json.loads(result.stdout)["findings"]
    }
    assert {
        "app/main.py",
        "app/helpers.py",
        "conftest.py",
        "setup.py",
        "sitecustomize.py",
        "typer.py",
        "ast.py",
    } <= reported
    assert fired(markers) == []


@pytest.mark.parametrize(
    "args",
    [
        ["--no-cache"],
        [],  # with the on-disk cache, twice (the second run reads it)
        ["--format", "sarif"],
        ["--statistics", "--format", "github"],
    ],
    ids=["no-cache", "cache", "sarif", "github"],
)
def test_cli_in_process_never_imports_or_runs_the_project(
    victim: tuple[Path, Path], args: list[str]
) -> None:
    project, markers = victim
    modules_before = set(sys.modules)
    path_before = list(sys.path)
    for _ in range(2):
        result = cli_runner().invoke(app, ["check", *args, str(project)])
        assert result.exit_code == 1, result.output
    assert fired(markers) == []
    assert sys.path == path_before
    leaked = {
        name
        for name in set(sys.modules) - modules_before
        if (getattr(sys.modules[name], "__file__", None) or "").startswith(str(project))
    }
    assert leaked == set()


def test_cli_command_run_inside_the_project_never_runs_it(victim: tuple[Path, Path]) -> None:
    project, markers = victim
    for args in (["check", "."], ["check", "--no-cache", "app/main.py", "setup.py"]):
        result = subprocess.run(
            [*command("asynclint"), *args], cwd=project, capture_output=True, text=True
        )
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert fired(markers) == []


def test_flake8_plugin_never_runs_the_project(victim: tuple[Path, Path]) -> None:
    project, markers = victim
    main = project / "app" / "main.py"
    tree = ast.parse(main.read_bytes())
    in_process = list(AsyncLintChecker(tree, str(main)).run())
    assert in_process and all("ASL" in message for _, _, message, _ in in_process)
    assert project_findings(project / "setup.py", use_cache=False)
    result = subprocess.run(
        [*command("flake8"), "--select", "ASL", "."], cwd=project, capture_output=True, text=True
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ASL" in result.stdout
    assert fired(markers) == []


class _Payload:
    """Unpickling this creates a file: what a planted cache entry could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("channel", ["cli", "flake8"])
def test_a_planted_cache_entry_never_runs(tmp_path: Path, channel: str) -> None:
    """A pull request can commit `.asynclint_cache/**`; CI then checks out and runs asynclint."""
    project, markers = tmp_path / "victim", tmp_path / "markers"
    project.mkdir()
    markers.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'victim'\n")
    (project / "app.py").write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    run = [*command("asynclint"), "check", "."]
    if channel == "flake8":
        run = [*command("flake8"), "--select", "ASL", "."]
    subprocess.run(run, cwd=project, capture_output=True, check=False)
    entries = list((project / ".asynclint_cache").rglob("*.msgpack"))
    assert entries, "the run wrote no cache entries to plant a payload in"
    payload = pickle.dumps(_Payload(markers / "cache_entry"))
    for entry in entries:  # what the attacker commits, under the names a run will look up
        entry.write_bytes(payload)
    subprocess.run(run, cwd=project, capture_output=True, check=False)
    assert fired(markers) == []
