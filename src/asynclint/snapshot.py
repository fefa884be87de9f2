"""A whole analysis kept on disk between runs, so that ``asynclint check`` after an edit is
incremental as ``asynclint server`` is (see ``incremental``).

After a run over the whole project, the cache keeps a *snapshot* of its ``incremental.State``:
each file's content hash, the files analysed, which module summaries the analysis held (by
content hash: the summaries themselves are cache entries already), the module probes that
found nothing, the call graph's edges (each site by its place in its function's summary),
and the findings of each loop function with what building them read. The next run over the
same files and settings restores the state from it (the summaries are decoded from the cache,
FastAPI's contexts are computed again) and goes on as the server would: only what an edit
inside function bodies can change is analysed again.

A snapshot is data, like every cache entry (MessagePack checked against these types); one
that does not decode, names a summary the cache no longer has, or belongs to other files or
settings only means a full analysis. ``tests/test_incremental.py`` runs its random edits
through snapshots too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Callable, NamedTuple, Optional

import msgspec

from asynclint.cache import Summaries
from asynclint.callgraph import Api, CallGraph, EdgeRow, FactRow, Via
from asynclint.catalog import Info
from asynclint.findings import Finding
from asynclint.incremental import Built, State, spelled_calls
from asynclint.project import Project
from asynclint.resolve import FuncKey, Resolver
from asynclint.summary import ModuleSummary


class _Edge(msgspec.Struct, frozen=True, array_like=True):
    kind: int  # ``callgraph.CALLS`` or ``READS``
    position: int
    api: str  # "" when the target is a project function
    info: int  # the API's ``Info`` in ``Snapshot.infos``; -1 for none
    path: int  # the target function's file in ``Snapshot.files``; -1 for none
    qualname: str
    via: Via


class _Fact(msgspec.Struct, frozen=True, array_like=True):
    code: str
    kind: int  # the site, as in ``_Edge``
    position: int
    length: int
    api: str
    info: int
    path: int  # the next function on the chain; -1 for none
    qualname: str


class _Function(msgspec.Struct, frozen=True, array_like=True):
    path: int
    qualname: str
    explored: bool
    edges: Optional[list[_Edge]]  # None: not computed
    facts: list[_Fact]
    silenced: list[tuple[int, str]]  # (line, code) of the suppressions exploring it used


class _Built(msgspec.Struct, frozen=True, array_like=True):
    path: int
    qualname: str
    findings: list[Finding]
    silenced: list[tuple[str, int, str]]
    bodies: list[tuple[int, str]]


class Snapshot(msgspec.Struct, frozen=True, array_like=True):
    key: str  # ``incremental.State.key``: the run's settings and files
    files: list[str]  # every path named here, once: the run's files first, in order
    digests: list[Optional[str]]  # the content hash of the run's files (None: unreadable)
    targets: list[int]  # the files analysed
    loaded: list[tuple[int, str]]  # each module summary the analysis held, by content hash
    missing: list[str]  # files module lookups tried that did not exist
    spelled: dict[str, int]  # ``incremental.State.spelled``
    names: list[str]  # ``incremental.State.names``
    named: dict[str, list[tuple[int, str]]]  # ``incremental.State.functions``
    infos: list[Info]
    functions: list[_Function]
    built: list[_Built]


DECODER = msgspec.msgpack.Decoder(Snapshot)


class _Carried(NamedTuple):
    """The snapshot a state was restored from, by function and by findings: what an
    incremental run did not touch is written back as it was read."""

    snapshot: Snapshot
    functions: dict[FuncKey, _Function]
    built: dict[int, tuple[Built, _Built]]  # by the id of the ``Built`` restored from it


def take(state: State, hashes: dict[str, str]) -> Optional[Snapshot]:
    """The snapshot of ``state`` after a run (``hashes``: the content hash of every file
    summarised, by path), or None when it cannot be taken: no analysis, unresolved imports
    (an incremental run would not follow one), a module that does not parse among those
    the analysis followed imports into (which ones it followed depends on every body), or a
    summary not made from a file."""
    project, graph = state.project, state.graph
    if state.busy or project is None or graph is None or project.unresolved:
        return None
    rows = graph.edge_rows()
    facts = graph.fact_rows()
    if rows is None or facts is None:
        return None
    fact_rows, silenced = facts
    carried = state.carried if isinstance(state.carried, _Carried) else None
    if state.mode != "incremental":
        carried = None
    # with the tables of the snapshot restored, its untouched functions stay as they were
    files: dict[str, int] = {}
    if carried is not None:
        files = {path: index for index, path in enumerate(carried.snapshot.files)}

    def file(path: str) -> int:
        found = files.get(path)
        if found is None:
            found = files[path] = len(files)
        return found

    for path in state.digests:
        file(path)
    held = dict(state.held_before)
    now = project.loaded()
    for path, summary in now.items():
        if summary.error is not None and path not in state.targets:
            return None
        held[path] = ""
    loaded = []
    for path in held:
        # the run's own files by the hash the run was keyed by; a module from elsewhere by
        # the hash of what was summarised (or, kept from the snapshot before, was verified)
        digest = state.digests.get(path)
        if digest is None:
            digest = held[path] or hashes.get(path)
        if digest is None:
            return None
        loaded.append((file(path), digest))
    first: list[ModuleSummary] = []  # modules read for the first time: their names are new
    if state.mode == "full":
        state.learn_names(now.values())
        spelled = spelled_calls(now[path] for path in project.added)
    else:
        first = [now[path] for path in now if path not in state.held_before]
        if first:
            state.learn_names(first, more=True)
        spelled = state.spelled
    names, named = None, None
    if carried is not None and not first:
        names, named = carried.snapshot.names, carried.snapshot.named
    infos: dict[Info, int] = {}
    if carried is not None:
        infos = {info: index for index, info in enumerate(carried.snapshot.infos)}
    untouched = graph.untouched() if carried is not None else set()

    def api(found: Optional[Api]) -> tuple[str, int]:
        if found is None:
            return "", -1
        return found.name, infos.setdefault(found.info, len(infos))

    def callee(key: Optional[FuncKey]) -> tuple[int, str]:
        return (file(key.path), key.qualname) if key is not None else (-1, "")

    explored = graph.explored()
    functions = []
    for key in dict.fromkeys([*rows, *fact_rows, *silenced, *explored]):
        if carried is not None and key in untouched and key in carried.functions:
            functions.append(carried.functions[key])
            continue
        edges = None
        if key in rows:
            edges = [
                _Edge(row.kind, row.position, *api(row.api), *callee(row.function), row.via)
                for row in rows[key]
            ]
        links = [
            _Fact(row.code, row.kind, row.position, row.length, *api(row.api), *callee(row.next))
            for row in fact_rows.get(key, ())
        ]
        functions.append(
            _Function(
                file(key.path), key.qualname, key in explored, edges, links, silenced.get(key, [])
            )
        )
    kept = carried.built if carried is not None else {}
    built = [
        kept[id(done)][1]
        if id(done) in kept and kept[id(done)][0] is done
        else _Built(
            file(key.path),
            key.qualname,
            list(done.findings),
            sorted(done.silenced),
            [(file(body.path), body.qualname) for body in sorted(done.bodies)],
        )
        for key, done in state.findings.items()
    ]
    return Snapshot(
        state.key,
        list(files),
        list(state.digests.values()),
        sorted(files[path] for path in state.targets),
        loaded,
        sorted(project.missing),
        dict(spelled),
        names if names is not None else sorted(state.names),
        named
        if named is not None
        else {
            name: [(file(key.path), key.qualname) for key in keys]
            for name, keys in state.functions.items()
        },
        list(infos),
        functions,
        built,
    )


def restore(
    snapshot: Snapshot,
    state: State,
    project: Project,
    summaries: Summaries,
    resolver: Callable[[Project], Resolver],
    held: Iterable[ModuleSummary] = (),
) -> bool:
    """Make ``state`` the one ``snapshot`` was taken of, over ``project`` (made as the run
    makes it, with nothing added yet), whose modules are read from the cache as the analysis
    asks for them; False, and ``state`` untouched, when a module the snapshot read from
    outside the run's files changed, a module its imports looked for exists now, or the
    snapshot does not hold together. ``held``: summaries the run has already, of its files
    as they are now (in the project from the start where the snapshot names the same
    bytes)."""
    try:
        return _restore(snapshot, state, project, summaries, resolver, held)
    except IndexError:  # a table index out of range: not a snapshot asynclint wrote
        return False


def _restore(
    snapshot: Snapshot,
    state: State,
    project: Project,
    summaries: Summaries,
    resolver: Callable[[Project], Resolver],
    held: Iterable[ModuleSummary],
) -> bool:
    files = snapshot.files
    infos = snapshot.infos

    def name(index: int) -> str:
        if index < 0:  # a list would count from its end
            raise IndexError(index)
        return files[index]

    def key(path: int, qualname: str) -> FuncKey:
        return FuncKey(name(path), qualname)

    def api(called: str, info: int) -> Optional[Api]:
        if info < 0:
            return None
        return Api(called, infos[info])

    digests = dict(zip(files, snapshot.digests))
    if len(snapshot.digests) > len(files) or len(digests) != len(snapshot.digests):
        return False
    if any(summaries.files.exists(path) for path in snapshot.missing):
        return False
    before = {name(index): digest for index, digest in snapshot.loaded}
    for path, digest in before.items():
        # the run's files are known by hash; a module imported from elsewhere (excluded, or
        # outside the project) is read and hashed again, as the run cache does
        if path not in digests and summaries.digest_of(path) != digest:
            return False
    rows: dict[FuncKey, list[EdgeRow]] = {}
    facts: dict[FuncKey, list[FactRow]] = {}
    silenced: dict[FuncKey, list[tuple[int, str]]] = {}
    explored: set[FuncKey] = set()
    by_function: dict[FuncKey, _Function] = {}
    for function in snapshot.functions:
        at = key(function.path, function.qualname)
        by_function[at] = function
        if function.explored:
            explored.add(at)
        if function.edges is not None:
            rows[at] = [
                EdgeRow(
                    edge.kind,
                    edge.position,
                    api(edge.api, edge.info),
                    key(edge.path, edge.qualname) if edge.path >= 0 else None,
                    edge.via,
                )
                for edge in function.edges
            ]
        if function.facts:
            facts[at] = []
            for fact in function.facts:
                found = api(fact.api, fact.info)
                if found is None:
                    return False
                after = key(fact.path, fact.qualname) if fact.path >= 0 else None
                facts[at].append(
                    FactRow(fact.code, fact.kind, fact.position, fact.length, found, after)
                )
        if function.silenced:
            silenced[at] = function.silenced
    findings: dict[FuncKey, Built] = {}
    by_built: dict[int, tuple[Built, _Built]] = {}
    for done in snapshot.built:
        restored = Built(
            done.findings,
            set(done.silenced),
            {key(path, qualname) for path, qualname in done.bodies},
        )
        findings[key(done.path, done.qualname)] = restored
        by_built[id(restored)] = (restored, done)
    targets = frozenset(name(index) for index in snapshot.targets)
    named = {
        called: [key(path, qualname) for path, qualname in keys]
        for called, keys in snapshot.named.items()
    }
    for summary in held:
        if summaries.hashes.get(summary.path) == before.get(summary.path):
            project.add(summary)
    project.missing.update(snapshot.missing)
    graph = CallGraph(resolver(project))
    graph.adopt(rows, facts, silenced, explored)
    state.clear()
    state.key = snapshot.key
    state.digests = digests
    state.targets = targets
    state.project = project
    state.graph = graph
    state.findings = findings
    state.spelled = Counter(snapshot.spelled)
    state.names = frozenset(snapshot.names)
    state.functions = named
    state.held_before = before
    state.earlier = summaries.cached
    state.carried = _Carried(snapshot, by_function, by_built)
    return True
