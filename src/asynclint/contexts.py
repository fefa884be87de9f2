"""Where code runs: FastAPI's execution model.

Every ``async def`` runs on the event loop. So does a plain ``def`` registered as a startup or
shutdown handler (Starlette calls it directly). Plain ``def`` path operations, dependencies and
exception handlers run in the threadpool, and need no report. This module finds the functions
that run on the loop and names the role each plays (route ``GET /users/{id}``, dependency,
middleware …) so a message can say why it matters.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from asynclint.expr import (
    Attr,
    Call,
    Const,
    DictDisplay,
    Keyword,
    ListDisplay,
    Name,
    OptExpr,
    const_str,
    last_name,
    walk,
)
from asynclint.fastapi_model import (
    BACKGROUND_ADD_TASK,
    MIDDLEWARE_BASES,
    ROUTE_METHODS,
    ROUTE_OWNERS,
    THREADPOOL_KINDS,
    WEBSOCKET_METHODS,
    Context,
    ContextKind,
    event_kind,
)
from asynclint.flask_views import FlaskViews
from asynclint.framework_contexts import FrameworkContexts
from asynclint.resolve import ClassKey, FuncKey, Inst, PFunc, Resolver, Scope
from asynclint.summary import FunctionSummary, ModuleSummary, SiteKind, display_name

# what ``_scan`` reads from the calls in a function body (keep the two in step): methods that
# register a function with the app, and keywords that name one. Incremental analysis keeps
# such calls in a module's interface (see ``asynclint.incremental``)
REGISTRATION_METHODS = frozenset(
    {
        "include_router",
        "add_exception_handler",
        "add_event_handler",
        "add_api_route",
        "add_route",
        "add_task",
    }
)
REGISTRATION_KEYWORDS = frozenset({"lifespan", "exception_handlers"})


class _DecoratorCall(NamedTuple):
    receiver: OptExpr
    method: str
    call: Call


def _decorator_call(decorator: OptExpr) -> Optional[_DecoratorCall]:
    """``@x.get("/p", ...)`` -> (x, "get", the call)."""
    if not isinstance(decorator, Call) or not isinstance(decorator.func, Attr):
        return None
    return _DecoratorCall(decorator.func.value, decorator.func.attr, decorator)


class Contexts:
    def __init__(
        self, resolver: Resolver, modules: list[ModuleSummary], flask: bool = False
    ) -> None:
        self.resolver = resolver
        self.dependencies: set[FuncKey] = set()
        self.lifespans: set[FuncKey] = set()
        self.event_handlers: dict[FuncKey, str] = {}
        self._added_routes: dict[FuncKey, tuple[str, str]] = {}
        self._includes: dict[tuple[str, str], list[tuple[str, Optional[tuple[str, str]]]]] = {}
        self.exception_handlers: set[FuncKey] = set()
        self.background_tasks: set[FuncKey] = set()
        self._modules = modules
        self._awaited: Optional[set[FuncKey]] = None
        for module in modules:
            self._scan(module)
        # Starlette's, Litestar's, Quart's, Django's, aiohttp's and FastStream's handlers
        self.frameworks = FrameworkContexts(resolver, modules)
        # `migrate` only: Flask's views and hooks, as if they were `async def` handlers
        self.flask = FlaskViews(resolver, modules) if flask else None

    def rebind(self, resolver: Resolver, modules: list[ModuleSummary]) -> None:
        """Keep these contexts for a project whose changed modules kept their interface (see
        ``asynclint.incremental``): what they hold reads nothing else, so it still holds."""
        self.resolver = resolver
        self._modules = modules

    def is_awaited(self, key: FuncKey) -> bool:
        """Some analysed function awaits ``key`` directly (so it must stay ``async``)."""
        if self._awaited is None:
            self._awaited = set()
            for module in self._modules:
                for function in module.functions.values():
                    inner = Scope(module.path, function.qualname)
                    for site in function.calls:
                        if site.awaited and site.kind is SiteKind.CALL:
                            callee = self.resolver.value(site.func, inner)
                            if isinstance(callee, PFunc):
                                self._awaited.add(callee.key)
        return key in self._awaited

    def _scan(self, module: ModuleSummary) -> None:
        """Functions that FastAPI calls by reference: dependencies, lifespans, handlers."""
        path = module.path
        # only a module whose text spells `Depends` or `Security` can declare a dependency:
        # most modules of a large project do not, and walking every parameter is costly
        depends = module.depends
        for function in module.functions.values():
            scope = Scope(path, function.parent)
            inner = Scope(path, function.qualname)
            if depends:
                for param in function.params:
                    for e in (param.default, param.annotation):
                        self._dependencies_in(e, scope)
                for decorator in function.decorators:
                    self._dependencies_in(decorator, scope)
            for site in function.calls:
                if site.kind is SiteKind.CALL:
                    self._registrations(site.func, site.args, site.kwargs, inner)
                    if isinstance(site.func, Attr) and site.func.attr == "add_task":
                        self._background_task(site.func, site.first, inner)
        module_scope = Scope(path, None)
        for site in module.module_calls:
            self._registrations(site.func, site.args, site.kwargs, module_scope)
        for binding in module.globals:
            if depends:
                self._dependencies_in(binding.value, module_scope)
            self._lifespan_in(binding.value, module_scope)

    def _background_task(self, func: Attr, task: OptExpr, scope: Scope) -> None:
        """`background_tasks.add_task(fn, ...)` on FastAPI's / Starlette's `BackgroundTasks`."""
        callee = self.resolver.value(func, scope)
        if not (
            isinstance(callee, Inst)
            and isinstance(callee.type, str)
            and f"{callee.type}.{callee.path}" in BACKGROUND_ADD_TASK
        ):
            return
        target = self.resolver.value(task, scope)
        if isinstance(target, PFunc):
            self.background_tasks.add(target.key)

    def _exception_handler(self, e: OptExpr, scope: Scope) -> None:
        handler = self.resolver.value(e, scope)
        if isinstance(handler, PFunc):
            self.exception_handlers.add(handler.key)

    def _dependencies_in(self, e: OptExpr, scope: Scope) -> None:
        if e is None or isinstance(e, (Name, Const)):
            return  # most annotations and defaults: nothing to walk
        for sub in walk(e):
            # only `Depends(...)` / `Security(...)` by name: resolving every call is costly
            if isinstance(sub, Call) and last_name(sub.func) in ("Depends", "Security"):
                target = self.resolver.depends_target(sub, scope)
                if isinstance(target, PFunc):
                    self.dependencies.add(target.key)

    def _lifespan_in(self, e: OptExpr, scope: Scope) -> None:
        for sub in walk(e):
            if isinstance(sub, Call):
                for keyword in sub.kwargs:
                    if keyword.name == "lifespan":
                        target = self.resolver.value(keyword.value, scope)
                        if isinstance(target, PFunc):
                            self.lifespans.add(target.key)

    def _registrations(
        self,
        func: OptExpr,
        args: tuple[OptExpr, ...],
        kwargs: tuple[Keyword, ...],
        scope: Scope,
    ) -> None:
        """`FastAPI(lifespan=f)`, `app.add_event_handler("startup", f)`, `add_api_route(p, f)`."""
        for keyword in kwargs:
            value = keyword.value
            if keyword.name == "lifespan":
                target = self.resolver.value(value, scope)
                if isinstance(target, PFunc):
                    self.lifespans.add(target.key)
            elif keyword.name == "exception_handlers" and isinstance(value, DictDisplay):
                for handler in value.values:
                    self._exception_handler(handler, scope)
        if not isinstance(func, Attr) or func.attr not in REGISTRATION_METHODS:
            return
        call = Call(func, args, kwargs)
        if func.attr == "include_router" and args:
            router = self.resolver.binding(args[0], scope)
            if router is not None:
                prefix = const_str(call.keyword("prefix")) or ""
                parent = self.resolver.binding(func.value, scope)
                self._includes.setdefault(router, []).append((prefix, parent))
        elif func.attr == "add_exception_handler" and len(args) >= 2:
            self._exception_handler(args[1], scope)
        elif func.attr == "add_event_handler" and len(args) >= 2:
            event = const_str(args[0])
            registered = self.resolver.value(args[1], scope)
            if event and isinstance(registered, PFunc):
                self.event_handlers[registered.key] = event
        elif func.attr in ("add_api_route", "add_route") and len(args) >= 2:
            route = self.resolver.value(args[1], scope)
            if isinstance(route, PFunc):
                path = const_str(args[0]) or "?"
                self._added_routes[route.key] = (path, _methods(call.keyword("methods")))

    # -- classification -----------------------------------------------------------------

    def runs_on_loop(self, key: FuncKey, function: FunctionSummary) -> bool:
        if function.is_async:
            return True
        if self.flask is not None and self.flask.context(key) is not None:
            return True
        if self.frameworks.sync_on_loop(key):
            return True
        return self._event(key, function) is not None

    def threadpool_context(self, key: FuncKey, function: FunctionSummary) -> Optional[Context]:
        """Where FastAPI runs a plain `def` in AnyIO's threadpool (a route, a dependency, a
        background task), or None when it does not."""
        if function.is_async or not (
            key in self.dependencies
            or key in self.background_tasks
            or key in self._added_routes
            or any(_route_decorator(decorator) for decorator in function.decorators)
        ):
            return None  # most functions: nothing registers them with FastAPI
        if self._event(key, function) is not None:
            return None
        if key in self.background_tasks:
            name = display_name(function.qualname)
            return Context(ContextKind.BACKGROUND_TASK, f"background task `{name}`", True)
        context = self.context(key, function)
        if context.kind not in THREADPOOL_KINDS:
            return None
        if context.kind is ContextKind.ROUTE and not self._framework_route(key, function):
            return None
        return context

    def _framework_route(self, key: FuncKey, function: FunctionSummary) -> bool:
        """The route decorator's receiver is a FastAPI (or Starlette) app or router, or, when
        its type is unknown, the module imports FastAPI: Flask's `@app.route` is not one."""
        if key in self._added_routes:
            return True
        scope = Scope(key.path, function.parent)
        for decorator in function.decorators:
            found = _decorator_call(decorator)
            if found is None or found.method not in ROUTE_METHODS:
                continue
            owner = self.resolver.value(found.receiver, scope)
            if isinstance(owner, Inst) and isinstance(owner.type, str):
                return owner.type.startswith(ROUTE_OWNERS)
            if owner is not None:
                return False
            module = self.resolver.module(key.path)
            return any(i.module.split(".")[0] == "fastapi" for i in module.imports)
        return False

    def _event(self, key: FuncKey, function: FunctionSummary) -> Optional[str]:
        for decorator in function.decorators:
            call = _decorator_call(decorator)
            if call and call.method == "on_event" and call.call.args:
                return const_str(call.call.args[0])
        return self.event_handlers.get(key)

    def context(self, key: FuncKey, function: FunctionSummary) -> Context:
        if self.flask is not None:
            flask = self.flask.context(key)
            if flask is not None:
                return flask
        other = self.frameworks.context(key, function)
        if other is not None:
            return other
        name = display_name(function.qualname)
        scope = Scope(key.path, function.parent)
        for decorator in function.decorators:
            found = _decorator_call(decorator)
            if found is None:
                continue
            receiver, method, call = found
            path = const_str(call.argument(0, "path"))
            if method in ROUTE_METHODS and path is not None:
                verb = ROUTE_METHODS[method] or _methods(call.keyword("methods"))
                full = self._prefix(receiver, scope) + path
                label = f"route `{verb} {full}`".replace("  ", " ")
                return Context(ContextKind.ROUTE, label, True)
            if method in WEBSOCKET_METHODS and path is not None:
                full = self._prefix(receiver, scope) + path
                return Context(ContextKind.WEBSOCKET, f"websocket `{full}`", True)
            if method == "middleware":
                return Context(ContextKind.MIDDLEWARE, f"middleware `{name}`", True)
            if method == "exception_handler":
                label = f"exception handler `{name}`"
                return Context(ContextKind.EXCEPTION_HANDLER, label, True)
        event = self._event(key, function)
        if event:
            return Context(event_kind(event), f"{event} handler `{name}`", True)
        if key in self._added_routes:
            path, verb = self._added_routes[key]
            label = f"route `{verb} {path}`".replace("  ", " ")
            return Context(ContextKind.ROUTE, label, True)
        if key in self.dependencies:
            return Context(ContextKind.DEPENDENCY, f"dependency `{name}`", True)
        if key in self.exception_handlers:
            return Context(ContextKind.EXCEPTION_HANDLER, f"exception handler `{name}`", True)
        if key in self.lifespans:
            return Context(ContextKind.LIFESPAN, f"lifespan `{name}`", True)
        if function.class_name and function.name == "dispatch":
            bases = self.resolver.library_bases(ClassKey(key.path, function.class_name))
            if MIDDLEWARE_BASES & set(bases):
                return Context(ContextKind.MIDDLEWARE, f"middleware `{name}`", True)
        return Context(ContextKind.ASYNC_FUNCTION, f"`{name}`", False)

    def _prefix(self, receiver: OptExpr, scope: Scope) -> str:
        """The path prefix of the app or router a route is declared on: its own
        ``APIRouter(prefix=...)`` after every ``include_router(router, prefix=...)`` above it."""
        binding = self.resolver.binding(receiver, scope)
        return self._binding_prefix(binding, set()) if binding else ""

    def _binding_prefix(self, binding: tuple[str, str], seen: set[tuple[str, str]]) -> str:
        if binding in seen:
            return ""
        seen.add(binding)
        own = ""
        module = self.resolver.module(binding[0])
        for assigned in module.assigned.get(binding[1], ()):
            if isinstance(assigned, Call):
                own = (const_str(assigned.keyword("prefix")) or "").rstrip("/")
        parents = self._includes.get(binding)
        if not parents:
            return own
        prefix, parent = parents[0]
        above = self._binding_prefix(parent, seen) if parent else ""
        return above + prefix.rstrip("/") + own


def _route_decorator(decorator: OptExpr) -> bool:
    found = _decorator_call(decorator)
    return found is not None and found.method in ROUTE_METHODS


def _methods(e: OptExpr) -> str:
    if isinstance(e, ListDisplay):
        names = [const_str(item) for item in e.items]
        return ",".join(n.upper() for n in names if n)
    return ""
