"""``asynclint migrate``: what blocks before a Flask app moves to FastAPI.

Every function Flask calls for a request (``flask_views``) is treated as if it became an
``async def`` handler, and the engine that ``check`` runs (types, call graph, catalog, library
analysis) says what it would block on. The result is an inventory, not findings: per route,
whether it can be ``async def`` as it is or should stay ``def`` (and why), the library swaps
counted by library, and the Flask pieces FastAPI replaces.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from asynclint.cache import Summaries
from asynclint.callgraph import CallGraph
from asynclint.catalog import Catalog, Info
from asynclint.config import Settings
from asynclint.contexts import Contexts
from asynclint.deep import run_deep
from asynclint.engine import _Builder, _reader, library_source, one_per_call
from asynclint.fastapi_model import ContextKind
from asynclint.findings import Finding
from asynclint.flask_model import FLUSHING, REPLACED_PIECES
from asynclint.flask_views import FlaskViews
from asynclint.library import find_environment
from asynclint.project import Project
from asynclint.resolve import FuncKey, Resolver
from asynclint.rewrites import REWRITE, Dynamic, DynamicRelationships
from asynclint.summary import ModuleSummary, display_name


@dataclass(frozen=True)
class Blocker:
    """A blocking call a route would make on the loop."""

    api: str  # `sqlalchemy.orm.Query.first`
    code: str
    line: int  # the call in the route's own body; 0 when a decorator makes it
    via: tuple[str, ...]  # project functions between the route and the API
    library: str  # the catalog's anchor (`sqlalchemy`), or the inferred distribution
    replacement: str  # the catalog's async replacement, Markdown


@dataclass(frozen=True)
class Route:
    label: str  # "route `GET /users/<int:id>`" or "before_request hook ..."
    hook: bool  # a request hook or error handler, not a view
    function: str
    path: str
    line: int
    blockers: tuple[Blocker, ...]
    every_request: bool = False  # a request hook: its cost is paid by every route

    @property
    def ready(self) -> bool:
        """Nothing blocking is reachable: it can be `async def` as it is."""
        return not self.blockers


@dataclass(frozen=True)
class Swap:
    library: str
    replacement: str
    apis: tuple[str, ...]
    sites: int  # blocking calls (per route) that reach it
    routes: tuple[str, ...]  # route labels


@dataclass(frozen=True)
class Piece:
    name: str  # `flask.request`
    replacement: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class Migration:
    root: Path
    routes: tuple[Route, ...]
    swaps: tuple[Swap, ...]
    pieces: tuple[Piece, ...]
    warnings: tuple[str, ...] = ()
    # `lazy="dynamic"` relationships: a rewrite for `AsyncSession`, not a swap
    dynamic: tuple[Dynamic, ...] = ()

    @property
    def blocking(self) -> tuple[Route, ...]:
        return tuple(r for r in self.routes if not r.ready)

    @property
    def blocking_every_request(self) -> tuple[Route, ...]:
        """The request hooks that block: every route pays for them."""
        return tuple(r for r in self.routes if r.every_request and not r.ready)


def migrate(
    files: Sequence[Path], root: Path, settings: Settings, summaries: Summaries
) -> Migration:
    """The migration report for the Flask app in ``files`` (every file is read: a Flask app
    has no `async def` for the pre-scan to find)."""
    paths = sorted({Path(os.path.abspath(f)) for f in files})
    contents = summaries.read(paths)
    loaded = summaries.load_many(paths, contents)
    return run_deep(lambda: _migrate(paths, contents, loaded, root, settings, summaries))


def _migrate(
    paths: list[Path],
    contents: Sequence[tuple[Optional[bytes], Optional[str]]],
    loaded: list[ModuleSummary],
    root: Path,
    settings: Settings,
    summaries: Summaries,
) -> Migration:
    catalog = settings.catalog()
    project = Project(root, paths, summaries.load, summaries.files, [Path(p) for p in settings.src])
    for summary in loaded:
        project.add(summary)
    warnings: list[str] = []
    libraries = None
    if settings.analyses_libraries:
        environment = find_environment(settings.python, root)
        if environment is None:
            warnings.append("library analysis found no site-packages: libraries not followed")
        else:
            libraries = project.libraries = library_source(environment, settings, summaries)
    resolver = Resolver(project, catalog)
    contexts = Contexts(resolver, loaded, flask=True)
    assert contexts.flask is not None
    views = contexts.flask.views()
    graph = CallGraph(resolver, libraries)
    graph.explore(view.key for view in views)
    position = {str(path): index for index, path in enumerate(paths)}
    builder = _Builder(
        project, graph, contexts, settings, _reader(position, contents, summaries.files)
    )
    dynamic = DynamicRelationships(resolver, loaded)
    routes: list[tuple[FuncKey, Route]] = []
    for view in views:
        function = resolver.function(view.key)
        if function is None:
            continue
        found = one_per_call(builder.function_findings(view.key, function))
        blockers = tuple(_blocker(f, catalog) for f in found if f.api)
        rewrites = _dynamic_reads(view.key, dynamic, graph, resolver)
        if rewrites:
            blockers = _in_line_order((*blockers, *rewrites))
        routes.append(
            (
                view.key,
                Route(
                    label=view.context.label,
                    hook=view.context.kind is ContextKind.FLASK_HOOK,
                    function=display_name(function.qualname),
                    path=view.key.path,
                    line=function.line,
                    blockers=blockers,
                    every_request=contexts.flask.every_request(view.key),
                ),
            )
        )
    reported = _with_listeners(_with_login(routes, contexts.flask), contexts.flask)
    if libraries is not None:
        note = libraries.note()
        if note is not None:
            warnings.append(note)
    return Migration(
        root,
        reported,
        _swaps(reported),
        _pieces(loaded),
        tuple(warnings),
        tuple(dynamic.found),
    )


_DYNAMIC_REACH = 256  # project functions followed from one view


def _dynamic_reads(
    key: FuncKey, dynamic: DynamicRelationships, graph: CallGraph, resolver: Resolver
) -> list[Blocker]:
    """The dynamic relationships the view reads, itself or through the project functions
    it calls (`user.followed_posts()` reading `self.followed`), each once, at the view's line
    that leads there."""
    if not dynamic.found:
        return []
    out: list[Blocker] = []
    seen = {key}
    pending: list[tuple[FuncKey, int, tuple[str, ...]]] = [(key, 0, ())]
    reported: set[Dynamic] = set()
    while pending and len(seen) < _DYNAMIC_REACH:
        current, line, via = pending.pop(0)
        for read_line, found in dynamic.used(current):
            if found not in reported:
                reported.add(found)
                out.append(_rewrite(line or read_line, found, via))
        for site, target in graph.edges(current):
            if target.function is not None and target.function not in seen:
                seen.add(target.function)
                function = resolver.function(target.function)
                name = display_name(function.qualname) if function is not None else ""
                pending.append((target.function, line or site.line, (*via, name)))
    return out


def _rewrite(line: int, dynamic: Dynamic, via: tuple[str, ...]) -> Blocker:
    """A read of a dynamic relationship: its `Query` runs on the sync Session."""
    return Blocker(
        api=f"{dynamic.model}.{dynamic.attribute}",
        code="ASL201",
        line=line,
        via=via,
        library='lazy="dynamic" relationships (a rewrite, not a swap)',
        replacement=REWRITE,
    )


def _with_login(
    routes: list[tuple[FuncKey, Route]], flask: FlaskViews
) -> tuple[tuple[FuncKey, Route], ...]:
    """A view (or a request hook) guarded by authentication, or reading `current_user`,
    runs the callbacks first (flask-login's user loader, Flask-HTTPAuth's `verify_password`
    ...): what they block on blocks it too."""
    by_key = dict(routes)
    callbacks = set(flask.callbacks())
    out = []
    for key, route in routes:
        if key not in callbacks:
            inherited: list[Blocker] = []
            for loader_key in flask.loaders(key):
                loader = by_key.get(loader_key)
                if loader is None:
                    continue
                for b in loader.blockers:
                    inherited.append(replace(b, via=(loader.function, *b.via), line=0))
            if inherited:
                route = replace(route, blockers=(*inherited, *route.blockers))
        out.append((key, route))
    return tuple(out)


def _with_listeners(
    routes: tuple[tuple[FuncKey, Route], ...], flask: FlaskViews
) -> tuple[Route, ...]:
    """A commit runs the SQLAlchemy listeners it fires (`after_insert` on a model the view
    touches, `before_commit` always): what they block on is charged to the commit's line."""
    by_key = dict(routes)
    out = []
    for key, route in routes:
        commit = next((b for b in route.blockers if b.api.endswith(FLUSHING)), None)
        if commit is not None and not flask.is_listener(key):
            charged = [
                replace(b, via=(listener.function, *b.via), line=commit.line)
                for listener in map(by_key.get, flask.listeners(key))
                if listener is not None
                for b in listener.blockers
            ]
            if charged:
                route = replace(route, blockers=_in_line_order((*route.blockers, *charged)))
        out.append(route)
    return tuple(out)


def _in_line_order(blockers: Sequence[Blocker]) -> tuple[Blocker, ...]:
    # stable: the authentication lines (line 0) first, a listener's after its commit
    return tuple(sorted(blockers, key=lambda b: b.line))


def _blocker(finding: Finding, catalog: Catalog) -> Blocker:
    info = api_info(catalog, finding.api)
    library = info.anchor if info is not None else finding.inferred.split(" ")[0]
    replacement = info.replacement if info is not None else "`await asyncio.to_thread(...)`"
    return Blocker(
        api=finding.api,
        code=finding.code,
        line=finding.line,
        via=tuple(hop.function for hop in finding.chain),
        library=library or finding.api.split(".")[0],
        replacement=replacement,
    )


def api_info(catalog: Catalog, api: str) -> Optional[Info]:
    """The catalog's facts about a blocking API: a function entry, or the class entry one of
    whose (possibly dotted) methods it is (`flask_sqlalchemy.SQLAlchemy.session.commit`)."""
    function = catalog.function(api)
    if function is not None and function.info is not None:
        return function.info
    parts = api.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        entry = catalog.cls(".".join(parts[:cut]))
        if entry is not None and entry.info is not None:
            return entry.info
    return None


def _swaps(routes: Sequence[Route]) -> tuple[Swap, ...]:
    """The blocking calls by library. A request hook's calls are counted once, and its
    library is needed by every route (the hook runs before or after each of them)."""
    views = [r.label for r in routes if not r.hook]
    by_library: dict[str, tuple[str, set[str], list[str], list[str]]] = {}
    for route in routes:
        for blocker in route.blockers:
            _, apis, sites, labels = by_library.setdefault(
                blocker.library, (blocker.replacement, set(), [], [])
            )
            apis.add(blocker.api)
            sites.append(blocker.api)
            for label in (route.label, *(views if route.every_request else ())):
                if label not in labels:
                    labels.append(label)
    swaps = [
        Swap(library, replacement, tuple(sorted(apis)), len(sites), tuple(labels))
        for library, (replacement, apis, sites, labels) in by_library.items()
    ]
    swaps.sort(key=lambda s: (-len(s.routes), -s.sites, s.library))
    return tuple(swaps)


def _pieces(modules: Sequence[ModuleSummary]) -> tuple[Piece, ...]:
    used: dict[str, set[str]] = {}
    for module in modules:
        for item in module.imports:
            name = f"{item.module}.{item.name}" if item.name else item.module
            if item.level == 0 and name in REPLACED_PIECES:
                used.setdefault(name, set()).add(module.path)
    return tuple(
        Piece(name, REPLACED_PIECES[name], tuple(sorted(files)))
        for name, files in sorted(used.items())
    )
