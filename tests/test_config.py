"""[tool.asynclint] in pyproject.toml: every key, and clear errors for bad ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cli_runner

from asynclint.cli import app
from asynclint.config import ConfigError, from_table

runner = cli_runner()
ROUTE = (
    "import time\nimport requests\n\n\nasync def f():\n    time.sleep(1)\n    requests.get('u')\n"
)


def findings(project: Path, *args: str) -> list[tuple[str, int, str]]:
    result = runner.invoke(app, ["check", "--no-cache", "--format", "json", str(project), *args])
    assert result.exit_code in (0, 1), result.output
    return [
        (Path(f["path"]).name, f["line"], f["code"]) for f in json.loads(result.stdout)["findings"]
    ]


def project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n" + table)
    (tmp_path / "app.py").write_text(ROUTE)
    (tmp_path / "scripts").mkdir(exist_ok=True)
    (tmp_path / "scripts" / "job.py").write_text(ROUTE)
    return tmp_path


def test_defaults_report_everything(tmp_path: Path) -> None:
    assert len(findings(project(tmp_path, ""))) == 4


def test_select_and_ignore(tmp_path: Path) -> None:
    root = project(tmp_path, 'select = ["ASL1"]\n')
    assert {code for *_, code in findings(root)} == {"ASL101"}
    root = project(tmp_path, 'ignore = ["ASL101"]\n')
    assert {code for *_, code in findings(root)} == {"ASL501"}


def test_cli_select_overrides_config(tmp_path: Path) -> None:
    root = project(tmp_path, 'select = ["ASL1"]\n')
    assert {code for *_, code in findings(root, "--select", "ASL5")} == {"ASL501"}


def test_per_file_ignores(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.asynclint.per-file-ignores]\n"scripts/*" = ["ASL"]\n')
    assert {name for name, *_ in findings(root)} == {"app.py"}


def test_exclude_and_extend_exclude(tmp_path: Path) -> None:
    root = project(tmp_path, 'extend-exclude = ["scripts"]\n')
    assert {name for name, *_ in findings(root)} == {"app.py"}


def test_allow_list_removes_an_api(tmp_path: Path) -> None:
    root = project(tmp_path, 'allow = ["requests.get"]\n')
    assert {code for *_, code in findings(root)} == {"ASL501"}


def test_extra_catalog_entry_for_an_in_house_sdk(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        '[[tool.asynclint.function]]\nname = "billing.charge"\ncategory = "sdk"\n'
        'why = "calls the billing service over HTTP"\nreplacement = "`billing.acharge`"\n'
        'anchor = "billing"\n',
    )
    (root / "pay.py").write_text("import billing\n\n\nasync def pay():\n    billing.charge(1)\n")
    assert ("pay.py", 5, "ASL601") in findings(root)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"selekt": ["ASL1"]}, "unknown key(s): selekt"),
        ({"select": "ASL1x"}, "not an asynclint code"),
        ({"select": [1]}, "must be a list of strings"),
        ({"ignore": ["ASL199"]}, "unknown code ASL199"),
        ({"per-file-ignores": ["x"]}, "must be a table"),
        ({"max-chain": 0}, "at least 1"),
        ({"function": [{"name": "x.y", "category": "web"}]}, "field `category`"),
        ({"function": [{"name": "x.y"}]}, "field `category` is missing"),
    ],
)
def test_malformed_settings_name_file_and_key(table: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=r"pyproject\.toml") as raised:
        from_table(table, "pyproject.toml")
    assert message in str(raised.value)


def test_malformed_config_exits_2_through_the_cli(tmp_path: Path) -> None:
    root = project(tmp_path, 'max-chain = "long"\n')
    result = runner.invoke(app, ["check", "--no-cache", str(root)])
    assert result.exit_code == 2
    assert "max-chain" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("name", [".asynclint.toml", "asynclint.toml"])
def test_own_config_file_holds_the_settings_at_top_level_and_wins_over_pyproject(
    tmp_path: Path, name: str
) -> None:
    from asynclint.config import find_pyproject, load

    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nselect = ['ASL5']\n")
    (tmp_path / name).write_text("select = ['ASL1']\nmax-chain = 3\n")
    (tmp_path / "pkg").mkdir()
    found = find_pyproject(tmp_path / "pkg")
    assert found == tmp_path / name
    settings = load(found)
    assert settings.select == ("ASL1",) and settings.max_chain == 3


def test_dot_file_comes_first_and_errors_name_the_key_without_a_table(tmp_path: Path) -> None:
    from asynclint.config import ConfigError, find_pyproject, load

    (tmp_path / "asynclint.toml").write_text("select = ['ASL1']\n")
    (tmp_path / ".asynclint.toml").write_text("max-chain = 0\n")
    found = find_pyproject(tmp_path)
    assert found == tmp_path / ".asynclint.toml"
    with pytest.raises(ConfigError) as error:
        load(found)
    assert str(error.value).startswith(f"{found}: `max-chain` must be a whole number")
