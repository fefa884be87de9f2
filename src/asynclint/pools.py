"""Does a sync SQLAlchemy session make a request wait for a pooled connection?

ASL802's deadlock needs a pool that makes a checkout wait when every connection is out. That is
SQLAlchemy's default `QueuePool` (`pool_size=5`, `max_overflow=10`; sqlalchemy/pool/impl.py), and
what a SQLite file database gets since SQLAlchemy 2.0. The others never wait (sqlalchemy/pool/
impl.py): `NullPool` opens a new connection for every checkout, `StaticPool` hands out its one
connection, `SingletonThreadPool` keeps one per thread, and an in-memory SQLite database
(`sqlite://`, `:memory:`, `mode=memory`) gets `SingletonThreadPool` (or `StaticPool` when asked),
dialects/sqlite/pysqlite.py `get_pool_class`.

The pool is read from the source, the way a reader would: the dependency yields a session made by
a factory (`SessionLocal()`, `Session(engine)`, `scoped_session(sessionmaker(...))`), the factory
is bound to an engine (`bind=` or the first argument), and the engine's `create_engine(...)` call
names a `poolclass` or an in-memory URL. Anything not written out as such (a URL from settings, an
engine from a helper) keeps the default answer: the pool waits.
"""

from __future__ import annotations

from typing import Optional

from asynclint.expr import Call, Const, Enter, Name, OptExpr, const_str, last_name
from asynclint.resolve import FuncKey, Resolver, Scope

# pools whose checkout never waits for another request's connection
NON_WAITING = frozenset({"NullPool", "StaticPool", "SingletonThreadPool", "AssertionPool"})
# calls that make a session, or a session factory, from an engine given as `bind`
FACTORIES = frozenset({"sessionmaker", "Session", "scoped_session", "create_session"})
ENGINES = frozenset({"create_engine", "engine_from_config"})
MAX_DEPTH = 12


def waits_for_connection(resolver: Resolver, key: FuncKey) -> bool:
    """The session yielded by generator ``key`` takes its connections from a pool whose
    checkout waits: unless every yielded session is shown to come from an engine that never
    waits, it does."""
    function = resolver.function(key)
    if function is None or not function.yield_values:
        return True
    scope = Scope(key.path, key.qualname)
    return not all(
        _engine_never_waits(resolver, value, scope, 0) for value in function.yield_values
    )


def _engine_never_waits(resolver: Resolver, e: OptExpr, scope: Scope, depth: int) -> bool:
    """``e`` (a session, a session factory or an engine) is shown to come from an engine whose
    pool never waits."""
    if e is None or depth > MAX_DEPTH:
        return False
    if isinstance(e, Enter):
        return _engine_never_waits(resolver, e.value, scope, depth + 1)
    if isinstance(e, Name):
        origins = _origins(resolver, e, scope)
        return bool(origins) and all(
            _engine_never_waits(resolver, value, where, depth + 1) for value, where in origins
        )
    if not isinstance(e, Call):
        return False
    called = last_name(e.func)
    if called in ENGINES:
        return _pool_never_waits(resolver, e, scope)
    if called in FACTORIES:
        return _engine_never_waits(resolver, e.argument(0, "bind"), scope, depth + 1)
    # calling a factory bound to a name: `SessionLocal()`
    return not e.args and not e.kwargs and _engine_never_waits(resolver, e.func, scope, depth + 1)


def _pool_never_waits(resolver: Resolver, engine: Call, scope: Scope) -> bool:
    poolclass = engine.keyword("poolclass")
    if poolclass is not None:
        return last_name(poolclass) in NON_WAITING
    url = _constant(resolver, engine.argument(0, "url"), scope)
    return url is not None and in_memory_sqlite(url)


def in_memory_sqlite(url: str) -> bool:
    if not url.startswith("sqlite"):
        return False
    database = url.split("://", 1)[1] if "://" in url else ""
    return database in ("", "/") or ":memory:" in database or "mode=memory" in database


def _constant(resolver: Resolver, e: OptExpr, scope: Scope) -> Optional[str]:
    """The string ``e`` is, when the source writes it out (directly or through names bound
    once to a string constant)."""
    for _ in range(MAX_DEPTH):
        if isinstance(e, Const):
            return const_str(e)
        if not isinstance(e, Name):
            return None
        origins = _origins(resolver, e, scope)
        if len(origins) != 1:
            return None
        e, scope = origins[0]
    return None


def _origins(resolver: Resolver, name: Name, scope: Scope) -> list[tuple[OptExpr, Scope]]:
    """The expressions bound to ``name``: a local's every assignment, else the module-level
    binding it refers to through imports. Empty when unknown (a parameter, say)."""
    if scope.function is not None:
        function = resolver.module(scope.path).functions.get(scope.function)
        if function is not None and name.id in function.local_names:
            if name.id not in function.assigned:
                return []
            return [(value, scope) for value in function.assigned[name.id]]
    found = resolver.binding(name, scope)
    if found is None:
        return []
    path, bound = found
    values = resolver.module(path).assigned.get(bound, ())
    return [(value, Scope(path, None)) for value in values]
