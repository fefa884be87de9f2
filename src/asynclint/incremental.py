"""Incremental re-analysis: after an edit inside function bodies, recompute only what can change.

A long-lived caller (``asynclint server``) hands ``engine.check`` the same ``State`` on every
run. After a full analysis the state keeps the project (its module summaries), the contexts
(what runs on the loop), the call graph's edges and the findings of each function that runs on
the loop. On the next run, when the only files whose bytes changed keep their *interface*
(``interface``: everything another module's resolution, the contexts or the call graph read
from them), the analysis starts from that state instead of from nothing:

* the changed modules' summaries replace the old ones in the project;
* the edges of every function outside the changed modules are kept (resolving a call reads
  other modules only through their interface, which did not change); a fresh resolver
  computes the edges of the changed modules' functions;
* the blocking facts are propagated again over those edges (cheap: no resolution);
* the findings of a loop function are kept unless it is in a changed module or reaches one
  (reverse call edges); threadpool findings, parse errors, custom rules and unused
  suppressions are computed again (they read whole-project text or few functions).

Anything else (a changed signature, import, class, module binding, a call another module's
analysis reads, an added or removed file, other settings, library analysis) falls back to
the full analysis, and the state is rebuilt from it. ``tests/test_incremental.py`` edits
projects at random and compares every incremental run with a full one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional

from asynclint.contexts import REGISTRATION_KEYWORDS, REGISTRATION_METHODS
from asynclint.expr import Attr, Const, Name, OptExpr, last_name, walk
from asynclint.fastapi_model import can_reach_loop
from asynclint.resolve import CALLERS_BUDGET, FuncKey, PClass, PFunc, Resolver, Scope
from asynclint.summary import (
    Binding,
    CallSite,
    ClassSummary,
    FunctionSummary,
    Import,
    ModuleSummary,
    SiteKind,
    StarImport,
)

if TYPE_CHECKING:
    from asynclint.callgraph import CallGraph
    from asynclint.contexts import Contexts
    from asynclint.findings import Finding
    from asynclint.project import Project


@dataclass
class State:
    """What one analysis leaves for the next (see the module docstring). Opaque to callers:
    make one per project and pass it to every ``engine.check`` of that project."""

    key: str = ""  # the run's salt and paths: another key means a full analysis
    # each file's content hash (None: unreadable), and the files analysed (see
    # ``engine._load_targets``)
    digests: dict[str, Optional[str]] = field(default_factory=dict)
    targets: frozenset[str] = frozenset()
    project: Optional[Project] = None
    contexts: Optional[Contexts] = None
    graph: Optional[CallGraph] = None
    # per loop function: its findings, and what building them read
    findings: dict[FuncKey, Built] = field(default_factory=dict)
    # names of the project's functions and classes: calls spelled with one of them are part
    # of a module's interface (parameter types and constructions are read from them)
    names: frozenset[str] = frozenset()
    # the functions with such a name, by name
    functions: dict[str, list[FuncKey]] = field(default_factory=dict)
    # how the last run went: "full", "incremental" or "cached" (tests and logs read it)
    mode: str = ""
    # kept on disk between runs (``snapshot``), not in memory: the names are learnt when the
    # state is taken, and so are the spelled calls
    persisted: bool = False
    # restored from a snapshot: the content hash of each module the previous analysis held
    # (the project holds only those asked for since; ``plan`` reads an old one from the cache)
    held_before: dict[str, str] = field(default_factory=dict)
    earlier: Optional[Callable[[str, str], Optional[ModuleSummary]]] = None
    # what the snapshot module keeps of the snapshot it restored, to take the next one
    carried: Optional[object] = None
    # functions whose findings the last incremental run computed again (the rest were kept)
    recomputed: int = 0
    reason: str = ""  # why the last run was a full analysis
    busy: bool = False  # a run is updating the state (still set after one that failed)
    loaded: int = 0  # modules in the project when ``names`` were learnt
    # whether a file's bytes can put code on the loop, by the very bytes object last asked
    # about: a server hands the same objects for unchanged files run after run
    _reaches: dict[int, tuple[bytes, bool]] = field(default_factory=dict)

    def can_reach_loop(self, data: bytes) -> bool:
        known = self._reaches.get(id(data))
        if known is not None and known[0] is data:
            return known[1]
        if len(self._reaches) > 4 * max(len(self.digests), 1024):
            self._reaches.clear()  # bytes of many edits ago
        found = can_reach_loop(data)
        self._reaches[id(data)] = (data, found)
        return found

    # how many plain calls of the analysed files are spelled with each name: the resolver
    # gives up on a name called more than a budget's times (see ``Resolver.passed``)
    spelled: Counter[str] = field(default_factory=Counter)

    def fall_back(self, reason: str) -> Optional[Plan]:
        self.reason = reason
        return None

    def clear(self) -> None:
        self.key, self.digests, self.findings, self.busy = "", {}, {}, False
        self.targets = frozenset()
        self.project = self.contexts = self.graph = None
        self.names = frozenset()
        self.loaded = 0
        self.functions = {}
        self.spelled = Counter()
        self.held_before = {}
        self.earlier = None
        self.carried = None

    def learn_names(self, modules: Iterable[ModuleSummary], more: bool = False) -> None:
        """The names calls are looked up by across the project: every class (is it built
        anywhere?) and every function with a parameter other than a method's `self` (what do
        its callers pass?)."""
        functions: dict[str, list[FuncKey]] = {}
        classes: set[str] = set()
        for module in modules:
            for function in module.functions.values():
                bound = function.class_name is not None and bool(function.params)
                if len(function.params) > int(bound):
                    key = FuncKey(module.path, function.qualname)
                    functions.setdefault(function.name, []).append(key)
            classes.update(cls.name for cls in module.classes.values())
        if more:  # besides those learnt already
            for name, keys in self.functions.items():
                functions[name] = list(dict.fromkeys([*keys, *functions.get(name, ())]))
            classes |= self.names
        self.functions = functions
        self.names = frozenset(functions) | classes


@dataclass(frozen=True)
class Built:
    """The findings of one loop function, the suppression comments building them used, and
    the functions whose bodies they read besides the call graph's facts."""

    findings: list[Finding]
    silenced: set[tuple[str, int, str]]
    bodies: set[FuncKey]


def kept(
    key: FuncKey,
    built: Built,
    step: Optional[Plan],
    dirty: Collection[FuncKey],
    explored: Collection[FuncKey],
) -> bool:
    """Whether an incremental run keeps the findings ``built`` of loop function ``key``: it
    reaches no changed module, and no body they read is in one, reaches one, or lies outside
    the explored graph (whose facts of it would be unknown)."""
    if step is None or key in dirty:
        return False
    return all(
        body in explored and body not in dirty and body.path not in step.changed
        for body in built.bodies
    )


@dataclass(frozen=True)
class Plan:
    """An incremental run: the changed modules and their new summaries (None for a changed
    file the analysis never read), and the resolver over the project that holds them."""

    changed: dict[str, Optional[ModuleSummary]]
    resolver: Resolver


def plan(
    state: State,
    key: str,
    paths: Sequence[str],
    digests: Sequence[Optional[str]],
    targets: Collection[str],
    summarise: Callable[[str], ModuleSummary],
    resolver: Callable[[Project], Resolver],
) -> Optional[Plan]:
    """The incremental run from ``state`` to files of these content hashes (None:
    unreadable), or None when only a full analysis gives the same findings. ``targets`` are
    the files analysed now, ``summarise`` gives a changed file's new summary, ``resolver``
    makes a resolver over a project. The state's project is changed in place:
    after None, only a full analysis (which replaces the state) may follow."""
    if state.busy:  # the last run stopped half way (an error): its state is not whole
        state.clear()
    project = state.project
    if project is None or state.graph is None:
        return state.fall_back("no previous analysis")
    if state.key != key or len(paths) != len(state.digests):
        return state.fall_back("other files or settings")
    if project.unresolved:
        # which unresolved imports are noted depends on what the old bodies resolved
        return state.fall_back("unresolved imports")
    changed: dict[str, Optional[ModuleSummary]] = {}
    before_after: list[tuple[ModuleSummary, ModuleSummary]] = []
    loaded = project.loaded()
    for path, digest in zip(paths, digests):
        if path not in state.digests:
            return state.fall_back("other files or settings")
        old = state.digests[path]
        if old == digest:
            continue
        if old is None or digest is None:
            return state.fall_back(f"{path} is unreadable")
        if (path in state.targets) != (path in targets):
            return state.fall_back(f"{path} can put code on the loop now, or no longer can")
        before = loaded.get(path)
        if before is None and path in state.held_before and state.earlier is not None:
            before = state.earlier(path, state.held_before[path])
            if before is None:
                return state.fall_back(f"the previous summary of {path} is not in the cache")
            project.add(before)  # the previous project, as the server's state holds it
        if before is None:
            changed[path] = None  # never read: the new run reads its new bytes if it must
            continue
        after = summarise(path)
        if before.error is not None or after.error is not None:
            return state.fall_back(f"{path} does not parse")
        changed[path] = after
        before_after.append((before, after))
    for path, summary in loaded.items():
        if summary.error is not None and path not in targets:
            # a module parsed because the analysis followed an import into it is reported
            # when it does not parse: which ones were followed depends on the old bodies
            return state.fall_back(f"{path} does not parse")
    # the old interfaces with the old resolver, the new ones with a resolver over the new
    # summaries (the one the incremental run goes on with)
    previous = [interface(before, state.names, state.graph.resolver) for before, _ in before_after]
    for _, after in before_after:
        project.add(after)
    fresh = resolver(project)
    for (_, after), (was, counted) in zip(before_after, previous):
        now, counting = interface(after, state.names, fresh)
        if now != was:
            state.clear()  # its project holds new summaries now: only a full run may follow
            return state.fall_back(f"the interface of {after.path} changed")
        for name in set(counted) | set(counting):
            if counted[name] != counting[name] and _over_budget(
                state, fresh, after.path, name, counting[name] - counted[name]
            ):
                state.clear()
                return state.fall_back(f"calls of `{name}` in {after.path} changed")
        state.spelled.subtract(counted)
        state.spelled.update(counting)
    return Plan(changed, fresh)


def _over_budget(state: State, resolver: Resolver, path: str, name: str, delta: int) -> bool:
    """``delta`` more calls spelled ``name`` in ``path`` take a count the resolver compares
    with its budget across it: the whole project's (whether a class is built) or, for a
    function of that name, that of the files that may import it (its parameters' types)."""
    total = state.spelled[name]
    if (total > CALLERS_BUDGET) != (total + delta > CALLERS_BUDGET):
        return True
    if total <= CALLERS_BUDGET:
        return False  # below the budget before and after: every call is weighed, as before
    for key in state.functions.get(name, ()):
        function = resolver.function(key)
        if function is None or not resolver.may_import(path, key.path, function):
            continue
        now = len(resolver.possible_callers(key, function))
        if (now > CALLERS_BUDGET) != (now - delta > CALLERS_BUDGET):
            return True
    return False


def spelled_calls(modules: Iterable[ModuleSummary]) -> Counter[str]:
    """The plain calls of ``modules`` by the name they are spelled with (see ``State``)."""
    out: Counter[str] = Counter()
    for module in modules:
        out.update(_spelled(module.module_calls))
        for function in module.functions.values():
            out.update(_spelled(function.calls))
    return out


def _spelled(calls: Iterable[CallSite]) -> Iterable[str]:
    """The names ``Resolver._calls_named`` indexes these calls by."""
    for site in calls:
        if site.kind is SiteKind.CALL and not site.spread:
            spelled = last_name(site.func)
            if spelled:
                yield spelled


def dirty(graph: CallGraph, changed: Collection[str], explored: Iterable[FuncKey]) -> set[FuncKey]:
    """The explored functions of the changed modules and every explored function that
    reaches one of them: the only ones whose blocking facts (and chains) can differ."""
    out = {key for key in explored if key.path in changed}
    pending = list(out)
    while pending:
        key = pending.pop()
        for caller, _ in graph.callers(key):
            if caller not in out:
                out.add(caller)
                pending.append(caller)
    return out


# -- the interface of a module -------------------------------------------------------------

_Positions = dict[int, int]
Interface = tuple[object, ...]


def interface(
    module: ModuleSummary, names: Collection[str], resolver: Resolver
) -> tuple[Interface, Counter[str]]:
    """What the analysis of *other* code reads from ``module``: its imports, classes, module
    bindings and calls, every function's signature, local bindings, returns, yields,
    `self.x` and `app.state` assignments, and the calls other code reads (awaited calls,
    registrations of routes and handlers, `add_task`, calls spelled with the name of a
    project function or class that resolves to one). Line numbers are replaced by their
    rank among the lines the interface holds, so lines added or removed in a function body
    (which move everything below) leave the interface of the rest unchanged; order between
    them is kept. Also: the module's plain calls counted by name (see ``State.spelled``)."""
    parents = {function.parent for function in module.functions.values()}
    exported = {
        qualname: _Exported(module.path, function, names, qualname in parents, resolver)
        for qualname, function in module.functions.items()
    }
    lines: set[int] = set()
    lines.update(item.line for item in module.imports)
    lines.update(item.line for item in module.star_imports)
    lines.update(binding.line for binding in (*module.globals, *module.annotations))
    lines.update(binding.line for binding in module.state_assigns)
    for site in module.module_calls:
        lines.update((site.line, site.end_line))
    for cls in module.classes.values():
        lines.add(cls.line)
        lines.update(b.line for b in (*cls.attrs, *cls.annotations))
    for function in module.functions.values():
        lines.add(function.line)
        for bindings in exported[function.qualname].bindings:
            lines.update(b.line for b in bindings)
        lines.update(i.line for i in function.imports)
        flat = function.region_lines
        for start in range(0, len(flat), 4):
            lines.update(flat[start : start + 2])
    rank = {line: index for index, line in enumerate(sorted(lines))}
    counted = Counter(_spelled(module.module_calls))
    for function in module.functions.values():
        counted.update(_spelled(function.calls))
    shape = (
        module.path,
        module.is_package,
        tuple(_import(i, rank) for i in module.imports),
        tuple(_star(i, rank) for i in module.star_imports),
        tuple(_binding(b, rank) for b in module.globals),
        tuple(_binding(b, rank) for b in module.annotations),
        tuple(_binding(b, rank) for b in module.state_assigns),
        tuple(_module_call(site, rank) for site in module.module_calls),
        tuple(_class(cls, rank) for cls in module.classes.values()),
        tuple(_function(f, exported[f.qualname], rank) for f in module.functions.values()),
    )
    return shape, counted


class _Exported:
    """What other code's analysis reads from a function body: the expressions it resolves in
    the function's scope (returns, yields, `self.x` and `app.state` assignments, the calls
    it reads) and the local bindings those expressions reach through their names. Other
    locals are the function's own business: binding one more (`r = requests.get(url)`)
    changes no other function's analysis."""

    def __init__(
        self,
        path: str,
        function: FunctionSummary,
        names: Collection[str],
        closure: bool,
        resolver: Resolver,
    ) -> None:
        scope = Scope(path, function.qualname)
        read: list[CallSite] = []
        calls: list[tuple[object, ...]] = []
        for site in function.calls:
            if _read_elsewhere(site):
                read.append(site)
                calls.append(_call(site))
                continue
            target = _project_callee(site, names, resolver, scope)
            if target is not None:
                read.append(site)
                calls.append((*_call(site), *target))
        self.calls = tuple(calls)
        seeds: list[OptExpr] = [*function.return_values, *function.yield_values]
        for binding in (
            *function.annotations,
            *function.self_assigns,
            *function.self_annotations,
            *function.state_assigns,
        ):
            seeds.append(binding.value)
        for site in read:
            seeds += [site.func, *site.args, *site.positional]
            seeds += [k.value for k in (*site.kwargs, *site.keywords)]
        reached = {a.name for a in function.annotations} | _names(seeds)
        if closure:
            # a nested function resolves its free names in this scope: every local counts
            reached |= {binding.name for binding in function.assigns}
        pending = list(reached)
        while pending:
            name = pending.pop()
            for value in function.assigned.get(name, ()):
                for found in _names([value]) - reached:
                    reached.add(found)
                    pending.append(found)
        self.assigns = tuple(b for b in function.assigns if b.name in reached)
        self.local_names = function.local_names & reached
        self.bindings = (
            self.assigns,
            function.annotations,
            function.self_assigns,
            function.self_annotations,
            function.state_assigns,
        )


def _names(values: Iterable[OptExpr]) -> set[str]:
    return {node.id for value in values for node in walk(value) if isinstance(node, Name)}


def _import(item: Import, rank: _Positions) -> tuple[object, ...]:
    return (item.local, item.level, item.module, item.name, rank[item.line])


def _star(item: StarImport, rank: _Positions) -> tuple[object, ...]:
    return (item.level, item.module, rank[item.line])


def _binding(binding: Binding, rank: _Positions) -> tuple[object, ...]:
    return (binding.name, binding.value, rank[binding.line])


def _module_call(site: CallSite, rank: _Positions) -> tuple[object, ...]:
    return (*_call(site), rank[site.line], site.column, rank[site.end_line], site.end_column)


def _class(cls: ClassSummary, rank: _Positions) -> tuple[object, ...]:
    return (
        cls.qualname,
        cls.name,
        rank[cls.line],
        cls.bases,
        cls.keywords,
        cls.decorators,
        cls.methods,
        tuple(_binding(b, rank) for b in cls.attrs),
        tuple(_binding(b, rank) for b in cls.annotations),
    )


def _local(binding: Binding, rank: _Positions) -> tuple[object, ...]:
    """A local binding; a number bound to a local reads as any other: the resolver types no
    constant, and the numbers whose value is read (`maxsize=0`) are read where they are
    written, in a call's arguments. Strings are kept: some are read through names (a
    database URL, see ``pools``)."""
    value = binding.value
    constant = isinstance(value, Const) and isinstance(value.value, (int, float))
    if constant and isinstance(value, Const) and not isinstance(value.value, bool):
        return (binding.name, ("constant", type(value.value).__name__), rank[binding.line])
    return _binding(binding, rank)


def _function(
    function: FunctionSummary, exported: _Exported, rank: _Positions
) -> tuple[object, ...]:
    flat = function.region_lines
    regions = tuple(
        (rank[flat[i]], rank[flat[i + 1]], flat[i + 2], flat[i + 3]) for i in range(0, len(flat), 4)
    )
    calls = function.calls
    assigns, *others = exported.bindings
    return (
        function.qualname,
        function.name,
        rank[function.line],
        function.column,
        function.is_async,
        function.is_generator,
        function.class_name,
        function.parent,
        function.decorators,
        function.params,
        function.returns,
        tuple(_local(b, rank) for b in assigns),
        tuple(tuple(_binding(b, rank) for b in bindings) for bindings in others),
        exported.local_names,
        tuple(_import(i, rank) for i in function.imports),
        function.return_values,
        function.yield_values,
        regions,
        # what a caller's dispatch reads: does the body do anything, or only raise
        # NotImplementedError (an abstract method)
        bool(calls),
        all(isinstance(s.func, Name) and s.func.id == "NotImplementedError" for s in calls),
        exported.calls,
    )


def _read_elsewhere(site: CallSite) -> bool:
    """A call the contexts read: an awaited call (who awaits a function) or a registration
    (routes, handlers, lifespans, background tasks)."""
    if site.kind is not SiteKind.CALL:
        return False
    if site.awaited:
        return True
    func: OptExpr = site.func
    if isinstance(func, Attr) and func.attr in REGISTRATION_METHODS:
        return True
    return any(keyword.name in REGISTRATION_KEYWORDS for keyword in site.kwargs)


def _project_callee(
    site: CallSite, names: Collection[str], resolver: Resolver, scope: Scope
) -> Optional[tuple[object, ...]]:
    """What the resolver reads from a call of a project function or class, spelled with the
    name of one (what its callers pass, whether the class is built: ``Resolver.passed``,
    ``Resolver.constructed``): the callee, and whether it is called on its class; None for
    any other call (those two never look further at it)."""
    spelled = last_name(site.func)
    if site.kind is not SiteKind.CALL or site.spread or not spelled or spelled not in names:
        return None
    callee = resolver.value(site.func, scope)
    if not isinstance(callee, (PFunc, PClass)):
        return None
    func = site.func
    on_class = isinstance(func, Attr) and isinstance(resolver.value(func.value, scope), PClass)
    return (callee, on_class)


def _call(site: CallSite) -> tuple[object, ...]:
    """A call without its position (other code never reads where a body's call is)."""
    return (
        site.func,
        site.args,
        site.kwargs,
        site.kind,
        site.awaited,
        site.positional,
        site.keywords,
        site.spread,
        site.cold,
    )
