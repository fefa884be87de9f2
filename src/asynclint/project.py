"""The project index: which file a module name means, loaded on demand.

Module names come from the file system the way Python's import system sees it: packages
(``__init__.py``), ``src/`` layouts, namespace packages and script directories. Files are
summarised only when the analysis first needs them, so a project's unrelated modules cost
nothing. Every file a lookup tried and did not find is remembered (``missing``): creating one
of them later can change the result, so the run cache depends on their absence too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Callable, Optional, Protocol

from asynclint.summary import ModuleSummary

Loader = Callable[[Path], ModuleSummary]


class LibrarySource(Protocol):
    """Installed libraries whose source the analysis may read (``asynclint.library``)."""

    roots: tuple[Path, ...]

    def owns(self, path: str) -> bool: ...

    def load(self, path: Path) -> ModuleSummary: ...

    def find(self, module: str) -> Optional[str]: ...


def package_root(path: Path, stop: Optional[Path] = None) -> Path:
    """The directory that must be on ``sys.path`` for ``path`` to import by its package name
    (never above ``stop``, the project root: a stray `__init__.py` there is not a package)."""
    directory = path.parent
    while (
        (directory / "__init__.py").is_file()
        and directory != stop
        and directory.parent != directory
    ):
        directory = directory.parent
    return directory


def module_name(path: Path) -> str:
    root = package_root(path)
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or path.stem


class Project:
    """Maps module names and relative imports to files, and holds their summaries."""

    def __init__(self, root: Path, targets: Iterable[Path], load: Loader) -> None:
        self.root = root
        self.load = load
        self.targets = [Path(os.path.abspath(t)) for t in targets]
        # a project root marked as one (pyproject.toml, .git) bounds package roots: an
        # `__init__.py` there does not make the repository a package of its parent directory
        marked = (root / "pyproject.toml").is_file() or (root / ".git").exists()
        self._stop: Optional[Path] = root if marked else None
        roots: list[Path] = []
        for target in self.targets:
            candidate = package_root(target, self._stop)
            if candidate not in roots:
                roots.append(candidate)
        for extra in (root, root / "src"):
            if extra.is_dir() and extra not in roots:
                roots.append(extra)
        # every root any checked file implies: only for lookups with no importing file
        self.source_roots = roots
        self._summaries: dict[str, ModuleSummary] = {}
        self._by_name: dict[tuple[str, tuple[Path, ...]], Optional[str]] = {}
        self._roots: dict[tuple[Path, bool], tuple[Path, ...]] = {}
        # probes are memoised: resolution asks the same questions many times (star imports)
        self._relative: dict[tuple[str, int, str], Optional[str]] = {}
        self.missing: set[str] = set()  # files module lookups tried that did not exist
        # the files given to the analysis (not those loaded on demand), in the order given:
        # facts read "across the project" come from these, so they never depend on what
        # happened to be loaded first
        self.added: list[str] = []
        # installed libraries, when library analysis is on: their files are loaded through
        # it, and their imports are looked up in the environment, never in the project
        self.libraries: Optional[LibrarySource] = None

    # -- files ------------------------------------------------------------------------------

    def summary(self, path: str) -> ModuleSummary:
        found = self._summaries.get(path)
        if found is None:
            libraries = self.libraries
            if libraries is not None and libraries.owns(path):
                found = libraries.load(Path(path))
            else:
                found = self.load(Path(path))
            self._summaries[path] = found
        return found

    def add(self, summary: ModuleSummary) -> None:
        if summary.path not in self._summaries:
            self.added.append(summary.path)
        self._summaries[summary.path] = summary

    def loaded(self) -> dict[str, ModuleSummary]:
        return self._summaries

    # -- module names -----------------------------------------------------------------------

    def roots_for(self, importer: Optional[str]) -> tuple[Path, ...]:
        """Where ``import name`` in ``importer`` is looked for, nearest first, as `sys.path`
        would hold it when that file runs: its own directory when it is a script (not inside
        a package), the root of its package, each directory above up to the project root,
        and the project's `src/`. Roots of unrelated services in the same repository are not
        among them, so one service's `app` or `redis.py` never shadows another's imports."""
        if importer is None:
            return tuple(self.source_roots)
        directory = Path(importer).parent
        script = not (directory / "__init__.py").is_file()
        key = (directory, script)
        found = self._roots.get(key)
        if found is None:
            roots: list[Path] = [directory] if script else []
            top = package_root(Path(importer), self._stop)
            roots.append(top)
            above = top.parent
            while self.root in above.parents or above == self.root:
                roots.append(above)
                above = above.parent
            roots.append(self.root / "src")
            found = tuple(dict.fromkeys(roots))
            self._roots[key] = found
        return found

    def find_module(self, name: str, importer: Optional[str] = None) -> Optional[str]:
        """The file of project module ``name`` (``a.b`` -> ``.../a/b.py``) as ``importer``
        would import it, or None (a library). A module never imports itself by its own name:
        `import redis` in `clients/redis.py` is the library. A library's own imports are
        looked up in its environment (see ``LibrarySource.find``)."""
        libraries = self.libraries
        if libraries is not None and importer is not None and libraries.owns(importer):
            return libraries.find(name)
        roots = self.roots_for(importer)
        key = (name, roots)
        if key in self._by_name:
            found = self._by_name[key]
        else:
            found = None
            parts = name.split(".")
            if all(parts):
                for root in roots:
                    found = self._probe(root.joinpath(*parts))
                    if found is not None:
                        break
            self._by_name[key] = found
        return None if found is not None and found == importer else found

    def find_relative(self, from_path: str, level: int, module: str) -> Optional[str]:
        """The file that ``from <level dots><module> import ...`` in ``from_path`` means."""
        key = (from_path, level, module)
        if key not in self._relative:
            self._relative[key] = self._find_relative(from_path, level, module)
        return self._relative[key]

    def _find_relative(self, from_path: str, level: int, module: str) -> Optional[str]:
        directory = Path(from_path).parent
        for _ in range(level - 1):
            directory = directory.parent
        if not module:
            return self._probe(directory)
        return self._probe(directory.joinpath(*module.split(".")))

    def submodule(self, package_path: str, name: str) -> Optional[str]:
        """``package.name`` as a file, when ``package_path`` is a package's ``__init__.py``."""
        path = Path(package_path)
        if path.name != "__init__.py":
            return None
        return self._probe(path.parent / name)

    def display_path(self, path: str) -> str:
        try:
            return Path(path).relative_to(Path.cwd()).as_posix()
        except ValueError:
            return Path(path).as_posix()

    def _probe(self, base: Path) -> Optional[str]:
        """``base.py`` or ``base/__init__.py``, whichever exists first; the ones that do not
        are added to ``missing``."""
        for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
            if candidate.is_file():
                return str(candidate)
            self.missing.add(str(candidate))
        return None
