"""Library source analysis: calls into installed libraries the catalog does not describe.

A call that resolves to a library symbol without a catalog entry (``Ext("pinecone.Index.query")``)
used to end the analysis. With an environment (``--python``, ``VIRTUAL_ENV``, the project's
``.venv``, or the interpreter running asynclint), the symbol is looked up in that environment's
site-packages, its module is summarised by the same engine (read with ``ast``, never imported),
and the call graph goes on through the library's functions, classes and inheritance, down to what
the catalog marks. The catalog always wins: a package the catalog describes is never read, its
names stay catalog APIs.

Library files never give findings of their own; they are only links of a chain that starts in
the project. Inside them only the normal path of a call counts (``library_rules.toml``): call
sites in exception handlers, debug blocks and one-time initialisation, calls of logging and
warnings, dunders that render objects and deprecation shims are not followed.

Cost: only what project calls reach is read; summaries are cached in the user cache per
distribution name and version (immutable once installed, except editable installs, which are
keyed by content); a budget of files and seconds per run bounds the search, and says so when it
cut it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import sys
import sysconfig
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Optional

from msgspec.structs import replace

from asynclint import datafiles
from asynclint.cache import Summaries
from asynclint.catalog import Catalog
from asynclint.config import DEFAULT_LIBRARY_MAX_FILES, DEFAULT_LIBRARY_MAX_SECONDS
from asynclint.filesystem import DISK
from asynclint.resolve import (
    ClassKey,
    FuncKey,
    PClass,
    PFunc,
    PMod,
    Resolver,
    Value,
    decorator_names,
)
from asynclint.summary import FunctionSummary, ModuleSummary, summarise

RULES_FILE = Path(__file__).with_name("library_rules.toml")
DEFAULT_MAX_FILES = DEFAULT_LIBRARY_MAX_FILES
DEFAULT_MAX_SECONDS = DEFAULT_LIBRARY_MAX_SECONDS
# sibling modules that hold a distribution's async API (`pkg.aio.Client` for `pkg.Client`)
_ASYNC_MODULES = ("aio", "asyncio", "_async", "async_", "aio_client", "async_client")
# the async twin of class `X`, by name: `AsyncX`, `XAsync`, `AioX`
_CLASS_TWINS = (("Async", ""), ("", "Async"), ("Aio", ""))


# -- the environment --------------------------------------------------------------------------


@dataclass(frozen=True)
class Environment:
    """Where the analysed project's libraries are installed, and how that was found."""

    site_packages: tuple[Path, ...]
    origin: str  # "--python /x/bin/python", "VIRTUAL_ENV", ".venv", "the running interpreter"

    def fingerprint(self) -> str:
        """Changes when a distribution is installed, upgraded or removed (each changes its
        site-packages directory): the run cache depends on it."""
        parts = []
        for directory in self.site_packages:
            try:
                parts.append(f"{directory}:{os.stat(directory).st_mtime_ns}")
            except OSError:
                parts.append(f"{directory}:-")
        return ";".join(parts)


def find_environment(python: Optional[str], root: Path) -> Optional[Environment]:
    """The analysed project's environment, found on disk without running anything: the
    interpreter or virtual environment named by ``python``, else ``VIRTUAL_ENV``, else a
    ``.venv`` / ``venv`` in the project root, else the interpreter running asynclint."""
    if python:
        given = Path(python)
        if given.is_dir() and given.name.endswith("-packages"):  # a site-packages directory
            return Environment((given,), f"--python {python}")
        found = _site_packages(_prefix(given), given.name)
        return Environment(found, f"--python {python}") if found else None
    virtual = os.environ.get("VIRTUAL_ENV")
    if virtual:
        found = _site_packages(Path(virtual))
        if found:
            return Environment(found, f"VIRTUAL_ENV={virtual}")
    for name in (".venv", "venv"):
        candidate = root / name
        if (candidate / "pyvenv.cfg").is_file():
            found = _site_packages(candidate)
            if found:
                return Environment(found, str(candidate))
    paths = sysconfig.get_paths()
    own = tuple(dict.fromkeys(Path(paths[k]) for k in ("purelib", "platlib") if k in paths))
    own = tuple(p for p in own if p.is_dir())
    return Environment(own, "the interpreter running asynclint") if own else None


def _prefix(python: Path) -> Path:
    """The environment an interpreter path belongs to (``.venv/bin/python`` -> ``.venv``); a
    directory is taken as the environment itself. Symlinks are not followed: a virtual
    environment's interpreter links to the base interpreter, but its packages are its own."""
    if python.is_dir():
        return python
    parent = python.parent
    return parent.parent if parent.name in ("bin", "Scripts") else parent


def _site_packages(prefix: Path, interpreter: str = "") -> tuple[Path, ...]:
    """``lib/pythonX.Y/site-packages`` (and Debian's ``dist-packages``) below ``prefix``; the
    interpreter's own version first when its name carries one (``python3.11``)."""
    found: list[Path] = []
    for lib in ("lib", "lib64"):
        directory = prefix / lib
        if not directory.is_dir():
            continue
        versions = sorted(
            (d for d in directory.iterdir() if d.name.startswith("python")),
            key=lambda d: (d.name != interpreter, d.name),
        )
        for version in versions:
            for name in ("site-packages", "dist-packages"):
                candidate = version / name
                if candidate.is_dir() and candidate not in found:
                    found.append(candidate)
    windows = prefix / "Lib" / "site-packages"
    if windows.is_dir():
        found.append(windows)
    return tuple(found)


# -- distributions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    name: str
    version: str
    editable: bool = False  # `pip install -e`: its files change, so it is keyed by content

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


class Distributions:
    """Which installed distribution a library file belongs to, from the ``*.dist-info``
    directories: ``RECORD`` (the files it installed), else ``top_level.txt``, else its name."""

    def __init__(self, site_packages: Iterable[Path]) -> None:
        self.site_packages = tuple(site_packages)

    @cached_property
    def _owners(self) -> dict[str, Distribution]:
        """Directory (or top-level file) relative to site-packages -> its distribution."""
        owners: dict[str, Distribution] = {}
        for site in self.site_packages:
            try:
                infos = sorted(p for p in site.iterdir() if p.name.endswith(".dist-info"))
            except OSError:
                continue
            for info in infos:
                dist = distribution_of(info)
                for key in _installed(info, dist):
                    owners.setdefault(key, dist)
        return owners

    def owner(self, relative: str) -> Optional[Distribution]:
        """The distribution of the file ``relative`` to its site-packages directory."""
        parts = relative.split("/")
        owners = self._owners
        if len(parts) == 1:
            return owners.get(relative)
        for depth in range(len(parts) - 1, 0, -1):
            found = owners.get("/".join(parts[:depth]))
            if found is not None:
                return found
        return None


def distribution_of(info: Path) -> Distribution:
    name, _, version = info.name[: -len(".dist-info")].partition("-")
    metadata = DISK.read_bytes(info / "METADATA") or b""
    for line in metadata.decode("utf-8", "replace").splitlines():
        if not line.strip():
            break  # the headers end at the first blank line
        key, _, value = line.partition(":")
        if key == "Name":
            name = value.strip()
        elif key == "Version":
            version = value.strip()
    editable = False
    direct = DISK.read_bytes(info / "direct_url.json")
    if direct:
        try:
            editable = bool(json.loads(direct).get("dir_info", {}).get("editable"))
        except (ValueError, AttributeError):
            editable = False
    return Distribution(name, version or "0", editable)


def _installed(info: Path, dist: Distribution) -> set[str]:
    """Directories holding the distribution's modules (and its top-level single-file modules),
    relative to site-packages."""
    record = DISK.read_bytes(info / "RECORD")
    keys: set[str] = set()
    if record:
        for line in record.decode("utf-8", "replace").splitlines():
            path = line.split(",", 1)[0]
            if not path.endswith(".py") or path.startswith(".."):
                continue
            directory, _, _ = path.rpartition("/")
            keys.add(directory or path)
        return keys
    top = DISK.read_bytes(info / "top_level.txt")
    names = top.decode("utf-8", "replace").split() if top else []
    names = names or [dist.name.replace("-", "_").lower()]
    for name in names:
        keys |= {name, f"{name}.py"}
    return keys


# -- precision rules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """What library analysis does not count (``library_rules.toml``)."""

    skip_sites: frozenset[str] = frozenset()
    function_names: frozenset[str] = frozenset()
    function_patterns: tuple[str, ...] = ()
    decorators: frozenset[str] = frozenset()
    callee_prefixes: tuple[str, ...] = ()
    skip_modules: frozenset[str] = frozenset()
    skip_apis: frozenset[str] = frozenset()

    def cold_function(self, function: FunctionSummary) -> bool:
        name = function.name
        if name in self.function_names:
            return True
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in self.function_patterns):
            return True
        return bool(decorator_names(function) & self.decorators)

    def cold_callee(self, name: str) -> bool:
        return name.startswith(self.callee_prefixes)


def load_rules(path: Path = RULES_FILE) -> Rules:
    data = datafiles.load_toml(path)

    def strings(table: str, key: str) -> list[str]:
        value = data.get(table, {}).get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise datafiles.DataError(f"{path}: [{table}] `{key}` must be a list of strings")
        return value

    return Rules(
        skip_sites=frozenset(strings("sites", "skip")),
        function_names=frozenset(strings("functions", "names")),
        function_patterns=tuple(strings("functions", "patterns")),
        decorators=frozenset(strings("functions", "decorators")),
        callee_prefixes=tuple(strings("callees", "prefixes")),
        skip_modules=frozenset(strings("modules", "skip")),
        skip_apis=frozenset(strings("apis", "skip")),
    )


# -- the library side of a run ------------------------------------------------------------------


@dataclass
class Budget:
    """How much library source one run may read: files, and seconds from the first one."""

    max_files: int = DEFAULT_MAX_FILES
    max_seconds: float = DEFAULT_MAX_SECONDS
    files: int = 0
    started: Optional[float] = None
    cut: bool = False

    def spend(self) -> bool:
        """Take one file from the budget; False (and remember it) when it is spent."""
        now = time.monotonic()
        if self.started is None:
            self.started = now
        if self.files >= self.max_files or now - self.started > self.max_seconds:
            self.cut = True
            return False
        self.files += 1
        return True


class Libraries:
    """The installed libraries of one run: finding their modules, loading their summaries
    (through the per-distribution cache, within the budget), and the rules of what counts."""

    def __init__(
        self,
        environment: Environment,
        catalog: Catalog,
        cache: Optional[Summaries] = None,
        budget: Optional[Budget] = None,
        rules: Optional[Rules] = None,
        allow: Iterable[str] = (),
    ) -> None:
        self.environment = environment
        self.roots = environment.site_packages
        self.catalog = catalog
        self.cache = cache
        self.budget = budget or Budget()
        self.rules = rules or load_rules()
        # allow-listed names (`allow` in [tool.asynclint]): the analysis stops there, as at a
        # catalog entry that does not block; a name covers everything below it
        self.allow = tuple(allow)
        self.distributions = Distributions(self.roots)
        self._prefixes = tuple(f"{root}{os.sep}" for root in self.roots)
        self._files: dict[str, Optional[str]] = {}
        self._guarded: dict[str, bool] = {}
        self._stdlib = stdlib_module_names()

    # -- files ------------------------------------------------------------------------------

    def owns(self, path: str) -> bool:
        return path.startswith(self._prefixes)

    def relative(self, path: str) -> str:
        for prefix in self._prefixes:
            if path.startswith(prefix):
                return path[len(prefix) :].replace(os.sep, "/")
        return path

    def module_name(self, path: str) -> str:
        relative = self.relative(path)
        parts = relative[: -len(".py")].split("/") if relative.endswith(".py") else [relative]
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts)

    def distribution(self, path: str) -> Optional[Distribution]:
        return self.distributions.owner(self.relative(path))

    def load(self, path: Path) -> ModuleSummary:
        """A library module's summary: from the per-version cache, or parsed; an empty one once
        the budget is spent (the search stops there, and the run says so)."""
        name = str(path)
        if not self.budget.spend():
            return ModuleSummary(name, path.name == "__init__.py", (), (), (), ())
        dist = self.distribution(name)
        key = None
        if dist is not None and not dist.editable and self.cache is not None:
            tag = f"{dist.name}=={dist.version}/{self.relative(name)}"
            key = "lib-" + hashlib.sha256(tag.encode()).hexdigest()
            cached = self.cache.get_entry(key)
            if cached is not None:
                return cached if cached.path == name else replace(cached, path=name)
        data = DISK.read_bytes(path)
        if data is None:
            return ModuleSummary(name, path.name == "__init__.py", (), (), (), ())
        summary = summarise(data, name)
        if key is not None and self.cache is not None and summary.error is None:
            self.cache.put_entry(key, summary)
        return summary

    def find(self, module: str) -> Optional[str]:
        """The file of library module ``module`` in the environment, or None (not installed,
        the standard library, or a package the catalog describes or the rules skip)."""
        if module in self._files:
            return self._files[module]
        found = None
        if module and not self.guarded(module):
            parts = module.split(".")
            for root in self.roots:
                base = root.joinpath(*parts)
                for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
                    if candidate.is_file():
                        found = str(candidate)
                        break
                if found:
                    break
        self._files[module] = found
        return found

    def guarded(self, module: str) -> bool:
        """``module`` is not to be read: the standard library, a package the rules skip, or a
        package the catalog describes (any entry below its package, the first regular package
        of its name: `google.cloud.storage` for `google.cloud.storage.blob`, as `google` and
        `google.cloud` are namespaces shared by many distributions)."""
        top = module.split(".", 1)[0]
        if top in self._stdlib or top in self.rules.skip_modules:
            return True
        package = self._package(module)
        if package in self._guarded:
            return self._guarded[package]
        below = package + "."
        described = any(
            key == package or key.startswith(below)
            for key in (*self.catalog.functions, *self.catalog.classes)
        ) or any(
            pattern.split("*", 1)[0].startswith(below) or package.startswith(pattern.split("*")[0])
            for pattern, _ in self.catalog.patterns
        )
        self._guarded[package] = described
        return described

    def _package(self, module: str) -> str:
        """The first prefix of ``module`` that is a regular package or a module file."""
        parts = module.split(".")
        for depth in range(1, len(parts) + 1):
            for root in self.roots:
                base = root.joinpath(*parts[:depth])
                if (base / "__init__.py").is_file() or base.with_name(base.name + ".py").is_file():
                    return ".".join(parts[:depth])
        return module

    # -- names ------------------------------------------------------------------------------

    def allowed(self, name: str) -> bool:
        return any(name == a or name.startswith(a + ".") for a in self.allow)

    def locate(self, name: str, resolver: Resolver) -> Value:
        """The library function, class or module ``name`` (a qualified name as the project
        imports it: `fakesdk.Client.send`), following the package's own re-exports."""
        if self.allowed(name):
            return None
        parts = name.split(".")
        for depth in range(len(parts), 0, -1):
            module = ".".join(parts[:depth])
            if self.guarded(module):
                return None
            path = self.find(module)
            if path is None:
                continue
            value: Value = PMod(path, module)
            for attr in parts[depth:]:
                value = resolver.member(value, attr)
                if value is None:
                    return None
            return value
        return None

    def display(self, key: FuncKey) -> str:
        """`fakesdk.client.Client.send` for a library function."""
        return f"{self.module_name(key.path)}.{key.qualname.replace('.<locals>.', '.')}"

    def twin(self, key: FuncKey, resolver: Resolver) -> str:
        """The async twin of library function ``key`` in its own distribution, by name: a class
        ``AsyncX`` beside (or above) ``X``, or ``X`` in an ``aio`` / ``asyncio`` / ``_async``
        module; a function ``async_f`` / ``f_async`` or ``f`` in such a module. A class twin
        must define an `async def` method, a function twin must be one. "" when none."""
        function = resolver.function(key)
        if function is None or ".<locals>." in key.qualname:
            return ""
        packages = _parents(self.module_name(key.path))
        if function.class_name is not None:
            owner = function.class_name
            names = [f"{prefix}{owner}{suffix}" for prefix, suffix in _CLASS_TWINS]
            if owner.startswith("Sync") and owner[4:5].isupper():  # `SyncX` and `AsyncX`
                names.append(f"Async{owner[4:]}")
            candidates = [(p, name) for p in packages for name in names]
            candidates += [
                (f"{p}.{sub}", name)
                for p in packages
                for sub in _ASYNC_MODULES
                for name in (owner, f"Async{owner}")
            ]
            # the twin of a method is the same method, `async def`, on the twin class; of a
            # constructor, the class itself (when it has any async method)
            method = None if function.name in ("__init__", "__post_init__") else function.name
            for module, name in candidates:
                found = self.locate(f"{module}.{name}", resolver)
                if isinstance(found, PClass) and _has_async_method(found.key, resolver, method):
                    return f"{module}.{name}.{method}" if method else f"{module}.{name}"
            return ""
        name = function.name
        candidates = [
            (p, n) for p in packages for n in (f"async_{name}", f"{name}_async", f"a{name}")
        ]
        candidates += [(f"{p}.{sub}", name) for p in packages for sub in _ASYNC_MODULES]
        for module, candidate in candidates:
            found = self.locate(f"{module}.{candidate}", resolver)
            if isinstance(found, PFunc):
                twin = resolver.function(found.key)
                if twin is not None and twin.is_async:
                    return f"{module}.{candidate}"
        return ""

    def note(self) -> Optional[str]:
        if not self.budget.cut:
            return None
        return (
            f"library analysis stopped at its budget ({self.budget.files} files, "
            f"{self.budget.max_seconds:g} s): calls into libraries past that point were not "
            "followed; raise `library-max-files` / `library-max-seconds` to go further"
        )


def _has_async_method(key: ClassKey, resolver: Resolver, name: Optional[str]) -> bool:
    """The class defines ``name`` as an `async def` (any `async def` method when None)."""
    if name is not None:
        found = resolver.find_method(key, name)
        function = resolver.function(found) if found is not None else None
        return function is not None and function.is_async
    for owner in resolver.mro(key):
        if not isinstance(owner, ClassKey):
            continue
        summary = resolver.cls(owner)
        functions = resolver.module(owner.path).functions
        for _, qualname in summary.methods if summary is not None else ():
            method = functions.get(qualname)
            if method is not None and method.is_async:
                return True
    return False


def _parents(module: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``, ``a.b.c``: where a twin may be exported, the most public
    first (`fakesdk.AsyncClient` rather than `fakesdk._client.AsyncClient`)."""
    parts = module.split(".")
    return [".".join(parts[:depth]) for depth in range(1, len(parts) + 1)]


def stdlib_module_names() -> frozenset[str]:
    """The standard library's top-level module names: `sys.stdlib_module_names` (Python 3.10+),
    else what the running interpreter's standard library directory and builtins hold."""
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return frozenset(names)
    found = set(sys.builtin_module_names)
    stdlib = sysconfig.get_paths()["stdlib"]
    for folder in (stdlib, os.path.join(stdlib, "lib-dynload")):
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            if entry.endswith(".py") or entry.endswith(".so") or entry.endswith(".pyd"):
                found.add(entry.split(".", 1)[0])
            elif os.path.isfile(os.path.join(folder, entry, "__init__.py")):
                found.add(entry)
    found.discard("site-packages")
    return frozenset(found)
