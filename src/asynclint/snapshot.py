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
from collections.abc import Collection, Iterable
from typing import Callable, Optional

import msgspec

from asynclint.cache import Summaries
from asynclint.callgraph import Api, CallGraph, EdgeRow, Via
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


class _Function(msgspec.Struct, frozen=True, array_like=True):
    path: int
    qualname: str
    edges: list[_Edge]


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
    infos: list[Info]
    functions: list[_Function]
    built: list[_Built]


DECODER = msgspec.msgpack.Decoder(Snapshot)


def take(state: State, hashes: dict[str, str]) -> Optional[Snapshot]:
    """The snapshot of ``state`` after a run (``hashes``: the content hash of every file
    summarised, by path), or None when it cannot be taken: no analysis, unresolved imports
    (an incremental run would not follow one), or a summary not made from a file."""
    project, graph = state.project, state.graph
    if state.busy or project is None or graph is None or project.unresolved:
        return None
    rows = graph.edge_rows()
    if rows is None:
        return None
    files: dict[str, int] = {}

    def file(path: str) -> int:
        found = files.get(path)
        if found is None:
            found = files[path] = len(files)
        return found

    for path in state.digests:
        file(path)
    loaded = []
    for path, summary in project.loaded().items():
        # the run's own files by the hash the run was keyed by; a module from elsewhere by
        # the hash of what was summarised
        digest = state.digests[path] if path in state.digests else hashes.get(path)
        if digest is None or (summary.error is not None and summary.error.kind == "read"):
            return None
        loaded.append((file(path), digest))
    infos: dict[Info, int] = {}
    functions = []
    for key, edges in rows.items():
        out = []
        for row in edges:
            info = -1
            if row.api is not None:
                info = infos.setdefault(row.api.info, len(infos))
            callee = row.function
            out.append(
                _Edge(
                    row.kind,
                    row.position,
                    row.api.name if row.api is not None else "",
                    info,
                    file(callee.path) if callee is not None else -1,
                    callee.qualname if callee is not None else "",
                    row.via,
                )
            )
        functions.append(_Function(file(key.path), key.qualname, out))
    built = [
        _Built(
            file(key.path),
            key.qualname,
            list(done.findings),
            sorted(done.silenced),
            [(file(body.path), body.qualname) for body in sorted(done.bodies)],
        )
        for key, done in state.findings.items()
    ]
    spelled = state.spelled
    if state.mode == "full":
        spelled = spelled_calls(project.loaded()[path] for path in project.added)
    return Snapshot(
        state.key,
        list(files),
        list(state.digests.values()),
        sorted(files[path] for path in state.targets),
        loaded,
        sorted(project.missing),
        dict(spelled),
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
    makes it, with nothing added yet); False, and ``state`` untouched, when a summary it
    names is not in the cache, a module it read from outside the run's files changed, a
    module its imports looked for exists now, or the snapshot does not hold together.
    ``held``: summaries the run has already, of its files as they are now (not decoded
    again where the snapshot names the same bytes)."""
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

    digests = dict(zip(files, snapshot.digests))
    if len(snapshot.digests) > len(files) or len(digests) != len(snapshot.digests):
        return False
    if any(summaries.files.exists(path) for path in snapshot.missing):
        return False
    now = {summary.path: summary for summary in held}
    loaded = []
    for index, digest in snapshot.loaded:
        path = name(index)
        # the run's files are known by hash; a module imported from elsewhere (excluded, or
        # outside the project) is read and hashed again, as the run cache does
        if path not in digests and summaries.digest_of(path) != digest:
            return False
        summary = now.get(path)
        if summary is None or summaries.hashes.get(path) != digest:
            summary = summaries.cached(path, digest)
        if summary is None:
            return False
        loaded.append(summary)
    rows = {
        key(function.path, function.qualname): [
            EdgeRow(
                edge.kind,
                edge.position,
                Api(edge.api, infos[edge.info]) if edge.info >= 0 else None,
                key(edge.path, edge.qualname) if edge.path >= 0 else None,
                edge.via,
            )
            for edge in function.edges
        ]
        for function in snapshot.functions
    }
    findings = {
        key(done.path, done.qualname): Built(
            done.findings,
            set(done.silenced),
            {key(path, qualname) for path, qualname in done.bodies},
        )
        for done in snapshot.built
    }
    targets = frozenset(name(index) for index in snapshot.targets)
    for summary in loaded:
        project.add(summary)
    project.missing.update(snapshot.missing)
    graph = CallGraph(resolver(project))
    graph.adopt_rows(rows)
    state.clear()
    state.key = snapshot.key
    state.digests = digests
    state.targets = targets
    state.project = project
    state.graph = graph
    state.findings = findings
    state.spelled = Counter(snapshot.spelled)
    everything: Collection[ModuleSummary] = project.loaded().values()
    state.learn_names(everything)
    state.loaded = len(everything)
    return True
