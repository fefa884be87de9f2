"""Walking the tree: what the string-based walk computes is what `Path` would."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path, PurePath

from hypothesis import given
from hypothesis import strategies as st

from asynclint.discover import _relative, discover, excluded, path_order

_PART = st.sampled_from(["a", "ab", "b", "a.py", "build", "x-y", "src", "__init__.py"])
_PATH = st.lists(_PART, max_size=4).map(lambda parts: Path(os.sep).joinpath(*parts))


@given(_PATH, _PATH)
def test_relative_is_what_path_relative_to_gives(path: Path, root: Path) -> None:
    try:
        expected = path.relative_to(root).as_posix()
    except ValueError:
        expected = path.as_posix()
    assert _relative(str(path), str(root)) == expected


@given(st.lists(_PATH, max_size=8))
def test_path_order_sorts_as_paths_do(paths: list[Path]) -> None:
    assert sorted(paths, key=path_order) == sorted(paths)


def test_the_walk_excludes_what_excluded_says(tmp_path: Path) -> None:
    for name in ("app/main.py", "app/build/gen.py", "build/x.py", "docs/conf.py", "a-b/c.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    patterns = ["build", "docs/*.py"]
    found = discover([str(tmp_path)], patterns, tmp_path, respect_gitignore=False).files
    every = sorted(tmp_path.rglob("*.py"))
    assert list(found) == [p for p in every if not excluded(p, tmp_path, patterns)]
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a-b/c.py", "app/main.py"]


_POSIX_PATH = st.lists(
    st.sampled_from(["a", "ab", ".", "..", "", ".x", "b.py"]), min_size=1, max_size=5
).map("/".join)


@given(_POSIX_PATH, st.sampled_from(["/", "/a", "/a/ab", "/ab"]))
def test_display_cuts_the_working_directory_as_purepath_does(path: str, cwd: str) -> None:
    from asynclint.paths import _display

    candidate = PurePath(path)
    expected = candidate.as_posix()
    if candidate.is_absolute():
        with contextlib.suppress(ValueError):
            expected = candidate.relative_to(cwd).as_posix()
    assert _display(path, cwd) == expected
