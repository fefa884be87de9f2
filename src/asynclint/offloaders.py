"""Decorators that hand the function they wrap to a worker thread.

`@asyncer.asyncify`, `@sync_to_async`, or a project decorator whose wrapper does
`await asyncio.to_thread(func, ...)` / `await run_in_threadpool(func, ...)`: calling the
decorated function runs its body in a thread, so what it blocks on is not its caller's.
Decorators that keep the call on the caller's thread (`functools.wraps` wrappers that call
`func(...)`, `tenacity.retry`, `lru_cache`) are not among them: the wrapped body still runs
where it is called.
"""

from __future__ import annotations

from typing import Optional

from asynclint.expr import Attr, Call, Name, OptExpr
from asynclint.resolve import Ext, FuncKey, Inst, PFunc, Resolver, Scope
from asynclint.summary import CallSite, FunctionSummary, SiteKind

# calls that run their function argument in a worker thread
OFFLOADS = frozenset(
    {
        "asyncio.to_thread",
        "starlette.concurrency.run_in_threadpool",
        "fastapi.concurrency.run_in_threadpool",
        "anyio.to_thread.run_sync",
        "asyncer.asyncify",
        "asgiref.sync.sync_to_async",
        "concurrent.futures.ThreadPoolExecutor.submit",
        "concurrent.futures.ThreadPoolExecutor.map",
        "concurrent.futures.ProcessPoolExecutor.submit",
        "concurrent.futures.ProcessPoolExecutor.map",
        "fastapi.BackgroundTasks.add_task",
        "starlette.background.BackgroundTasks.add_task",
        "threading.Thread",
        # the other frameworks' (docs/execution-model.md#other-frameworks)
        "starlette.background.BackgroundTask",
        "litestar.background_tasks.BackgroundTask",
        "litestar.BackgroundTask",
        "litestar.concurrency.sync_to_thread",
        "quart.utils.run_sync",
        "quart.Quart.ensure_async",
        "quart.app.Quart.ensure_async",
        "asgiref.sync.SyncToAsync",
        "channels.db.database_sync_to_async",
    }
)
# method names that offload whatever the receiver (an event loop is rarely typed)
OFFLOAD_METHODS = frozenset({"run_in_executor"})
# library decorators that run the function they wrap in a worker thread
_LIBRARY = frozenset(
    {"asyncer.asyncify", "asgiref.sync.sync_to_async", "channels.db.database_sync_to_async"}
)


def is_offload(resolver: Resolver, site: CallSite, scope: Scope) -> bool:
    """The call runs the function it is given in a worker thread (or process)."""
    if site.kind is not SiteKind.CALL or site.func is None:
        return False
    if isinstance(site.func, Attr) and site.func.attr in OFFLOAD_METHODS:
        return True
    callee = resolver.value(site.func, scope)
    if isinstance(callee, Ext):
        return callee.name in OFFLOADS
    if isinstance(callee, Inst) and isinstance(callee.type, str) and callee.path:
        return f"{callee.type}.{callee.path}" in OFFLOADS
    return False


class Offloaders:
    """Which project functions a decorator turns into a call that runs in a thread."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._wrapped: dict[FuncKey, bool] = {}
        self._decorators: dict[FuncKey, bool] = {}

    def runs_in_thread(self, key: FuncKey) -> bool:
        """Calling project function ``key`` runs its body in a worker thread, because one of
        its decorators hands it to one."""
        found = self._wrapped.get(key)
        if found is None:
            found = False
            function = self.resolver.function(key)
            if function is not None and function.decorators:
                scope = Scope(key.path, function.parent)
                found = any(self._offloads(d, scope) for d in function.decorators)
            self._wrapped[key] = found
        return found

    def _offloads(self, decorator: OptExpr, scope: Scope) -> bool:
        # `@sync_to_async(thread_sensitive=False)` and `@threaded()`: the call makes the
        # decorator, so the callee names it
        spelled = decorator.func if isinstance(decorator, Call) else decorator
        value = self.resolver.value(spelled, scope)
        if isinstance(value, Ext):
            return value.name in _LIBRARY
        if isinstance(value, PFunc):
            return self._project_decorator(value.key)
        return False

    def _project_decorator(self, key: FuncKey) -> bool:
        """A project decorator (or decorator factory) whose wrapper hands the function it was
        given to an offload, and never calls it on its own thread."""
        known = self._decorators.get(key)
        if known is not None:
            return known
        self._decorators[key] = False  # a decorator that decorates itself ends here
        decorator = self.resolver.function(key)
        if decorator is None:
            return False
        module = self.resolver.module(key.path)
        prefix = f"{decorator.qualname}.<locals>."
        nested = [f for q, f in module.functions.items() if q.startswith(prefix)]
        # the names a function handed to the decorator (or its factory's decorator) goes by
        given = {p.name for f in (decorator, *nested) for p in f.params}
        handed: set[str] = set()
        called: set[str] = set()
        for function in (decorator, *nested):
            outer = given - {p.name for p in function.params} - function.local_names
            if function is decorator:
                outer = {p.name for p in function.params}
            scope = Scope(key.path, function.qualname)
            for site in function.calls:
                if is_offload(self.resolver, site, scope):
                    handed |= outer & _names(site)
                elif isinstance(site.func, Name) and site.func.id in outer:
                    if self._in_offload(function, site, scope):
                        handed.add(site.func.id)
                    else:
                        called.add(site.func.id)
        found = bool(handed) and not handed & called
        self._decorators[key] = found
        return found

    def _in_offload(self, function: FunctionSummary, site: CallSite, scope: Scope) -> bool:
        """The site sits in a lambda handed to an offload (`to_thread(lambda: func(*a))`)."""
        owner: Optional[int] = site.lambda_owner
        seen = 0
        while owner is not None and owner >= 0 and seen < 64:
            if is_offload(self.resolver, function.calls[owner], scope):
                return True
            owner = function.calls[owner].lambda_owner
            seen += 1
        return False


def _names(site: CallSite) -> set[str]:
    """The plain names an offload call is given (`to_thread(func, *args)`,
    `loop.run_in_executor(None, func)`, `Thread(target=func)`)."""
    given: list[OptExpr] = [*site.positional, *(k.value for k in site.keywords)]
    return {g.id for g in given if isinstance(g, Name)}
