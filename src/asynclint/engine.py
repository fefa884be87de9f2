"""The pipeline: files -> summaries -> resolution -> call graph -> contexts -> findings.

Every channel (CLI, flake8 plugin, SARIF) calls ``check`` and renders what it returns.
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional

from asynclint import advice, structural, unused
from asynclint.cache import Summaries, library_cache_dir
from asynclint.callgraph import CallGraph, Target
from asynclint.catalog import FixSpec
from asynclint.codes import BY_CATEGORY, PARSE_ERROR, cost_rank
from asynclint.collector import fewer_collections
from asynclint.config import Settings
from asynclint.contexts import Contexts
from asynclint.deep import run_deep
from asynclint.discover import DiscoveryError, discover
from asynclint.expr import Attr, Call, Enter, Name, OptExpr, source_text
from asynclint.fastapi_model import Context, can_be_plain_def, can_reach_loop
from asynclint.filesystem import FileSystem
from asynclint.findings import Finding, Hop, Related
from asynclint.fixes import Planner, digest
from asynclint.library import Budget, Environment, Libraries, find_environment
from asynclint.paths import display
from asynclint.project import Project
from asynclint.resolve import ClassKey, FuncKey, Inst, Resolver, Scope
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


def check(
    files: Sequence[Path],
    root: Path,
    settings: Settings,
    summaries: Optional[Summaries] = None,
    explicit: Collection[Path] = (),
    project: Optional[Sequence[Path]] = None,
    only: Optional[Collection[Path]] = None,
) -> Report:
    """Report on ``files``. Files in ``explicit`` (named by the user) are always parsed; others
    only when they can put code on the loop (see ``can_reach_loop``). With ``only`` (the
    documents open in an editor), the call graph is explored from the loop code of those files
    alone: their findings are the same, the rest of the project's are not computed.

    The analysis itself runs over the whole project below ``root`` (routes, prefixes,
    dependencies and who awaits what are facts of the project, not of the selection), so a
    file's findings are the same whether it, its directory or the project is checked.
    ``project`` names the project's files instead, for a file that belongs to none."""
    with fewer_collections():
        everything = project if project is not None else project_files(root, settings)
        return _check(
            files, root, settings, summaries or Summaries(None), explicit, everything, only
        )


def _check(
    files: Sequence[Path],
    root: Path,
    settings: Settings,
    summaries: Summaries,
    explicit: Collection[Path],
    project: Sequence[Path],
    only: Optional[Collection[Path]] = None,
) -> Report:
    selected = {Path(os.path.abspath(f)) for f in files}
    if only is not None:
        selected &= {Path(os.path.abspath(f)) for f in only}
    paths = sorted(selected | {Path(os.path.abspath(f)) for f in project})
    named = {Path(os.path.abspath(f)) for f in explicit}
    contents = summaries.read(paths)
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
            sorted(map(str, selected)) if only is not None else None,
        )
    )
    run_key = summaries.run_key(paths, contents, salt)
    cached = summaries.get_run(run_key)
    if cached is not None and len(cached) == 5:
        findings, analysed, kept_notes, details, comments = cached
        notes += kept_notes
    else:
        # summarised here, in the main thread: the process pool must not fork from a thread
        loaded = _load_targets(paths, contents, summaries, named)
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
                roots_in=selected if only is not None else None,
            )
        )
        notes += run_notes
        if environment is not None:  # installed libraries are covered by its fingerprint
            roots = tuple(f"{site}{os.sep}" for site in environment.site_packages)
            read = {path for path in read if not path.startswith(roots)}
        summaries.put_run(
            run_key,
            read - {str(p) for p in paths},
            (findings, analysed, tuple(run_notes), details, comments),
        )
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
    )


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
    the costliest (see ``codes.cost_rank``), shortest chain first; the others ride along in
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
        group.sort(key=lambda f: (cost_rank(f.code), len(f.chain) + f.chain_cut, f.code))
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
) -> list[Optional[ModuleSummary]]:
    """Summaries of the files to analyse: those named on the command line, those that can put
    code on the loop, and unreadable ones (reported); None for the rest."""
    chosen = [
        index
        for index, (path, (data, _)) in enumerate(zip(paths, contents))
        if path in named or data is None or can_reach_loop(data)
    ]
    found = summaries.load_many([paths[i] for i in chosen], [contents[i] for i in chosen])
    loaded: list[Optional[ModuleSummary]] = [None] * len(paths)
    for index, summary in zip(chosen, found):
        loaded[index] = summary
    return loaded


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
) -> tuple[
    list[Finding], int, set[str], list[str], tuple[tuple[str, str], ...], tuple[unused.Comment, ...]
]:
    """Findings of every selected and unselected code, files analysed, every file read, notes
    about the run (a library search cut by its budget), details of unresolved imports, and the
    suppression comments of the analysed files with codes that silenced nothing."""
    catalog = settings.catalog()
    src = [Path(p) for p in settings.src]
    project = Project(root, paths, summaries.load, summaries.files, src)
    targets = [summary for summary in loaded if summary is not None]
    for summary in targets:
        project.add(summary)
    libraries = None
    if environment is not None:
        cache_dir = library_cache_dir() if summaries.directory is not None else None
        libraries = Libraries(
            environment,
            catalog,
            Summaries(cache_dir) if cache_dir is not None else None,
            Budget(settings.library_max_files, settings.library_max_seconds),
            allow=settings.allow,
        )
        project.libraries = libraries
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
    for summary in targets:
        if explored is not None and summary.path not in explored:
            continue
        for qualname, function in summary.functions.items():
            key = FuncKey(summary.path, qualname)
            if contexts.runs_on_loop(key, function):
                roots.append((key, function))
    graph.explore(key for key, _ in roots)
    reader = _reader(paths, contents, summaries.files)
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
    for key, function in roots:
        findings += builder.function_findings(key, function)
    custom_silenced: dict[str, set[tuple[int, str]]] = {}
    if settings.custom_rules:
        # every selected file, not only those the pre-scan picked: a rule with
        # `async-only = false` matches code that never runs on the loop
        for path, maybe, (data, _) in zip(paths, loaded, contents):
            if path not in selected or data is None or (maybe and maybe.error):
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
    comments = _unused_suppressions(paths, contents, targets, graph, custom_silenced, settings)
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
    # the run depends on the files it read and on the absence of the ones imports looked for
    read = set(project.loaded()) | project.missing
    return findings, len(targets), read, notes, tuple(project.unresolved_notes()), comments


def _unused_suppressions(
    paths: Sequence[Path],
    contents: Sequence[tuple[Optional[bytes], Optional[str]]],
    targets: Sequence[ModuleSummary],
    graph: CallGraph,
    custom_silenced: dict[str, set[tuple[int, str]]],
    settings: Settings,
) -> tuple[unused.Comment, ...]:
    """Suppression comments of the analysed files with codes that silenced nothing."""
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
    data_of = {str(path): data for path, (data, _) in zip(paths, contents)}
    out: list[unused.Comment] = []
    for summary in targets:
        data = data_of.get(summary.path)
        if not summary.noqa or summary.error is not None or data is None:
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
    paths: Sequence[Path],
    contents: Sequence[tuple[Optional[bytes], Optional[str]]],
    files: FileSystem,
) -> Callable[[str], Optional[bytes]]:
    """The bytes the analysis read, by path: fixes are computed from (and later written only
    over) exactly those, never from a second read that an editor's save could have changed."""
    by_path = {str(path): data for path, (data, _) in zip(paths, contents)}
    return lambda path: by_path[path] if path in by_path else files.read_bytes(path)


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
        plain_def = can_be_plain_def(function, context, self.contexts.is_awaited(key)) and not any(
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
            )
            out.append(replace(finding, fix=fix) if fix is not None else finding)
        return out

    def _opened_type(self, api: str) -> Optional[str]:
        """The class of the handle ``api`` opens: what a catalogued function returns
        (`open` -> `io.TextIOWrapper`, `sqlite3.connect` -> `sqlite3.Connection`), or the class
        itself for a blocking constructor (`smtplib.SMTP(host)`); None for a method call."""
        catalog = self.graph.catalog
        entry = catalog.function(api)
        if entry is not None:
            return entry.returns
        cls = catalog.cls(api)
        return cls.name if cls is not None and cls.constructor else None

    def _codes(self, target: Target) -> list[str]:
        if target.api is not None:
            return [target.api.info.code]
        assert target.function is not None
        return list(self.graph.facts(target.function))

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
            async_with=site.kind is SiteKind.WITH and self._async_with(key, function, site),
            in_with=site.kind is SiteKind.CALL and _builds_with_item(function, site),
            awaited_call=site.awaited,
            fastapi=context.framework or self._imports_fastapi(key.path),
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
        )

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
        value = resolver.value(site.func, Scope(key.path, function.qualname))
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


_PARSE_ADVICE = {
    "syntax": "fix the syntax, or run asynclint under the Python version the code targets",
    "encoding": "save the file as UTF-8 (or declare its encoding in a coding cookie)",
    "nesting": "split the deeply nested expression; nothing in this file was checked",
    "read": "check that the file exists and is readable; nothing in it was checked",
}


_Found = tuple[Finding, CallSite, Optional[FixSpec]]


def _one_per_operation(
    function: FunctionSummary, found: list[_Found], opened_type: Callable[[str], Optional[str]]
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
        handle_type = opened_type(finding.api)
        for other, (candidate, later, _) in enumerate(found):
            if other == index or other in dropped or candidate.code != finding.code:
                continue
            if later.line <= site.line or not _on_handle(later, names) or candidate.chain:
                continue
            if candidate.api.rpartition(".")[0] != handle_type:
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
