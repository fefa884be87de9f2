"""The functions Flask calls for a request, found in a project: what ``asynclint migrate``
treats as ``async def`` handlers (see ``flask_model``). ``check`` never builds this."""

from __future__ import annotations

from typing import NamedTuple, Optional

from asynclint.expr import Attr, Call, ListDisplay, Name, OptExpr, const_str
from asynclint.fastapi_model import Context, ContextKind
from asynclint.flask_model import (
    EVERY_REQUEST,
    FLASK_APPS,
    HOOKS,
    HTTPAUTH_CALLBACKS,
    HTTPAUTH_CLASSES,
    ORM_EVENTS,
    ORM_LISTEN,
    ORM_LISTENERS,
    RESOURCES,
    ROUTE_DECORATORS,
    URL_RULES,
    USER_LOADER_METHODS,
    USER_LOADERS,
    VIEW_BASES,
    VIEW_METHODS,
    UserLoading,
)
from asynclint.resolve import ClassKey, Ext, FuncKey, Inst, PClass, PFunc, Resolver, Scope
from asynclint.summary import FunctionSummary, ModuleSummary, SiteKind, display_name


class FlaskView(NamedTuple):
    key: FuncKey
    context: Context
    line: int


class FlaskViews:
    def __init__(self, resolver: Resolver, modules: list[ModuleSummary]) -> None:
        self.resolver = resolver
        self._found: dict[FuncKey, FlaskView] = {}
        self._class_rules: dict[ClassKey, list[str]] = {}  # view class -> URL rules
        self._func_rules: dict[FuncKey, list[str]] = {}  # `add_url_rule(p, view_func=f)`
        self._hooks: dict[FuncKey, str] = {}  # registered by call
        self._every_request: set[FuncKey] = set()  # `before_request` and the like
        self._mounts: dict[tuple[str, str], str] = {}  # blueprint -> `url_prefix=` at mount
        # per extension (flask-login, flask-jwt-extended): the callbacks that load the user
        self.user_loaders: dict[UserLoading, list[FuncKey]] = {f: [] for f in USER_LOADERS}
        self._user_loader_labels: dict[FuncKey, str] = {}  # registered by call
        # Flask-HTTPAuth object (its binding) -> its `verify_password` / `verify_token` callbacks
        self._auth_callbacks: dict[tuple[str, str], list[FuncKey]] = {}
        # SQLAlchemy flush and commit events: listener -> (event, the model; None: a session's)
        self._orm_listeners: dict[FuncKey, tuple[str, Optional[ClassKey]]] = {}
        for module in modules:
            self._registrations(module)
        for module in modules:
            self._scan(module)

    def context(self, key: FuncKey) -> Optional[Context]:
        found = self._found.get(key)
        return found.context if found is not None else None

    def views(self) -> list[FlaskView]:
        """Every view and hook, in file and line order."""
        return sorted(self._found.values(), key=lambda v: (v.key.path, v.line, v.key.qualname))

    # -- registrations by call: `add_url_rule`, `add_resource`, `register_blueprint`, hooks --

    def _registrations(self, module: ModuleSummary) -> None:
        sites = [(site, Scope(module.path, None)) for site in module.module_calls]
        for function in module.functions.values():
            inner = Scope(module.path, function.qualname)
            sites += [(site, inner) for site in function.calls if site.kind is SiteKind.CALL]
        for site, scope in sites:
            func = site.func
            if len(site.args) >= 3 and self._names(func, scope, ORM_LISTEN):
                listener = self.resolver.value(site.args[2], scope)
                if isinstance(listener, PFunc):
                    self._orm_listener(listener.key, site.args[0], site.args[1], scope)
            if not isinstance(func, Attr):
                continue
            call = Call(func, site.args, site.kwargs)
            if func.attr in URL_RULES and site.args:
                self._url_rule(call, scope)
            elif func.attr in RESOURCES and len(site.args) >= 2:
                target = self.resolver.value(site.args[0], scope)
                if isinstance(target, PClass):
                    rules = [r for r in map(const_str, site.args[1:]) if r is not None]
                    self._class_rules.setdefault(target.key, []).extend(rules)
            elif func.attr == "register_blueprint" and site.args:
                blueprint = self.resolver.binding(site.args[0], scope)
                prefix = const_str(call.keyword("url_prefix"))
                if blueprint is not None and prefix is not None:
                    self._mounts[blueprint] = prefix
            elif func.attr in USER_LOADER_METHODS and site.args:
                target = self.resolver.value(site.args[0], scope)
                family = self._user_loading(func, scope)
                if isinstance(target, PFunc) and family is not None:
                    if target.key not in self.user_loaders[family]:
                        self.user_loaders[family].append(target.key)
                    self._user_loader_labels[target.key] = family.label
            elif func.attr in HOOKS and site.args:
                handler = site.args[1] if func.attr == "register_error_handler" else site.args[0]
                if func.attr == "register_error_handler" and len(site.args) < 2:
                    continue
                target = self.resolver.value(handler, scope)
                if isinstance(target, PFunc) and self._is_flask(func.value, scope):
                    self._hooks[target.key] = HOOKS[func.attr]
                    if func.attr in EVERY_REQUEST:
                        self._every_request.add(target.key)

    def _url_rule(self, call: Call, scope: Scope) -> None:
        rule = const_str(call.argument(0, "rule"))
        view = call.argument(2, "view_func")
        if rule is None or view is None:
            return
        prefix = self._prefix(call.func.value, scope) if isinstance(call.func, Attr) else ""
        if isinstance(view, Call) and isinstance(view.func, Attr) and view.func.attr == "as_view":
            target = self.resolver.value(view.func.value, scope)
            if isinstance(target, PClass):
                self._class_rules.setdefault(target.key, []).append(prefix + rule)
            return
        function = self.resolver.value(view, scope)
        if isinstance(function, PFunc):
            verb = _methods(call.keyword("methods")) or "GET"
            self._func_rules.setdefault(function.key, []).append(f"{verb} {prefix}{rule}")

    # -- decorators and view classes --------------------------------------------------------

    def _scan(self, module: ModuleSummary) -> None:
        for function in module.functions.values():
            key = FuncKey(module.path, function.qualname)
            context = self._classify(key, function, module)
            if context is not None:
                self._found[key] = FlaskView(key, context, function.line)

    def _classify(
        self, key: FuncKey, function: FunctionSummary, module: ModuleSummary
    ) -> Optional[Context]:
        scope = Scope(module.path, function.parent)
        name = display_name(function.qualname)
        routes: list[str] = list(self._func_rules.get(key, ()))
        hook = self._hooks.get(key) or self._user_loader_labels.get(key)
        if hook is None and key in self._orm_listeners:
            hook = self._orm_label(key)
        for decorator in function.decorators:
            call = decorator if isinstance(decorator, Call) else None
            target = call.func if call is not None else decorator
            if call is not None and self._names(target, scope, ORM_LISTENERS):
                event = call.argument(1, "identifier")
                self._orm_listener(key, call.argument(0, "target"), event, scope)
                if key in self._orm_listeners:
                    hook = self._orm_label(key)
                continue
            if not isinstance(target, Attr):
                continue
            method = target.attr
            if method in ROUTE_DECORATORS and call is not None:
                rule = const_str(call.argument(0, "rule"))
                if rule is not None and self._is_flask(target.value, scope):
                    verb = ROUTE_DECORATORS[method] or _methods(call.keyword("methods")) or "GET"
                    routes.append(f"{verb} {self._prefix(target.value, scope)}{rule}")
            elif method in HOOKS and self._is_flask(target.value, scope):
                hook = HOOKS[method]
                if method in EVERY_REQUEST:
                    self._every_request.add(key)
            elif method in USER_LOADER_METHODS and self._user_loading(target, scope):
                family = self._user_loading(target, scope)
                assert family is not None
                hook = family.label
                if key not in self.user_loaders[family]:
                    self.user_loaders[family].append(key)
            elif method in HTTPAUTH_CALLBACKS and self._is_httpauth(target.value, scope):
                hook = "Flask-HTTPAuth callback (runs for every view its `login_required` guards)"
                binding = self.resolver.binding(target.value, scope)
                if binding is not None:
                    self._auth_callbacks.setdefault(binding, []).append(key)
        if routes:
            return Context(ContextKind.FLASK_VIEW, f"route `{', '.join(routes)}`", True)
        if hook is not None:
            return Context(ContextKind.FLASK_HOOK, f"{hook} `{name}`", True)
        if function.class_name and function.name in VIEW_METHODS:
            owner = ClassKey(key.path, function.class_name)
            if VIEW_BASES & set(self.resolver.library_bases(owner)):
                return self._view_method(owner, function)
        return None

    # -- SQLAlchemy events ---------------------------------------------------------------------

    def _orm_listener(self, key: FuncKey, target: OptExpr, event: OptExpr, scope: Scope) -> None:
        name = const_str(event)
        if name not in ORM_EVENTS:
            return
        model = self.resolver.value(target, scope)
        owner = model.key if isinstance(model, PClass) else None
        self._orm_listeners[key] = (name, owner)

    def _orm_label(self, key: FuncKey) -> str:
        event, model = self._orm_listeners[key]
        when = (
            f"when a commit flushes a `{display_name(model.qualname)}`"
            if model is not None
            else "on every commit"
        )
        return f"SQLAlchemy `{event}` listener (runs {when})"

    def every_request(self, key: FuncKey) -> bool:
        """A `before_request` / `after_request` / `teardown_*` hook: it runs for every route."""
        return key in self._every_request

    def is_listener(self, key: FuncKey) -> bool:
        return key in self._orm_listeners

    def listeners(self, key: FuncKey) -> list[FuncKey]:
        """The SQLAlchemy listeners a commit in view ``key`` may fire: every session-level one
        (`before_commit`, `before_flush`, ...), and the mapper events (`after_insert`, ...) of
        each model the view names: calls through it (`Post(...)`, `Post.query.get(...)`) or
        attributes read on it or on an instance of it."""
        if not self._orm_listeners:
            return []
        function = self.resolver.function(key)
        if function is None:
            return []
        named: set[ClassKey] = set()
        inner = Scope(key.path, function.qualname)
        for site in (*function.calls, *function.read_sites):
            root: OptExpr = site.func
            while isinstance(root, (Attr, Call)):
                root = root.value if isinstance(root, Attr) else root.func
            value = self.resolver.value(root, inner)
            if isinstance(value, PClass):
                named.add(value.key)
            elif isinstance(value, Inst) and isinstance(value.type, ClassKey):
                named.add(value.type)
        return [
            listener
            for listener, (_, model) in self._orm_listeners.items()
            if model is None or model in named
        ]

    def _names(self, func: OptExpr, scope: Scope, names: frozenset[str]) -> bool:
        if not isinstance(func, (Attr, Name)):
            return False
        value = self.resolver.value(func, scope)
        return isinstance(value, Ext) and value.name in names

    def callbacks(self) -> list[FuncKey]:
        """The user loaders and the Flask-HTTPAuth callbacks."""
        loaders = [k for keys in self.user_loaders.values() for k in keys]
        return [*loaders, *(k for keys in self._auth_callbacks.values() for k in keys)]

    def loaders(self, key: FuncKey) -> list[FuncKey]:
        """The authentication callbacks that run before the view: each extension's user loader
        (see ``loads_user``) and the Flask-HTTPAuth callbacks of each `@auth.login_required`."""
        found = [
            loader
            for family, loaders in self.user_loaders.items()
            if loaders and self.loads_user(key, family)
            for loader in loaders
        ]
        function = self.resolver.function(key)
        if function is None:
            return found
        scope = Scope(key.path, function.parent)
        for decorator in function.decorators:
            target = decorator.func if isinstance(decorator, Call) else decorator
            if isinstance(target, Attr) and target.attr == "login_required":
                binding = self.resolver.binding(target.value, scope)
                if binding is not None:
                    found += self._auth_callbacks.get(binding, [])
        return found

    def loads_user(self, key: FuncKey, family: UserLoading = USER_LOADERS[0]) -> bool:
        """The view runs the extension's user loader: it is decorated with `login_required`
        (`jwt_required`, bare or called), calls `logout_user()` or a method of `current_user`,
        or reads an attribute of `current_user` (`current_user.is_authenticated`: the proxy
        loads the user first)."""
        function = self.resolver.function(key)
        if function is None:
            return False
        scope = Scope(key.path, function.parent)
        for decorator in function.decorators:
            spelled = decorator.func if isinstance(decorator, Call) else decorator
            value = self.resolver.value(spelled, scope)
            if isinstance(value, Ext) and value.name in family.required:
                return True
        inner = Scope(key.path, function.qualname)
        for site in function.calls:
            if site.kind is not SiteKind.CALL:
                continue
            func = site.func
            for part in (func, func.value) if isinstance(func, Attr) else (func,):
                value = self.resolver.value(part, inner)
                if isinstance(value, Ext) and value.name in family.loading:
                    return True
        for site in function.read_sites:
            root: OptExpr = site.func
            while isinstance(root, Attr):
                root = root.value
            value = self.resolver.value(root, inner)
            if isinstance(value, Ext) and value.name in family.loading:
                return True
        return False

    def _view_method(self, owner: ClassKey, function: FunctionSummary) -> Context:
        rules = self._class_rules.get(owner)
        cls = display_name(owner.qualname)
        verb = "" if function.name == "dispatch_request" else function.name.upper() + " "
        label = ", ".join(f"{verb}{rule}" for rule in rules) if rules else f"{verb}{cls}"
        return Context(ContextKind.FLASK_VIEW, f"route `{label}` (`{cls}.{function.name}`)", True)

    def _is_flask(self, receiver: OptExpr, scope: Scope) -> bool:
        """A Flask app or blueprint; when its type is unknown (an app factory's parameter),
        the module importing flask is the evidence."""
        value = self.resolver.value(receiver, scope)
        if isinstance(value, Inst) and isinstance(value.type, str) and not value.path:
            return value.type in FLASK_APPS
        if value is not None:
            return False
        module = self.resolver.module(scope.path)
        return any(i.module.split(".")[0] == "flask" for i in module.imports)

    def _is_httpauth(self, receiver: OptExpr, scope: Scope) -> bool:
        value = self.resolver.value(receiver, scope)
        return isinstance(value, Inst) and value.type in HTTPAUTH_CLASSES

    def _user_loading(self, registering: OptExpr, scope: Scope) -> Optional[UserLoading]:
        """The extension whose manager object ``registering`` (`login_manager.user_loader`,
        `jwt.user_lookup_loader`) is a method of."""
        if not isinstance(registering, Attr):
            return None
        value = self.resolver.value(registering.value, scope)
        if not isinstance(value, Inst) or not isinstance(value.type, str):
            return None
        for family in USER_LOADERS:
            if value.type in family.managers and registering.attr in family.loaders:
                return family
        return None

    def _prefix(self, receiver: OptExpr, scope: Scope) -> str:
        """A blueprint's `url_prefix`: where it is mounted, else where it is built."""
        binding = self.resolver.binding(receiver, scope)
        if binding is None:
            return ""
        if binding in self._mounts:
            return self._mounts[binding].rstrip("/")
        for assigned in self.resolver.module(binding[0]).assigned.get(binding[1], ()):
            if isinstance(assigned, Call):
                return (const_str(assigned.keyword("url_prefix")) or "").rstrip("/")
        return ""


def _methods(e: OptExpr) -> str:
    if isinstance(e, ListDisplay):
        names = [const_str(item) for item in e.items]
        return ",".join(n.upper() for n in names if n)
    return ""
