"""Where code runs: FastAPI's execution model.

Every ``async def`` runs on the event loop. So does a plain ``def`` registered as a startup or
shutdown handler (Starlette calls it directly). Plain ``def`` path operations, dependencies and
exception handlers run in the threadpool, and need no report. This module finds the functions
that run on the loop and names the role each plays (route ``GET /users/{id}``, dependency,
middleware …) so a message can say why it matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from asynclint.resolve import FuncKey, PFunc, Resolver, Scope
from asynclint.summary import Expr, FunctionSummary, ModuleSummary, display_name, iter_exprs

ROUTE_METHODS = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "head": "HEAD",
    "options": "OPTIONS",
    "trace": "TRACE",
    "api_route": "",
    "route": "",
}
_MIDDLEWARE_BASES = {
    "starlette.middleware.base.BaseHTTPMiddleware",
    "fastapi.middleware.base.BaseHTTPMiddleware",
}


@dataclass(frozen=True)
class Context:
    kind: str  # route | websocket | dependency | middleware | exception handler | startup handler
    #            | shutdown handler | lifespan | async function
    label: str  # e.g. "route `GET /users/{user_id}`"
    framework: bool  # FastAPI calls it (a plain `def` would run in the threadpool instead)


def _decorator_call(decorator: Expr) -> Optional[tuple[Expr, str, tuple, dict]]:  # type: ignore[type-arg]
    """``@x.get("/p", ...)`` -> (x, "get", args, kwargs)."""
    if decorator is None or decorator[0] != "call":
        return None
    func = decorator[1]
    if func is None or func[0] != "attr":
        return None
    return func[1], func[2], decorator[2], dict(decorator[3])


def _const_str(e: Expr) -> Optional[str]:
    if e is not None and e[0] == "const" and isinstance(e[1], str):
        return e[1]
    return None


class Contexts:
    def __init__(self, resolver: Resolver, modules: list[ModuleSummary]) -> None:
        self.resolver = resolver
        self.dependencies: set[FuncKey] = set()
        self.lifespans: set[FuncKey] = set()
        self.event_handlers: dict[FuncKey, str] = {}
        self._added_routes: dict[FuncKey, tuple[str, str]] = {}
        self._includes: dict[tuple[str, str], list[tuple[str, Optional[tuple[str, str]]]]] = {}
        self.exception_handlers: set[FuncKey] = set()
        self._modules = modules
        self._awaited: Optional[set[FuncKey]] = None
        for module in modules:
            self._scan(module)

    def is_awaited(self, key: FuncKey) -> bool:
        """Some analysed function awaits ``key`` directly (so it must stay ``async``)."""
        if self._awaited is None:
            self._awaited = set()
            for module in self._modules:
                for function in module.functions.values():
                    inner = Scope(module.path, function.qualname)
                    for site in function.calls:
                        if site.awaited and site.kind == "call":
                            callee = self.resolver.value(site.func, inner)
                            if isinstance(callee, PFunc):
                                self._awaited.add(callee.key)
        return key in self._awaited

    def _scan(self, module: ModuleSummary) -> None:
        """Functions that FastAPI calls by reference: dependencies, lifespans, handlers."""
        path = module.path
        for function in module.functions.values():
            scope = Scope(path, function.parent)
            inner = Scope(path, function.qualname)
            for param in function.params:
                for e in (param.default, param.annotation):
                    self._dependencies_in(e, scope)
            for decorator in function.decorators:
                self._dependencies_in(decorator, scope)
            for site in function.calls:
                if site.kind == "call":
                    self._registrations(site.func, site.args, site.kwargs, inner)
        module_scope = Scope(path, None)
        for site in module.module_calls:
            self._registrations(site.func, site.args, site.kwargs, module_scope)
        for _, value in module.globals:
            self._dependencies_in(value, module_scope)
            self._lifespan_in(value, module_scope)

    def _exception_handler(self, e: Expr, scope: Scope) -> None:
        handler = self.resolver.value(e, scope)
        if isinstance(handler, PFunc):
            self.exception_handlers.add(handler.key)

    def _dependencies_in(self, e: Expr, scope: Scope) -> None:
        for sub in iter_exprs(e):
            # only `Depends(...)` / `Security(...)` by name: resolving every call is costly
            if sub[0] == "call" and _last_name(sub[1]) in ("Depends", "Security"):
                target = self.resolver.depends_target(sub, scope)
                if isinstance(target, PFunc):
                    self.dependencies.add(target.key)

    def _lifespan_in(self, e: Expr, scope: Scope) -> None:
        for sub in iter_exprs(e):
            if sub[0] == "call":
                for name, value in sub[3]:
                    if name == "lifespan":
                        target = self.resolver.value(value, scope)
                        if isinstance(target, PFunc):
                            self.lifespans.add(target.key)

    def _registrations(self, func: Expr, args: tuple, kwargs: tuple, scope: Scope) -> None:  # type: ignore[type-arg]
        """`FastAPI(lifespan=f)`, `app.add_event_handler("startup", f)`, `add_api_route(p, f)`."""
        for name, value in kwargs:
            if name == "lifespan":
                target = self.resolver.value(value, scope)
                if isinstance(target, PFunc):
                    self.lifespans.add(target.key)
            elif name == "exception_handlers" and value is not None and value[0] == "dict":
                for handler in value[1]:
                    self._exception_handler(handler, scope)
        if func is None or func[0] != "attr":
            return
        if func[2] == "include_router" and args:
            router = self.resolver.binding(args[0], scope)
            if router is not None:
                prefix = _const_str(dict(kwargs).get("prefix")) or ""
                parent = self.resolver.binding(func[1], scope)
                self._includes.setdefault(router, []).append((prefix, parent))
        elif func[2] == "add_exception_handler" and len(args) >= 2:
            self._exception_handler(args[1], scope)
        elif func[2] == "add_event_handler" and len(args) >= 2:
            event = _const_str(args[0])
            handler = self.resolver.value(args[1], scope)
            if event and isinstance(handler, PFunc):
                self.event_handlers[handler.key] = event
        elif func[2] in ("add_api_route", "add_route") and len(args) >= 2:
            handler = self.resolver.value(args[1], scope)
            if isinstance(handler, PFunc):
                path = _const_str(args[0]) or "?"
                methods = dict(kwargs).get("methods")
                self._added_routes[handler.key] = (path, _methods(methods))

    # -- classification -----------------------------------------------------------------

    def runs_on_loop(self, key: FuncKey, function: FunctionSummary) -> bool:
        if function.is_async:
            return True
        return self._event(key, function) is not None

    def _event(self, key: FuncKey, function: FunctionSummary) -> Optional[str]:
        for decorator in function.decorators:
            call = _decorator_call(decorator)
            if call and call[1] == "on_event" and call[2]:
                return _const_str(call[2][0])
        return self.event_handlers.get(key)

    def context(self, key: FuncKey, function: FunctionSummary) -> Context:
        name = display_name(function.qualname)
        scope = Scope(key[0], function.parent)
        for decorator in function.decorators:
            call = _decorator_call(decorator)
            if call is None:
                continue
            receiver, method, args, kwargs = call
            path = _const_str(args[0]) if args else _const_str(kwargs.get("path"))
            if method in ROUTE_METHODS and path is not None:
                verb = ROUTE_METHODS[method] or _methods(kwargs.get("methods"))
                full = self._prefix(receiver, scope) + path
                return Context("route", f"route `{verb} {full}`".replace("  ", " "), True)
            if method in ("websocket", "websocket_route") and path is not None:
                full = self._prefix(receiver, scope) + path
                return Context("websocket", f"websocket `{full}`", True)
            if method == "middleware":
                return Context("middleware", f"middleware `{name}`", True)
            if method == "exception_handler":
                return Context("exception handler", f"exception handler `{name}`", True)
        event = self._event(key, function)
        if event:
            return Context(f"{event} handler", f"{event} handler `{name}`", True)
        if key in self._added_routes:
            path, verb = self._added_routes[key]
            return Context("route", f"route `{verb} {path}`".replace("  ", " "), True)
        if key in self.dependencies:
            return Context("dependency", f"dependency `{name}`", True)
        if key in self.exception_handlers:
            return Context("exception handler", f"exception handler `{name}`", True)
        if key in self.lifespans:
            return Context("lifespan", f"lifespan `{name}`", True)
        if function.class_name and function.name == "dispatch":
            bases = self.resolver.library_bases((key[0], function.class_name))
            if _MIDDLEWARE_BASES & set(bases):
                return Context("middleware", f"middleware `{name}`", True)
        return Context("async function", f"`{name}`", False)

    def _prefix(self, receiver: Expr, scope: Scope) -> str:
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
        for name, assigned in module.globals:
            if name == binding[1] and assigned is not None and assigned[0] == "call":
                own = (_const_str(dict(assigned[3]).get("prefix")) or "").rstrip("/")
        parents = self._includes.get(binding)
        if not parents:
            return own
        prefix, parent = parents[0]
        above = self._binding_prefix(parent, seen) if parent else ""
        return above + prefix.rstrip("/") + own


def _last_name(e: Expr) -> Optional[str]:
    if e is not None and e[0] == "name":
        return str(e[1])
    if e is not None and e[0] == "attr":
        return str(e[2])
    return None


def _methods(e: Expr) -> str:
    if e is not None and e[0] == "list":
        names = [_const_str(item) for item in e[1]]
        return ",".join(n.upper() for n in names if n)
    return ""
