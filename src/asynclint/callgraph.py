"""The project call graph and which project functions block, computed to a fixpoint.

A call site leads to targets: a blocking library API from the catalog, or a project function
whose body runs there (a plain call, a constructor's ``__init__`` / ``__post_init__``, the
``__enter__`` / ``__exit__`` of a ``with``, the body of a generator being iterated). A sync
project function blocks when any of its sites leads to a blocking API or to a blocking project
function, outside an offload. Facts are kept per code (ASL101, ASL501 …), each with its
shortest chain as evidence, so silencing one code never hides another.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Callable, NamedTuple, Optional

from asynclint import lazyload
from asynclint.catalog import Info
from asynclint.expr import NONE, Attr, Call, Const, Enter, Name, Node, OptExpr
from asynclint.lazyload import LazyLoads
from asynclint.offloaders import Offloaders, is_offload
from asynclint.resolve import (
    ClassKey,
    Ext,
    FuncKey,
    Gen,
    Inst,
    PClass,
    PFunc,
    Resolver,
    Scope,
    Value,
    decorator_names,
    site_scope,
)
from asynclint.summary import CallSite, FunctionSummary, SiteKind

if TYPE_CHECKING:
    from asynclint.library import Libraries

# builtins that iterate their arguments as they are themselves iterated
LAZY_WRAPPERS = frozenset(
    f"builtins.{name}" for name in ("enumerate", "zip", "map", "filter", "iter", "reversed")
)
# in-memory streams: a file API given one as its first argument touches no file system
MEMORY_STREAMS = frozenset({"io.BytesIO", "io.StringIO", "_io.BytesIO", "_io.StringIO"})
# The code of an unbounded wait (a sleep, or a wait whose bounding argument is left out): a
# fact kept per function like the blocking codes, reported only where FastAPI runs a plain
# `def` in its threadpool (ASL801), never as a blocking call on the loop
HOLD = "ASL801"
_MISSING = Name("<missing>")

# builtins that iterate their first argument to the end (or, `next`, to its first item)
CONSUMERS = frozenset(
    f"builtins.{name}"
    for name in (
        "list",
        "tuple",
        "set",
        "frozenset",
        "dict",
        "sorted",
        "sum",
        "min",
        "max",
        "any",
        "all",
        "next",
    )
)


@dataclass(frozen=True)
class Api:
    """A blocking library API reached by a call."""

    name: str
    info: Info


class Via(str, Enum):
    """How a call site runs a project function's body."""

    CALL = ""
    CONSTRUCTOR = "constructor"  # `__init__` / `__post_init__`
    WITH = "with"  # `__enter__` / `__exit__`, or a @contextmanager's body
    ITERATION = "iteration"  # a sync generator's body


@dataclass(frozen=True)
class Target:
    api: Optional[Api] = None
    function: Optional[FuncKey] = None
    via: Via = Via.CALL


CALLS, READS = 0, 1  # where an edge's site is in its function's summary


class EdgeRow(NamedTuple):
    """An edge as data: its site by place (``CALLS`` or ``READS``, and the position
    there), and its target."""

    kind: int
    position: int
    api: Optional[Api]
    function: Optional[FuncKey]
    via: Via


class FactRow(NamedTuple):
    """A blocking fact as data (``Link``): its code, its site by place, and the rest."""

    code: str
    kind: int
    position: int
    length: int
    api: Api
    next: Optional[FuncKey]


@dataclass(frozen=True)
class Link:
    """Why a project function blocks: the site in it, and what that site reaches."""

    site: CallSite
    length: int  # project functions from here to the API, this one included
    api: Api
    next: Optional[FuncKey]  # the next project function on the chain, None when direct


class CallGraph:
    def __init__(self, resolver: Resolver, libraries: Optional[Libraries] = None) -> None:
        self.resolver = resolver
        self.catalog = resolver.catalog
        # installed libraries whose source is followed where the catalog says nothing
        self.libraries = libraries
        self._located: dict[str, Value] = {}
        self._edges: dict[FuncKey, list[tuple[CallSite, Target]]] = {}
        self._rows: dict[FuncKey, list[EdgeRow]] = {}  # edges of a previous run, as data
        self._made_from: dict[FuncKey, list[EdgeRow]] = {}  # rows turned into ``_edges``
        # each site of an edge by its place in its function's summary (``CALLS`` or ``READS``,
        # the position there), by the site's id: the summaries keep the sites alive
        self._place: dict[int, tuple[int, int]] = {}
        # a previous run's facts, as data, of the functions it explored (``adopt``), and the
        # suppressions exploring each one used; turned into ``_blocking`` when first asked for
        self._fact_rows: dict[FuncKey, list[FactRow]] = {}
        self._silenced_rows: dict[FuncKey, list[tuple[int, str]]] = {}
        self._explored_before: set[FuncKey] = set()
        # the suppressions exploring each function used, as (line, code) (``snapshot``)
        self._silenced_by: dict[FuncKey, set[tuple[int, str]]] = {}
        self._recording = False
        self._untouched: set[FuncKey] = set()  # explored, and as the previous run left them
        self._blocking: dict[FuncKey, dict[str, Link]] = {}
        self._callers: dict[FuncKey, list[tuple[FuncKey, CallSite]]] = {}
        self._explored: set[FuncKey] = set()
        self._awaited_receivers: dict[FuncKey, frozenset[Node]] = {}
        # (file, line, code) of every fact or finding a suppression comment silenced
        self.silenced: set[tuple[str, int, str]] = set()
        self.lazy = LazyLoads(resolver)
        self.offloaders = Offloaders(resolver)
        # every attribute name a catalog class lists as a blocking property: a read whose
        # chain names none of them is not resolved at all
        self._property_names = frozenset(
            name for entry in self.catalog.classes.values() for name in entry.properties
        )
        self._callback_methods = frozenset(
            name for entry in self.catalog.classes.values() for name in entry.callbacks
        )

    # -- targets of one site ------------------------------------------------------------

    def site_targets(self, key: FuncKey, function: FunctionSummary, index: int) -> list[Target]:
        libraries = self.libraries
        if libraries is None:
            return self._site_targets(key, function, index)
        site = function.calls[index]
        if libraries.owns(key.path):
            # inside a library only the normal path of a call counts
            if site.cold in libraries.rules.skip_sites:
                return []
            callee = self.resolver.value(site.func, site_scope(key.path, function, site))
            name = callee.name if isinstance(callee, Ext) else None
            if isinstance(callee, Inst) and isinstance(callee.type, str):
                name = callee.type
            if name is not None and libraries.rules.cold_callee(name):
                return []
        targets = self._site_targets(key, function, index)
        if libraries.owns(key.path):
            skip = libraries.rules.skip_apis
            targets = [t for t in targets if t.api is None or t.api.name not in skip]
            targets = self._implemented(key, function, site, targets)
        return [t for t in targets if t.function is None or not self._cold_library(t.function)]

    def _implemented(
        self, key: FuncKey, function: FunctionSummary, site: CallSite, targets: list[Target]
    ) -> list[Target]:
        """`self._client.upsert(...)` where `_client` is annotated with an abstract base
        (`QdrantBase`, whose `upsert` only raises `NotImplementedError`) but assigned concrete
        classes in the library's own methods (`QdrantRemote(...)`): the implementations those
        assignments name run, not the abstract method."""
        out: list[Target] = []
        for target in targets:
            if target.function is None or not self._abstract(target.function):
                out.append(target)
                continue
            found = self._assigned_implementations(key, function, site, target.function)
            out += found if found else [target]
        return out

    def _abstract(self, key: FuncKey) -> bool:
        function = self.resolver.function(key)
        if function is None or function.return_values:
            return False
        if "abstractmethod" in decorator_names(function):
            return True
        return bool(function.calls) and all(
            isinstance(s.func, Name) and s.func.id == "NotImplementedError" for s in function.calls
        )

    def _assigned_implementations(
        self, key: FuncKey, function: FunctionSummary, site: CallSite, abstract: FuncKey
    ) -> list[Target]:
        receiver = site.func.value if isinstance(site.func, Attr) else None
        if not (
            isinstance(receiver, Attr)
            and isinstance(receiver.value, Name)
            and function.class_name is not None
            and function.params
            and receiver.value.id == function.params[0].name
        ):
            return []
        method = abstract.qualname.rsplit(".", 1)[-1]
        owner = ClassKey(key.path, function.class_name)
        found: list[Target] = []
        for cls in self.resolver.mro(owner):
            if not isinstance(cls, ClassKey):
                continue
            summary = self.resolver.cls(cls)
            module = self.resolver.module(cls.path)
            for _, qualname in summary.methods if summary is not None else ():
                body = module.functions.get(qualname)
                for binding in body.self_assigns if body is not None else ():
                    if binding.name != receiver.attr:
                        continue
                    value = self.resolver.value(binding.value, Scope(cls.path, qualname))
                    if isinstance(value, Inst) and isinstance(value.type, ClassKey):
                        implementation = self.resolver.find_method(value.type, method)
                        if implementation is not None and implementation != abstract:
                            found += self._sync_body(implementation, Via.CALL)
        return list(dict.fromkeys(found))

    def _cold_library(self, key: FuncKey) -> bool:
        """A library function that runs off the normal path of a call (see ``Rules``)."""
        libraries = self.libraries
        if libraries is None or not libraries.owns(key.path):
            return False
        function = self.resolver.function(key)
        if function is None or libraries.rules.cold_function(function):
            return True
        return bool(libraries.allow) and libraries.allowed(libraries.display(key))

    def _site_targets(self, key: FuncKey, function: FunctionSummary, index: int) -> list[Target]:
        site = function.calls[index]
        if self.offloaded(key, function, index):
            return []
        if site.cold == "lazy":
            # `if _client is None: _client = make()` on a global or `self.x`: a one-time
            # initialisation, like a memoised getter, not a per-request cost
            return []
        scope = site_scope(key.path, function, site)
        if site.kind is SiteKind.WITH:
            entered = self._with_targets(site, scope)
            if any(_is_file_api(t) for t in entered) and self._in_memory(site, function, scope):
                entered = self._on_memory(entered)
            return entered
        if site.kind is SiteKind.ITER:
            return self._iter_targets(site, scope)
        if self.is_offload(site, scope):
            return []
        callee = self.resolver.value(site.func, scope)
        targets = self._call_targets(callee)
        if isinstance(site.func, Attr) and isinstance(callee, PFunc):
            targets += self._overrides(callee.key, site.func, function, scope)
        elif (
            isinstance(site.func, Attr)
            and isinstance(callee, Inst)
            and callee.path in self._callback_methods
        ):
            targets += self._callbacks(site.func, scope)
        consumer = isinstance(callee, Ext) and callee.name in CONSUMERS
        if site.positional and (consumer or _joins(site.func, callee)):
            targets += self._consumed(site.positional[0], scope)
        if any(_is_file_api(t) for t in targets) and self._in_memory(site, function, scope):
            targets = self._on_memory(targets)
        if isinstance(site.func, Attr) and any(t.api is not None for t in targets):
            targets = [t for t in targets if not self._never_waits(t, site.func, function, scope)]
        if site.awaited or (
            isinstance(site.func, Attr) and site.func.value in self._async_receivers(key, function)
        ):
            # awaiting a sync API would raise TypeError: the inferred type is wrong, and so is
            # every other call on the same receiver in this function
            return [target for target in targets if target.api is None]
        return targets

    def _never_waits(
        self, target: Target, func: Attr, function: FunctionSummary, scope: Scope
    ) -> bool:
        """`q.put(x)` on a `queue.Queue()` built without `maxsize`: the catalog's `unbounded`
        fact says that method cannot wait on an instance built without its bound."""
        if target.api is None:
            return False
        owner, _, method = target.api.name.rpartition(".")
        entry = self.catalog.cls(owner)
        if entry is None or entry.unbounded is None or method not in entry.unbounded[1]:
            return False
        built = self._construction(func.value, function, scope)
        if built is None:
            return False
        bound = built.argument(0, entry.unbounded[0])
        return bound is None or bound == Const(0)

    def _construction(
        self, receiver: Node, function: FunctionSummary, scope: Scope
    ) -> Optional[Call]:
        """The one call that built ``receiver`` (or whose `with` bound it): a local or module
        name, or `self.x` set in a method of the class."""
        values: tuple[OptExpr, ...] = ()
        if isinstance(receiver, Name):
            values = function.assigned.get(receiver.id, ())
            if not values and receiver.id not in function.local_names:
                values = self.resolver.module(scope.path).assigned.get(receiver.id, ())
        elif (
            isinstance(receiver, Attr)
            and isinstance(receiver.value, Name)
            and function.class_name is not None
            and function.params
            and receiver.value.id == function.params[0].name
        ):
            summary = self.resolver.cls(ClassKey(scope.path, function.class_name))
            module = self.resolver.module(scope.path)
            for _, qualname in summary.methods if summary is not None else ():
                method = module.functions.get(qualname)
                if method is not None:
                    values += tuple(b.value for b in method.self_assigns if b.name == receiver.attr)
        known = [v.value if isinstance(v, Enter) else v for v in values if v != NONE]
        return known[0] if len(known) == 1 and isinstance(known[0], Call) else None

    def _in_memory(self, site: CallSite, function: FunctionSummary, scope: Scope) -> bool:
        """The file API works on data in memory: it is given an in-memory stream
        (`Image.open(io.BytesIO(data))`), or it is a method of a handle opened over one
        (`zf = ZipFile(io.BytesIO(), "w")`, then `zf.writestr(...)`), or the `with` of one."""
        given: list[OptExpr] = [site.first]
        func = site.func
        if site.kind is SiteKind.WITH and isinstance(func, Call):
            given = [func.args[0] if func.args else None]
        elif isinstance(func, Attr):
            # `handle.method(buffer)`, or any method of a handle opened over memory
            opened = self._construction(func.value, function, scope)
            if opened is not None and opened.args:
                given.append(opened.args[0])
        for expression in given:
            if expression is None:
                continue
            value = self.resolver.value(expression, scope)
            if isinstance(value, Inst) and value.type in MEMORY_STREAMS and not value.path:
                return True
        return False

    def _on_memory(self, targets: list[Target]) -> list[Target]:
        """The targets of a file API working on memory: no file I/O, but the CPU work the
        catalog names for it (`cpu.in_memory`: encoding an image into a `BytesIO`)."""
        out = []
        for target in targets:
            if not _is_file_api(target):
                out.append(target)
                continue
            assert target.api is not None
            owner, _, method = target.api.name.rpartition(".")
            entry = self.catalog.cls(owner) if owner else None
            cpu = entry.cpu if entry is not None else None
            if cpu is not None and method in cpu.in_memory:
                out.append(Target(api=Api(target.api.name, cpu.info), via=target.via))
        return out

    def _async_receivers(self, key: FuncKey, function: FunctionSummary) -> frozenset[Node]:
        """Receivers on which this function awaits a method the analysis takes for a sync,
        blocking API: evidence that the receiver is really an async object."""
        found = self._awaited_receivers.get(key)
        if found is None:
            scope = Scope(key.path, function.qualname)
            found = frozenset(
                site.func.value
                for site in function.calls
                if site.awaited
                and isinstance(site.func, Attr)
                and any(
                    t.api is not None
                    for t in self._call_targets(self.resolver.value(site.func, scope))
                )
            )
            self._awaited_receivers[key] = found
        return found

    def is_offload(self, site: CallSite, scope: Scope) -> bool:
        return is_offload(self.resolver, site, scope)

    def offloaded(self, key: FuncKey, function: FunctionSummary, index: int) -> bool:
        """The site sits in a lambda handed to an offload (at any depth)."""
        return self._in_offloaded_lambda(key, function, function.calls[index])

    def _in_offloaded_lambda(self, key: FuncKey, function: FunctionSummary, site: CallSite) -> bool:
        scope = Scope(key.path, function.qualname)
        owner = site.lambda_owner
        seen = 0
        while owner is not None and owner >= 0 and seen < 64:
            if self.is_offload(function.calls[owner], scope):
                return True
            owner = function.calls[owner].lambda_owner
            seen += 1
        return False

    def _call_targets(self, callee: Value) -> list[Target]:
        if isinstance(callee, Ext):
            entry = self.catalog.function(callee.name)
            if entry is not None and entry.info is not None:
                return [Target(api=Api(callee.name, entry.info))]
            cls = self.catalog.cls(callee.name)
            if cls is not None and cls.constructor and cls.info is not None:
                return [Target(api=Api(cls.name, cls.info))]
            if entry is not None or cls is not None:
                return []  # the catalog describes it, and says it does not block
            found = self._locate(callee.name)
            return self._call_targets(found) if isinstance(found, (PFunc, PClass)) else []
        if isinstance(callee, Inst):
            return self._method_targets(callee, "__call__")
        if isinstance(callee, PFunc):
            made = self.resolver.decorated(callee.key)
            if made is not None:
                # a task decorator whose product enqueues when called (huey's TaskWrapper)
                calling = self._method_targets(Inst(made), "__call__")
                if calling:
                    return calling
            function = self.resolver.function(callee.key)
            if function is None or function.is_async or function.is_generator:
                return []
            if _runs_once(function) or self.offloaders.runs_in_thread(callee.key):
                return []
            return [Target(function=callee.key)]
        if isinstance(callee, PClass):
            return self._constructor_targets(callee)
        return []

    def _method_targets(self, inst: Inst, default: str) -> list[Target]:
        """The targets of calling ``inst`` (a bound method path, or ``default`` dunder)."""
        if isinstance(inst.type, str):
            entry = self.catalog.cls(inst.type)
            method = inst.path or default
            if entry is not None and entry.info is not None and method in entry.blocking:
                return [Target(api=Api(f"{entry.name}.{method}", entry.info))]
            if entry is not None and entry.cpu is not None and method in entry.cpu.methods:
                return [Target(api=Api(f"{entry.name}.{method}", entry.cpu.info))]
            if entry is None:
                return self._library_method_targets(inst, default)
            return []
        if inst.path:
            return []
        found = self.resolver.find_method(inst.type, default)
        if found is not None:
            return self._sync_body(found, Via.CALL)
        for base in self.resolver.library_bases(inst.type):
            targets = self._method_targets(Inst(base), default)
            if targets:
                return targets
        return []

    # -- installed libraries ------------------------------------------------------------------

    def _locate(self, name: str) -> Value:
        """The library definition of ``name`` when its source is installed and may be read."""
        if self.libraries is None:
            return None
        if name not in self._located:
            self._located[name] = None  # a re-export cycle ends here
            self._located[name] = self.libraries.locate(name, self.resolver)
        return self._located[name]

    def _library_method_targets(self, inst: Inst, default: str) -> list[Target]:
        """Calling ``inst`` (an instance of an uncatalogued library type, or an attribute path
        on one): the method's body in the library's source."""
        assert isinstance(inst.type, str)
        libraries = self.libraries
        if libraries is not None and libraries.allowed(f"{inst.type}.{inst.path or default}"):
            return []
        found = self._locate(inst.type)
        value: Value = None
        if isinstance(found, PClass):
            value = Inst(found.key)
        elif isinstance(found, PFunc):  # a factory: what it returns
            value = self.resolver.return_type(found.key)
        if not isinstance(value, Inst) or not isinstance(value.type, ClassKey):
            return []
        for attr in inst.path.split(".") if inst.path else ():
            value = self.resolver.member(value, attr)
        if isinstance(value, PFunc):
            return self._call_targets(value)
        if isinstance(value, Inst) and isinstance(value.type, ClassKey) and not value.path:
            return self._method_targets(value, default)
        return []

    def _sync_body(self, key: FuncKey, via: Via) -> list[Target]:
        function = self.resolver.function(key)
        if function is None or function.is_async:
            return []
        return [Target(function=key, via=via)]

    def _constructor_targets(self, cls: PClass) -> list[Target]:
        targets: list[Target] = []
        for dunder in ("__init__", "__post_init__"):
            found = self.resolver.find_method(cls.key, dunder)
            if found is not None:
                targets += self._sync_body(found, Via.CONSTRUCTOR)
        if not targets:
            for base in self.resolver.library_bases(cls.key):
                entry = self.catalog.cls(base)
                if entry is not None and entry.constructor and entry.info is not None:
                    return [Target(api=Api(entry.name, entry.info))]
        return targets

    def _sync_generator_call(self, expression: OptExpr, scope: Scope) -> Optional[FuncKey]:
        """`gen(...)` where `gen` is a project sync generator function (or @contextmanager)."""
        if not isinstance(expression, Call):
            return None
        callee = self.resolver.value(expression.func, scope)
        if not isinstance(callee, PFunc):
            return None
        function = self.resolver.function(callee.key)
        if function is not None and function.is_generator and not function.is_async:
            return callee.key
        return None

    def _with_targets(self, site: CallSite, scope: Scope) -> list[Target]:
        expression = site.func
        generator = self._sync_generator_call(expression, scope)
        if generator is not None:  # a @contextmanager: its body runs around the block
            return [Target(function=generator, via=Via.WITH)]
        value = self.resolver.value(expression, scope)
        if not isinstance(value, Inst):
            return []
        targets: list[Target] = []
        for dunder in ("__enter__", "__exit__"):
            if isinstance(value.type, ClassKey):
                found = self.resolver.find_method(value.type, dunder)
                if found is not None:
                    targets += self._sync_body(found, Via.WITH)
                    continue
            targets += self._method_targets(Inst(value.type), dunder)
        return targets

    def _iter_targets(self, site: CallSite, scope: Scope) -> list[Target]:
        expression = site.func
        generator = self._sync_generator_call(expression, scope)
        if generator is not None:
            return [Target(function=generator, via=Via.ITERATION)]
        if isinstance(expression, Call) and expression.args:
            wrapper = self.resolver.value(expression.func, scope)
            if isinstance(wrapper, Ext) and wrapper.name in LAZY_WRAPPERS:
                # `for i, row in enumerate(rows())`: the generator is iterated with it
                return [
                    t
                    for argument in expression.args
                    for t in self._wrapped_iteration(argument, scope)
                ]
        value = self.resolver.value(expression, scope)
        if isinstance(value, Gen):  # a generator kept in a variable, or returned by a helper
            return self._iterated(value)
        if isinstance(expression, Call) and isinstance(
            self.resolver.value(expression.func, scope), PFunc
        ):
            return []  # iterating what a plain project function returned: its call is a site
        return self._iterated(value)

    def _wrapped_iteration(self, argument: OptExpr, scope: Scope) -> list[Target]:
        generator = self._sync_generator_call(argument, scope)
        if generator is not None:
            return [Target(function=generator, via=Via.ITERATION)]
        return self._consumed(argument, scope)

    def _consumed(self, expression: OptExpr, scope: Scope) -> list[Target]:
        """What iterating ``expression`` runs, through lazy wrappers (`enumerate(rows())`,
        `zip(a, b)`, `map(f, rows())`), which iterate their arguments as they are iterated."""
        if isinstance(expression, Call) and expression.args:
            wrapper = self.resolver.value(expression.func, scope)
            if isinstance(wrapper, Ext) and wrapper.name in LAZY_WRAPPERS:
                inner = expression.args
                if wrapper.name in ("builtins.map", "builtins.filter"):
                    inner = inner[1:]
                out: list[Target] = []
                for argument in inner:
                    out += self._consumed(argument, scope)
                return out
        return self._iterated(self.resolver.value(expression, scope))

    def _iterated(self, value: Value) -> list[Target]:
        """What iterating ``value`` runs: a project generator's body, or the `__iter__` of a
        catalogued class (a pymongo `Cursor` fetches as it is iterated)."""
        if isinstance(value, Gen):
            function = self.resolver.function(value.key)
            if function is None or function.is_async:
                return []
            return [Target(function=value.key, via=Via.ITERATION)]
        if isinstance(value, Inst) and not value.path:
            return self._method_targets(value, "__iter__")
        return []

    # -- attribute reads ------------------------------------------------------------------

    def read_targets(self, key: FuncKey, function: FunctionSummary, site: CallSite) -> list[Target]:
        """The blocking properties an attribute read reaches: each attribute of the chain
        (`b` and `c` of `a.b.c`) read on a receiver whose catalog class marks it a property
        (`AsyncResult(id).state`). Library code is left alone: only its calls are followed."""
        node: OptExpr = site.func
        names = set()
        while isinstance(node, Attr):
            names.add(node.attr)
            node = node.value
        # the object may be an ORM row this function loaded (see ``asynclint.lazyload``)
        loaded = isinstance(node, Name) and node.id in function.assigned
        if not loaded and not names & self._property_names:
            return []
        if site.cold == "lazy" or self._in_offloaded_lambda(key, function, site):
            return []
        libraries = self.libraries
        if libraries is not None and libraries.owns(key.path):
            return []
        if isinstance(node, Name) and node in self._async_receivers(key, function):
            return []
        relationship = self.lazy.loads(key, function, site) if loaded else None
        if relationship is not None:
            model, attribute = relationship
            name = f"{model.qualname}.{attribute}"
            return [Target(api=Api(name, lazyload.info(model.qualname, attribute)))]
        scope = Scope(key.path, function.qualname)
        receivers = self._async_receivers(key, function)
        targets: list[Target] = []
        node = site.func
        while isinstance(node, Attr):
            if node.value in receivers:
                break  # awaited elsewhere in this function: not the sync object it seems
            if node.attr in self._property_names:
                api = self._property(self.resolver.value(node, scope))
                if api is not None:
                    targets.append(Target(api=api))
            node = node.value
        return targets

    def _property(self, value: Value) -> Optional[Api]:
        """The blocking property ``value`` is, when it is the attribute a catalog class lists
        in `properties`, read on an instance (`Inst(AsyncResult, "state")`)."""
        if not isinstance(value, Inst) or not isinstance(value.type, str) or not value.path:
            return None
        if "." in value.path:
            return None
        entry = self.catalog.cls(value.type)
        if entry is None or entry.info is None or value.path not in entry.properties:
            return None
        return Api(f"{entry.name}.{value.path}", entry.info)

    # -- dispatch over the project's classes ----------------------------------------------

    def _overrides(
        self, method: FuncKey, func: Attr, function: FunctionSummary, scope: Scope
    ) -> list[Target]:
        """`repo.save()` on a receiver typed as a project class whose instances are really
        its subclasses: the overrides of ``method`` in them run too. That holds when the
        method is abstract (`@abstractmethod`, `raise NotImplementedError`, `...`) or when
        the class is never constructed itself in the analysed files."""
        receiver = self.resolver.value(func.value, scope)
        if not isinstance(receiver, Inst) or not isinstance(receiver.type, ClassKey):
            return []
        if receiver.path:
            return []
        base = receiver.type
        name = method.qualname.rsplit(".", 1)[-1]
        if self.resolver.may_have_subclasses(base):
            if not self._stub(method) and self.resolver.constructed(base):
                return []
            overrides = self.resolver.overrides(base, name)
        elif self._stub(method):
            # nothing analysed implements it: the implementations live in files the
            # pre-scan left out (plain classes with no `async def`)
            overrides = self.resolver.overrides(base, name, everywhere=True)
        else:
            return []
        if not overrides:
            return []
        built = self._construction(func.value, function, scope)
        if built is not None and self.resolver.value(built.func, scope) == PClass(base):
            return []  # built right here: its class is known exactly
        out: list[Target] = []
        for override in overrides:
            out += self._sync_body(override, Via.CALL)
        return out

    def _callbacks(self, func: Attr, scope: Scope) -> list[Target]:
        """A library method that calls methods of the instance by name (WTForms' `validate()`
        runs each `validate_<field>` the form class defines), on a project subclass: those
        methods run too. A `prefix*` name stands for the prefix followed by the name of an
        attribute the class (or a project base) assigns in its body: a form's fields."""
        receiver = self.resolver.value(func.value, scope)
        if not isinstance(receiver, Inst) or not isinstance(receiver.type, ClassKey):
            return []
        if receiver.path:
            return []
        names: tuple[str, ...] = ()
        for base in self.resolver.library_bases(receiver.type):
            entry = self.catalog.cls(base)
            if entry is not None and func.attr in entry.callbacks:
                names = entry.callbacks[func.attr]
                break
        if not names:
            return []
        owners = [o for o in self.resolver.mro(receiver.type) if isinstance(o, ClassKey)]
        summaries = [(o, s) for o, s in ((o, self.resolver.cls(o)) for o in owners) if s]
        attributes = {b.name for _, summary in summaries for b in summary.attrs}
        out: list[Target] = []
        seen: set[str] = set()
        for owner, summary in summaries:
            for name, qualname in summary.method_map.items():
                if name not in seen and _called_back(name, names, attributes):
                    seen.add(name)
                    out += self._sync_body(FuncKey(owner.path, qualname), Via.CALL)
        return out

    def _stub(self, key: FuncKey) -> bool:
        """A method with no body of its own to run: abstract, or only raising
        `NotImplementedError`, or only a docstring, `...` or `pass`."""
        function = self.resolver.function(key)
        if function is None:
            return False
        if "abstractmethod" in decorator_names(function) or self._abstract(key):
            return True
        return not (
            function.calls or function.return_values or function.assigns or function.self_assigns
        )

    # -- the fixpoint -------------------------------------------------------------------

    def edges(self, key: FuncKey) -> list[tuple[CallSite, Target]]:
        found = self._edges.get(key)
        if found is None and key in self._rows:
            rows = self._rows.pop(key)
            found = self._from_rows(key, rows)
            if found is not None:
                self._edges[key] = found
                self._made_from[key] = rows
        if found is None:
            function = self.resolver.function(key)
            found = []
            if function is not None:
                place = self._place
                for index, site in enumerate(function.calls):
                    for target in self.site_targets(key, function, index):
                        found.append((site, target))
                        place[id(site)] = (CALLS, index)
                for index, site in enumerate(function.read_sites):
                    for target in self.read_targets(key, function, site):
                        found.append((site, target))
                        place[id(site)] = (READS, index)
            self._edges[key] = found
        return found

    def explore(self, roots: Iterable[FuncKey]) -> None:
        """Compute the blocking facts of every sync function reachable from ``roots``: per
        code, the shortest chain to an API of that code. A suppression (`# noqa: ASL101`)
        removes only the facts of the codes it names, so other witnesses still count."""
        if self._explored_before:
            self._explore_kept(roots)
        else:
            self._explore(roots)

    def _explore(self, roots: Iterable[FuncKey]) -> None:
        order: list[FuncKey] = []
        pending = deque(k for k in roots if k not in self._explored)
        while pending:
            key = pending.popleft()
            if key in self._explored:
                continue
            self._explored.add(key)
            order.append(key)
            for site, target in self.edges(key):
                if target.function is not None:
                    self._callers.setdefault(target.function, []).append((key, site))
                    if target.function not in self._explored:
                        pending.append(target.function)
        self._settle(order, None)

    def _settle(self, order: list[FuncKey], known: Optional[list[FuncKey]]) -> None:
        """The facts of the functions of ``order`` (explored, their callers registered):
        their own blocking calls, then breadth first from every fact so far (``known``: only
        from those of these functions and theirs). The suppressions each one uses are
        recorded as its own (``fact_rows``)."""
        self._recording = True
        try:
            self._settle_facts(order, known)
        finally:
            self._recording = False

    def _settle_facts(self, order: list[FuncKey], known: Optional[list[FuncKey]]) -> None:
        libraries = self.libraries
        for key in order:
            if not self._is_sync(key):
                continue
            facts = self._blocking.setdefault(key, {})
            # a library's own waits are bounded or not by its configuration (session adapters,
            # client defaults) more than by the call: only project code's waits are judged
            judged = libraries is None or not libraries.owns(key.path)
            for site, target in self.edges(key):
                api = target.api
                if api is None:
                    continue
                if (
                    judged
                    and HOLD not in facts
                    and self.holds(site, api)
                    and not self.suppressed(key, site, HOLD)
                ):
                    facts[HOLD] = Link(site, 1, api, None)
                # a suppression is asked first, so every one that silences a fact is known
                # to be used (see ``silenced``), also where another site gives the same fact
                if self.suppressed(key, site, api.info.code):
                    continue
                if api.info.code not in facts:
                    facts[api.info.code] = Link(site, 1, api, None)
        # breadth first from every known fact, one chain length at a time: each (function,
        # code) is settled once, by its shortest chain; among chains of the same length, by
        # its earliest call site. The choice depends on the function's callees alone, not on
        # the order they were explored in, so exploring from fewer roots (an editor's open
        # files) shows the same chains as exploring the whole project.
        level: dict[int, list[tuple[FuncKey, str]]] = {}
        seeds = (
            list(self._blocking.items())
            if known is None
            else [(key, self.facts(key)) for key in dict.fromkeys([*order, *known])]
        )
        for key, facts in seeds:
            for code, link in facts.items():
                level.setdefault(link.length, []).append((key, code))
        while level:
            length = min(level)
            best: dict[tuple[FuncKey, str], tuple[tuple[int, int, str, str], Link]] = {}
            for callee, code in level.pop(length):
                link = self.facts(callee)[code]
                for caller, site in self._callers.get(callee, []):
                    if not self._is_sync(caller):
                        continue
                    # the suppression is asked first: it is used even where the caller
                    # has the fact from another site (see ``silenced``)
                    if self.suppressed(caller, site, code):
                        continue
                    if code in self._blocking.get(caller, {}):
                        continue
                    rank = (site.line, site.column, callee.path, callee.qualname)
                    kept = best.get((caller, code))
                    if kept is None or rank < kept[0]:
                        best[(caller, code)] = (rank, Link(site, length + 1, link.api, callee))
            for (caller, code), (_, link) in best.items():
                self._blocking.setdefault(caller, {})[code] = link
                level.setdefault(length + 1, []).append((caller, code))

    def _explore_kept(self, roots: Iterable[FuncKey]) -> None:
        """``explore`` after ``adopt``: the functions reachable from ``roots`` are found over
        the previous run's edges (no site is resolved again but in the functions without
        them); only the functions that were not explored before, and every function that
        reaches one, get their facts computed again (a function's facts depend on what it
        reaches alone). The others keep theirs, and the suppressions exploring them used."""
        before = self._explored_before
        callees_of: dict[FuncKey, list[FuncKey]] = {}
        order: list[FuncKey] = []
        pending = deque(dict.fromkeys(roots))
        while pending:
            key = pending.popleft()
            if key in callees_of:
                continue
            rows = self._rows.get(key) if key not in self._edges else None
            if rows is not None:
                callees = [row.function for row in rows if row.function is not None]
            else:
                callees = [t.function for _, t in self.edges(key) if t.function is not None]
            callees_of[key] = callees
            order.append(key)
            pending.extend(callee for callee in callees if callee not in callees_of)
        self._explored = set(order)
        callers_of: dict[FuncKey, list[FuncKey]] = {}
        for key, callees in callees_of.items():
            for callee in callees:
                callers_of.setdefault(callee, []).append(key)
        dirty = {key for key in order if key not in before}
        pending = deque(dirty)
        while pending:
            for caller in callers_of.get(pending.popleft(), ()):
                if caller not in dirty:
                    dirty.add(caller)
                    pending.append(caller)
        for key in order:
            if key not in dirty:
                for line, code in self._silenced_rows.get(key, ()):
                    self.silenced.add((key.path, line, code))
        again = [key for key in order if key in dirty]
        for key in again:
            self._blocking.pop(key, None)
            self._fact_rows.pop(key, None)
            self._silenced_rows.pop(key, None)
            for site, target in self.edges(key):
                if target.function is not None:
                    self._callers.setdefault(target.function, []).append((key, site))
        self._untouched = {key for key in order if key not in dirty}
        self._settle(again, [c for key in again for c in callees_of[key] if c not in dirty])

    # -- the graph as data, for the next run (``snapshot``) ---------------------------------

    def adopt(
        self,
        rows: dict[FuncKey, list[EdgeRow]],
        facts: dict[FuncKey, list[FactRow]],
        silenced: dict[FuncKey, list[tuple[int, str]]],
        explored: set[FuncKey],
    ) -> None:
        """A previous run's graph (``edge_rows``, ``fact_rows``), turned back into sites and
        links when first asked for; ``explore`` then computes only what can have changed."""
        self._rows = rows
        self._fact_rows = facts
        self._silenced_rows = silenced
        self._explored_before = explored

    def untouched(self) -> set[FuncKey]:
        """The explored functions whose edges, facts and suppressions are the previous
        run's (``adopt``), unchanged."""
        return self._untouched

    def fact_rows(
        self,
    ) -> Optional[tuple[dict[FuncKey, list[FactRow]], dict[FuncKey, list[tuple[int, str]]]]]:
        """The facts of every explored function as data (each link's site by its place in
        the function's summary), and the suppressions exploring each one used; None when a
        site is not its function's (never expected: the snapshot is then not written)."""
        facts: dict[FuncKey, list[FactRow]] = {}
        silenced: dict[FuncKey, list[tuple[int, str]]] = {}
        for key in self._explored:
            if key in self._silenced_by:
                silenced[key] = sorted(self._silenced_by[key])
            elif key in self._silenced_rows:
                silenced[key] = self._silenced_rows[key]
            if key in self._fact_rows:  # never asked for: as it was read
                facts[key] = self._fact_rows[key]
                continue
            links = self._blocking.get(key)
            if not links:
                continue
            out = []
            for code, link in links.items():
                place = self._place.get(id(link.site))
                if place is None:
                    return None
                out.append(FactRow(code, *place, link.length, link.api, link.next))
            facts[key] = out
        return facts, silenced

    def holds(self, site: CallSite, api: Api) -> bool:
        """The call waits without a limit: a sleep, or an API the catalog gives a bounding
        argument (`timeout`) called without it. (Summaries keep no constants, so `timeout=None`
        reads as passed: a miss, never a false alarm.) Arguments that cannot be
        seen (`**options`) or `block=False` count as bounded."""
        if site.kind is not SiteKind.CALL:
            return False
        if api.info.category == "sleep":
            return True
        bound = self.catalog.bound(api.name)
        if bound is None or site.spread or site.cold == "nonblocking":
            return False
        given: OptExpr = next(
            (k.value for k in site.keywords if k.name == bound.argument), _MISSING
        )
        if (
            given is _MISSING
            and bound.position is not None
            and bound.position < len(site.positional)
        ):
            given = site.positional[bound.position]
        return given is _MISSING

    def callers(self, key: FuncKey) -> list[tuple[FuncKey, CallSite]]:
        """The explored functions that call ``key`` (reverse edges), with their call sites."""
        return self._callers.get(key, [])

    def explored(self) -> frozenset[FuncKey]:
        return frozenset(self._explored)

    def keep_edges(self, other: CallGraph, keep: Callable[[FuncKey], bool]) -> None:
        """Take the edges ``other`` computed for the functions ``keep`` accepts (incremental
        analysis: functions whose resolution reads nothing that changed)."""
        for key, edges in other._edges.items():
            if keep(key):
                self._edges[key] = edges
                if key in other._made_from:
                    self._made_from[key] = other._made_from[key]
        for key, rows in other._rows.items():
            if keep(key) and key not in self._edges:
                self._rows[key] = rows
        # a previous run's facts, read from a snapshot: kept where the edges are
        self._explored_before = {key for key in other._explored_before if keep(key)}
        for key, facts in other._fact_rows.items():
            if keep(key):
                self._fact_rows[key] = facts
        for key, silenced in other._silenced_rows.items():
            if keep(key):
                self._silenced_rows[key] = silenced

    def edge_rows(self) -> Optional[dict[FuncKey, list[EdgeRow]]]:
        """The edges computed so far as data (``snapshot``): each site by its place in its
        function's summary. None when a site is not one of its function's (never expected:
        the snapshot is then not written)."""
        out: dict[FuncKey, list[EdgeRow]] = dict(self._rows)
        places = self._place
        for key, edges in self._edges.items():
            read = self._made_from.get(key)
            if read is not None:
                out[key] = read  # as they were read
                continue
            found = []
            for site, target in edges:
                place = places.get(id(site))
                if place is None:
                    return None
                found.append(EdgeRow(*place, target.api, target.function, target.via))
            out[key] = found
        return out

    def _from_rows(
        self, key: FuncKey, rows: list[EdgeRow]
    ) -> Optional[list[tuple[CallSite, Target]]]:
        function = self.resolver.function(key)
        if function is None:
            return None if rows else []
        sites = (function.calls, function.read_sites)
        out = []
        for row in rows:
            within = sites[row.kind]
            if row.position >= len(within):
                return None  # not the summary the rows were made from: compute them again
            site = within[row.position]
            out.append((site, Target(row.api, row.function, row.via)))
            self._place[id(site)] = (row.kind, row.position)
        return out

    def facts(self, key: FuncKey) -> dict[str, Link]:
        """What ``key`` blocks on, per code (empty for a function that does not block)."""
        found = self._blocking.get(key)
        if found is None and key in self._fact_rows:
            found = self._blocking[key] = self._links(key, self._fact_rows.pop(key))
        return found if found is not None else {}

    def codes(self, key: FuncKey) -> Collection[str]:
        """The codes ``key`` blocks on (``facts``' keys, without reading its summary)."""
        found = self._blocking.get(key)
        if found is None and key in self._fact_rows:
            return [row.code for row in self._fact_rows[key]]
        return found.keys() if found is not None else ()

    def _links(self, key: FuncKey, rows: list[FactRow]) -> dict[str, Link]:
        function = self.resolver.function(key)
        if function is None:
            return {}
        sites = (function.calls, function.read_sites)
        out = {}
        for row in rows:
            if row.position < len(sites[row.kind]):
                site = sites[row.kind][row.position]
                self._place[id(site)] = (row.kind, row.position)
                out[row.code] = Link(site, row.length, row.api, row.next)
        return out

    def _is_sync(self, key: FuncKey) -> bool:
        function = self.resolver.function(key)
        return function is not None and not function.is_async

    def suppressed(self, key: FuncKey, site: CallSite, code: str) -> bool:
        """`# noqa` / `# asynclint: ignore[...]` on the site's line silences ``code``; each
        suppression that does is recorded in ``silenced`` (the unused ones are reported)."""
        codes = self.resolver.module(key.path).noqa.get(site.line)
        if codes is not None and (not codes or code.startswith(tuple(codes))):
            self.silenced.add((key.path, site.line, code))
            if self._recording:  # exploring: the function's own (see ``fact_rows``)
                self._silenced_by.setdefault(key, set()).add((site.line, code))
            return True
        return False

    def chain(self, start: FuncKey, code: str) -> list[tuple[FuncKey, Link]]:
        """The project functions from ``start`` down to its blocking API of ``code``."""
        out: list[tuple[FuncKey, Link]] = []
        key: Optional[FuncKey] = start
        while key is not None and len(out) < 1000:
            link = self.facts(key).get(code)
            if link is None:
                break
            out.append((key, link))
            key = link.next
        return out


# memoising decorators: a function without parameters wrapped in one runs its body once per
# process (settings and client getters), a one-time cost like import-time work, not per request
_MEMOISERS = frozenset({"cache", "lru_cache"})


def _called_back(method: str, names: tuple[str, ...], attributes: set[str]) -> bool:
    for name in names:
        if name.endswith("*"):
            prefix = name[:-1]
            if method.startswith(prefix) and method[len(prefix) :] in attributes:
                return True
        elif method == name:
            return True
    return False


def _runs_once(function: FunctionSummary) -> bool:
    return not function.params and bool(decorator_names(function) & _MEMOISERS)


def _joins(func: OptExpr, callee: Value) -> bool:
    """`", ".join(rows())` (or on a `str` the resolver typed): joining iterates its argument."""
    if not isinstance(func, Attr) or func.attr != "join":
        return False
    if isinstance(func.value, Const) and isinstance(func.value.value, str):
        return True
    return isinstance(callee, Inst) and callee.type == "builtins.str" and callee.path == "join"


def _is_file_api(target: Target) -> bool:
    return target.api is not None and target.api.info.category == "file"
