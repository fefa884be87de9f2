"""Where code runs in the async frameworks other than FastAPI: `frameworks_model` applied to a
project. Finds the functions Starlette, Litestar, Quart, Django, aiohttp and FastStream call by
reference, names the role each plays (``Litestar route `GET /users` ``), and says which plain
``def`` handlers the framework calls on the event loop (Litestar's without
``sync_to_thread=True``, aiohttp's).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from asynclint.expr import Attr, Call, Const, ListDisplay, OptExpr, const_str, last_name
from asynclint.fastapi_model import Context, ContextKind
from asynclint.frameworks_model import (
    CALL_REGISTRATIONS,
    CONTROLLERS,
    FUNCTION_DECORATORS,
    LIFESPAN_HOOK_KEYWORDS,
    LIFESPAN_HOOK_OWNERS,
    METHOD_DECORATORS,
    ROUTER_METHODS,
    ROUTER_PACKAGE,
    VIEW_BASES,
    CallRegistration,
    Handler,
)
from asynclint.resolve import ClassKey, Ext, FuncKey, Inst, PClass, PFunc, Resolver, Scope
from asynclint.summary import CallSite, FunctionSummary, ModuleSummary, SiteKind, display_name

# a module that imports none of these registers no handler of theirs
_PACKAGES = frozenset({"starlette", "litestar", "quart", "django", "aiohttp", "faststream"})
_CALL_NAMES = frozenset(
    {name.rsplit(".", 1)[-1] for name in CALL_REGISTRATIONS} | set(ROUTER_METHODS)
)


class Registered(NamedTuple):
    handler: Handler
    path: Optional[str]  # the route's path (or topic) when the registration spells it
    verb: str
    threaded: bool  # `sync_to_thread=True`: a plain `def` runs in a worker thread


class FrameworkContexts:
    def __init__(self, resolver: Resolver, modules: list[ModuleSummary]) -> None:
        self.resolver = resolver
        self._found: dict[FuncKey, Registered] = {}
        self._startup: dict[FuncKey, str] = {}  # lifespan hooks of `on_startup=[...]` lists
        for module in modules:
            tops = {i.module.split(".")[0] for i in module.imports}
            if tops & _PACKAGES:
                self._scan(module, ROUTER_PACKAGE in tops)
            else:
                # `app.router.add_get("/", index)` is often in a module of its own that
                # imports only the views
                self._scan_router_calls(module)

    # -- registrations ----------------------------------------------------------------------

    def _scan(self, module: ModuleSummary, aiohttp: bool) -> None:
        path = module.path
        for qualname, function in module.functions.items():
            key = FuncKey(path, qualname)
            for decorator in function.decorators:
                found = self._decorator(decorator, Scope(path, function.parent))
                if found is not None:
                    self._found.setdefault(key, found)
            inner = Scope(path, qualname)
            for site in function.calls:
                self._call(site, inner, aiohttp)
        for site in module.module_calls:
            self._call(site, Scope(path, None), aiohttp)
        for name, cls in module.classes.items():
            self._view(ClassKey(path, name), cls.method_map)

    def _scan_router_calls(self, module: ModuleSummary) -> None:
        for qualname, function in module.functions.items():
            for site in function.calls:
                if _router_call(site):
                    self._call(site, Scope(module.path, qualname), True)
        for site in module.module_calls:
            if _router_call(site):
                self._call(site, Scope(module.path, None), True)

    def _decorator(self, decorator: OptExpr, scope: Scope) -> Optional[Registered]:
        call = decorator if isinstance(decorator, Call) else None
        spelled = call.func if call is not None else decorator
        if last_name(spelled) is None:
            return None
        value = self.resolver.value(spelled, scope)
        handler: Optional[Handler] = None
        if isinstance(value, Ext) and "." in value.name:
            top, last = value.name.split(".")[0], value.name.rsplit(".", 1)[-1]
            handler = FUNCTION_DECORATORS.get(top, {}).get(last)
        elif isinstance(value, Inst) and isinstance(value.type, str) and value.path:
            top = value.type.split(".")[0]
            owner = value.type.rsplit(".", 1)[-1]
            for (package, suffix), methods in METHOD_DECORATORS.items():
                if top == package and owner.endswith(suffix):
                    handler = methods.get(value.path)
                    break
        if handler is None:
            return None
        if call is None:
            return Registered(handler, None, handler.verb, False)
        first = call.argument(0, "path")
        if isinstance(first, ListDisplay) and first.items:
            first = first.items[0]
        verb = handler.verb or _methods(call.keyword("methods"))
        return Registered(handler, const_str(first), verb, _threaded(call, handler))

    def _call(self, site: CallSite, scope: Scope, aiohttp: bool) -> None:
        if site.kind is not SiteKind.CALL:
            return
        name = last_name(site.func)
        if name is None or (name not in _CALL_NAMES and not site.kwargs):
            return
        if site.kwargs and LIFESPAN_HOOK_KEYWORDS & {k.name for k in site.kwargs}:
            self._lifespan_hooks(site, scope)
        if name not in _CALL_NAMES:
            return
        registration: Optional[CallRegistration] = None
        if aiohttp and name in ROUTER_METHODS and isinstance(site.func, Attr):
            registration = ROUTER_METHODS[name]
        else:
            callee = self.resolver.value(site.func, scope)
            if isinstance(callee, Ext):
                registration = CALL_REGISTRATIONS.get(callee.name)
        if registration is None:
            return
        target = _argument(site, registration.position, registration.keyword)
        value = self.resolver.value(target, scope)
        call = Call(site.func, site.args, site.kwargs)
        path = None
        if registration.path_position >= 0:
            path = const_str(call.argument(registration.path_position, "path"))
        handler = registration.handler
        verb = handler.verb or _methods(call.keyword("methods"))
        found = Registered(handler, path, verb, _threaded(call, handler))
        if isinstance(value, PFunc):
            self._found.setdefault(value.key, found)
        elif isinstance(value, PClass):
            # `Route("/p", UserEndpoint)` / `web.view("/p", UserView)`: the class's methods
            self._view(value.key, self._methods_of(value.key))

    def _lifespan_hooks(self, site: CallSite, scope: Scope) -> None:
        callee = self.resolver.value(site.func, scope)
        if not (isinstance(callee, Ext) and callee.name in LIFESPAN_HOOK_OWNERS):
            return
        for keyword in site.kwargs:
            if keyword.name in LIFESPAN_HOOK_KEYWORDS and isinstance(keyword.value, ListDisplay):
                event = keyword.name.replace("on_", "")
                for item in keyword.value.items:
                    hook = self.resolver.value(item, scope)
                    if isinstance(hook, PFunc):
                        self._startup[hook.key] = event

    def _controller_path(self, key: FuncKey, function: FunctionSummary) -> str:
        """The `path` of the Litestar `Controller` a handler method is defined in."""
        if function.class_name is None:
            return ""
        owner = ClassKey(key.path, function.class_name)
        if not CONTROLLERS & set(self.resolver.library_bases(owner)):
            return ""
        summary = self.resolver.cls(owner)
        paths = [b.value for b in summary.attrs if b.name == "path"] if summary else []
        return (const_str(paths[-1]) or "").rstrip("/") if paths else ""

    def _methods_of(self, key: ClassKey) -> dict[str, str]:
        summary = self.resolver.cls(key)
        return summary.method_map if summary is not None else {}

    def _view(self, key: ClassKey, methods: dict[str, str]) -> None:
        if not methods:
            return
        for base in self.resolver.library_bases(key):
            found = VIEW_BASES.get(base)
            if found is None:
                continue
            handler, called = found
            for method in called:
                qualname = methods.get(method)
                if qualname is not None:
                    registered = Registered(handler, None, method.upper(), False)
                    self._found.setdefault(FuncKey(key.path, qualname), registered)
            return

    # -- classification ---------------------------------------------------------------------

    def sync_on_loop(self, key: FuncKey) -> bool:
        """A plain ``def`` that its framework calls on the event loop."""
        if key in self._startup:
            return True
        found = self._found.get(key)
        return found is not None and found.handler.sync_on_loop and not found.threaded

    def context(self, key: FuncKey, function: FunctionSummary) -> Optional[Context]:
        name = display_name(function.qualname)
        event = self._startup.get(key)
        if event is not None:
            kind = (
                ContextKind.STARTUP_HANDLER if event == "startup" else ContextKind.SHUTDOWN_HANDLER
            )
            return Context(kind, f"{event} handler `{name}`", False)
        found = self._found.get(key)
        if found is None:
            return None
        handler = found.handler
        if handler.role in ("route", "websocket") and found.path is not None:
            what = f"{found.verb} {self._controller_path(key, function)}{found.path}".strip()
        elif handler.role == "subscriber" and found.path is not None:
            what = f"{name}` of `{found.path}"
        else:
            what = name
        label = f"{handler.framework} {handler.role} `{what}`"
        remedy = ""
        if not function.is_async and handler.thread_keyword:
            remedy = (
                f"pass `{handler.thread_keyword}=True` to its registration so "
                f"{handler.framework} runs `{name}` in a worker thread"
            )
        return Context(ContextKind.HANDLER, label, False, remedy)


def _router_call(site: CallSite) -> bool:
    """`x.router.add_get(...)`: aiohttp's `UrlDispatcher`, whatever `x` is."""
    func = site.func
    return (
        isinstance(func, Attr)
        and func.attr in ROUTER_METHODS
        and isinstance(func.value, Attr)
        and func.value.attr == "router"
    )


def _argument(site: CallSite, position: int, keyword: str) -> OptExpr:
    for item in site.keywords:
        if item.name == keyword:
            return item.value
    if not site.spread and len(site.positional) > position:
        return site.positional[position]
    return None


def _threaded(call: Call, handler: Handler) -> bool:
    if not handler.thread_keyword:
        return False
    value = call.keyword(handler.thread_keyword)
    return isinstance(value, Const) and value.value is True


def _methods(e: OptExpr) -> str:
    if isinstance(e, ListDisplay):
        names = [const_str(item) for item in e.items]
        return ",".join(n.upper() for n in names if n)
    return ""
