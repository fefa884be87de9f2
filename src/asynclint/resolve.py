"""What a name, attribute or call refers to: a library symbol, a project definition, or an
instance of a known type.

Everything is resolved from the summaries alone: imports and aliases, module globals, locals
and parameters (with their annotations and FastAPI ``Depends``), ``self.x`` set in any method,
class attributes, ``with ... as``, and the return types of project functions and catalog
factories. Whatever cannot be proven resolves to ``None``: an unknown receiver is never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from asynclint.catalog import Catalog
from asynclint.project import Project
from asynclint.summary import ClassSummary, Expr, FunctionSummary, ModuleSummary, iter_exprs

FuncKey = tuple[str, str]  # (file path, function qualname)
ClassKey = tuple[str, str]  # (file path, class qualname)


@dataclass(frozen=True)
class Ext:
    """A library module, function or class, by qualified name (``requests.get``)."""

    name: str


@dataclass(frozen=True)
class Inst:
    """An instance of ``type`` (a library class name or a project class key), or the object
    reached from such an instance by the dotted attribute ``path`` (``chat.completions``)."""

    type: Union[str, ClassKey]
    path: str = ""


@dataclass(frozen=True)
class PFunc:
    key: FuncKey


@dataclass(frozen=True)
class PClass:
    key: ClassKey


@dataclass(frozen=True)
class PMod:
    path: Optional[str]  # None for a namespace package
    name: str  # dotted name when known, "" for a module reached by a relative import


@dataclass(frozen=True)
class TypeForm:
    """An annotation stored in a variable (``DbSession = Annotated[Session, Depends(get_db)]``)."""

    expr: Expr
    scope: Scope


Value = Union[Ext, Inst, PFunc, PClass, PMod, TypeForm, None]


@dataclass(frozen=True)
class Scope:
    path: str
    function: Optional[str]  # function qualname, or None for module level


_BUILTINS = frozenset(
    {
        "open",
        "input",
        "print",
        "len",
        "str",
        "int",
        "dict",
        "list",
        "set",
        "tuple",
        "super",
        "isinstance",
        "getattr",
        "setattr",
        "sorted",
        "range",
        "enumerate",
        "zip",
        "map",
        "filter",
        "type",
        "object",
        "property",
        "staticmethod",
        "classmethod",
        "iter",
        "next",
        "bytes",
        "float",
        "bool",
        "Exception",
        "compile",
        "exec",
        "eval",
        "__import__",
        "breakpoint",
    }
)
_OPTIONAL = {"typing.Optional", "typing_extensions.Optional"}
_UNION = {"typing.Union", "typing_extensions.Union"}
_ANNOTATED = {"typing.Annotated", "typing_extensions.Annotated"}
_DEPENDS = {
    "fastapi.Depends",
    "fastapi.Security",
    "fastapi.params.Depends",
    "fastapi.params.Security",
    "fastapi.param_functions.Depends",
    "fastapi.param_functions.Security",
}
_ITERATOR_TYPES = {
    f"{module}.{name}"
    for module in ("typing", "typing_extensions", "collections.abc")
    for name in (
        "Generator",
        "Iterator",
        "Iterable",
        "AsyncGenerator",
        "AsyncIterator",
        "AsyncIterable",
    )
}
_MISSING = object()


class Resolver:
    """Resolution over one project; memoised, cycle safe."""

    def __init__(self, project: Project, catalog: Catalog) -> None:
        self.project = project
        self.catalog = catalog
        self._memo: dict[tuple[Expr, Scope], Value] = {}
        self._in_progress: set[object] = set()
        self._returns: dict[FuncKey, Value] = {}
        self._overrides: dict[tuple[Scope, str], Value] = {}

    # -- access to summaries -----------------------------------------------------------

    def module(self, path: str) -> ModuleSummary:
        return self.project.summary(path)

    def function(self, key: FuncKey) -> Optional[FunctionSummary]:
        return self.module(key[0]).functions.get(key[1])

    def cls(self, key: ClassKey) -> Optional[ClassSummary]:
        return self.module(key[0]).classes.get(key[1])

    # -- expressions ----------------------------------------------------------------------

    def value(self, e: Expr, scope: Scope) -> Value:
        if e is None:
            return None
        if self._overrides and e[0] == "name" and (scope, e[1]) in self._overrides:
            return self._overrides[(scope, e[1])]
        key = (e, scope)
        cached = self._memo.get(key, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        if key in self._in_progress:
            if self._overrides and any(
                (scope, n[1]) in self._overrides for n in _names_in(e) if n is not None
            ):  # re-entered while checking `q = q.filter(...)`: the override ends the cycle
                return self._value(e, scope)
            return None
        self._in_progress.add(key)
        try:
            result = self._value(e, scope)
        except RecursionError:  # a chain of thousands of aliases: give up on this name
            result = None
        finally:
            self._in_progress.discard(key)
        self._memo[key] = result
        return result

    def _value(self, e: tuple, scope: Scope) -> Value:  # type: ignore[type-arg]
        kind = e[0]
        if kind == "name":
            return self.name(e[1], scope)
        if kind == "attr":
            return self.member(self.value(e[1], scope), e[2])
        if kind == "call":
            return self.call_result(e, scope)
        if kind == "await":
            return self.value(e[1], scope)
        if kind == "enter":
            return self.entered(self.value(e[1], scope))
        if kind == "iter":
            return None
        if kind == "sub":
            base = self.value(e[1], scope)
            if isinstance(base, Ext) and base.name in _OPTIONAL | _UNION | _ANNOTATED:
                return TypeForm(e, scope)
            if isinstance(base, Inst) and isinstance(base.type, str):
                return self._library_returns(base, "__getitem__")
            return None
        return None

    def name(self, name: str, scope: Scope) -> Value:
        if self._overrides and (scope, name) in self._overrides:
            return self._overrides[(scope, name)]
        module = self.module(scope.path)
        function = module.functions.get(scope.function) if scope.function else None
        while function is not None:
            if name in function.local_names:
                return self._local(name, function, scope)
            parent = function.parent
            function = module.functions.get(parent) if parent else None
            scope = Scope(scope.path, parent)
        return self.global_name(scope.path, name)

    def _local(self, name: str, function: FunctionSummary, scope: Scope) -> Value:
        prefix = f"{function.qualname}.<locals>."
        if prefix + name in self.module(scope.path).functions:
            return PFunc((scope.path, prefix + name))
        if prefix + name in self.module(scope.path).classes:
            return PClass((scope.path, prefix + name))
        for local, target in function.imports:
            if local == name:
                return self.imported(scope.path, target)
        for param in function.params:
            if param.name == name:
                typed = self.param_type(function, param.name, scope.path)
                if typed is not None:
                    return typed
                break  # an untyped parameter may still be rebound: `c = c or Client()`
        for local, hint in function.annotations:
            if local == name:
                typed = self.annotation_type(hint, scope)
                if typed is not None:
                    return typed
        assigned = [value for local, value in function.assigns if local == name]
        return self._combine(assigned, scope, name)

    def _combine(self, values: list[Expr], scope: Scope, name: str = "") -> Value:
        """One value for a name assigned several times; unknown unless they all agree.

        Assignments that read the name itself (`q = q.filter(...)`) are resolved with the name
        bound to what the other assignments agree on, so a rebuilt query keeps its type.
        """
        values = [v for v in values if v != ("const", None)]
        own = ("name", name)
        plain = [v for v in values if not name or own not in _names_in(v)]
        derived = [v for v in values if name and own in _names_in(v)]
        results = {self.value(v, scope) for v in plain}
        if len(results) != 1:
            return None
        base = results.pop()
        if base is None or not derived:
            return base
        key = (scope, name)
        if key in self._overrides:
            return self._overrides[key]
        self._overrides[key] = base
        try:
            agreed = all(self._value(v, scope) == base for v in derived)  # type: ignore[arg-type]
        finally:
            del self._overrides[key]
        return base if agreed else None

    def global_name(self, path: str, name: str) -> Value:
        module = self.module(path)
        if name in module.functions:
            return PFunc((path, name))
        if name in module.classes:
            return PClass((path, name))
        for local, target in reversed(module.imports):
            if local == name:
                return self.imported(path, target)
        scope = Scope(path, None)
        for local, hint in module.annotations:
            if local == name:
                typed = self.annotation_type(hint, scope)
                if typed is not None:
                    return typed
        assigned = [value for local, value in module.globals if local == name]
        if assigned:
            return self._combine(assigned, scope)
        for level, star in module.star_imports:
            target_path = self._module_path(path, level, star)
            if target_path is None and not level:  # a library's star import
                found = _star_imported(self.catalog, star, name)
                if found is not None:
                    return found
            if target_path is not None and target_path != path:
                key = ("star", target_path, name)
                if key in self._in_progress:
                    continue
                self._in_progress.add(key)
                try:
                    found = self.global_name(target_path, name)
                finally:
                    self._in_progress.discard(key)
                if found is not None:
                    return found
        if name in _BUILTINS:
            return Ext(f"builtins.{name}")
        return None

    def _module_path(self, path: str, level: int, module: str) -> Optional[str]:
        if level:
            return self.project.find_relative(path, level, module)
        return self.project.find_module(module)

    def imported(self, path: str, target: tuple[int, str, Optional[str]]) -> Value:
        level, module, name = target
        if name is None:  # `import a.b` binds `a`; `import a.b as c` binds `a.b`
            found = self.project.find_module(module)
            if found is not None:
                return PMod(found, module)
            return Ext(module)
        if level:
            base = self.project.find_relative(path, level, module)
            if base is None:
                return None
            return self._from_module(PMod(base, ""), name)
        base = self.project.find_module(module) if module else None
        if base is not None:
            return self._from_module(PMod(base, module), name)
        sub = self.project.find_module(f"{module}.{name}")
        if sub is not None:
            return PMod(sub, f"{module}.{name}")
        return Ext(f"{module}.{name}")

    def _from_module(self, module: PMod, name: str) -> Value:
        if module.path is not None and name in self.module(module.path).names:
            key = ("from", module.path, name)
            if key in self._in_progress:
                return None
            self._in_progress.add(key)
            try:
                return self.global_name(module.path, name)
            finally:
                self._in_progress.discard(key)
        return self.member(module, name)

    def binding(self, e: Expr, scope: Scope) -> Optional[tuple[str, str]]:
        """The module-level name ``e`` refers to, as (file, name), following imports:
        the identity of an app or router object, which types alone cannot tell apart."""
        if e is None:
            return None
        if e[0] == "attr":
            base = self.value(e[1], scope)
            if isinstance(base, PMod) and base.path is not None:
                return self._global_binding(base.path, e[2], 0)
            return None
        if e[0] != "name":
            return None
        module = self.module(scope.path)
        function = module.functions.get(scope.function) if scope.function else None
        while function is not None:
            if e[1] in function.local_names:
                return None
            function = module.functions.get(function.parent) if function.parent else None
        return self._global_binding(scope.path, e[1], 0)

    def _global_binding(self, path: str, name: str, depth: int) -> Optional[tuple[str, str]]:
        if depth > 16:
            return None
        module = self.module(path)
        for local, target in reversed(module.imports):
            if local == name:
                level, source, imported = target
                if imported is None:
                    return None
                base = (
                    self.project.find_relative(path, level, source)
                    if level
                    else self.project.find_module(source)
                )
                if base is None:
                    return None
                return self._global_binding(base, imported, depth + 1)
        if any(local == name for local, _ in module.globals):
            return (path, name)
        return None

    # -- attributes ----------------------------------------------------------------------

    def member(self, base: Value, attr: str) -> Value:
        if base is None:
            return None
        if isinstance(base, Ext):
            return Ext(f"{base.name}.{attr}")
        if isinstance(base, PMod):
            if base.path is not None:
                summary = self.module(base.path)
                if attr in summary.names or summary.star_imports:
                    found = self.global_name(base.path, attr)
                    if found is not None:
                        return found
                sub = self.project.submodule(base.path, attr)
                if sub is not None:
                    return PMod(sub, f"{base.name}.{attr}" if base.name else "")
            if base.name:
                sub = self.project.find_module(f"{base.name}.{attr}")
                if sub is not None:
                    return PMod(sub, f"{base.name}.{attr}")
            return None
        if isinstance(base, Inst):
            if isinstance(base.type, tuple):
                return self.instance_attr(base.type, attr)
            return Inst(base.type, f"{base.path}.{attr}" if base.path else attr)
        if isinstance(base, PClass):
            return self.class_attr(base.key, attr)
        return None

    def mro(self, key: ClassKey) -> list[Union[ClassKey, str]]:
        """The class, its project bases, then library bases (names), depth first."""
        out: list[Union[ClassKey, str]] = []
        pending: list[Union[ClassKey, str]] = [key]
        while pending and len(out) < 32:
            current = pending.pop(0)
            if current in out:
                continue
            out.append(current)
            if isinstance(current, tuple):
                summary = self.cls(current)
                if summary is None:
                    continue
                scope = Scope(current[0], _enclosing_function(summary.qualname))
                for base in summary.bases:
                    value = self.value(base, scope)
                    if isinstance(value, PClass):
                        pending.append(value.key)
                    elif isinstance(value, Ext):
                        pending.append(value.name)
        return out

    def find_method(self, key: ClassKey, name: str) -> Optional[FuncKey]:
        for owner in self.mro(key):
            if isinstance(owner, tuple):
                summary = self.cls(owner)
                if summary is None:
                    continue
                for method, qualname in summary.methods:
                    if method == name:
                        return (owner[0], qualname)
        return None

    def library_bases(self, key: ClassKey) -> list[str]:
        return [owner for owner in self.mro(key) if isinstance(owner, str)]

    def class_attr(self, key: ClassKey, attr: str) -> Value:
        method = self.find_method(key, attr)
        if method is not None:
            return PFunc(method)
        for owner in self.mro(key):
            if isinstance(owner, str):
                return Ext(f"{owner}.{attr}")
            summary = self.cls(owner)
            if summary is None:
                continue
            scope = Scope(owner[0], _enclosing_function(summary.qualname))
            values = [v for name, v in summary.attrs if name == attr]
            if values:
                return self._combine(values, scope)
        return None

    def instance_attr(self, key: ClassKey, attr: str) -> Value:
        method = self.find_method(key, attr)
        if method is not None:
            function = self.function(method)
            if function is not None and _is_property(function):
                return self.return_type(method)
            return PFunc(method)
        for owner in self.mro(key):
            if isinstance(owner, str):
                return Inst(owner, attr)
            summary = self.cls(owner)
            if summary is None:
                continue
            class_scope = Scope(owner[0], _enclosing_function(summary.qualname))
            for name, hint in summary.annotations:
                if name == attr:
                    typed = self.annotation_type(hint, class_scope)
                    if typed is not None:
                        return typed
            found = self._self_attr(owner, summary, attr)
            if found is not None:
                return found
            values = [v for name, v in summary.attrs if name == attr]
            if values:
                resolved = self._combine(values, class_scope)
                if isinstance(resolved, PClass):  # `repo_class = Repo` stays a class
                    return resolved
                return resolved
        return None

    def _self_attr(self, owner: ClassKey, summary: ClassSummary, attr: str) -> Value:
        module = self.module(owner[0])
        hinted: list[Value] = []
        assigned: list[tuple[Expr, Scope]] = []
        for _, qualname in summary.methods:
            method = module.functions.get(qualname)
            if method is None:
                continue
            scope = Scope(owner[0], qualname)
            hinted += [
                self.annotation_type(h, scope) for n, h in method.self_annotations if n == attr
            ]
            assigned += [(v, scope) for n, v in method.self_assigns if n == attr]
        hinted = [h for h in hinted if h is not None]
        if hinted:
            return hinted[0]
        results = {self.value(v, s) for v, s in assigned if v != ("const", None)}
        return results.pop() if len(results) == 1 else None

    # -- calls ----------------------------------------------------------------------------

    def call_result(self, e: tuple, scope: Scope) -> Value:  # type: ignore[type-arg]
        callee = self.value(e[1], scope)
        if isinstance(callee, PClass):
            return Inst(callee.key)
        if isinstance(callee, PFunc):
            return self.return_type(callee.key)
        if isinstance(callee, Ext):
            function = self.catalog.function(callee.name)
            if function is not None and function.returns:
                return Inst(function.returns)
            if callee.name in ("builtins.super",):
                return None
            return Inst(callee.name)
        if isinstance(callee, Inst) and isinstance(callee.type, str):
            return self._library_returns(callee, "__call__")
        if isinstance(callee, Inst) and isinstance(callee.type, tuple):
            method = self.find_method(callee.type, "__call__")
            return self.return_type(method) if method else None
        return None

    def _library_returns(self, inst: Inst, default_method: str) -> Value:
        assert isinstance(inst.type, str)
        entry = self.catalog.cls(inst.type)
        if entry is None:
            return None
        method = inst.path or default_method
        if inst.path and default_method == "__getitem__":
            method = f"{inst.path}.__getitem__"
        returned = entry.method_returns(method)
        return Inst(returned) if returned else None

    def entered(self, value: Value) -> Value:
        """The value ``with value as x`` binds to ``x``."""
        if isinstance(value, Inst) and isinstance(value.type, str):
            if value.path:
                return None
            entry = self.catalog.cls(value.type)
            if entry is None:
                return value
            returned = entry.method_returns("__enter__")
            return Inst(returned) if returned else None
        if isinstance(value, Inst) and isinstance(value.type, tuple):
            method = self.find_method(value.type, "__enter__") or self.find_method(
                value.type, "__aenter__"
            )
            if method is None:
                for base in self.library_bases(value.type):
                    entry = self.catalog.cls(base)
                    if entry is not None:
                        returned = entry.method_returns("__enter__")
                        return Inst(returned) if returned else None
                return None
            return self.return_type(method)
        return None

    def return_type(self, key: FuncKey) -> Value:
        if key in self._returns:
            return self._returns[key]
        marker = ("returns", key)
        if marker in self._in_progress:
            return None
        self._in_progress.add(marker)
        try:
            result = self._return_type(key)
        finally:
            self._in_progress.discard(marker)
        self._returns[key] = result
        return result

    def _return_type(self, key: FuncKey) -> Value:
        function = self.function(key)
        if function is None:
            return None
        scope = Scope(key[0], function.qualname)
        if _is_contextmanager(function):
            return self.yield_type(key)
        if function.is_generator:
            return None
        typed = None
        if function.returns is not None:
            typed = self.annotation_type(function.returns, _annotation_scope(function, key[0]))
            if self.informative(typed):
                return typed
        inferred = self._combine(list(function.return_values), scope)
        return inferred if inferred is not None else typed

    def informative(self, value: Value) -> bool:
        """A type the analysis can use: a project class, or a library class in the catalog."""
        if isinstance(value, Inst):
            return isinstance(value.type, tuple) or self.catalog.cls(value.type) is not None
        return value is not None

    def yield_type(self, key: FuncKey) -> Value:
        """What a generator function yields (for `Depends` generators and context managers)."""
        function = self.function(key)
        if function is None:
            return None
        if function.returns is not None:
            scope = _annotation_scope(function, key[0])
            hint = function.returns
            if hint and hint[0] == "sub":
                base = self.value(hint[1], scope)
                if isinstance(base, Ext) and base.name in _ITERATOR_TYPES and hint[2]:
                    return self.annotation_type(hint[2][0], scope)
            return None
        return self._combine(list(function.yield_values), Scope(key[0], function.qualname))

    # -- parameters, annotations and dependencies --------------------------------------

    def param_type(self, function: FunctionSummary, name: str, path: str) -> Value:
        scope = _annotation_scope(function, path)
        if (
            function.class_name is not None
            and function.params
            and function.params[0].name == name
            and not _is_static_or_class(function)
        ):
            return Inst((path, function.class_name))
        for param in function.params:
            if param.name != name:
                continue
            typed = self.annotation_type(param.annotation, scope)
            if self.informative(typed):
                return typed
            # an annotation naming a type we know nothing of (a stub-only class, a Protocol)
            # must not hide what the dependency is known to provide
            dependency = self.dependency(param.default, scope) or self.annotation_dependency(
                param.annotation, scope
            )
            return dependency if dependency is not None else typed
        return None

    def annotation_type(self, hint: Expr, scope: Scope, depth: int = 0) -> Value:
        """The instance type an annotation describes (``Optional[Session]`` -> Session)."""
        if hint is None or depth > 8:
            return None
        kind = hint[0]
        if kind == "const" and isinstance(hint[1], str):
            return None
        if kind == "union":
            return self._single(
                [self.annotation_type(h, scope, depth + 1) for h in hint[1] if h != ("const", None)]
            )
        if kind == "sub":
            base = self.value(hint[1], scope)
            if isinstance(base, Ext) and base.name in _OPTIONAL:
                return self.annotation_type(hint[2][0], scope, depth + 1) if hint[2] else None
            if isinstance(base, Ext) and base.name in _UNION:
                return self._single(
                    [
                        self.annotation_type(h, scope, depth + 1)
                        for h in hint[2]
                        if h != ("const", None) and h != ("name", "None")
                    ]
                )
            if isinstance(base, Ext) and base.name in _ANNOTATED:
                return self.annotation_type(hint[2][0], scope, depth + 1) if hint[2] else None
            return None
        if kind in ("name", "attr"):
            if hint == ("name", "None"):
                return None
            value = self.value(hint, scope)
            if isinstance(value, PClass):
                return Inst(value.key)
            if isinstance(value, Ext):
                if value.name.startswith("builtins."):
                    return None
                return Inst(value.name)
            if isinstance(value, TypeForm):
                return self.annotation_type(value.expr, value.scope, depth + 1)
        return None

    @staticmethod
    def _single(values: list[Value]) -> Value:
        known = {v for v in values if v is not None}
        return known.pop() if len(known) == 1 and None not in values else None

    def annotation_dependency(self, hint: Expr, scope: Scope, depth: int = 0) -> Value:
        """The dependency type in ``Annotated[X, Depends(dep)]`` (or an alias of it)."""
        if hint is None or depth > 8:
            return None
        if hint[0] in ("name", "attr"):
            value = self.value(hint, scope)
            if isinstance(value, TypeForm):
                return self.annotation_dependency(value.expr, value.scope, depth + 1)
            return None
        if hint[0] == "sub":
            base = self.value(hint[1], scope)
            if isinstance(base, Ext) and base.name in _ANNOTATED:
                for item in hint[2][1:]:
                    dependency = self.dependency(item, scope)
                    if dependency is not None:
                        return dependency
        return None

    def depends_target(self, e: Expr, scope: Scope) -> Value:
        """``dep`` in ``Depends(dep)``, or None when ``e`` is not a ``Depends`` call."""
        if e is None or e[0] != "call":
            return None
        callee = self.value(e[1], scope)
        if not (isinstance(callee, Ext) and callee.name in _DEPENDS):
            return None
        target = e[2][0] if e[2] else dict(e[3]).get("dependency")
        return self.value(target, scope)

    def dependency(self, e: Expr, scope: Scope) -> Value:
        """The value a parameter gets from ``Depends(dep)``: what ``dep`` returns or yields."""
        target = self.depends_target(e, scope)
        if isinstance(target, PFunc):
            function = self.function(target.key)
            if function is not None and function.is_generator:
                return self.yield_type(target.key)
            return self.return_type(target.key)
        if isinstance(target, PClass):
            return Inst(target.key)
        if isinstance(target, Ext):
            entry = self.catalog.function(target.name)
            if entry is not None and entry.returns:
                return Inst(entry.returns)
            return Inst(target.name)
        return None


def _star_imported(catalog: Catalog, module: str, name: str) -> Value:
    """``name`` after ``from module import *`` of a library (never read, never imported): the
    library symbol when the catalog has an entry for ``module.name``, or for something below it
    (``from os import *`` binds the submodule ``path``); None when nothing says the module
    exports it. `import *` skips names that start with an underscore."""
    if name.startswith("_"):
        return None
    qualified = f"{module}.{name}"
    if catalog.function(qualified) is not None or catalog.cls(qualified) is not None:
        return Ext(qualified)
    below = qualified + "."
    if any(key.startswith(below) for key in (*catalog.functions, *catalog.classes)):
        return Ext(qualified)
    return None


def _names_in(value: Expr) -> set[Expr]:
    return {e for e in iter_exprs(value) if e[0] == "name"}


def _enclosing_function(qualname: str) -> Optional[str]:
    if ".<locals>." not in qualname:
        return None
    return qualname.rsplit(".<locals>.", 1)[0]


def _annotation_scope(function: FunctionSummary, path: str) -> Scope:
    """Annotations are evaluated where the function is defined, not inside it."""
    return Scope(path, function.parent)


def _decorator_names(function: FunctionSummary) -> set[str]:
    names = set()
    for decorator in function.decorators:
        while decorator is not None and decorator[0] in ("call", "attr"):
            if decorator[0] == "attr":
                names.add(decorator[2])
            decorator = decorator[1]
        if decorator is not None and decorator[0] == "name":
            names.add(decorator[1])
    return names


def _is_property(function: FunctionSummary) -> bool:
    return bool(_decorator_names(function) & {"property", "cached_property"})


def _is_static_or_class(function: FunctionSummary) -> bool:
    return bool(_decorator_names(function) & {"staticmethod", "classmethod"})


def _is_contextmanager(function: FunctionSummary) -> bool:
    return function.is_generator and bool(
        _decorator_names(function) & {"contextmanager", "asynccontextmanager"}
    )
