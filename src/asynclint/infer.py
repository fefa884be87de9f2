"""`asynclint catalog infer`: catalog entries inferred from an installed distribution's source.

The distribution's public API (the classes and functions its public modules export) is run
through library analysis (``asynclint.library``): each public function, constructor and method
is a root of the call graph, and the ones that reach a blocking catalog API on their normal
path become entries, in the format of ``rules/*.toml``, each with the chain that proves it as a
comment and the library's async twin, when it has one, as the replacement. Nothing is imported:
the distribution is found through its ``*.dist-info`` (``RECORD``, else ``top_level.txt``) and
read with ``ast``.

The output is a draft for review, not a verdict: a chain may run only with an option the
caller never passes (the analysis is path-insensitive inside a function), and a method that
does I/O through dynamic dispatch is missed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional, Union

from asynclint.callgraph import CallGraph
from asynclint.catalog import Catalog
from asynclint.expr import Attr, Call, Const, ListDisplay, Name
from asynclint.filesystem import DISK
from asynclint.library import (
    Budget,
    Distribution,
    Environment,
    Libraries,
    distribution_of,
)
from asynclint.project import Project
from asynclint.resolve import ClassKey, FuncKey, Inst, PClass, PFunc, PMod, Resolver, Value
from asynclint.summary import ClassSummary, ModuleSummary, summarise

# dunders that run I/O when an object is used, and the catalog field that says so
_HOOKS = {"__enter__": "enter_blocks", "__exit__": "exit_blocks", "__iter__": "iter_blocks"}
_PUBLIC_DUNDERS = frozenset({"__init__", "__call__", *_HOOKS})
_PROPERTIES = frozenset({"property", "cached_property", "functools.cached_property"})
# modules that are never a library's API
_PRIVATE_MODULES = frozenset({"tests", "test", "testing", "conftest", "setup", "examples"})
# several reached categories: the one named first wins
_CATEGORY_ORDER = (
    "database",
    "cache",
    "queue",
    "sdk",
    "http",
    "network",
    "process",
    "file",
    "sleep",
    "wait",
    "cpu",
)
_NETWORK = frozenset({"http", "network", "sdk"})
# generous: `infer` is run on purpose, once, on one distribution
INFER_MAX_FILES = 20000
INFER_MAX_SECONDS = 600.0


class InferError(Exception):
    """A distribution that cannot be inferred (not installed, no source)."""


@dataclass(frozen=True)
class Evidence:
    """Why one member blocks: the chain from it to the catalog API it reaches."""

    member: str  # method name, "__init__" for the constructor, "" for a function
    api: str
    code: str
    category: str
    why: str
    hops: tuple[str, ...]  # "pkg.mod.Class.method (pkg/mod.py:12)"
    twin: str = ""
    others: tuple[str, ...] = ()  # what it reaches under other codes: "tempfile.mkstemp [ASL301]"


@dataclass
class Entry:
    """One inferred catalog entry."""

    name: str
    kind: str  # "class" or "function"
    aliases: list[str] = field(default_factory=list)
    blocking: dict[str, Evidence] = field(default_factory=dict)  # member -> evidence
    safe: list[str] = field(default_factory=list)
    returns: dict[str, str] = field(default_factory=dict)

    @property
    def blocks(self) -> bool:
        return bool(self.blocking)


@dataclass
class Inferred:
    """What was inferred from one distribution."""

    distribution: Distribution
    site_packages: Path
    modules: list[str]
    entries: list[Entry]
    notes: list[str]


# -- finding the distribution -------------------------------------------------------------------


def normalise(name: str) -> str:
    """PEP 503: `Google_Cloud.Firestore` and `google-cloud-firestore` are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def find_distribution(environment: Environment, name: str) -> tuple[Distribution, Path]:
    """The installed distribution ``name`` and its ``*.dist-info`` directory."""
    wanted = normalise(name)
    for site in environment.site_packages:
        try:
            infos = sorted(p for p in site.iterdir() if p.name.endswith(".dist-info"))
        except OSError:
            continue
        for info in infos:
            if normalise(info.name[: -len(".dist-info")].partition("-")[0]) == wanted:
                return distribution_of(info), info
        for info in infos:  # a directory name that differs from the metadata's name
            dist = distribution_of(info)
            if normalise(dist.name) == wanted:
                return dist, info
    where = ", ".join(str(p) for p in environment.site_packages) or "no site-packages"
    raise InferError(
        f"distribution {name!r} is not installed in {environment.origin} ({where}); install "
        "it there, or name the environment that has it with --python"
    )


def public_modules(info: Path) -> list[str]:
    """The distribution's public modules: each top-level package (the first regular package
    of its files: `google.cloud.firestore`, not the `google` namespace), single-file module,
    and the public modules directly below each package (`firebase_admin.auth`)."""
    site = info.parent
    files = _python_files(info)
    packages = {f.rpartition("/")[0] for f in files if f.endswith("/__init__.py")}
    tops: list[str] = []
    for file in files:
        parts = file[: -len(".py")].split("/")
        top: Optional[str] = None
        if len(parts) == 1:
            top = parts[0]
        else:
            for depth in range(1, len(parts)):
                if "/".join(parts[:depth]) in packages:
                    top = ".".join(parts[:depth])
                    break
        if top is not None and top not in tops and _public(top):
            tops.append(top)
    found: list[str] = []
    for top in tops:
        found.append(top)
        directory = site.joinpath(*top.split("."))
        if not directory.is_dir():
            continue
        for child in sorted(directory.iterdir()):
            name = child.name[: -len(".py")] if child.name.endswith(".py") else child.name
            if child.is_dir() and not (child / "__init__.py").is_file():
                continue
            if child.is_file() and not child.name.endswith(".py"):
                continue
            if name == "__init__" or not _public(name):
                continue
            found.append(f"{top}.{name}")
    return found


def _public(module: str) -> bool:
    return not any(part.startswith("_") or part in _PRIVATE_MODULES for part in module.split("."))


def _python_files(info: Path) -> list[str]:
    """The `.py` files a distribution installed, relative to site-packages."""
    record = DISK.read_bytes(info / "RECORD")
    if record:
        out = []
        for line in record.decode("utf-8", "replace").splitlines():
            path = line.split(",", 1)[0]
            if path.endswith(".py") and not path.startswith(".."):
                out.append(path)
        return out
    top = DISK.read_bytes(info / "top_level.txt")
    out = []
    for name in top.decode("utf-8", "replace").split() if top else []:
        base = info.parent / name
        if (base / "__init__.py").is_file():
            out += [str(p.relative_to(info.parent)) for p in sorted(base.rglob("*.py"))]
        elif base.with_name(name + ".py").is_file():
            out.append(f"{name}.py")
    return out


# -- the analysis -------------------------------------------------------------------------------


def infer(
    names: Sequence[str],
    environment: Environment,
    catalog: Catalog,
    root: Path,
    budget: Optional[Budget] = None,
) -> list[Inferred]:
    """Catalog entries for each installed distribution in ``names``."""
    found = [find_distribution(environment, name) for name in names]
    libraries = Libraries(
        environment, catalog, None, budget or Budget(INFER_MAX_FILES, INFER_MAX_SECONDS)
    )
    project = Project(root, [], _read)
    project.libraries = libraries
    resolver = Resolver(project, catalog)
    graph = CallGraph(resolver, libraries)
    return [_Inference(libraries, resolver, graph, dist, info).run() for dist, info in found]


def _read(path: Path) -> ModuleSummary:
    data = DISK.read_bytes(path)
    return summarise(data, str(path)) if data is not None else summarise(b"", str(path))


class _Inference:
    def __init__(
        self,
        libraries: Libraries,
        resolver: Resolver,
        graph: CallGraph,
        dist: Distribution,
        info: Path,
    ) -> None:
        self.libraries = libraries
        self.resolver = resolver
        self.graph = graph
        self.dist = dist
        self.info = info
        self.notes: list[str] = []
        # public name of each definition, the first (most public) one found
        self.names: dict[Union[ClassKey, FuncKey], str] = {}
        self.aliases: dict[Union[ClassKey, FuncKey], list[str]] = {}
        self._attribute_cache: dict[tuple[ClassKey, int], list[tuple[str, ClassKey]]] = {}

    def run(self) -> Inferred:
        modules = public_modules(self.info)
        if not modules:
            raise InferError(f"distribution {self.dist.label} installed no Python modules")
        readable = []
        for module in modules:
            if self.libraries.guarded(module):
                self.notes.append(
                    f"`{module}` is described by the catalog already: its entries win and its "
                    "source is not read"
                )
                continue
            path = self.libraries.find(module)
            if path is not None:
                readable.append((module, path))
        for module, path in readable:
            for name, value in self._exports(module, path):
                self._name(value, f"{module}.{name}")
        # the defining name too: a project that imports from the defining module resolves
        # the call to it (`fakesdk._client.Client` for `fakesdk.Client`)
        for key in list(self.names):
            qualname = key.qualname
            self._name(
                PClass(key) if isinstance(key, ClassKey) else PFunc(key),
                f"{self.libraries.module_name(key.path)}.{qualname}",
            )
        # classes and functions the API returns are API too, under their defining name
        pending = [k for k in self.names if isinstance(k, ClassKey)]
        roots: list[FuncKey] = []
        classes: list[ClassKey] = []
        functions: list[FuncKey] = []
        members: dict[ClassKey, dict[str, FuncKey]] = {}
        seen: set[ClassKey] = set()
        for key in self.names:
            if isinstance(key, FuncKey):
                functions.append(key)
                roots.append(key)
        while pending:
            cls = pending.pop(0)
            if cls in seen:
                continue
            seen.add(cls)
            classes.append(cls)
            members[cls] = self._members(cls)
            # sub-objects: `client.auth.sign_up(...)`, `client.chat.completions.create(...)`
            for path, owner in self._attributes(cls, 3):
                for name, key in self._members(owner).items():
                    if name[:1] != "_":
                        members[cls].setdefault(f"{path}.{name}", key)
            roots += members[cls].values()
            for method in members[cls].values():
                returned = self._returned_class(method)
                if returned is not None and returned not in seen:
                    self._name(PClass(returned), self._display_class(returned))
                    pending.append(returned)
        self.graph.explore(roots)
        entries: list[Entry] = []
        for key in functions:
            entry = self._function_entry(key)
            if entry is not None:
                entries.append(entry)
        for cls in classes:
            entry = self._class_entry(cls, members[cls])
            if entry is not None:
                entries.append(entry)
        note = self.libraries.note()
        if note is not None and note not in self.notes:
            self.notes.append(note)
        return Inferred(
            self.dist,
            self.info.parent,
            [m for m, _ in readable],
            _useful(entries),
            self.notes,
        )

    # -- the public API ---------------------------------------------------------------------

    def _exports(self, module: str, path: str) -> list[tuple[str, Value]]:
        """The public names of a module: its `__all__`, else every public name it defines,
        and for a package also what it imports (a package's `__init__` re-exports); always
        only what the distribution itself defines."""
        summary = self.resolver.module(path)
        listed = _dunder_all(summary)
        names = listed if listed is not None else sorted(n for n in summary.names if n[:1] != "_")
        imported = {item.local for item in summary.imports}
        out: list[tuple[str, Value]] = []
        for name in names:
            if listed is None and name in imported and not summary.is_package:
                continue  # a helper the module uses, not its API
            value = self.resolver.member(PMod(path, module), name)
            if isinstance(value, (PClass, PFunc)) and self._own(value):
                out.append((name, value))
        return out

    def _own(self, value: Union[PClass, PFunc]) -> bool:
        dist = self.libraries.distribution(value.key.path)
        return dist is not None and dist.name == self.dist.name

    def _name(self, value: Value, name: str) -> None:
        if not isinstance(value, (PClass, PFunc)) or ".<locals>." in value.key.qualname:
            return
        key = value.key
        if key not in self.names:
            self.names[key] = name
            self.aliases[key] = []
        elif name != self.names[key] and name not in self.aliases[key]:
            self.aliases[key].append(name)

    def _display_class(self, key: ClassKey) -> str:
        return f"{self.libraries.module_name(key.path)}.{key.qualname}"

    def _library_classes(self, cls: ClassKey) -> Iterator[tuple[ClassKey, ClassSummary]]:
        """``cls`` and its bases defined in the installed libraries, in MRO order."""
        for owner in self.resolver.mro(cls):
            if isinstance(owner, ClassKey) and self.libraries.owns(owner.path):
                summary = self.resolver.cls(owner)
                if summary is not None:
                    yield owner, summary

    def _members(self, cls: ClassKey) -> dict[str, FuncKey]:
        """Public sync methods (and the dunders the catalog can describe) of a class, its
        library bases included, the first definition of each name."""
        out: dict[str, FuncKey] = {}
        for owner, summary in self._library_classes(cls):
            for name, qualname in summary.methods:
                if name in out or (name[:1] == "_" and name not in _PUBLIC_DUNDERS):
                    continue
                function = self.resolver.module(owner.path).functions.get(qualname)
                if function is None or function.is_async:
                    continue
                decorators = {_decorator(d) for d in function.decorators}
                if decorators & _PROPERTIES or any(d.endswith(".setter") for d in decorators):
                    continue
                if "abstractmethod" in decorators or "abc.abstractmethod" in decorators:
                    continue
                out[name] = FuncKey(owner.path, qualname)
        return out

    def _attributes(self, cls: ClassKey, depth: int) -> list[tuple[str, ClassKey]]:
        """Public attributes of ``cls`` holding an instance of another installed library class
        (set on `self`, annotated, or a property), as dotted paths, ``depth`` levels down: the
        sub-objects whose methods are called through the object."""
        cached = self._attribute_cache.get((cls, depth))
        if cached is not None:
            return cached
        self._attribute_cache[(cls, depth)] = []  # a cycle of sub-objects ends here
        out: list[tuple[str, ClassKey]] = []
        names: dict[str, None] = {}
        for owner, summary in self._library_classes(cls):
            functions = self.resolver.module(owner.path).functions
            names.update((b.name, None) for b in summary.annotations)
            for method_name, qualname in summary.methods:
                names[method_name] = None  # a property is read like an attribute
                method = functions.get(qualname)
                for binding in (*method.self_assigns, *method.self_annotations) if method else ():
                    names[binding.name] = None
        for name in names:
            if name[:1] == "_":
                continue
            value = self.resolver.instance_attr(cls, name)
            if not isinstance(value, Inst) or not isinstance(value.type, ClassKey) or value.path:
                continue
            owner = value.type
            # a sub-object may come from a sibling distribution (`supabase` -> `storage3`)
            if owner == cls or not self.libraries.owns(owner.path):
                continue
            out.append((name, owner))
            if depth > 1:
                out += [(f"{name}.{sub}", key) for sub, key in self._attributes(owner, depth - 1)]
        self._attribute_cache[(cls, depth)] = out
        return out

    def _returned_class(self, method: FuncKey) -> Optional[ClassKey]:
        value = self.resolver.return_type(method)
        if isinstance(value, Inst) and isinstance(value.type, ClassKey) and not value.path:
            cls = value.type
            dist = self.libraries.distribution(cls.path)
            if dist is not None and dist.name == self.dist.name:
                return cls
        return None

    # -- entries ----------------------------------------------------------------------------

    def _function_entry(self, key: FuncKey) -> Optional[Entry]:
        function = self.resolver.function(key)
        if function is None or function.is_async:
            return None
        entry = Entry(self.names[key], "function", aliases=self.aliases[key])
        evidence = self._evidence(key, "")
        if evidence is not None:
            entry.blocking[""] = evidence
        returned = self._returned_class(key)
        if returned is not None and returned in self.names:
            entry.returns[""] = self.names[returned]
        return entry

    def _class_entry(self, cls: ClassKey, members: dict[str, FuncKey]) -> Optional[Entry]:
        entry = Entry(self.names[cls], "class", aliases=self.aliases.get(cls, []))
        mirror = self._mirror(cls)
        for name, key in sorted(members.items()):
            evidence = self._evidence(key, name)
            if evidence is not None and mirror and "." in name and self._mirrored(mirror, name):
                # `client.listen.media.transcribe(...)` has its twin on the async client
                evidence = replace(evidence, twin=f"{mirror}.{name}")
            if evidence is not None:
                entry.blocking[name] = evidence
            elif name[:1] != "_":
                entry.safe.append(name)
            returned = self._returned_class(key)
            if returned is not None and returned in self.names and name[:1] != "_":
                entry.returns[name] = self.names[returned]
        return entry

    def _mirror(self, cls: ClassKey) -> str:
        """The async client that mirrors ``cls`` (`AsyncDeepgramClient` for
        `DeepgramClient`), beside it or in a parent package: its sub-objects hold the async
        twins of the sub-objects' methods. "" when there is none."""
        name = cls.qualname.rpartition(".")[2]
        twins = [f"Async{name}"] + ([f"Async{name[4:]}"] if name.startswith("Sync") else [])
        module = self.libraries.module_name(cls.path)
        parts = module.split(".")
        for depth in range(1, len(parts) + 1):
            for twin in twins:
                candidate = f"{'.'.join(parts[:depth])}.{twin}"
                if isinstance(self.libraries.locate(candidate, self.resolver), PClass):
                    return candidate
        return ""

    def _mirrored(self, mirror: str, member: str) -> bool:
        """The async client ``mirror`` has ``member`` (a dotted path) as an `async def`."""
        value = self.libraries.locate(mirror, self.resolver)
        if not isinstance(value, PClass):
            return False
        current: Value = Inst(value.key)
        for attr in member.split("."):
            current = self.resolver.member(current, attr)
        if not isinstance(current, PFunc):
            return False
        function = self.resolver.function(current.key)
        return function is not None and function.is_async

    def _evidence(self, key: FuncKey, member: str) -> Optional[Evidence]:
        facts = self.graph.facts(key)
        if not facts:
            return None
        # the category named first in _CATEGORY_ORDER (waiting for a child process says more
        # than the temporary file written for it), then the shortest chain
        code, link = min(
            facts.items(),
            key=lambda item: (_rank(item[1].api.info.category), item[1].length),
        )
        others = tuple(
            f"{other.api.name} [{other_code}]"
            for other_code, other in sorted(facts.items())
            if other_code != code
        )
        hops = []
        for step, step_link in self.graph.chain(key, code):
            where = f"{self.libraries.relative(step.path)}:{step_link.site.line}"
            hops.append(f"{self.libraries.display(step)} ({where})")
        info = link.api.info
        return Evidence(
            member=member,
            api=link.api.name,
            code=code,
            category=info.category,
            why=info.why,
            hops=tuple(hops),
            twin=self.libraries.twin(key, self.resolver),
            others=others,
        )


def _rank(category: str) -> int:
    return _CATEGORY_ORDER.index(category) if category in _CATEGORY_ORDER else len(_CATEGORY_ORDER)


def _decorator(node: object) -> str:
    if isinstance(node, Call):
        node = node.func
    parts: list[str] = []
    while isinstance(node, Attr):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _dunder_all(summary: ModuleSummary) -> Optional[list[str]]:
    values = summary.assigned.get("__all__")
    if not values:
        return None
    out: list[str] = []
    for value in values:
        if not isinstance(value, ListDisplay):
            return None
        for item in value.items:
            if isinstance(item, Const) and isinstance(item.value, str):
                out.append(item.value)
    return [name for name in dict.fromkeys(out) if name[:1] != "_"]


def _useful(entries: list[Entry]) -> list[Entry]:
    """Entries a catalog needs: what blocks, and the types that lead to it (a class or a
    factory whose methods return a class that blocks)."""
    blocking = {e.name for e in entries if e.blocks}
    useful = set(blocking)
    changed = True
    while changed:
        changed = False
        for entry in entries:
            if entry.name not in useful and any(t in useful for t in entry.returns.values()):
                useful.add(entry.name)
                changed = True
    kept = [e for e in entries if e.name in useful]
    for entry in kept:
        entry.returns = {m: t for m, t in entry.returns.items() if t in useful}
    return kept


# -- rendering ----------------------------------------------------------------------------------


def render(results: Iterable[Inferred]) -> str:
    """The entries as a catalog file (``rules/*.toml``), a section per distribution."""
    out = [
        "# Inferred by `asynclint catalog infer` from the libraries' source (never imported).",
        "# A draft to review: check that each chain runs on the normal path of the call and",
        "# that the named async twin does the same thing, then keep what holds.",
    ]
    for result in results:
        out += ["", f"# --- {result.distribution.label} ({result.site_packages})"]
        out.append(f"# public modules read: {', '.join(result.modules) or '(none)'}")
        for note in result.notes:
            out.append(f"# note: {note}")
        if not result.entries:
            out.append("# nothing in its public API reaches a blocking API the catalog knows")
        for entry in result.entries:
            out.append("")
            out += _render_entry(entry, result.distribution)
    return "\n".join(out) + "\n"


def _render_entry(entry: Entry, dist: Distribution) -> list[str]:
    lines: list[str] = []
    for evidence in entry.blocking.values():
        member = evidence.member or entry.name.rpartition(".")[2]
        chain = " -> ".join((*evidence.hops, evidence.api))
        lines.append(f"# {member}: {chain} [{evidence.code}]")
        if evidence.others:
            lines.append(f"#   (it also reaches {', '.join(evidence.others)})")
    if entry.kind == "function":
        lines.append("[[function]]")
        if entry.aliases:
            lines.append(f"names = {_strings([entry.name, *entry.aliases])}")
        else:
            lines.append(f"name = {_string(entry.name)}")
        if not entry.blocks:
            lines.append("blocking = false")
        if "" in entry.returns:
            lines.append(f"returns = {_string(entry.returns[''])}")
        own = entry.blocking.get("")
        if own is not None:
            if own.twin:
                lines.append(f"twin = {_string(own.twin)}")
            lines += _info_lines([own], dist)
        return lines
    lines.append("[[class]]")
    lines.append(f"name = {_string(entry.name)}")
    if entry.aliases:
        lines.append(f"aliases = {_strings(entry.aliases)}")
    methods = [m for m in entry.blocking if m not in _HOOKS and m not in ("__init__", "__call__")]
    if "__call__" in entry.blocking:
        methods.append("__call__")
    if methods:
        lines.append(f"blocking = {_strings(methods)}")
    if entry.safe:
        lines.append(f"safe = {_strings(entry.safe)}")
    if "__init__" in entry.blocking:
        lines.append("constructor = true")
    for hook, flag in _HOOKS.items():
        if hook in entry.blocking:
            lines.append(f"{flag} = true")
    returns = {m: t for m, t in entry.returns.items() if m}
    if returns:
        table = ", ".join(f"{_key(m)} = {_string(t)}" for m, t in returns.items())
        lines.append(f"returns = {{ {table} }}")
    if entry.blocks:
        lines += _info_lines(list(entry.blocking.values()), dist)
    return lines


def _info_lines(evidence: list[Evidence], dist: Distribution) -> list[str]:
    categories = Counter(e.category for e in evidence)
    if set(categories) <= _NETWORK:
        category = "sdk"  # a client library's calls reach the network through its transport
    else:
        category = min(categories, key=lambda c: (-categories[c], _rank(c)))
    apis = list(dict.fromkeys(e.api for e in evidence))
    reaches = ", ".join(f"`{a}`" for a in apis[:3]) + (", ..." if len(apis) > 3 else "")
    common = Counter(e.category for e in evidence).most_common(1)[0][0]
    first = next(e for e in evidence if e.category == common)
    why = f"{first.why} (it reaches {reaches})"
    return [
        f"category = {_string(category)}",
        f"why = {_string(why)}",
        f"replacement = {_string(_replacement(evidence, dist))}",
        f"anchor = {_string(normalise(dist.name))}",
    ]


def _replacement(evidence: list[Evidence], dist: Distribution) -> str:
    twins = [e.twin for e in evidence if e.twin]
    if len(evidence) == 1 and not evidence[0].member and twins:
        return f"`await {twins[0]}(...)`, the library's async twin"
    # the twin of a method is `AsyncX.method`, of a constructor `AsyncX`: name the classes
    owners = list(dict.fromkeys(_twin_owner(e) for e in evidence if e.twin))
    named = ", ".join(f"`{owner}`" for owner in owners)
    if twins and len(twins) == len(evidence):
        return f"{named}, the library's async twin (`await` its methods)"
    if twins:
        missing = ", ".join(f"`{e.member}`" for e in evidence if not e.twin)
        return (
            f"{named}, the library's async twin (`await` its methods); for {missing}, which "
            "it lacks, `await asyncio.to_thread(...)` or `run_in_threadpool`"
        )
    return (
        "`await asyncio.to_thread(...)` or `run_in_threadpool` "
        f"({dist.name} has no async twin for it)"
    )


def _twin_owner(evidence: Evidence) -> str:
    """The async class a twin belongs to: `pkg.AsyncX` for `pkg.AsyncX.send`, for
    `pkg.AsyncX.listen.media.transcribe` (a sub-object's method), and for the constructor."""
    twin, member = evidence.twin, evidence.member
    if member == "__init__":
        return twin
    if member and twin.endswith(f".{member}"):
        return twin[: -len(member) - 1]
    return twin.rpartition(".")[0]


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _strings(values: Iterable[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _string(name)
