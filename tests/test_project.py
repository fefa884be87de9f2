"""The project index: execution environments per pyproject.toml, import roots per file, and
the imports that found no module although the project has a file of that name."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, cli_runner

from asynclint import engine
from asynclint.cache import Summaries
from asynclint.cli import app
from asynclint.config import ConfigError, Settings, from_table
from asynclint.project import Project, read_environment
from asynclint.summary import summarise

ENVIRONMENTS = FIXTURES / "projects" / "environments"


def _project(root: Path, src: tuple[Path, ...] = ()) -> Project:
    files = sorted(root.rglob("*.py"))
    return Project(root, files, lambda p: summarise(p.read_bytes(), str(p)), src=src)


def _write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_file_belongs_to_the_nearest_directory_with_a_pyproject(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", "[project]\nname = 'top'\n")
    _write(tmp_path / "svc" / "setup.cfg")
    deep = _write(tmp_path / "svc" / "pkg" / "sub" / "mod.py")
    top = _write(tmp_path / "tools" / "run.py")
    project = _project(tmp_path)
    assert project.environment_of(str(deep)).root == tmp_path / "svc"
    assert project.environment_of(str(top)).root == tmp_path


def test_an_environment_reads_its_roots_and_python_from_its_pyproject(tmp_path: Path) -> None:
    _write(
        tmp_path / "pyproject.toml",
        "[project]\nrequires-python = '>=3.11,<4'\n"
        "[tool.asynclint]\nsrc = ['lib', '']\n"
        "[tool.pytest.ini_options]\npythonpath = 'source tests'\n",
    )
    environment = read_environment(tmp_path)
    assert environment.src == (tmp_path / "lib", tmp_path / "source", tmp_path / "tests")
    assert environment.requires_python == (3, 11)


@pytest.mark.parametrize("text", ["", "not [ toml", "tool = 3\nproject = 'x'\n"])
def test_an_environment_without_a_readable_pyproject_declares_nothing(
    tmp_path: Path, text: str
) -> None:
    if text:
        _write(tmp_path / "pyproject.toml", text)
    assert read_environment(tmp_path) == (tmp_path, (), (0, 0))


def test_declared_roots_come_before_the_directories_above(tmp_path: Path) -> None:
    _write(tmp_path / "svc" / "pyproject.toml", "[tool.asynclint]\nsrc = ['code']\n")
    main = _write(tmp_path / "svc" / "web" / "main.py")
    configured = tmp_path / "shared"
    roots = _project(tmp_path, src=(configured,)).roots_for(str(main))
    assert roots == (
        tmp_path / "svc" / "web",
        tmp_path / "svc" / "code",
        tmp_path / "svc" / "src",
        tmp_path / "svc",
        tmp_path,
        configured,
        tmp_path / "src",
    )


def test_each_service_resolves_its_own_module_of_a_shared_name() -> None:
    project = _project(ENVIRONMENTS)
    orders = str(ENVIRONMENTS / "orders" / "web" / "main.py")
    users = str(ENVIRONMENTS / "users" / "web" / "main.py")
    admin = str(ENVIRONMENTS / "admin" / "app" / "main.py")
    assert project.find_module("billing", orders) == str(
        ENVIRONMENTS / "orders" / "source" / "billing.py"
    )
    assert project.find_module("billing", users) == str(
        ENVIRONMENTS / "users" / "code" / "billing.py"
    )
    assert project.find_module("billing", admin) is None
    assert list(project.unresolved) == [admin]


def test_unresolved_notes_name_the_file_and_where_a_module_of_that_name_is() -> None:
    project = _project(ENVIRONMENTS)
    admin = str(ENVIRONMENTS / "admin" / "app" / "main.py")
    assert project.find_module("billing.charge", admin) is None
    assert project.find_module("fastapi", admin) is None  # a library: nothing to say
    ((importer, line),) = project.unresolved_notes()
    assert importer == admin
    assert "module `billing` is not on this file's import roots" in line
    assert "orders/source/billing.py exists" in line


def test_config_src_is_relative_to_its_pyproject_and_must_be_strings(tmp_path: Path) -> None:
    source = str(tmp_path / "pyproject.toml")
    settings = from_table({"src": ["backend", "libs/common"]}, source)
    assert settings.src == (str(tmp_path / "backend"), str(tmp_path / "libs/common"))
    assert settings.fingerprint() != Settings().fingerprint()
    with pytest.raises(ConfigError, match="`src` must be a list of strings"):
        from_table({"src": [1]}, source)


def test_configured_src_resolves_a_flat_import(tmp_path: Path) -> None:
    _write(tmp_path / "backend" / "services.py", "import time\n\ndef wait():\n    time.sleep(1)\n")
    app = _write(
        tmp_path / "web" / "app.py", "from services import wait\n\nasync def f():\n    wait()\n"
    )

    def codes(settings: Settings) -> list[str]:
        report = engine.check([app], tmp_path, settings, Summaries(None), [app])
        return [f.code for f in report.findings]

    assert codes(Settings()) == []
    assert codes(Settings(src=(str(tmp_path / "backend"),))) == ["ASL501"]


def test_newer_syntax_is_judged_by_the_python_its_own_environment_requires(
    tmp_path: Path,
) -> None:
    _write(tmp_path / "new" / "pyproject.toml", "[project]\nrequires-python = '>=3.99'\n")
    _write(tmp_path / "old" / "pyproject.toml", "[project]\nrequires-python = '>=3.8'\n")
    newer = _write(tmp_path / "new" / "app.py", "async def f():\n    return (\n")
    broken = _write(tmp_path / "old" / "app.py", "async def f():\n    return (\n")
    report = engine.check([newer, broken], tmp_path, Settings(), Summaries(None), [newer, broken])
    assert [(Path(f.path).parent.name, f.code) for f in report.findings] == [("old", "ASL001")]
    (note,) = [w for w in report.warnings if "do not parse" in w]
    assert "requires Python >= 3.99" in note and "new/app.py" in note


def test_verbose_prints_the_unresolved_imports_and_only_then(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ENVIRONMENTS)
    runner = cli_runner()
    quiet = runner.invoke(app, ["check", ".", "--no-cache"])
    loud = runner.invoke(app, ["check", ".", "--no-cache", "--verbose"])
    assert quiet.exit_code == loud.exit_code == 1
    assert "note:" not in quiet.output
    notes = [line for line in loud.output.splitlines() if "asynclint: note:" in line]
    assert notes[-1] == "asynclint: note: analysis: full"  # how the findings were made
    assert len(notes) == 2 and notes[0].startswith("asynclint: note: admin/app/main.py:")
