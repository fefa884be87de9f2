"""Paths given on the command line -> the Python files to check, and the project root."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from asynclint import gitignore

DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".env",
    "env",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".asynclint_cache",
    "*.egg-info",
    ".eggs",
    "site-packages",
    "__pypackages__",
)
PYTHON_SUFFIXES = (".py",)  # stubs (.pyi) never run


class DiscoveryError(Exception):
    """A path given by the user cannot be used (does not exist, is not Python)."""


@dataclass(frozen=True)
class Discovered:
    files: tuple[Path, ...]  # absolute, sorted
    root: Path  # the project root: nearest pyproject.toml or .git above the first path
    explicit: frozenset[Path] = frozenset()  # files named on the command line
    # directories that could not be listed, with why (a path past PATH_MAX, no permission):
    # the files in them were not checked, which the run must say
    unreadable: tuple[tuple[Path, str], ...] = ()


def find_root(start: Path) -> Path:
    """The project holding ``start``: the nearest directory with a pyproject.toml or .git,
    else the directory of ``start``."""
    return find_marked_root(start) or _directory(start.resolve())


def find_marked_root(start: Path) -> Optional[Path]:
    """The nearest directory at or above ``start`` with a pyproject.toml or .git; None when
    ``start`` belongs to no project."""
    directory = _directory(start.resolve())
    for candidate in (directory, *directory.parents):
        if (candidate / "pyproject.toml").is_file() or (candidate / ".git").exists():
            return candidate
    return None


def siblings(directory: Path) -> list[Path]:
    """The Python files directly in ``directory``: the project of a file that is in none."""
    return sorted(Path(os.path.abspath(p)) for p in directory.glob("*.py") if p.is_file())


def _directory(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def excluded(path: Path, root: Path, patterns: Sequence[str]) -> bool:
    """A pattern matches a path component (`build`), or the path relative to root (`a/b/*.py`)."""
    return _excluded(_relative(str(path), str(root)), tuple(patterns))


def _excluded(relative: str, patterns: tuple[str, ...]) -> bool:
    """``excluded`` of a path already made relative to the root, with `/` separators."""
    component, whole = _matchers(patterns)
    if whole is not None and whole.match(relative):
        return True
    return component is not None and any(component.match(part) for part in relative.split("/"))


def _relative(text: str, root: str) -> str:
    """``text`` relative to ``root`` with `/` separators, as ``Path.relative_to`` gives it
    (the path itself when it is not below ``root``), from strings: the walk asks for every
    entry of the tree."""
    if os.name == "nt":  # case-insensitive, drive letters: as Path does it
        try:
            return Path(text).relative_to(root).as_posix()
        except ValueError:
            return Path(text).as_posix()
    if text == root:
        relative = "."
    elif text.startswith(root) and text[len(root) : len(root) + 1] == os.sep:
        relative = text[len(root) + 1 :]
    elif root.endswith(os.sep) and text.startswith(root):  # the root is `/`
        relative = text[len(root) :]
    else:
        relative = text
    return relative


@lru_cache(maxsize=16)
def _matchers(
    patterns: tuple[str, ...],
) -> tuple[Optional[re.Pattern[str]], Optional[re.Pattern[str]]]:
    """The patterns compiled once: one regex for path components, one for whole paths
    (`a/b` also matches everything below it). Walking a tree asks this for every entry."""
    parts, paths = [], []
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if "/" in pattern:
            paths += [fnmatch.translate(pattern), fnmatch.translate(pattern + "/*")]
        else:
            parts.append(fnmatch.translate(pattern))
    # fnmatch.fnmatch normalises case with os.path.normcase: the same on POSIX, folded on Windows
    flags = re.IGNORECASE if os.path.normcase("A") == "a" else 0
    return (
        re.compile("|".join(parts), flags) if parts else None,
        re.compile("|".join(paths), flags) if paths else None,
    )


def discover(
    paths: Iterable[str],
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
    root: Path | None = None,
    respect_gitignore: bool = True,
) -> Discovered:
    """The Python files under ``paths``: directories are walked (``exclude`` and, unless
    told otherwise, `.gitignore` rules skip what they match); files named are always kept."""
    given = [Path(p) for p in paths] or [Path(".")]
    for path in given:
        if not path.exists() and not path.is_symlink():
            raise DiscoveryError(f"{path}: no such file or directory")
    project_root = root or find_root(given[0])
    files: set[Path] = set()
    explicit: set[Path] = set()
    unreadable: dict[Path, str] = {}
    for path in given:
        if path.is_file() or (path.is_symlink() and not path.is_dir()):
            # a file named explicitly is checked even when excluded, as ruff and flake8 do
            explicit.add(Path(os.path.abspath(path)))
            continue
        directory = Path(os.path.abspath(path))
        files.update(_walk(directory, project_root, exclude, unreadable, respect_gitignore))
    return Discovered(
        tuple(sorted(files | explicit, key=path_order)),
        project_root,
        frozenset(explicit),
        tuple(sorted(unreadable.items())),
    )


def path_order(path: Path) -> tuple[str, ...]:
    """The order of ``Path`` objects (part by part, case-folded on Windows), computed once
    per path instead of once per comparison."""
    return tuple(part.lower() for part in path.parts) if os.name == "nt" else path.parts


def _walk(
    directory: Path,
    root: Path,
    exclude: Sequence[str],
    unreadable: dict[Path, str],
    respect_gitignore: bool = True,
) -> Iterable[Path]:
    seen: set[tuple[int, int]] = set()
    above = gitignore.inherited(directory) if respect_gitignore else []
    patterns = tuple(exclude)
    root_text = str(root)
    rules_in: dict[str, list[gitignore.Rule]] = {}

    def failed(error: OSError) -> None:
        where = Path(error.filename) if error.filename else directory
        unreadable[where] = error.strerror or str(error)

    for current, dirnames, filenames in os.walk(directory, followlinks=True, onerror=failed):
        here = Path(current)
        try:
            stat = here.stat()
        except OSError as exc:
            failed(exc)
            dirnames[:] = []
            continue
        identity = (stat.st_dev, stat.st_ino)
        if identity in seen:  # a symlink loop: each directory once
            dirnames[:] = []
            continue
        seen.add(identity)
        rules = rules_in.get(os.path.dirname(current), above) if here != directory else above
        if respect_gitignore and ".gitignore" in filenames:
            rules = [*rules, *gitignore.read(here)]
        rules_in[current] = rules
        prefix = _relative(str(here), root_text)
        prefix = "" if prefix == "." else prefix + "/"
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not _excluded(prefix + d, patterns)
            and not (rules and gitignore.ignored(here / d, True, rules))
        )
        for name in filenames:
            if name.endswith(PYTHON_SUFFIXES) and not _excluded(prefix + name, patterns):
                file = here / name
                if not (rules and gitignore.ignored(file, False, rules)):
                    yield file
