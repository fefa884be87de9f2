"""`.gitignore` rules as git applies them, and discovery that honours them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli_runner

from asynclint.cli import app
from asynclint.discover import discover
from asynclint.gitignore import ignored, parse

BASE = Path("/repo")


@pytest.mark.parametrize(
    ("patterns", "path", "is_directory", "expected"),
    [
        ("*.py", "a/b/gen.py", False, True),
        ("gen_*.py", "a/gen_x.py", False, True),
        ("gen_*.py", "a/gen/x.py", False, False),
        ("/top.py", "top.py", False, True),
        ("/top.py", "sub/top.py", False, False),
        ("a/b.py", "a/b.py", False, True),
        ("a/b.py", "x/a/b.py", False, False),  # an inner slash anchors
        ("build/", "pkg/build", True, True),
        ("build/", "pkg/build", False, False),  # directories only
        ("**/migrations", "x/y/migrations", True, True),
        ("docs/**", "docs/a/b.py", False, True),
        ("a/**/b.py", "a/b.py", False, True),
        ("a/**/b.py", "a/x/y/b.py", False, True),
        ("file?.py", "file1.py", False, True),
        ("file[0-9].py", "file7.py", False, True),
        ("file[!0-9].py", "file7.py", False, False),
        ("*.py\n!keep.py", "keep.py", False, False),  # negation: the last match wins
        ("!keep.py\n*.py", "keep.py", False, True),
        ("# comment\n\n\\#hash.py", "#hash.py", False, True),
        ("\\!bang.py", "!bang.py", False, True),
        ("trailing.py   ", "trailing.py", False, True),
    ],
)
def test_patterns_match_as_in_git(
    patterns: str, path: str, is_directory: bool, expected: bool
) -> None:
    rules = parse(patterns, BASE)
    assert ignored(BASE / path, is_directory, rules) is expected


def test_rules_apply_only_below_their_directory() -> None:
    rules = parse("*.py", BASE / "sub")
    assert ignored(BASE / "sub" / "a.py", False, rules)
    assert not ignored(BASE / "a.py", False, rules)


def _repository(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("generated/\n*_pb2.py\n!keep_pb2.py\n")
    for name in ("app/main.py", "app/api_pb2.py", "app/keep_pb2.py", "generated/x.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    (tmp_path / "app" / ".gitignore").write_text("/local.py\n")
    (tmp_path / "app" / "local.py").write_text("x = 1\n")
    (tmp_path / "app" / "deeper").mkdir()
    (tmp_path / "app" / "deeper" / "local.py").write_text("x = 1\n")
    return tmp_path


def _names(root: Path, found: tuple[Path, ...]) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in found)


def test_discovery_skips_what_the_repository_ignores(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    assert _names(root, discover([str(root)]).files) == [
        "app/deeper/local.py",  # `/local.py` is anchored to app/
        "app/keep_pb2.py",
        "app/main.py",
    ]
    everything = discover([str(root)], respect_gitignore=False).files
    assert len(everything) == 6


def test_rules_above_the_checked_directory_apply(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    assert _names(root, discover([str(root / "app")]).files) == [
        "app/deeper/local.py",
        "app/keep_pb2.py",
        "app/main.py",
    ]


def test_a_file_named_on_the_command_line_is_checked_even_if_ignored(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    named = root / "app" / "api_pb2.py"
    assert discover([str(named)]).files == (named,)


def test_outside_a_repository_gitignore_files_below_still_count(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("skip.py\n")
    (tmp_path / "skip.py").write_text("x = 1\n")
    (tmp_path / "keep.py").write_text("x = 1\n")
    assert _names(tmp_path, discover([str(tmp_path)]).files) == ["keep.py"]


def test_the_cli_flag_and_the_config_key_turn_it_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repository(tmp_path)
    (root / "generated" / "x.py").write_text("import time\n\nasync def f():\n    time.sleep(1)\n")
    monkeypatch.chdir(root)
    runner = cli_runner()
    assert runner.invoke(app, ["check", ".", "--no-cache"]).exit_code == 0
    loud = runner.invoke(app, ["check", ".", "--no-cache", "--no-respect-gitignore"])
    assert loud.exit_code == 1 and "generated/x.py:4:5: ASL501" in loud.stdout
    (root / "pyproject.toml").write_text("[tool.asynclint]\nrespect-gitignore = false\n")
    assert runner.invoke(app, ["check", ".", "--no-cache"]).exit_code == 1
