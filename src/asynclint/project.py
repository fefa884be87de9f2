"""The project index: which file a module name means, loaded on demand.

Module names come from the file system the way Python's import system sees it: packages
(``__init__.py``), ``src/`` layouts, namespace packages and script directories. Files are
summarised only when the analysis first needs them, so a project's unrelated modules cost
nothing. Every file a lookup tried and did not find is remembered (``missing``): creating one
of them later can change the result, so the run cache depends on their absence too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Callable, NamedTuple, Optional, Protocol

from asynclint.datafiles import DataError, load_toml
from asynclint.filesystem import DISK, FileSystem
from asynclint.paths import absolute, display
from asynclint.summary import ModuleSummary

Loader = Callable[[Path], ModuleSummary]


class LibrarySource(Protocol):
    """Installed libraries whose source the analysis may read (``asynclint.library``)."""

    roots: tuple[Path, ...]

    def owns(self, path: str) -> bool: ...

    def load(self, path: Path) -> ModuleSummary: ...

    def find(self, module: str) -> Optional[str]: ...


# a directory holding one of these is where a service or package of the repository is run or
# built from: its own execution environment (pyright's term)
ENVIRONMENT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py")
_REQUIRES = re.compile(r">=?\s*(\d+)\.(\d+)")


class ExecutionEnvironment(NamedTuple):
    """The part of the repository run or built from one directory (one ``pyproject.toml``)."""

    root: Path
    # roots it declares: `[tool.asynclint] src`, then pytest's `pythonpath` (relative to root)
    src: tuple[Path, ...]
    # the lowest Python it declares (`[project] requires-python`), (0, 0) when none
    requires_python: tuple[int, int]


def read_environment(root: Path) -> ExecutionEnvironment:
    """The environment rooted at ``root``, from its pyproject.toml when it has a readable one
    (a broken one is the configuration loader's to report: here it declares nothing)."""
    try:
        data = load_toml(root / "pyproject.toml")
    except DataError:
        return ExecutionEnvironment(root, (), (0, 0))

    def table(parent: object, key: str) -> dict[str, object]:
        found = parent.get(key) if isinstance(parent, dict) else None
        return found if isinstance(found, dict) else {}

    tool = table(data, "tool")
    src: list[Path] = []
    for declared in (
        table(tool, "asynclint").get("src"),
        table(table(tool, "pytest"), "ini_options").get("pythonpath"),
    ):
        if isinstance(declared, str):
            declared = declared.split()  # pytest's ini form: space-separated
        if isinstance(declared, list):
            src += [root / item for item in declared if isinstance(item, str) and item.strip()]
    requires = table(data, "project").get("requires-python")
    found = _REQUIRES.search(requires) if isinstance(requires, str) else None
    version = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    return ExecutionEnvironment(root, tuple(Path(os.path.normpath(p)) for p in src), version)


def package_root(path: Path, stop: Optional[Path] = None, files: FileSystem = DISK) -> Path:
    """The directory that must be on ``sys.path`` for ``path`` to import by its package name
    (never above ``stop``, the project root: a stray `__init__.py` there is not a package)."""
    directory = path.parent
    while (
        files.is_file(directory / "__init__.py")
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

    def __init__(
        self,
        root: Path,
        targets: Iterable[Path],
        load: Loader,
        files: FileSystem = DISK,
        src: Iterable[Path] = (),
    ) -> None:
        self.root = root
        self.load = load
        self.files = files  # module probes see what the summaries see (overlays included)
        self.targets = [absolute(t) for t in targets]
        # a project root marked as one (pyproject.toml, .git) bounds package roots: an
        # `__init__.py` there does not make the repository a package of its parent directory
        marked = (root / "pyproject.toml").is_file() or (root / ".git").exists()
        self._stop: Optional[Path] = root if marked else None
        roots: dict[Path, None] = {}  # in order, once each
        tops: dict[Path, Path] = {}  # the package root of each directory, asked once
        for target in self.targets:
            candidate = tops.get(target.parent)
            if candidate is None:
                candidate = tops[target.parent] = package_root(target, self._stop, files)
            roots[candidate] = None
        for extra in (root, root / "src"):
            if extra not in roots and extra.is_dir():
                roots[extra] = None
        # every root any checked file implies: only for lookups with no importing file
        self.source_roots = tuple(roots)
        self.src = tuple(src)  # roots the user configured for the whole run
        self._environments: dict[Path, ExecutionEnvironment] = {}
        self._names: Optional[dict[str, str]] = None
        # absolute imports that found no module while a project file of that name exists
        # elsewhere (importing file -> module names): a root is probably missing
        self.unresolved: dict[str, set[str]] = {}
        self._summaries: dict[str, ModuleSummary] = {}
        self._by_name: dict[tuple[str, int], Optional[str]] = {}
        self._roots: dict[str, tuple[Path, ...]] = {}  # by directory
        self._importer_roots: dict[str, tuple[Path, ...]] = {}  # the same, by file
        self._found: dict[tuple[str, Optional[str]], Optional[str]] = {}  # by (name, file)
        # probes are memoised: resolution asks the same questions many times (star imports)
        self._relative: dict[tuple[str, int, str], Optional[str]] = {}
        self.missing: set[str] = set()  # files module lookups tried that did not exist
        self._files: Optional[frozenset[str]] = None
        self._dirs: Optional[frozenset[str]] = None
        self._run_directories: dict[Path, bool] = {}
        self._by_directory: Optional[dict[Path, list[Path]]] = None  # targets by directory
        self._run_found: dict[tuple[str, Path], Optional[str]] = {}  # by (name, directory)
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
        a package), the root of its package, the roots its execution environment declares
        and its `src/`, each directory above up to the project root, the roots configured
        for the run, and the project's `src/`. Roots of unrelated services in the same
        repository are not among them, so one service's `app` or `redis.py` never shadows
        another's imports."""
        if importer is None:
            return self.source_roots
        known = self._importer_roots.get(importer)
        if known is not None:
            return known
        # the same for every file of a directory: computed once per directory
        folder = os.path.dirname(importer)
        found = self._roots.get(folder)
        if found is None:
            directory = Path(folder)
            script = not self.files.is_file(directory / "__init__.py")
            roots: list[Path] = [directory] if script else []
            top = package_root(Path(importer), self._stop, self.files)
            roots.append(top)
            environment = self.environment_of(importer)
            roots += [*environment.src, environment.root / "src"]
            above = top.parent
            while self.root in above.parents or above == self.root:
                roots.append(above)
                above = above.parent
            roots += [*self.src, self.root / "src"]
            found = tuple(dict.fromkeys(roots))
            self._roots[folder] = found
        self._importer_roots[importer] = found
        return found

    def find_module(self, name: str, importer: Optional[str] = None) -> Optional[str]:
        """The file of project module ``name`` (``a.b`` -> ``.../a/b.py``) as ``importer``
        would import it, or None (a library). A module never imports itself by its own name:
        `import redis` in `clients/redis.py` is the library. A library's own imports are
        looked up in its environment (see ``LibrarySource.find``)."""
        libraries = self.libraries
        if libraries is not None and importer is not None and libraries.owns(importer):
            return libraries.find(name)
        asked = (name, importer)
        if asked in self._found:
            return self._found[asked]
        roots = self.roots_for(importer)
        # by the identity of the roots: each tuple is made once (``roots_for`` memoises it)
        # and kept alive there, and hashing or comparing its paths costs more than probing
        key = (name, id(roots))
        if key in self._by_name:
            found = self._by_name[key]
        else:
            found = None
            parts = name.split(".")
            if all(parts):
                for root in roots:
                    found = self._probe(root.joinpath(*parts))
                    if found is not None and not self._off_path(root, parts[0]):
                        break
                    found = None
            self._by_name[key] = found
        if found is None and importer is not None:
            found = self._from_run_directory(name, importer)
        if found is None and importer is not None:
            self._note_unresolved(name, importer)
        result = None if found is not None and found == importer else found
        self._found[asked] = result
        return result

    def _off_path(self, root: Path, top: str) -> bool:
        """True when ``root`` cannot be on `sys.path`: its module ``top`` (``root/top.py``)
        imports ``top`` absolutely, meaning the library it wraps, which it could not reach if
        its own directory were on the path. Such a directory is a namespace package's, not a
        script directory, so `import redis` beside `pkg/redis.py` is the library too."""
        module = root / f"{top}.py"
        if not self.files.is_file(module):
            return False
        summary = self.summary(str(module))
        return any(i.level == 0 and i.module.split(".")[0] == top for i in summary.imports)

    def _from_run_directory(self, name: str, importer: str) -> Optional[str]:
        """``name`` in a directory above ``importer`` that the app is started from: `from
        db.vectorstore import x` in `app/api/routes/rag.py` of an app run as `uvicorn main:app`
        inside `app/` (so `app/` is on `sys.path`, although it is also a package). Tried only
        when no root has the module, nearest directory first, and only in a directory whose
        own modules import a package beside them absolutely (`app/main.py` doing
        `from api.routes import router` with `app/api/` there): the evidence that it is run
        from. A module that imports its own name (`redis.py` wrapping the library) is never
        the answer."""
        parts = name.split(".")
        if not all(parts) or parts[0] not in self._project_names():
            return None  # no project file or directory has that name: a library's import
        directory = Path(importer).parent
        key = (name, directory)
        if key not in self._run_found:
            self._run_found[key] = self._find_run_directory(parts, directory)
        return self._run_found[key]

    def _find_run_directory(self, parts: list[str], directory: Path) -> Optional[str]:
        files = self._file_set()
        while directory != self.root and self.root in directory.parents:
            here = directory / parts[0]
            if (
                str(here.with_name(here.name + ".py")) in files or str(here) in self._directories()
            ) and self._run_directory(directory):
                found = self._probe_package_first(directory.joinpath(*parts))
                if found is not None and not self._imports_itself(found, parts[0]):
                    return found
            directory = directory.parent
        return None

    def _probe_package_first(self, base: Path) -> Optional[str]:
        """As ``_probe``, in the order of Python's own finder: a package directory wins over
        a module of the same name beside it."""
        for candidate in (base / "__init__.py", base.with_name(base.name + ".py")):
            if self.files.is_file(candidate):
                return str(candidate)
            self.missing.add(str(candidate))
        return None

    def _directories(self) -> frozenset[str]:
        """Every directory holding a project file, at any depth (packages, regular or
        namespace)."""
        if self._dirs is None:
            self._dirs = frozenset(
                str(parent)
                for t in self.targets
                for parent in t.parents
                if self.root in parent.parents
            )
        return self._dirs

    def _file_set(self) -> frozenset[str]:
        if self._files is None:
            self._files = frozenset(str(t) for t in self.targets)
        return self._files

    def _run_directory(self, directory: Path) -> bool:
        known = self._run_directories.get(directory)
        if known is None:
            if self._by_directory is None:
                self._by_directory = {}
                for target in self.targets:
                    self._by_directory.setdefault(target.parent, []).append(target)
            known = False
            for target in self._by_directory.get(directory, ()):
                for item in self.summary(str(target)).imports:
                    top = item.module.split(".")[0] if item.level == 0 else ""
                    if top and str(directory / top) in self._directories():
                        known = True
                        break
                if known:
                    break
            self._run_directories[directory] = known
        return known

    def _imports_itself(self, path: str, top: str) -> bool:
        if Path(path).name != f"{top}.py":
            return False
        return any(
            i.level == 0 and i.module.split(".")[0] == top for i in self.summary(path).imports
        )

    def environment_of(self, path: str) -> ExecutionEnvironment:
        """The execution environment ``path`` belongs to: the nearest directory at or below
        the project root holding a pyproject.toml, setup.cfg or setup.py; else the root."""
        directory = Path(path).parent
        chain: list[Path] = []
        found: Optional[ExecutionEnvironment] = None
        while found is None:
            found = self._environments.get(directory)
            if found is not None:
                break
            chain.append(directory)
            if any(self.files.is_file(directory / marker) for marker in ENVIRONMENT_MARKERS):
                found = read_environment(directory)
            elif directory == self.root or self.root not in directory.parents:
                found = read_environment(self.root)
            else:
                directory = directory.parent
        for seen in chain:
            self._environments[seen] = found
        return found

    def _project_names(self) -> dict[str, str]:
        """The name of every module and package directory of the project, at any depth,
        with the first file or directory of that name."""
        if self._names is None:
            names: dict[str, str] = {}
            root = str(self.root)
            prefix = root if root.endswith(os.sep) else root + os.sep
            for target in self.targets:
                text = str(target)  # made absolute and normal: below the root by its text
                if not text.startswith(prefix):
                    continue
                end = len(prefix) - 1
                for part in text[len(prefix) :].split(os.sep):
                    end += len(part) + 1
                    stem = part[:-3] if part.endswith(".py") else part
                    if stem != "__init__" and stem not in names:
                        names[stem] = text[:end]
            self._names = names
        return self._names

    def _note_unresolved(self, name: str, importer: str) -> None:
        names = self._project_names()
        top = name.split(".")[0]
        if top not in names or names[top] == importer:
            return
        # `from billing import charge` also asks for a submodule `billing.charge`: only a
        # package that cannot be found at all says a root is missing
        if top == name or self.find_module(top, importer) is None:
            self.unresolved.setdefault(importer, set()).add(top)

    def unresolved_notes(self) -> list[tuple[str, str]]:
        """(importing file, line) per import that found no module while a project file of
        its name exists: what ``--verbose`` shows, so users can add the root it needs."""
        lines = []
        for importer in sorted(self.unresolved):
            for name in sorted(self.unresolved[importer]):
                assert self._names is not None  # filled when the entry was noted
                where = self._names[name]
                lines.append(
                    (
                        importer,
                        f"{display(importer)}: module `{name}` is not on this file's import "
                        f"roots, but {display(where)} exists; if that is the module, add the "
                        "directory holding it to `[tool.asynclint] src`",
                    )
                )
        return lines

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

    def _probe(self, base: Path) -> Optional[str]:
        """``base.py`` or ``base/__init__.py``, whichever exists first; the ones that do not
        are added to ``missing``."""
        for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
            if self.files.is_file(candidate):
                return str(candidate)
            self.missing.add(str(candidate))
        return None
