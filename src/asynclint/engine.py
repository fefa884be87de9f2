"""The pipeline: files -> summaries -> resolution -> call graph -> contexts -> findings.

Every channel (CLI, flake8 plugin, SARIF) calls ``check`` and renders what it returns.
"""

from __future__ import annotations

import ast
import gc
import hashlib
import os
import sys
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional

from asynclint import advice, incremental, pools, snapshot, structural, threadpool, unused
from asynclint.cache import Run, Summaries, library_cache_dir
from asynclint.callgraph import HOLD, CallGraph, Target
from asynclint.catalog import Catalog, FixSpec
from asynclint.codes import BY_CATEGORY, PARSE_ERROR, class_rank
from asynclint.collector import fewer_collections
from asynclint.config import Settings
from asynclint.contexts import Contexts
from asynclint.deep import run_deep
from asynclint.discover import DiscoveryError, discover, path_order
from asynclint.expr import NONE, Attr, Call, Enter, Name, OptExpr, source_text
from asynclint.fastapi_model import Context, ContextKind, can_be_plain_def, can_reach_loop
from asynclint.filesystem import FileSystem
from asynclint.findings import Finding, Fix, Hop, Related
from asynclint.fixes import Planner, digest
from asynclint.library import Budget, Environment, Libraries, find_environment
from asynclint.paths import absolute, display
from asynclint.project import Project
from asynclint.resolve import (
    ClassKey,
    Ext,
    FuncKey,
    Inst,
    PClass,
    PFunc,
    Resolver,
    Scope,
    site_scope,
)
from asynclint.summary import (
    CallSite,
    FunctionSummary,
    ModuleSummary,
    SiteKind,
    decode_source,
    display_name,
    source_lines,
    suppressions,
)


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    files: int  # files checked
    root: Path
    warnings: tuple[str, ...] = ()
    analysed: int = 0  # files that could run code on the loop, and so were parsed
    # what `--verbose` adds: imports that found no module although a project file of that
    # name exists (a missing import root)
    details: tuple[str, ...] = ()
    # how the findings were made: "cached" (the run cache), "full", or "incremental" (from
    # the previous analysis, see ``snapshot``), with why or how much; `--verbose` shows it
    analysis: str = ""


def check(
    files: Sequence[Path],
    root: Path,
    settings: Settings,
    summaries: Optional[Summaries] = None,
    explicit: Collection[Path] = (),
    project: Optional[Sequence[Path]] = None,
    only: Optional[Collection[Path]] = None,
    state: Optional[incremental.State] = None,
) -> Report:
    """Report on ``files``. Files in ``explicit`` (named by the user) are always parsed; others
    only when they can put code on the loop (see ``can_reach_loop``). With ``only`` (the
    documents open in an editor), the call graph is explored from the loop code of those files
    alone: their findings are the same, the rest of the project's are not computed.

    The analysis itself runs over the whole project below ``root`` (routes, prefixes,
    dependencies and who awaits what are facts of the project, not of the selection), so a
    file's findings are the same whether it, its directory or the project is checked; the
    call graph is explored from the loop code of the selected files only, as with ``only``.
    ``project`` names the project's files instead, for a file that belongs to none.

    A caller that checks the same project again and again (the language server) passes the
    same ``state`` each time: after an edit inside function bodies only what the edit can
    change is computed again (see ``asynclint.incremental``); the findings are the same."""
    with fewer_collections():
        everything = project if project is not None else project_files(root, settings)
        return _check(
            files,
            root,
            settings,
            summaries or Summaries(None),
            explicit,
            everything,
            only,
            state,
        )


def _check(
    files: Sequence[Path],
    root: Path,
    settings: Settings,
    summaries: Summaries,
    explicit: Collection[Path],
    project: Sequence[Path],
    only: Optional[Collection[Path]] = None,
    state: Optional[incremental.State] = None,
) -> Report:
    given = {absolute(f) for f in files}
    selected = given if only is None else given & {absolute(f) for f in only}
    everything = given if project is files else {absolute(f) for f in project}
    # the loop code of the selected files alone is explored when they are not the whole
    # project: their findings are the same (a finding lies in the loop function that makes
    # the call), and a file checked in a project of thousands costs what its code reaches
    partial = only is not None or selected != everything
    paths = sorted(selected | everything, key=path_order)
    named = {absolute(f) for f in explicit}
    digests = summaries.digests(paths, root)
    notes: list[str] = []
    environment = None
    if settings.analyses_libraries:
        environment = find_environment(settings.python, root)
        if environment is None:
            where = f"--python {settings.python}" if settings.python else "the environment"
            notes.append(
                f"library analysis found no site-packages for {where}; calls into libraries "
                "the catalog does not describe are not followed"
            )
    salt = repr(
        (
            settings.fingerprint(),
            os.getcwd(),
            str(root),
            sorted(map(str, named)),
            environment.fingerprint() if environment is not None else None,
            sorted(map(str, selected)) if partial else None,
        )
    )
    run_key = summaries.run_key(paths, digests, salt)
    cached = summaries.get_run(run_key)
    # a whole-project run with a cache and no other keeper of its state leaves a snapshot
    # of its analysis for the next one (see ``snapshot``)
    keeps = state is None and not partial and environment is None and bool(summaries.directory)
    findings: Sequence[Finding]
    how = "cached"
    if cached is not None:
        findings, analysed, kept_notes, details, comments = cached
        notes += kept_notes
        if state is not None:
            state.mode = "cached"
    else:
        contents = summaries.contents(paths)  # read as the analysis asks for them
        taken, analysis = None, state
        if keeps:
            taken = summaries.get_snapshot(root, snapshot.DECODER)
            analysis = incremental.State(persisted=True)
        # summarised here, in the main thread: the process pool must not fork from a thread
        loaded = _load_targets(paths, contents, summaries, named, analysis)
        findings, analysed, read, run_notes, details, comments = run_deep(
            lambda: _analyse(
                paths,
                contents,
                loaded,
                root,
                settings,
                summaries,
                selected,
                environment,
                roots_in=selected if partial else None,
                state=analysis,
                digests=[digest for digest, _ in digests],
                salt=repr((salt, sorted(map(str, selected)))),
                named=named,
                taken=taken,
            )
        )
        if summaries.changed_during_run():
            # a file the stat index vouched for was written while the run read it: its
            # summary and its bytes may disagree; analyse again, reading every file
            summaries.stat_index = False
            return _check(files, root, settings, summaries, explicit, project, only, state)
        notes += run_notes
        how = "full"
        if analysis is not None:
            how = _how(analysis)
        if keeps and analysis is not None and analysis.mode in ("full", "incremental"):
            now = snapshot.take(analysis, summaries.hashes)
            if now is not None:
                summaries.put_snapshot(root, now)
        if environment is not None:  # installed libraries are covered by its fingerprint
            roots = tuple(f"{site}{os.sep}" for site in environment.site_packages)
            read = {path for path in read if not path.startswith(roots)}
        summaries.put_run(
            run_key,
            read - {str(p) for p in paths},
            Run(tuple(findings), analysed, tuple(run_notes), details, comments),
        )
    summaries.save_digests()
    if cached is None:
        linger("check", contents, loaded, analysis)
    kept = []
    for finding in findings:
        path = Path(os.path.abspath(finding.path))
        if path in selected and settings.selects(finding.code, path, root):
            kept.append(finding)
    # a suppression is unused only for codes that ran and are selected: known after selection
    kept += unused.findings(
        [c for c in comments if Path(c.path) in selected],
        lambda code, path: settings.selects(code, Path(path), root),
    )
    return Report(
        tuple(one_per_call(kept)),
        len(files),
        root,
        (*summaries.warnings, *notes),
        analysed,
        tuple(line for path, line in details if Path(path) in selected),
        how,
    )


# what the last run built, by the function that built it, kept until the process ends when
# the caller leaves without tearing it down (see ``linger``)
_LINGERING: Optional[dict[str, tuple[object, ...]]] = None


def linger(where: str, *built: object) -> None:
    """Keep what a run built alive when the process is about to end anyway (`asynclint
    check`: see ``cli.main``): freeing hundreds of megabytes of small objects one by one
    costs a tenth of a second and more, for nothing. Only the last run's are kept (a fix
    checks the project again). Elsewhere (the language server, flake8, tests), no-op."""
    if _LINGERING is not None:
        _LINGERING[where] = built
        gc.freeze()  # and out of the cyclic collector's sight: it would walk them again and again


def leave_lingering() -> None:
    """From now on, ``linger`` keeps what runs built (the caller ends with ``os._exit``)."""
    global _LINGERING
    _LINGERING = {}


def _how(state: incremental.State) -> str:
    """How an analysis with a state went, in a few words."""
    if state.mode == "incremental":
        return (
            f"incremental ({state.recomputed} of {len(state.findings)} loop functions' "
            "findings computed again)"
        )
    return f"full ({state.reason})" if state.reason else state.mode


def project_files(root: Path, settings: Settings) -> tuple[Path, ...]:
    """Every file of the project below ``root`` (the configured excludes apply)."""
    if not root.is_dir():
        return ()
    try:
        return discover([str(root)], settings.exclude, root, settings.respect_gitignore).files
    except DiscoveryError:
        return ()


def one_per_call(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per call site: a call that reaches APIs of several codes is reported under
    the costliest (see ``codes.COST_CLASSES``), shortest chain first; the others ride along in
    ``also``. Runs after selection, so ignoring one code shows the next, never nothing."""
    by_site: dict[tuple[str, int, int, int, int], list[Finding]] = {}
    out: list[Finding] = []
    for finding in findings:
        if not finding.api:  # ASL001 and project rules: nothing to merge
            out.append(finding)
            continue
        site = (finding.path, finding.line, finding.column, finding.end_line, finding.end_column)
        by_site.setdefault(site, []).append(finding)
    for group in by_site.values():
        group.sort(key=lambda f: (class_rank(f.cost), len(f.chain) + f.chain_cut, f.code))
        first, rest = group[0], group[1:]
        if rest:
            also = tuple((f.code, f.api) for f in rest)
            first = replace(first, also=also, message=advice.with_others(first.message, also))
        out.append(first)
    out.sort(key=Finding.sort_key)
    return out


def _load_targets(
    paths: list[Path],
    contents: Sequence[tuple[Optional[bytes], Optional[str]]],
    summaries: Summaries,
    named: Collection[Path],
    state: Optional[incremental.State] = None,
) -> list[Optional[ModuleSummary]]:
    """Summaries of the files to analyse: those named on the command line, those that can put
    code on the loop, and unreadable ones (reported); None for the rest."""
    # a server's state knows the bytes it saw before (the same objects, run after run)
    reaches = can_reach_loop if state is None or state.persisted else state.can_reach_loop
    chosen = []
    for index, path in enumerate(paths):
        loop = True if path in named else summaries.prescanned(index)
        if loop is None:
            data = contents[index][0]
            if data is None:
                loop = True  # unreadable: reported
            else:
                loop = reaches(data)
                summaries.learn_prescan(index, loop)
        if loop:
            chosen.append(index)
    # a file the stat index vouched for is read only when its summary is not cached
    found = summaries.load_many([paths[i] for i in chosen])
    loaded: list[Optional[ModuleSummary]] = [None] * len(paths)
    for index, summary in zip(chosen, found):
        loaded[index] = summary
    return loaded


def library_source(environment: Environment, settings: Settings, summaries: Summaries) -> Libraries:
    """The installed libraries the analysis may read, within the run's budget; their
    summaries are cached in the user cache when the run uses a cache at all."""
    cache_dir = library_cache_dir() if summaries.directory is not None else None
    return Libraries(
        environment,
        settings.catalog(),
        Summaries(cache_dir) if cache_dir is not None else None,
        Budget(settings.library_max_files, settings.library_max_seconds),
        allow=settings.allow,
    )


def _analyse(
    paths: list[Path],
    contents: Sequence[tuple[Optional[bytes], Optional[str]]],
    loaded: list[Optional[ModuleSummary]],
    root: Path,
    settings: Settings,
    summaries: Summaries,
    selected: Collection[Path],
    environment: Optional[Environment] = None,
    roots_in: Optional[Collection[Path]] = None,
    state: Optional[incremental.State] = None,
    salt: str = "",
    named: Collection[Path] = (),
    digests: Sequence[Optional[str]] = (),
    taken: Optional[snapshot.Snapshot] = None,
) -> tuple[
    list[Finding], int, set[str], list[str], tuple[tuple[str, str], ...], tuple[unused.Comment, ...]
]:
    """Findings of every selected and unselected code, files analysed, every file read, notes
    about the run (a library search cut by its budget), details of unresolved imports, and the
    suppression comments of the analysed files with codes that silenced nothing."""
    catalog = settings.catalog()
    src = [Path(p) for p in settings.src]
    targets = [summary for summary in loaded if summary is not None]
    position = {str(path): index for index, path in enumerate(paths)}  # by path, in ``paths``
    step, run_key = None, ""
    if state is not None:
        run_key = _state_key(salt, paths)
        if taken is not None and taken.key == run_key and environment is None:
            project = Project(root, paths, summaries.load, summaries.files, src)
            snapshot.restore(
                taken, state, project, summaries, lambda p: Resolver(p, catalog), targets
            )
        if environment is None:
            step = _plan(
                state, run_key, paths, position, contents, digests, targets, summaries, catalog
            )
        state.busy = True  # until ``_remember``: a run cut short leaves no half-updated state
    libraries = None
    if step is not None and state is not None:
        # the previous analysis, with the changed modules' new summaries in place
        assert state.project is not None and state.graph is not None
        project = state.project
        kept = project.loaded()
        targets = [
            summary if summary.path in step.changed else kept.get(summary.path, summary)
            for summary in targets
        ]
        resolver = step.resolver
        if state.contexts is not None:
            contexts = state.contexts
            contexts.rebind(resolver, targets)
        else:  # a state restored from a snapshot: what they hold is computed again
            contexts = Contexts(resolver, targets)
        graph = CallGraph(resolver, libraries)
        graph.keep_edges(state.graph, lambda key: key.path not in step.changed)
    else:
        project = Project(root, paths, summaries.load, summaries.files, src)
        for summary in targets:
            project.add(summary)
        if environment is not None:
            libraries = project.libraries = library_source(environment, settings, summaries)
        resolver = Resolver(project, catalog)
        contexts = Contexts(resolver, targets)
        graph = CallGraph(resolver, libraries)
    roots: list[tuple[FuncKey, FunctionSummary]] = []
    # the graph's facts of a function depend only on what it reaches, so exploring from fewer
    # roots changes no finding of theirs; whether a suppression comment silenced anything
    # depends on every function the whole project's loop code reaches, so a file with such
    # comments is explored from everywhere
    explored = {str(path) for path in roots_in} if roots_in is not None else None
    if explored is not None and any(s.noqa for s in targets if s.path in explored):
        explored = None
    # plain `def` routes, dependencies and background tasks: FastAPI's threadpool runs them
    pooled: list[tuple[FuncKey, FunctionSummary, Context]] = []
    for summary in targets:
        if explored is not None and summary.path not in explored:
            continue
        for qualname, function in summary.functions.items():
            key = FuncKey(summary.path, qualname)
            if contexts.runs_on_loop(key, function):
                roots.append((key, function))
            else:
                context = contexts.threadpool_context(key, function)
                if context is not None:
                    pooled.append((key, function, context))
    graph.explore([*(key for key, _ in roots), *(key for key, _, _ in pooled)])
    reader = _reader(position, contents, summaries.files)
    builder = _Builder(project, graph, contexts, settings, reader)
    findings: list[Finding] = []
    # a checked file that was not analysed but that an analysed module imported was parsed then:
    # if it does not parse, say so (its functions could not be followed)
    wanted = {str(p) for p in paths}
    analysed_paths = {summary.path for summary in targets}
    imported = [
        s for path, s in project.loaded().items() if path in wanted and path not in analysed_paths
    ]
    newer: list[str] = []
    required = (0, 0)
    for summary in [*targets, *imported]:
        if summary.error is None:
            continue
        declared = project.environment_of(summary.path).requires_python
        if summary.error.kind == "syntax" and declared > sys.version_info[:2]:
            # valid code for the Python its environment requires, newer than the running one
            newer.append(display(summary.path))
            required = max(required, declared)
            continue
        findings.append(builder.parse_error(summary))
    # with an incremental step, a loop function that reaches no changed module keeps its
    # findings (and the suppressions building them used)
    reached = graph.explored()
    dirty = incremental.dirty(graph, step.changed, reached) if step else set()
    built: dict[FuncKey, incremental.Built] = {}
    recomputed = 0
    for key, function in roots:
        if state is None:  # nothing to keep for a next run
            findings += builder.function_findings(key, function)
            continue
        previous = state.findings.get(key) if step is not None else None
        if previous is None or not incremental.kept(key, previous, step, dirty, reached):
            recomputed += 1
            outer, graph.silenced = graph.silenced, set()
            builder.bodies = set()
            previous = incremental.Built(
                builder.function_findings(key, function), graph.silenced, builder.bodies
            )
            outer.update(graph.silenced)
            graph.silenced = outer
        else:
            graph.silenced.update(previous.silenced)
        built[key] = previous
        findings += previous.findings
    sources = _Sources(contents)
    for key, function, context in pooled:
        findings += builder.threadpool_findings(key, function, context, sources)
    custom_silenced: dict[str, set[tuple[int, str]]] = {}
    if settings.custom_rules:
        # every selected file, not only those the pre-scan picked: a rule with
        # `async-only = false` matches code that never runs on the loop
        for index, (path, maybe) in enumerate(zip(paths, loaded)):
            if path not in selected or (maybe and maybe.error):
                continue
            data = contents[index][0]
            if data is None:
                continue
            try:
                text = decode_source(data)
            except (LookupError, UnicodeDecodeError):
                continue
            noqa = maybe.noqa if maybe is not None else suppressions(text)
            silenced = custom_silenced.setdefault(str(path), set())
            findings += structural.check(
                settings.custom_rules, text, str(path), noqa, digest(data), silenced
            )
    comments = _unused_suppressions(position, contents, targets, graph, custom_silenced, settings)
    findings.sort(key=Finding.sort_key)
    notes = []
    if newer:
        running = ".".join(map(str, sys.version_info[:2]))
        needed = ".".join(map(str, required))
        notes.append(
            f"{len(newer)} file(s) do not parse as Python {running} but the project requires "
            f"Python >= {needed} ({newer[0]}{', ...' if len(newer) > 1 else ''}): they were "
            f"not analysed; run asynclint with Python {needed} or newer to check them"
        )
    if libraries is not None:
        note = libraries.note()
        if note is not None:
            notes.append(note)
    if state is not None:
        if environment is not None:
            # what a library search finds depends on its budget: never kept for a next run
            state.clear()
            state.mode = "full"
        else:
            _remember(
                state, run_key, paths, digests, targets, project, contexts, graph, built, step
            )
        state.recomputed = recomputed
    linger("analyse", project, graph, contexts, resolver, builder)
    # the run depends on the files it read and on the absence of the ones imports looked for
    # (and, from a snapshot, on those the analysis it continues read)
    read = set(project.loaded()) | project.missing
    if state is not None:
        read |= set(state.held_before)
    return findings, len(targets), read, notes, tuple(project.unresolved_notes()), comments


def _state_key(salt: str, paths: Sequence[Path]) -> str:
    digest_ = hashlib.sha256(salt.encode("utf-8", "surrogatepass"))
    for path in paths:
        digest_.update(os.fsencode(path) + b"\0")
    return digest_.hexdigest()


def _plan(
    state: incremental.State,
    key: str,
    paths: Sequence[Path],
    position: dict[str, int],
    contents: Sequence[tuple[Optional[bytes], Optional[str]]],
    digests: Sequence[Optional[str]],
    targets: Sequence[ModuleSummary],
    summaries: Summaries,
    catalog: Catalog,
) -> Optional[incremental.Plan]:
    """The incremental step from ``state`` to this run (see ``incremental.plan``);
    ``position``: each path's index in ``paths``."""
    new = {summary.path: summary for summary in targets}

    def summarise(path: str) -> ModuleSummary:
        found = new.get(path)
        if found is None:
            index = position[path]
            found = summaries.load_many([paths[index]], [contents[index]])[0]
        return found

    return incremental.plan(
        state,
        key,
        [str(path) for path in paths],
        digests,
        set(new),
        summarise,
        lambda project: Resolver(project, catalog),
    )


def _remember(
    state: incremental.State,
    key: str,
    paths: Sequence[Path],
    digests: Sequence[Optional[str]],
    targets: Sequence[ModuleSummary],
    project: Project,
    contexts: Contexts,
    graph: CallGraph,
    built: dict[FuncKey, incremental.Built],
    step: Optional[incremental.Plan],
) -> None:
    """Keep this analysis for the next run of the same project."""
    state.busy = False
    state.key = key
    state.digests = {str(path): digest for path, digest in zip(paths, digests)}
    state.targets = frozenset(summary.path for summary in targets)
    state.project, state.contexts, state.graph, state.findings = project, contexts, graph, built
    if state.persisted:
        pass  # names are learnt when the state is restored, calls counted when it is taken
    elif step is None or len(project.loaded()) != state.loaded:
        # an incremental step leaves the names of the modules it had alone; those it loads
        # for the first time add theirs
        state.learn_names(project.loaded().values())
        state.loaded = len(project.loaded())
    if step is None and not state.persisted:
        state.spelled = incremental.spelled_calls(project.loaded()[path] for path in project.added)
    state.mode = "incremental" if step is not None else "full"


def _unused_suppressions(
    position: dict[str, int],
    contents: Sequence[tuple[Optional[bytes], Optional[str]]],
    targets: Sequence[ModuleSummary],
    graph: CallGraph,
    custom_silenced: dict[str, set[tuple[int, str]]],
    settings: Settings,
) -> tuple[unused.Comment, ...]:
    """Suppression comments of the analysed files with codes that silenced nothing
    (``position``: each path's index in ``contents``)."""
    tracked = unused.tracked_codes(
        [rule.code for rule in BY_CATEGORY.values()],
        [custom.rule.code for custom in settings.custom_rules],
    )
    hits: dict[str, dict[int, set[str]]] = {}
    for path, line, code in graph.silenced:
        hits.setdefault(path, {}).setdefault(line, set()).add(code)
    for path, pairs in custom_silenced.items():
        for line, code in pairs:
            hits.setdefault(path, {}).setdefault(line, set()).add(code)
    out: list[unused.Comment] = []
    for summary in targets:
        if not summary.noqa or summary.error is not None or summary.path not in position:
            continue
        data = contents[position[summary.path]][0]
        if data is None:
            continue
        try:
            text = decode_source(data)
        except (LookupError, UnicodeDecodeError):
            continue
        here = hits.get(summary.path, {})

        def silenced(line: int, code: str, here: dict[int, set[str]] = here) -> bool:
            found = here.get(line, set())
            return bool(found) if not code else code in found

        out += unused.comments(
            summary.path,
            text,
            set(summary.noqa),
            silenced,
            tracked.__contains__,
            digest(data),
        )
    return tuple(out)


def _reader(
    position: dict[str, int],
    contents: Sequence[tuple[Optional[bytes], Optional[str]]],
    files: FileSystem,
) -> Callable[[str], Optional[bytes]]:
    """The bytes the analysis read, by path (``position``: each path's index in
    ``contents``): fixes are computed from (and later written only over) exactly those, never
    from a second read that an editor's save could have changed."""
    return lambda path: contents[position[path]][0] if path in position else files.read_bytes(path)


class _Sources(Iterable[bytes]):
    """The bytes of every readable file of the run, read as the iteration reaches them (few
    runs need them at all)."""

    def __init__(self, contents: Sequence[tuple[Optional[bytes], Optional[str]]]) -> None:
        self._contents = contents

    def __iter__(self) -> Iterator[bytes]:
        for index in range(len(self._contents)):
            data = self._contents[index][0]
            if data is not None:
                yield data


class _Builder:
    """Turns call-graph facts into findings with messages, advice and chains."""

    def __init__(
        self,
        project: Project,
        graph: CallGraph,
        contexts: Contexts,
        settings: Settings,
        read: Callable[[str], Optional[bytes]],
    ) -> None:
        self.project = project
        self.graph = graph
        self.contexts = contexts
        self.settings = settings
        self._lines: dict[str, list[str]] = {}
        self.read = read
        self.planner = Planner(read, graph.resolver)
        self._deadlocks: dict[FuncKey, bool] = {}
        # the functions whose bodies building findings read besides the call graph's facts
        # (ASL802 follows a route's dependencies): an incremental run builds the findings of a
        # function again when one of them changed (see ``incremental``)
        self.bodies: set[FuncKey] = set()

    def lines(self, path: str) -> list[str]:
        found = self._lines.get(path)
        if found is None:
            try:
                # the bytes the analysis read (not a second read an editor's save could change)
                data = self.read(path)
                found = source_lines(decode_source(data)) if data is not None else []
            except (LookupError, UnicodeDecodeError):
                found = []
            self._lines[path] = found
        return found

    def _column(self, path: str, line: int, byte_column: int) -> int:
        """ast counts columns in UTF-8 bytes; users and SARIF count characters."""
        lines = self.lines(path)
        if not 0 < line <= len(lines):
            return byte_column
        text = lines[line - 1]
        if text.isascii():
            return byte_column
        prefix = text.encode("utf-8")[: max(byte_column - 1, 0)]
        return len(prefix.decode("utf-8", "replace")) + 1

    def parse_error(self, summary: ModuleSummary) -> Finding:
        error = summary.error
        assert error is not None
        lines = self.lines(summary.path)
        snippet = lines[error.line - 1] if 0 < error.line <= len(lines) else ""
        return Finding(
            code=PARSE_ERROR,
            path=summary.path,
            line=error.line,
            column=error.column,
            end_line=error.line,
            end_column=error.column + 1,
            message=f"file {error.message}",
            advice=_PARSE_ADVICE.get(error.kind, _PARSE_ADVICE["syntax"]),
            snippet=snippet,
        )

    def function_findings(self, key: FuncKey, function: FunctionSummary) -> list[Finding]:
        context = self.contexts.context(key, function)
        found: list[tuple[Finding, CallSite, Optional[FixSpec]]] = []
        # one finding per site and code: which codes are shown is decided after selection
        reported: set[tuple[int, str]] = set()
        for site, target in self.graph.edges(key):
            for code in self._codes(target):
                if (id(site), code) in reported or self.graph.suppressed(key, site, code):
                    continue
                finding = self._finding(key, function, context, site, target, code)
                if finding is None:
                    continue
                spec = None
                if target.api is not None:
                    entry = self.graph.catalog.function(target.api.name)
                    spec = entry.fix if entry is not None else None
                found.append((finding, site, spec))
                reported.add((id(site), code))
        found = _one_per_operation(function, found, self._opened_type)
        # a route or dependency that awaits nothing is best fixed as a whole, by making it a
        # plain `def`, unless one of its calls has a direct async twin
        plain_def = self._plain_def(key, function, context) and not any(
            spec is not None for _, _, spec in found
        )
        module = self.graph.resolver.module(key.path)
        out = []
        for finding, site, spec in found:
            if finding.related:
                # the operation spans several calls on one handle: offloading one of them is
                # not sound (thread-bound objects such as sqlite3 connections, open files)
                out.append(finding)
                continue
            position = (finding.line, finding.column, finding.end_line, finding.end_column)
            fix = self.planner.fix(
                key.path,
                module,
                function,
                site,
                position,
                finding.api,
                spec,
                plain_def,
                source_text(site.func),
                self._offload(key, context),
            )
            out.append(replace(finding, fix=fix) if fix is not None else finding)
        return out

    def _opened_type(self, api: str) -> frozenset[str]:
        """The classes of the handle ``api`` opens: what a catalogued function returns
        (`open` -> `io.TextIOWrapper`, `sqlite3.connect` -> `sqlite3.Connection`; in any of its
        `modes`, `wave.open` -> `Wave_read` or `Wave_write`), or the class itself for a
        blocking constructor (`smtplib.SMTP(host)`); empty for a method call."""
        catalog = self.graph.catalog
        entry = catalog.function(api)
        if entry is not None:
            found = (entry.returns, *entry.modes.values())
            return frozenset(name for name in found if name is not None)
        cls = catalog.cls(api)
        return frozenset((cls.name,)) if cls is not None and cls.constructor else frozenset()

    def _codes(self, target: Target) -> list[str]:
        if target.api is not None:
            return [target.api.info.code]
        assert target.function is not None
        # an unbounded wait is a threadpool fact, reported only for plain `def` handlers
        return [code for code in self.graph.codes(target.function) if code != HOLD]

    # -- FastAPI's threadpool (see ``threadpool``) ----------------------------------------

    def threadpool_findings(
        self,
        key: FuncKey,
        function: FunctionSummary,
        context: Context,
        sources: Iterable[bytes],
    ) -> list[Finding]:
        """ASL801 for each call of a plain `def` handler that reaches an unbounded wait, and
        ASL803 for a plain `def` dependency that does nothing needing a thread."""
        out: list[Finding] = []
        seen: set[int] = set()
        graph = self.graph
        for site, target in graph.edges(key):
            if id(site) in seen or graph.suppressed(key, site, threadpool.HOLD):
                continue
            if target.api is not None:
                if not graph.holds(site, target.api):
                    continue
            elif target.function is None or threadpool.HOLD not in graph.codes(target.function):
                continue
            found = self._finding(key, function, context, site, target, threadpool.HOLD)
            if found is None:
                continue
            seen.add(id(site))
            api = target.api.name if target.api is not None else found.api
            bound = graph.catalog.bound(api)
            wait = threadpool.Wait(
                sleep=bound is None and _category(graph, api) == "sleep",
                argument=bound.argument if bound is not None else "",
            )
            out.append(
                replace(
                    found,
                    code=threadpool.HOLD,
                    message=threadpool.hold_message(found, wait),
                    advice=threadpool.hold_advice(found, wait),
                    cost="wait",
                )
            )
        if context.kind is ContextKind.DEPENDENCY and self._could_be_async(key, function):
            out.append(self._could_be_async_finding(key, function, context, sources))
        if context.kind is ContextKind.ROUTE:
            deadlock = self._deadlock(key, function, context)
            if deadlock is not None:
                out.append(deadlock)
        return out

    def _plain_def(self, key: FuncKey, function: FunctionSummary, context: Context) -> bool:
        """The `async def` route or dependency can become a plain `def`, and as one would not
        hold a pooled connection across a threadpool hop (ASL802): advice that trades a
        blocked loop for a deadlock under load is not advice."""
        if not can_be_plain_def(function, context, self.contexts.is_awaited(key)):
            return False
        if context.kind is not ContextKind.ROUTE:
            return True
        deadlocks = self._deadlocks.get(key)
        if deadlocks is None:
            deadlocks = self._deadlock(key, function, context) is not None
            self._deadlocks[key] = deadlocks
        return not deadlocks

    # -- ASL802: a pooled connection held across a threadpool hop ---------------------------

    def _deadlock(
        self, key: FuncKey, function: FunctionSummary, context: Context
    ) -> Optional[Finding]:
        """A plain `def` route whose request checks a connection out of a `def` `yield`
        dependency's session in one threadpool step and still holds it when FastAPI needs
        the next token: after a plain `def` dependency that queried (the route itself runs
        next), or after the route queried when its response model is validated."""
        if self.graph.suppressed(key, _def_site(function), threadpool.DEADLOCK):
            return None
        scope = Scope(key.path, function.parent)
        found: Optional[tuple[str, str]] = None  # (generator, step)
        validates = self._validates_response(key, function)
        for param in function.params:
            target = self.graph.resolver.provider(param.default, param.annotation, scope)
            if not isinstance(target, PFunc):
                continue
            generator = self._session_generator(target.key)
            if generator is not None:
                if validates and self._holds_connection(key, function, param.name):
                    found = (generator, "to validate the response after the route queried")
                    break
                continue
            dependency = self.graph.resolver.function(target.key)
            if dependency is None or dependency.is_async or dependency.is_generator:
                continue
            inner_scope = Scope(target.key.path, dependency.parent)
            for inner in dependency.params:
                provider = self.graph.resolver.provider(
                    inner.default, inner.annotation, inner_scope
                )
                if not isinstance(provider, PFunc):
                    continue
                generator = self._session_generator(provider.key)
                if generator is not None and self._holds_connection(
                    target.key, dependency, inner.name
                ):
                    name = display_name(dependency.qualname)
                    found = (generator, f"to run the route after dependency `{name}` queried")
                    break
            if found is not None:
                break
        if found is None:
            return None
        generator, step = found
        return self._at_def(
            key,
            function,
            code=threadpool.DEADLOCK,
            message=threadpool.deadlock_message(context.label, generator, step),
            advice=threadpool.deadlock_advice(generator),
            function=display_name(function.qualname),
            context=context.label,
            cost="database",
        )

    def _at_def(
        self,
        key: FuncKey,
        summary: FunctionSummary,
        *,
        code: str,
        message: str,
        advice: str,
        function: str,
        context: str,
        cost: str = "",
        fix: Optional[Fix] = None,
    ) -> Finding:
        """A finding about a whole function, placed on its `def` name (threadpool rules)."""
        lines = self.lines(key.path)
        column = self._column(key.path, summary.line, summary.column)
        return Finding(
            code=code,
            path=key.path,
            line=summary.line,
            column=column,
            end_line=summary.line,
            end_column=column + len("def ") + len(summary.name),
            message=message,
            advice=advice,
            function=function,
            context=context,
            snippet=lines[summary.line - 1] if 0 < summary.line <= len(lines) else "",
            cost=cost,
            fix=fix,
        )

    def _session_generator(self, key: FuncKey) -> Optional[str]:
        """The name of a plain `def` generator dependency that yields a sync database session
        or connection (a catalogued class of category `database`), else None."""
        resolver = self.graph.resolver
        function = resolver.function(key)
        if function is None or function.is_async or not function.is_generator:
            return None
        yielded = resolver.yield_type(key)
        if not isinstance(yielded, Inst) or not isinstance(yielded.type, str) or yielded.path:
            return None
        entry = self.graph.catalog.cls(yielded.type)
        if entry is None or entry.info is None or entry.info.category != "database":
            return None
        if not pools.waits_for_connection(resolver, key):
            return None  # NullPool, StaticPool, in-memory SQLite: no checkout ever waits
        return display_name(function.qualname)

    def _holds_connection(self, key: FuncKey, function: FunctionSummary, name: str) -> bool:
        """``function`` queries through its parameter ``name`` (a session) and its last use of
        it does not give the connection back (`commit`, `rollback`, `close`), following the
        last use into a project function it is passed to."""
        self.bodies.add(key)
        uses = [site for site in function.calls if site.kind is SiteKind.CALL and _uses(site, name)]
        if not uses:
            return False
        database = BY_CATEGORY["database"].code
        queried = False
        for site, target in self.graph.edges(key):
            if not any(site is used for used in uses):
                continue
            if (target.api is not None and target.api.info.category == "database") or (
                target.function is not None and database in self.graph.codes(target.function)
            ):
                queried = True
        if not queried:
            return False
        return not self._releases_last(key, function, name, 0)

    def _releases_last(
        self, key: FuncKey, function: FunctionSummary, name: str, depth: int
    ) -> bool:
        """The last use of the session ``name`` in ``function`` gives its connection back
        (`commit`, `rollback`, `close`), directly or in the project function it is passed to
        last. Anything unknown keeps the connection."""
        self.bodies.add(key)
        uses = [s for s in function.calls if s.kind is SiteKind.CALL and _uses(s, name)]
        if not uses or depth > 3:
            return False
        last = max(uses, key=lambda site: (site.line, site.column))
        func = last.func
        if isinstance(func, Attr) and func.value == Name(name):
            return func.attr in threadpool.RELEASES
        callee = self.graph.resolver.value(func, Scope(key.path, function.qualname))
        if not isinstance(callee, PFunc):
            return False
        inner = self.graph.resolver.function(callee.key)
        received = _receiving_param(last, name, inner) if inner is not None else None
        if inner is None or received is None:
            return False
        return self._releases_last(callee.key, inner, received, depth + 1)

    def _may_return_response(self, key: FuncKey, function: FunctionSummary) -> bool:
        """A return value is (or may be) a `Response`, which FastAPI sends without validating
        it: one typed as a `Response` class, or the unknown result of a project helper (such
        helpers often build a `JSONResponse`)."""
        resolver = self.graph.resolver
        scope = Scope(key.path, function.qualname)
        for value in function.return_values:
            if value is None or value == NONE:
                continue
            resolved = resolver.value(value, scope)
            if self._is_response(resolved):
                return True
            if (
                resolved is None
                and isinstance(value, Call)
                and isinstance(resolver.value(value.func, scope), (PFunc, PClass))
            ):
                return True
        return False

    def _is_response(self, value: object) -> bool:
        if isinstance(value, Inst) and isinstance(value.type, str) and not value.path:
            return value.type.endswith("Response")
        if isinstance(value, Inst) and isinstance(value.type, ClassKey) and not value.path:
            bases = self.graph.resolver.library_bases(value.type)
            return value.type.qualname.endswith("Response") or any(
                base.endswith("Response") for base in bases
            )
        return False

    def _validates_response(self, key: FuncKey, function: FunctionSummary) -> bool:
        """FastAPI builds a response field for the route (and, the route being a plain `def`,
        validates the result in the threadpool): `response_model=` in its decorator, or a
        return annotation that is not a `Response` class nor `None`."""
        scope = Scope(key.path, function.parent)
        for decorator in function.decorators:
            if not isinstance(decorator, Call):
                continue
            for keyword in decorator.kwargs:
                if keyword.name == "response_model":
                    return keyword.value != NONE and not self._may_return_response(key, function)
        if self._may_return_response(key, function):
            return False  # a `Response` is sent as it is, without validation
        returns = function.returns
        if returns is None or returns == NONE or returns == Name("None"):
            return False
        value = self.graph.resolver.value(returns, scope)
        if isinstance(value, Ext) and value.name.endswith("Response"):
            return False
        if isinstance(value, PClass):
            bases = self.graph.resolver.library_bases(value.key)
            return not any(base.endswith("Response") for base in bases)
        return True

    def _could_be_async(self, key: FuncKey, function: FunctionSummary) -> bool:
        """A module-level, undecorated, non-generator `def` dependency whose every call is
        known to do no I/O (see ``_cheap``)."""
        if (
            function.is_generator
            or function.decorators
            or function.parent is not None
            or function.class_name is not None
            or self.graph.suppressed(key, _def_site(function), threadpool.COULD_BE_ASYNC)
        ):
            return False
        return self._cheap(key, function, 0)

    def _cheap(self, key: FuncKey, function: FunctionSummary, depth: int) -> bool:
        """Every call in ``function`` is proven not to block: a builtin, a method of a builtin
        type or of the request, `HTTPException`, or a project function or class that is cheap
        in turn. An unknown callee (an uncatalogued library) could do anything: not cheap."""
        if self.graph.codes(key) or depth > 3:
            return False
        resolver = self.graph.resolver
        scope = Scope(key.path, function.qualname)
        for site in function.calls:
            if site.kind is not SiteKind.CALL:
                return False
            callee = resolver.value(site.func, scope)
            if isinstance(callee, Ext):
                if not callee.name.startswith(_CHEAP_MODULES) and callee.name not in _CHEAP:
                    return False
            elif isinstance(callee, Inst) and isinstance(callee.type, str):
                if not callee.type.startswith("builtins.") and not (
                    callee.type in _REQUESTS and callee.path.split(".")[0] in _REQUEST_PARTS
                ):
                    return False
            elif isinstance(callee, PFunc):
                inner = resolver.function(callee.key)
                if inner is None or inner.is_async or inner.is_generator or inner.decorators:
                    return False
                if not self._cheap(callee.key, inner, depth + 1):
                    return False
            elif isinstance(callee, PClass):
                if not self._cheap_class(callee.key, depth):
                    return False
            elif not _builtin_method(site.func, function) and not self._pure_builtin(
                site.func, key, function
            ):
                return False
        return True

    def _pure_builtin(self, func: OptExpr, key: FuncKey, function: FunctionSummary) -> bool:
        """`min(limit, 100)`: a builtin the module and function do not rebind."""
        return (
            isinstance(func, Name)
            and func.id in _PURE_BUILTINS
            and func.id not in function.local_names
            and func.id not in self.graph.resolver.module(key.path).names
        )

    def _cheap_class(self, cls: ClassKey, depth: int) -> bool:
        resolver = self.graph.resolver
        if not set(resolver.library_bases(cls)) <= _CHEAP_BASES:
            return False
        for dunder in ("__init__", "__post_init__"):
            found = resolver.find_method(cls, dunder)
            inner = resolver.function(found) if found is not None else None
            if found is not None and (inner is None or not self._cheap(found, inner, depth + 1)):
                return False
        return True

    def _could_be_async_finding(
        self,
        key: FuncKey,
        function: FunctionSummary,
        context: Context,
        sources: Iterable[bytes],
    ) -> Finding:
        name = display_name(function.qualname)
        fixable = threadpool.only_injected(function.name, sources)
        return self._at_def(
            key,
            function,
            code=threadpool.COULD_BE_ASYNC,
            message=threadpool.could_be_async_message(name),
            advice=threadpool.could_be_async_advice(name, fixable),
            function=name,
            context=context.label,
            fix=self.planner.async_def(key.path, function) if fixable else None,
        )

    def _finding(
        self,
        key: FuncKey,
        function: FunctionSummary,
        context: Context,
        site: CallSite,
        target: Target,
        code: str,
    ) -> Optional[Finding]:
        hops: list[Hop] = []
        steps: list[advice.Step] = []
        library_entry: Optional[FuncKey] = None  # the first library function on the chain
        callee = self._source(key.path, site)
        api_callee, api_site = callee, site.kind
        if target.api is not None:
            api = target.api
        else:
            assert target.function is not None
            chain = self.graph.chain(target.function, code)
            if not chain:
                return None
            api = chain[-1][1].api
            libraries = self.graph.libraries
            for step_key, link in chain:
                step = self.graph.resolver.function(step_key)
                if libraries is not None and libraries.owns(step_key.path):
                    # library code: it cannot be changed, only called differently
                    name = libraries.display(step_key)
                    steps.append(advice.Step(name, why_sync=advice.LIBRARY_CODE))
                    if library_entry is None:
                        library_entry = step_key
                else:
                    name = display_name(step.qualname if step else step_key.qualname)
                    steps.append(advice.step(name, step))
                hops.append(
                    Hop(
                        function=name,
                        path=step_key.path,
                        line=link.site.line,
                        column=self._column(step_key.path, link.site.line, link.site.column),
                    )
                )
            last_key, last_link = chain[-1]
            api_callee = self._source(last_key.path, last_link.site)
            api_site = last_link.site.kind
        cut = max(len(hops) - self.settings.max_chain, 0)
        lines = self.lines(key.path)
        snippet = lines[site.line - 1] if 0 < site.line <= len(lines) else ""
        column = self._column(key.path, site.line, site.column)
        end_column = self._column(key.path, site.end_line, site.end_column)
        facts = advice.Facts(
            api=api,
            function=function,
            context=context,
            hops=hops,
            steps=steps,
            via=target.via,
            site=site.kind,
            callee=callee,
            api_callee=api_callee,
            api_site=api_site,
            awaited=self.contexts.is_awaited(key),
            plain_def=self._plain_def(key, function, context),
            async_with=site.kind is SiteKind.WITH and self._async_with(key, function, site),
            in_with=site.kind is SiteKind.CALL and _builds_with_item(function, site),
            awaited_call=site.awaited,
            fastapi=context.framework or self._imports_fastapi(key.path),
            offload=self.settings.offload,
            twin=self._twin(library_entry),
        )
        return Finding(
            code=api.info.code,
            path=key.path,
            line=site.line,
            column=column,
            end_line=site.end_line,
            end_column=end_column,
            message=advice.message(facts),
            advice=advice.remedy(facts),
            api=api.name,
            function=display_name(function.qualname),
            context=context.label,
            chain=tuple(hops[: len(hops) - cut] if cut else hops),
            chain_cut=cut,
            snippet=snippet,
            inferred=self._inferred(library_entry),
            cost=self.graph.catalog.cost(api.name, api.info.category),
        )

    def _offload(self, key: FuncKey, context: Context) -> str:
        """The offload form of a fix here: AnyIO's pool (`run_in_threadpool`) only in FastAPI
        code of a project that prefers it; `asyncio.to_thread` everywhere else."""
        fastapi = context.framework or self._imports_fastapi(key.path)
        return self.settings.offload if fastapi else "to_thread"

    def _twin(self, entry: Optional[FuncKey]) -> str:
        libraries = self.graph.libraries
        if entry is None or libraries is None:
            return ""
        return libraries.twin(entry, self.graph.resolver)

    def _inferred(self, entry: Optional[FuncKey]) -> str:
        """The distribution (name and version) a chain through library source runs into."""
        libraries = self.graph.libraries
        if entry is None or libraries is None:
            return ""
        dist = libraries.distribution(entry.path)
        return dist.label if dist is not None else libraries.module_name(entry.path).split(".")[0]

    def _source(self, path: str, site: CallSite) -> str:
        """The site's callee (or the object entered / iterated) as written, on one line."""
        lines = self.lines(path)
        if 0 < site.line <= site.end_line <= len(lines):
            chunk = [line.encode("utf-8") for line in lines[site.line - 1 : site.end_line]]
            chunk[-1] = chunk[-1][: site.end_column - 1]
            chunk[0] = chunk[0][site.column - 1 :]
            try:
                text = b"\n".join(chunk).decode("utf-8")
                tree = ast.parse(f"({text})", mode="eval")
                return text if len(chunk) == 1 else ast.unparse(tree)
            except (SyntaxError, UnicodeDecodeError, ValueError):
                pass
        return source_text(site.func)

    def _async_with(self, key: FuncKey, function: FunctionSummary, site: CallSite) -> bool:
        """The project class a `with` enters defines `__aenter__` and `__aexit__`."""
        resolver = self.graph.resolver
        value = resolver.value(site.func, site_scope(key.path, function, site))
        if not isinstance(value, Inst) or not isinstance(value.type, ClassKey):
            return False
        return all(resolver.find_method(value.type, m) for m in ("__aenter__", "__aexit__"))

    def _imports_fastapi(self, path: str) -> bool:
        module = self.graph.resolver.module(path)
        return any(i.module.split(".")[0] in ("fastapi", "starlette") for i in module.imports)


def _builds_with_item(function: FunctionSummary, site: CallSite) -> bool:
    """``site`` is the call of a `with` item: `open(p)` in `with open(p) as f:`."""
    return any(
        other.kind is SiteKind.WITH
        and isinstance(other.func, Call)
        and other.func.func == site.func
        and (other.line, other.column) == (site.line, site.column)
        for other in function.calls
    )


def _category(graph: CallGraph, api: str) -> str:
    entry = graph.catalog.function(api)
    if entry is not None and entry.info is not None:
        return entry.info.category
    return ""


def _uses(site: CallSite, name: str) -> bool:
    """The call is a method of ``name``, of what its methods return, or passes it
    (`db.execute(...)`, `db.query(User).filter(...).first()`, `crud.get(db, 1)`)."""
    target = Name(name)
    node = site.func
    while isinstance(node, (Attr, Call)):
        node = node.value if isinstance(node, Attr) else node.func
        if node == target:
            return True
    return target in site.positional or any(k.value == target for k in site.keywords)


def _receiving_param(site: CallSite, name: str, callee: FunctionSummary) -> Optional[str]:
    """The parameter of ``callee`` that ``site`` passes ``name`` to."""
    for keyword in site.keywords:
        if keyword.value == Name(name):
            return keyword.name if keyword.name in callee.param_map else None
    if site.spread:
        return None
    positions = [p.name for p in callee.params]
    if callee.class_name is not None and positions and positions[0] in ("self", "cls"):
        positions = positions[1:]
    for index, argument in enumerate(site.positional):
        if argument == Name(name) and index < len(positions):
            return positions[index]
    return None


def _builtin_method(func: OptExpr, function: FunctionSummary) -> bool:
    """`token.split(" ")` on a parameter annotated with a builtin type (`token: str`) that the
    function never rebinds: the resolver leaves builtin types untyped."""
    if not (isinstance(func, Attr) and isinstance(func.value, Name)):
        return False
    param = function.param_map.get(func.value.id)
    return (
        param is not None
        and isinstance(param.annotation, Name)
        and param.annotation.id in _BUILTIN_TYPES
        and func.value.id not in function.assigned
    )


_PURE_BUILTINS = frozenset(
    {"abs", "all", "any", "bool", "dict", "enumerate", "float", "getattr", "hasattr", "int"}
    | {"isinstance", "len", "list", "max", "min", "range", "repr", "round", "set", "sorted"}
    | {"str", "sum", "tuple", "zip", "ValueError", "KeyError", "TypeError", "PermissionError"}
)
_BUILTIN_TYPES = frozenset({"str", "int", "float", "bool", "bytes", "dict", "list", "set"})


def _def_site(function: FunctionSummary) -> CallSite:
    """A stand-in site on the `def` line, so `# noqa: ASL803` there silences ASL803."""
    return CallSite(None, (), (), function.line, function.column, function.line, function.column)


# callees a cheap dependency may make: builtins, exceptions it raises, typing helpers
_CHEAP_MODULES = ("builtins.", "typing.")
_CHEAP = frozenset({"fastapi.HTTPException", "starlette.exceptions.HTTPException"})
_CHEAP_BASES = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel", "builtins.object"})
_REQUESTS = frozenset({"fastapi.Request", "starlette.requests.Request", "fastapi.requests.Request"})
# parts of a request that are already in memory when a dependency runs
_REQUEST_PARTS = frozenset(
    {"headers", "query_params", "path_params", "cookies", "url", "client", "state", "scope"}
)


_PARSE_ADVICE = {
    "syntax": "fix the syntax, or run asynclint under the Python version the code targets",
    "encoding": "save the file as UTF-8 (or declare its encoding in a coding cookie)",
    "nesting": "split the deeply nested expression; nothing in this file was checked",
    "read": "check that the file exists and is readable; nothing in it was checked",
}


_Found = tuple[Finding, CallSite, Optional[FixSpec]]


def _one_per_operation(
    function: FunctionSummary, found: list[_Found], opened_type: Callable[[str], frozenset[str]]
) -> list[_Found]:
    """One finding per blocking operation: a call that opens a handle (`with open(p) as f`,
    `conn = sqlite3.connect(...)`) is reported once, and the later calls of the same code on
    that handle (`f.write(...)`, `conn.execute(...)`) become its
    related locations instead of findings of their own."""
    handles = _handles(function)
    if not handles:
        return found
    opened: dict[int, list[str]] = {}  # index in `found` -> handle names its call made
    for index, (finding, site, _) in enumerate(found):
        if site.kind is not SiteKind.CALL or finding.chain or not opened_type(finding.api):
            continue
        for name, (line, callee) in handles.items():
            if (
                site.func == callee
                and site.line >= line
                and not _opened_by_other(found, name, index, opened)
            ):
                opened.setdefault(index, []).append(name)
    if not opened:
        return found
    folded: dict[int, list[Related]] = {}
    dropped: set[int] = set()
    for index, names in opened.items():
        finding, site, _ = found[index]
        handle_types = opened_type(finding.api)
        for other, (candidate, later, _) in enumerate(found):
            if other == index or other in dropped or candidate.code != finding.code:
                continue
            if later.line <= site.line or not _on_handle(later, names) or candidate.chain:
                continue
            if candidate.api.rpartition(".")[0] not in handle_types:
                continue  # a method of another class: another operation
            folded.setdefault(index, []).append(
                Related(candidate.line, candidate.column, candidate.api)
            )
            dropped.add(other)
    out: list[_Found] = []
    for index, (finding, site, spec) in enumerate(found):
        if index in dropped:
            continue
        if index in folded:
            finding = replace(finding, related=tuple(folded[index]))
        out.append((finding, site, spec))
    return out


def _handles(function: FunctionSummary) -> dict[str, tuple[int, OptExpr]]:
    """Names bound once, to a call or to what entering a call gives: name -> (line, callee)."""
    out: dict[str, tuple[int, OptExpr]] = {}
    for binding in function.assigns:
        if len(function.assigned.get(binding.name, ())) != 1:
            continue
        value = binding.value.value if isinstance(binding.value, Enter) else binding.value
        if isinstance(value, Call):
            out[binding.name] = (binding.line, value.func)
    return out


def _opened_by_other(
    found: Sequence[_Found], name: str, index: int, opened: dict[int, list[str]]
) -> bool:
    return any(name in names for other, names in opened.items() if other != index)


def _on_handle(site: CallSite, names: Sequence[str]) -> bool:
    """The call is a method of one of ``names`` (`f.write`, `conn.execute`). Passing the
    handle to another function (`service.save(user)`) is another operation, not this one."""
    func = site.func
    return isinstance(func, Attr) and isinstance(func.value, Name) and func.value.id in names
