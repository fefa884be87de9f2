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
from typing import Callable, Optional

from asynclint.summary import ModuleSummary

Loader = Callable[[Path], ModuleSummary]


def package_root(path: Path) -> Path:
    """The directory that must be on ``sys.path`` for ``path`` to import by its package name."""
    directory = path.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
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
        roots: list[Path] = []
        for target in self.targets:
            candidate = package_root(target)
            if candidate not in roots:
                roots.append(candidate)
        for extra in (root, root / "src"):
            if extra.is_dir() and extra not in roots:
                roots.append(extra)
        self.source_roots = roots
        self._summaries: dict[str, ModuleSummary] = {}
        self._by_name: dict[str, Optional[str]] = {}
        # probes are memoised: resolution asks the same questions many times (star imports)
        self._relative: dict[tuple[str, int, str], Optional[str]] = {}
        self.missing: set[str] = set()  # files module lookups tried that did not exist

    # -- files ------------------------------------------------------------------------------

    def summary(self, path: str) -> ModuleSummary:
        found = self._summaries.get(path)
        if found is None:
            found = self.load(Path(path))
            self._summaries[path] = found
        return found

    def add(self, summary: ModuleSummary) -> None:
        self._summaries[summary.path] = summary

    def loaded(self) -> dict[str, ModuleSummary]:
        return self._summaries

    # -- module names -----------------------------------------------------------------------

    def find_module(self, name: str) -> Optional[str]:
        """The file of project module ``name`` (``a.b`` -> ``.../a/b.py``), or None."""
        if name in self._by_name:
            return self._by_name[name]
        found: Optional[str] = None
        parts = name.split(".")
        if all(parts):
            for root in self.source_roots:
                found = self._probe(root.joinpath(*parts))
                if found is not None:
                    break
        self._by_name[name] = found
        return found

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
