"""Paths as users and GitHub see them."""

from __future__ import annotations

import contextlib
import os
from functools import lru_cache
from pathlib import Path, PurePath
from typing import Union


def absolute(path: Union[str, PurePath]) -> Path:
    """``path`` made absolute and normal; the same object when it already is (a language
    server hands the same thousands of paths to every run, and a project of 50,000 files
    names each of them several times: building them again is costly)."""
    if isinstance(path, Path) and path.is_absolute():
        text = str(path)  # a Path has no `.` parts nor doubled separators; `..` it keeps
        if _PARENT not in text and not text.endswith(_PARENT_END):
            return path
    return Path(os.path.abspath(path))


_PARENT = f"{os.sep}..{os.sep}"
_PARENT_END = f"{os.sep}.."


def display(path: str) -> str:
    """``path`` as a user reads it: relative to the working directory when it is below it,
    else absolute; forward slashes either way. Findings carry absolute paths; only what is
    shown to a user goes through here."""
    return _display(path, os.getcwd())


@lru_cache(maxsize=8192)
def _display(path: str, cwd: str) -> str:
    # a report shows each file's path many times (findings, chains, related places), and
    # PurePath.relative_to is slow enough to be a tenth of a warm run's CPU: a plain POSIX
    # path below the working directory is cut by its text (what PurePath would give)
    if os.sep == "/" and path.startswith(cwd) and _plain(path):
        if path == cwd:
            return "."
        rest = path[len(cwd) :]
        if cwd.endswith("/"):
            return rest
        if rest.startswith("/"):
            return rest[1:]
    candidate = PurePath(path)
    if candidate.is_absolute():
        with contextlib.suppress(ValueError):
            return candidate.relative_to(cwd).as_posix()
    return candidate.as_posix()


def _plain(path: str) -> bool:
    """An absolute POSIX path PurePath keeps as it is: no `.` or `..` parts, no doubled or
    trailing slash."""
    return (
        path.startswith("/")
        and "//" not in path
        and "/." not in path
        and (path == "/" or not path.endswith("/"))
    )


def repo_relative(path: str, root: Path) -> str | None:
    """``path`` (absolute, or relative to the working directory) relative to ``root``, with
    forward slashes; ``None`` when the file is not below ``root``."""
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = Path.cwd() / candidate
    base = root if root.is_absolute() else Path.cwd() / root
    pairs = [(os.path.normpath(candidate), os.path.normpath(base))]
    with contextlib.suppress(OSError):  # unresolvable: the plain comparison above still applies
        pairs.append((str(candidate.resolve()), str(base.resolve())))
    for file, directory in pairs:
        try:
            relative = PurePath(file).relative_to(directory)
        except ValueError:
            continue
        if relative.parts:
            return relative.as_posix()
    return None


def user_cache_home() -> Path:
    """asynclint's folder in the user's cache (``$XDG_CACHE_HOME``, else ``~/.cache``): what is
    shared by every project (library summaries, the parsed catalog)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "asynclint"


def repository_root(start: Path) -> Path:
    """The git work tree holding ``start`` (where GitHub resolves SARIF paths), else ``start``."""
    start = start if start.is_absolute() else Path.cwd() / start
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start
