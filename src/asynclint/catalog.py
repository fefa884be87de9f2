"""The catalog of blocking APIs: loads and validates ``rules/*.toml``.

The catalog is data. A ``[[function]]`` entry names a function (``requests.get``) or a factory
(``psycopg2.connect``, with ``returns`` naming the type of its result); a ``[[class]]`` entry
names a class with the methods that block, those that do not, and what methods return, so a
chain such as ``psycopg2.connect(...).cursor().execute(...)`` resolves step by step. See
``docs/catalog-format.md``.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from asynclint import tomlcache
from asynclint.codes import BY_CATEGORY, COST_CLASSES, category_cost

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 in CI
    import tomli as tomllib


class CatalogError(Exception):
    """A catalog file or entry is malformed; the message names file, entry and field."""


@dataclass(frozen=True)
class Info:
    """What every blocking entry tells the user."""

    category: str
    why: str
    replacement: str
    anchor: str
    source: str  # the file the entry came from, for error messages and `asynclint catalog`

    @property
    def code(self) -> str:
        return BY_CATEGORY[self.category].code


@dataclass(frozen=True)
class FixSpec:
    """A rewrite of a reported call, as an ast-grep pattern and a rewrite with metavariables."""

    pattern: str  # e.g. "time.sleep($T)"; the name is matched as the call site spells it
    rewrite: str  # e.g. "await asyncio.sleep($T)"
    imports: tuple[str, ...] = ()  # modules the rewrite needs (`import asyncio`)
    safety: str = "safe"  # safe | unsafe


@dataclass(frozen=True, order=True)
class Version:
    """``since`` / ``until`` of a name: `redis 5.0` is release 5.0 of the module `redis`
    (`python 3.12` for the standard library)."""

    module: str
    release: tuple[int, ...]


@dataclass(frozen=True)
class Versions:
    """The releases a name exists in: ``since`` (first release with it) up to, not including,
    ``until`` (first release without it)."""

    since: Version | None = None
    until: Version | None = None

    def __str__(self) -> str:
        parts = []
        if self.since is not None:
            parts.append(f"{self.since.module} >= {'.'.join(map(str, self.since.release))}")
        if self.until is not None:
            parts.append(f"{self.until.module} < {'.'.join(map(str, self.until.release))}")
        return ", ".join(parts)


ALWAYS = Versions()


@dataclass(frozen=True)
class Bound:
    """The argument that bounds a wait: passed (and not `None`), the call waits at most that
    long; left out, it waits as long as the other side takes (`requests.get`'s `timeout`)."""

    argument: str
    position: int | None = None  # its position when it may be passed positionally


@dataclass(frozen=True)
class FunctionEntry:
    name: str
    info: Info | None  # None: a pure factory that does not block, only gives a type
    returns: str | None = None
    fix: FixSpec | None = None
    twin: str | None = None  # the async function to use instead (`aiofiles.os.stat`)
    versions: Versions = ALWAYS
    # used as a decorator (bare or called), it makes the function an instance of this type
    # (`@shared_task` -> `celery.app.task.Task`)
    decorator: str | None = None
    timeout: Bound | None = None  # the wait has no limit unless this argument is given
    cost: str = ""  # the cost class, when not the category's (`os.path.exists`: metadata)
    # the type returned when the `mode` argument is one of these strings, else ``returns``
    # (`wave.open(path, "wb")` is a `Wave_write`, `wave.open(path)` a `Wave_read`)
    modes: Mapping[str, str] = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.info is not None


@dataclass(frozen=True)
class CpuWork:
    """The CPU side of an I/O class: methods that compute rather than wait (a PIL image's
    `thumbnail` decodes and resamples), and blocking file methods that, on an in-memory stream,
    are still CPU work (`image.save(io.BytesIO(), "WEBP")` encodes). Reported as `cpu`."""

    methods: frozenset[str]
    in_memory: frozenset[str]
    info: Info


@dataclass(frozen=True)
class ClassEntry:
    name: str
    info: Info | None
    blocking: frozenset[str] = frozenset()
    safe: frozenset[str] = frozenset()
    constructor: bool = False  # calling the class itself blocks (e.g. `smtplib.SMTP(host)`)
    returns: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    # the releases the class (key "") and some of its methods or aliases exist in
    versions: Mapping[str, Versions] = field(default_factory=dict)
    # blocking methods that cannot block on an instance built without its bound
    # (`queue.Queue()` with no `maxsize`: `put` never waits): (argument, methods)
    unbounded: tuple[str, frozenset[str]] | None = None
    # attributes whose value the class knows: name -> a class name for an instance of it, or
    # `type[name]` for the class itself (Flask-SQLAlchemy's `db.Model`, `Model.query`)
    attributes: Mapping[str, str] = field(default_factory=dict)
    # attributes whose read blocks: properties that ask a server (`AsyncResult.state`)
    properties: frozenset[str] = frozenset()
    # methods used as decorators (bare or called), and the type they make the function
    # (`@app.task` on a `Celery` -> `celery.app.task.Task`)
    decorators: Mapping[str, str] = field(default_factory=dict)
    # blocking methods whose wait has no limit unless an argument bounds it (`Future.result`)
    timeouts: Mapping[str, Bound] = field(default_factory=dict)
    costs: Mapping[str, str] = field(default_factory=dict)  # method -> cost class, if not default
    cpu: CpuWork | None = None  # `cpu = { methods = [...], in_memory = [...], ... }`

    @cached_property
    def members(self) -> frozenset[str]:
        """Every attribute name the entry describes (the first segment of a dotted path)."""
        names = (*self.blocking, *self.safe, *self.returns, *self.attributes, *self.properties)
        names += tuple(self.decorators)
        return frozenset(name.split(".", 1)[0] for name in names)

    def attribute_type(self, attr: str) -> str | None:
        """The type reading ``attr`` gives: a listed attribute, or, for a name the entry does
        not describe, what the class's ``__getattr__`` returns (`client.some_db` on pymongo's
        `MongoClient`). Python calls ``__getattr__`` only when normal lookup fails, and the
        libraries that define one refuse private names."""
        if attr in self.attributes:
            return self.attributes[attr]
        dynamic = self.returns.get("__getattr__")
        if dynamic is None or attr.startswith("_") or attr in self.members:
            return None
        return dynamic

    def method_returns(self, method: str) -> str | None:
        if method in self.returns:
            return self.returns[method]
        if method == "__enter__":
            return self.name
        return None


@dataclass(frozen=True)
class Catalog:
    functions: Mapping[str, FunctionEntry]
    classes: Mapping[str, ClassEntry]  # keyed by name and by every alias
    patterns: tuple[tuple[str, ClassEntry], ...] = ()  # aliases with `*`, e.g. stub packages

    def function(self, qualname: str) -> FunctionEntry | None:
        return self.functions.get(qualname)

    def cls(self, qualname: str) -> ClassEntry | None:
        found = self.classes.get(qualname)
        if found is None:
            for pattern, entry in self.patterns:
                if fnmatch.fnmatchcase(qualname, pattern):
                    return entry
        return found

    def _lookup(self, api: str) -> tuple[FunctionEntry | None, ClassEntry | None, str]:
        """The entry of a reported API name: a function, or a class and one of its methods
        (`requests.Session.get`), or a class whose constructor blocks (`smtplib.SMTP`)."""
        function = self.function(api)
        if function is not None:
            return function, None, ""
        owner, _, method = api.rpartition(".")
        found = self.cls(owner) if owner else None
        if found is not None and method in found.blocking:
            return None, found, method
        found = self.cls(api)
        return None, found, "__init__" if found is not None else ""

    def bound(self, api: str) -> Bound | None:
        """The argument that bounds ``api``'s wait, when it waits without limit otherwise."""
        function, cls, method = self._lookup(api)
        if function is not None:
            return function.timeout
        return cls.timeouts.get(method) if cls is not None else None

    def cost(self, api: str, category: str) -> str:
        """The cost class of ``api`` (see ``codes.COST_CLASSES``), reported in ``category``."""
        function, cls, method = self._lookup(api)
        own = function.cost if function is not None else ""
        if cls is not None:
            own = cls.costs.get(method, cls.costs.get("", ""))
        return own or category_cost(category)

    def entries(self) -> list[FunctionEntry | ClassEntry]:
        """Every entry once, in name order."""
        unique: dict[str, FunctionEntry | ClassEntry] = dict(self.functions)
        for entry in self.classes.values():
            unique[entry.name] = entry
        return [unique[name] for name in sorted(unique)]

    def api_count(self) -> int:
        """Blocking APIs described: blocking functions, blocking methods, blocking constructors."""
        count = sum(1 for entry in self.functions.values() if entry.blocking)
        for entry in {e.name: e for e in self.classes.values()}.values():
            count += len(entry.blocking) + len(entry.properties) + int(entry.constructor)
            count += len(entry.cpu.methods) if entry.cpu is not None else 0
        return count

    def without(self, allowed: Iterable[str]) -> Catalog:
        """A copy with allow-listed names removed: a function, a class, or `Class.method`."""
        allowed = set(allowed)
        functions = {k: v for k, v in self.functions.items() if k not in allowed}
        classes: dict[str, ClassEntry] = {}
        for key, entry in self.classes.items():
            if entry.name in allowed or key in allowed:
                continue
            drop = {m for m in entry.blocking if f"{entry.name}.{m}" in allowed}
            quiet = {p for p in entry.properties if f"{entry.name}.{p}" in allowed}
            ctor = entry.constructor and entry.name + ".__init__" not in allowed
            cpu = entry.cpu
            if cpu is not None:
                idle = {m for m in cpu.methods if f"{entry.name}.{m}" in allowed}
                if idle:
                    cpu = replace(cpu, methods=cpu.methods - idle)
            if drop or quiet or ctor != entry.constructor or cpu is not entry.cpu:
                entry = replace(
                    entry,
                    blocking=entry.blocking - drop,
                    safe=entry.safe | drop,
                    constructor=ctor,
                    properties=entry.properties - quiet,
                    cpu=cpu,
                )
            classes[key] = entry
        return _with_patterns(functions, classes)


_INFO_FIELDS = ("category", "why", "replacement", "anchor")
_FUNCTION_KEYS = {
    "name",
    "names",
    "blocking",
    "returns",
    "fix",
    "twin",
    "since",
    "until",
    "decorator",
    "timeout",
    "cost",
    "modes",
    *_INFO_FIELDS,
}
_FIX_KEYS = {"pattern", "rewrite", "imports", "safety"}
# `with` and `for` as facts of a class: each flag stands for the protocol method the engine
# looks up at a `with` / `for` site, so the call graph needs no special case for them.
HOOKS = {"enter_blocks": "__enter__", "exit_blocks": "__exit__", "iter_blocks": "__iter__"}
_HOOK_FLAGS = {method: flag for flag, method in HOOKS.items()}
_CLASS_KEYS = {
    "name",
    "aliases",
    "blocking",
    "safe",
    "constructor",
    "returns",
    "attributes",
    "since",
    "until",
    "unbounded",
    "properties",
    "decorators",
    "timeout",
    "cost",
    "cpu",
    *HOOKS,
    *_INFO_FIELDS,
}
_FILE_KEYS = {"defaults", "function", "class"}


def builtin_rules_dir() -> Path:
    """The catalog shipped with asynclint: inside the wheel, or ``rules/`` of a source tree."""
    packaged = Path(__file__).resolve().parent / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


def load_builtin() -> Catalog:
    directory = builtin_rules_dir()
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise CatalogError(f"{directory}: no catalog files (*.toml) found; is asynclint installed?")
    sources = [(path, _read_bytes(path)) for path in files]
    documents = tomlcache.parsed(sources, _parse_toml)
    return build(parse_table(data, str(path)) for (path, _), data in zip(sources, documents))


def parse_file(path: Path) -> list[FunctionEntry | ClassEntry]:
    return parse_table(_parse_toml(path, _read_bytes(path)), str(path))


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read catalog file: {exc.strerror or exc}") from exc


def _parse_toml(path: Path, data: bytes) -> dict[str, Any]:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: not valid TOML: {exc}") from exc


def parse_table(data: Mapping[str, Any], source: str) -> list[FunctionEntry | ClassEntry]:
    """Entries of one catalog document (a rules file, or `[tool.asynclint]` extra entries)."""
    unknown = set(data) - _FILE_KEYS
    if unknown:
        raise CatalogError(f"{source}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise CatalogError(f"{source}: `defaults` must be a table")
    bad_defaults = set(defaults) - set(_INFO_FIELDS)
    if bad_defaults:
        raise CatalogError(
            f"{source}: `defaults` may only set {', '.join(_INFO_FIELDS)}; "
            f"got {', '.join(sorted(bad_defaults))}"
        )
    entries: list[FunctionEntry | ClassEntry] = []
    for kind in ("function", "class"):
        raw = data.get(kind, [])
        if not isinstance(raw, list):
            raise CatalogError(f"{source}: `{kind}` must be an array of tables ([[{kind}]])")
        for index, item in enumerate(raw, start=1):
            where = _Where(source, kind, index, item)
            if not isinstance(item, dict):
                raise where.error("entry", "must be a table")
            merged = {**defaults, **item}
            if kind == "function":
                entries.extend(_parse_function(merged, where))
            else:
                entries.append(_parse_class(merged, where))
    return entries


def build(parts: Iterable[list[FunctionEntry | ClassEntry]]) -> Catalog:
    """Merge parsed files; a later definition of a name replaces an earlier one."""
    functions: dict[str, FunctionEntry] = {}
    classes: dict[str, ClassEntry] = {}
    for entries in parts:
        for entry in entries:
            if isinstance(entry, FunctionEntry):
                functions[entry.name] = entry
            else:
                for key in (entry.name, *entry.aliases):
                    classes[key] = entry
    return _with_patterns(functions, classes)


def _with_patterns(
    functions: Mapping[str, FunctionEntry], classes: Mapping[str, ClassEntry]
) -> Catalog:
    patterns = tuple((key, entry) for key, entry in classes.items() if "*" in key)
    return Catalog(functions, classes, patterns)


@dataclass(frozen=True)
class _Where:
    source: str
    kind: str
    index: int
    item: Any

    def error(self, field_name: str, problem: str) -> CatalogError:
        name = ""
        if isinstance(self.item, dict):
            label = self.item.get("name") or self.item.get("names")
            if isinstance(label, list):
                label = label[0] if label else None
            if isinstance(label, str):
                name = f" ({label})"
        return CatalogError(
            f"{self.source}: [[{self.kind}]] entry #{self.index}{name}: "
            f"field `{field_name}` {problem}"
        )


def _string(item: Mapping[str, Any], key: str, where: _Where, required: bool = True) -> str:
    value = item.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise where.error(key, "is missing" if value is None else "must be a non-empty string")
    return value.strip()


def _qualname(value: Any, key: str, where: _Where) -> str:
    if not isinstance(value, str) or not value:
        raise where.error(key, "must be a dotted name such as `requests.get`")
    parts = value.split(".")
    if not all(part.isidentifier() for part in parts):
        raise where.error(key, f"must be a dotted name such as `requests.get`, got {value!r}")
    return value


def _alias(value: Any, where: _Where) -> str:
    """A dotted name; `*` may stand for any run of characters (`mypy_boto3_*.*Client`)."""
    if isinstance(value, str) and "*" in value:
        _qualname(value.replace("*", "x"), "aliases", where)
        return value
    return _qualname(value, "aliases", where)


def _names(item: Mapping[str, Any], key: str, where: _Where) -> list[str]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise where.error(key, "must be a list of strings")
    for v in value:
        if not all(part.isidentifier() for part in v.split(".")):
            raise where.error(key, f"has {v!r}, which is not a method name or dotted path")
    return list(value)


def _info(item: Mapping[str, Any], where: _Where) -> Info:
    category = _string(item, "category", where)
    if category not in BY_CATEGORY:
        raise where.error(
            "category", f"is {category!r}; expected one of: {', '.join(sorted(BY_CATEGORY))}"
        )
    return Info(
        category=category,
        why=_string(item, "why", where),
        replacement=_string(item, "replacement", where),
        anchor=_string(item, "anchor", where),
        source=where.source,
    )


def _check_keys(item: Mapping[str, Any], allowed: set[str], where: _Where) -> None:
    for key in item:
        if key not in allowed:
            raise where.error(key, f"is not a known field; known: {', '.join(sorted(allowed))}")


def _parse_function(item: Mapping[str, Any], where: _Where) -> list[FunctionEntry]:
    _check_keys(item, _FUNCTION_KEYS, where)
    if ("name" in item) == ("names" in item):
        raise where.error("name", "is required (or `names`, a list), but not both")
    if "names" in item:
        raw = item["names"]
        if not isinstance(raw, list) or not raw:
            raise where.error("names", "must be a non-empty list of dotted names")
        names = [_qualname(v, "names", where) for v in raw]
    else:
        names = [_qualname(item["name"], "name", where)]
    blocking = item.get("blocking", True)
    if not isinstance(blocking, bool):
        raise where.error("blocking", "must be true or false")
    returns = item.get("returns")
    if returns is not None:
        returns = _qualname(returns, "returns", where)
    decorator = item.get("decorator")
    if decorator is not None:
        decorator = _qualname(decorator, "decorator", where)
        if blocking:
            raise where.error("decorator", "is only for a function that does not block")
    if not blocking and returns is None and decorator is None:
        raise where.error(
            "returns", "is required when `blocking = false` (a pure factory), or `decorator`"
        )
    modes = item.get("modes", {})
    if not isinstance(modes, dict):
        raise where.error("modes", "must be a table of mode = type")
    for mode, type_name in modes.items():
        _qualname(type_name, f"modes.{mode}", where)
    if modes and returns is None:
        raise where.error("modes", "needs `returns`, the type for any other mode")
    info = _info(item, where) if blocking else None
    fix = _fix(item, names, where) if "fix" in item else None
    twin = item.get("twin")
    if twin is not None and (not isinstance(twin, str) or twin.count("{name}") > 1):
        raise where.error("twin", "must be a dotted name, `{name}` standing for the entry's name")
    if twin is not None and info is None:
        raise where.error("twin", "is only for a blocking function")
    timeout = _bound(item["timeout"], "timeout", where) if "timeout" in item else None
    if timeout is not None and info is None:
        raise where.error("timeout", "is only for a blocking function")
    cost = _cost(item.get("cost", ""), "cost", where)
    ranges = _versions(item, where, lambda key: False)
    if set(ranges) - {""}:
        raise where.error("since", "must be a string such as `redis 5.0` on a function entry")
    versions = ranges.get("", ALWAYS)
    out = []
    for name in names:
        twin_name = twin.replace("{name}", name) if twin is not None else None
        if twin_name is not None:
            twin_name = _qualname(twin_name, "twin", where)
        out.append(
            FunctionEntry(
                name,
                info,
                returns,
                fix,
                twin_name,
                versions,
                decorator=decorator,
                timeout=timeout,
                cost=cost,
                modes=dict(modes),
            )
        )
    return out


def _bound(value: Any, key: str, where: _Where) -> Bound:
    """`"timeout"` (a keyword argument) or `{ argument = "timeout", position = 1 }`."""
    if isinstance(value, str) and value.isidentifier():
        return Bound(value)
    if isinstance(value, dict) and set(value) <= {"argument", "position"}:
        argument, position = value.get("argument"), value.get("position")
        if (
            isinstance(argument, str)
            and argument.isidentifier()
            and (position is None or (isinstance(position, int) and position >= 0))
            and not isinstance(position, bool)
        ):
            return Bound(argument, position)
    raise where.error(key, 'must be a parameter name or `{ argument = "timeout", position = 0 }`')


def _cost(value: Any, key: str, where: _Where) -> str:
    if value == "" or value in COST_CLASSES:
        return str(value)
    raise where.error(key, f"is {value!r}; expected one of: {', '.join(COST_CLASSES)}")


_VERSION = re.compile(r"^(?P<module>[A-Za-z_][A-Za-z0-9_]*) (?P<release>[0-9]+(?:\.[0-9]+)*)$")


def _version(value: Any, key: str, where: _Where) -> Version:
    match = _VERSION.match(value) if isinstance(value, str) else None
    if match is None:
        raise where.error(key, f"must be a module and a release such as `redis 5.0`, got {value!r}")
    release = tuple(int(part) for part in match["release"].split("."))
    return Version(match["module"], release)


def _versions(
    item: Mapping[str, Any], where: _Where, known: Callable[[str], bool]
) -> dict[str, Versions]:
    """`since` / `until`: a string for the whole entry (key ""), or a table of method (or
    alias) = string; ``known`` says whether a table key is something the entry lists."""
    bounds: dict[str, dict[str, Version]] = {}
    for key in ("since", "until"):
        raw = item.get(key)
        if raw is None:
            continue
        table = raw if isinstance(raw, dict) else {"": raw}
        for name, value in table.items():
            if name and not known(name):
                raise where.error(key, f"names {name!r}, which the entry does not list")
            bounds.setdefault(name, {})[key] = _version(
                value, f"{key}.{name}" if name else key, where
            )
    out = {}
    for name, pair in bounds.items():
        since, until = pair.get("since"), pair.get("until")
        if (
            since is not None
            and until is not None
            and (since.module != until.module or since.release >= until.release)
        ):
            raise where.error("until", f"must be a later release of {since.module} than `since`")
        out[name] = Versions(since, until)
    return out


def _fix(item: Mapping[str, Any], names: list[str], where: _Where) -> FixSpec:
    raw = item["fix"]
    if not isinstance(raw, dict):
        raise where.error("fix", "must be a table with `pattern` and `rewrite`")
    unknown = set(raw) - _FIX_KEYS
    if unknown:
        raise where.error("fix", f"has unknown key(s): {', '.join(sorted(unknown))}")
    if len(names) != 1:
        raise where.error("fix", "needs a single `name`, not `names`")
    pattern, rewrite = raw.get("pattern"), raw.get("rewrite")
    if not isinstance(pattern, str) or not pattern.startswith(names[0] + "("):
        raise where.error(
            "fix", f"`pattern` must be a call of `{names[0]}`, e.g. `{names[0]}($$$ARGS)`"
        )
    if not isinstance(rewrite, str) or not rewrite.strip():
        raise where.error("fix", "`rewrite` must be a non-empty string")
    imports = raw.get("imports", [])
    if not isinstance(imports, list) or not all(
        isinstance(m, str) and all(p.isidentifier() for p in m.split(".")) for m in imports
    ):
        raise where.error("fix", "`imports` must be a list of module names")
    safety = raw.get("safety", "safe")
    if safety not in ("safe", "unsafe"):
        raise where.error("fix", '`safety` must be "safe" or "unsafe"')
    return FixSpec(pattern, rewrite, tuple(imports), safety)


def _parse_class(item: Mapping[str, Any], where: _Where) -> ClassEntry:
    _check_keys(item, _CLASS_KEYS, where)
    name = _qualname(item.get("name"), "name", where)
    raw_aliases = item.get("aliases", [])
    if not isinstance(raw_aliases, list):
        raise where.error("aliases", "must be a list of dotted names")
    aliases = tuple(_alias(a, where) for a in raw_aliases)
    blocking = _names(item, "blocking", where)
    for method in blocking:
        if method in _HOOK_FLAGS:
            raise where.error(
                "blocking", f"lists {method!r}; say `{_HOOK_FLAGS[method]} = true` instead"
            )
    for flag, method in HOOKS.items():
        value = item.get(flag, False)
        if not isinstance(value, bool):
            raise where.error(flag, "must be true or false")
        if value:
            blocking.append(method)
    safe = _names(item, "safe", where)
    both = set(blocking) & set(safe)
    if both:
        raise where.error("safe", f"repeats blocking method(s): {', '.join(sorted(both))}")
    properties = _names(item, "properties", where)
    for prop in properties:
        if "." in prop or prop in blocking or prop in safe:
            raise where.error(
                "properties", f"lists {prop!r}, which is a dotted path or a listed method"
            )
    decorators = item.get("decorators", {})
    if not isinstance(decorators, dict):
        raise where.error("decorators", "must be a table of method = type")
    for method, type_name in decorators.items():
        if not method.isidentifier():
            raise where.error("decorators", f"has key {method!r}, which is not a method name")
        _qualname(type_name, f"decorators.{method}", where)
    constructor = item.get("constructor", False)
    if not isinstance(constructor, bool):
        raise where.error("constructor", "must be true or false")
    returns = item.get("returns", {})
    if not isinstance(returns, dict):
        raise where.error("returns", "must be a table of method = type")
    for method, type_name in returns.items():
        if not all(part.isidentifier() for part in method.split(".")):
            raise where.error("returns", f"has key {method!r}, which is not a method name")
        _qualname(type_name, f"returns.{method}", where)
    unbounded = _unbounded(item, blocking, where)
    attributes = item.get("attributes", {})
    if not isinstance(attributes, dict):
        raise where.error("attributes", "must be a table of attribute = type")
    for attribute, type_name in attributes.items():
        if not attribute.isidentifier():
            raise where.error("attributes", f"has key {attribute!r}, which is not a name")
        plain = (
            type_name[5:-1]
            if isinstance(type_name, str)
            and type_name.startswith("type[")
            and type_name.endswith("]")
            else type_name
        )
        _qualname(plain, f"attributes.{attribute}", where)
    calls = {*blocking, "__init__"} if constructor else set(blocking)
    timeouts = item.get("timeout", {})
    if not isinstance(timeouts, dict) or not set(timeouts) <= calls:
        raise where.error("timeout", "must be a table of blocking method = bounding argument")
    bounds = {m: _bound(v, f"timeout.{m}", where) for m, v in timeouts.items()}
    raw_cost = item.get("cost", "")
    costs = raw_cost if isinstance(raw_cost, dict) else {"": raw_cost}
    if not set(costs) - {""} <= calls:
        raise where.error("cost", "must be a cost class, or a table of blocking method = class")
    costs = {m: _cost(v, f"cost.{m}" if m else "cost", where) for m, v in costs.items()}
    info = _info(item, where) if (blocking or constructor or properties) else None
    cpu = _cpu(item, blocking, safe, where)
    listed = {*blocking, *safe, *returns, *attributes, *aliases, *properties, *decorators}
    versions = _versions(item, where, listed.__contains__)
    return ClassEntry(
        name=name,
        info=info,
        blocking=frozenset(blocking),
        safe=frozenset(safe),
        constructor=constructor,
        returns=dict(returns),
        aliases=aliases,
        versions=versions,
        unbounded=unbounded,
        attributes=dict(attributes),
        properties=frozenset(properties),
        decorators=dict(decorators),
        timeouts=bounds,
        costs={m: c for m, c in costs.items() if c},
        cpu=cpu,
    )


_CPU_KEYS = {"methods", "in_memory", "why", "replacement"}


def _cpu(
    item: Mapping[str, Any], blocking: list[str], safe: list[str], where: _Where
) -> CpuWork | None:
    """`cpu = { methods = [...], in_memory = [...], why = "...", replacement = "..." }`."""
    table = item.get("cpu")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise where.error(
            "cpu", "must be a table with `methods`, `in_memory`, `why`, `replacement`"
        )
    unknown = sorted(set(table) - _CPU_KEYS)
    if unknown:
        raise where.error(
            "cpu", f"has unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_CPU_KEYS))}"
        )
    methods = _names(table, "methods", where)
    in_memory = _names(table, "in_memory", where)
    if not methods and not in_memory:
        raise where.error("cpu", "names no method (`methods` or `in_memory`)")
    both = set(methods) & (set(blocking) | set(safe))
    if both:
        raise where.error(
            "cpu", f"`methods` repeats blocking or safe method(s): {', '.join(sorted(both))}"
        )
    stray = set(in_memory) - set(blocking)
    if stray:
        raise where.error(
            "cpu", f"`in_memory` names method(s) that are not blocking: {', '.join(sorted(stray))}"
        )
    texts = {key: table.get(key) for key in ("why", "replacement")}
    for key, value in texts.items():
        if not isinstance(value, str) or not value.strip():
            raise where.error("cpu", f"needs `{key}`, a non-empty string")
    info = Info(
        category="cpu",
        why=str(texts["why"]),
        replacement=str(texts["replacement"]),
        anchor=_string(item, "anchor", where),
        source=where.source,
    )
    return CpuWork(frozenset(methods), frozenset(in_memory), info)


def _unbounded(
    item: Mapping[str, Any], blocking: list[str], where: _Where
) -> tuple[str, frozenset[str]] | None:
    """`unbounded = { argument = "maxsize", safe = ["put"] }`: the constructor argument that
    bounds an instance, and the blocking methods that never wait without it."""
    table = item.get("unbounded")
    if table is None:
        return None
    if not isinstance(table, dict) or set(table) != {"argument", "safe"}:
        raise where.error("unbounded", "must be a table with `argument` and `safe`")
    argument = table["argument"]
    if not isinstance(argument, str) or not argument.isidentifier():
        raise where.error("unbounded", "`argument` must be a parameter name")
    methods = table["safe"]
    if not isinstance(methods, list) or not all(m in blocking for m in methods):
        raise where.error("unbounded", "`safe` must list blocking methods of the class")
    return argument, frozenset(methods)
