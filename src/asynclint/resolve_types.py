"""Types and their evidence: what calls return, what parameters receive (annotations, the
callers, FastAPI dependencies)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from asynclint.expr import (
    NONE,
    Attr,
    Call,
    Name,
    OptExpr,
    Or,
    Subscript,
    TypeUnion,
    last_name,
)
from asynclint.resolve_base import ResolverBase
from asynclint.resolve_values import (
    _ANNOTATED,
    _CALLERS_BUDGET,
    _CONTAINERS,
    _DEPENDS,
    _ITERATOR_TYPES,
    _NONE_NAME,
    _OPTIONAL,
    _UNION,
    ClassKey,
    Ext,
    FuncKey,
    Gen,
    Inst,
    PClass,
    PFunc,
    Scope,
    Tup,
    TypeForm,
    Value,
    _annotation_scope,
    _is_contextmanager,
    _is_static_or_class,
    _moded,
    _spelled,
    decorator_names,
)
from asynclint.summary import (
    CallSite,
    FunctionSummary,
    SiteKind,
)


class Types(ResolverBase):
    """What calls return, what parameters receive (annotations, callers, `Depends`)."""

    def call_result(self, e: Call, scope: Scope) -> Value:
        callee = self.value(e.func, scope)
        if isinstance(callee, PClass):
            return Inst(callee.key)
        if isinstance(callee, PFunc):
            made = self.decorated(callee.key)
            if made is not None:
                # calling a huey task enqueues it and hands back a `Result`; a Celery task
                # called directly runs its body, whose return type is the function's own
                entry = self.catalog.cls(made)
                returned = entry.method_returns("__call__") if entry is not None else None
                if returned is not None:
                    return Inst(returned)
            return self.return_type(callee.key)
        if isinstance(callee, Ext):
            function = self.catalog.function(callee.name)
            if function is not None and function.returns:
                return Inst(_moded(function, e))
            if callee.name in ("builtins.super",):
                return None
            if e.keyword("class_") is not None:
                # a factory told which class to build (`sessionmaker(class_=AsyncSession)`):
                # its products are not what the catalog says the factory builds by default
                return None
            return Inst(callee.name)
        if isinstance(callee, Inst) and isinstance(callee.type, str):
            return self._library_returns(callee, "__call__")
        if isinstance(callee, Inst) and isinstance(callee.type, ClassKey):
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
        if isinstance(value, Inst) and isinstance(value.type, ClassKey):
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
        scope = Scope(key.path, function.qualname)
        if _is_contextmanager(function):
            return self.yield_type(key)
        if function.is_generator:
            return None if function.is_async else Gen(key)
        typed = None
        if function.returns is not None:
            typed = self.annotation_type(function.returns, _annotation_scope(function, key.path))
            if self.informative(typed):
                return typed
        inferred = self._combine(function.return_values, scope)
        return inferred if inferred is not None else typed

    def informative(self, value: Value) -> bool:
        """A type the analysis can use: a project class, or a library class in the catalog."""
        if isinstance(value, Inst):
            return isinstance(value.type, ClassKey) or self.catalog.cls(value.type) is not None
        if isinstance(value, Tup):
            return any(self.informative(item) for item in value.items)
        return value is not None

    def yield_type(self, key: FuncKey) -> Value:
        """What a generator function yields (for `Depends` generators and context managers)."""
        function = self.function(key)
        if function is None:
            return None
        if function.returns is not None:
            scope = _annotation_scope(function, key.path)
            hint = function.returns
            if isinstance(hint, Subscript) and hint.items:
                base = self.value(hint.value, scope)
                if isinstance(base, Ext) and base.name in _ITERATOR_TYPES:
                    return self.annotation_type(hint.items[0], scope)
            return None
        return self._combine(function.yield_values, Scope(key.path, function.qualname))

    def param_type(self, function: FunctionSummary, name: str, path: str) -> Value:
        scope = _annotation_scope(function, path)
        if (
            function.class_name is not None
            and function.params
            and function.params[0].name == name
            and not _is_static_or_class(function)
        ):
            return Inst(ClassKey(path, function.class_name))
        if (
            function.class_name is not None
            and function.params
            and function.params[0].name == name
            and "classmethod" in decorator_names(function)
        ):
            return PClass(ClassKey(path, function.class_name))  # `cls` of a classmethod
        for param in function.params:
            if param.name != name:
                continue
            typed = self.annotation_type(param.annotation, scope)
            dependency = self.dependency(param.default, scope) or self.annotation_dependency(
                param.annotation, scope
            )
            return self._weigh(typed, dependency)
        return None

    def passed(self, key: FuncKey, function: FunctionSummary, name: str) -> Value:
        """The type of unannotated parameter ``name`` from what the project's calls pass for
        it: known only when every call of ``key`` in the analysed files passes it (by position
        or keyword) and all of them agree on a type the analysis can use."""
        marker = ("passed", key, name)
        if marker in self._in_progress:
            self._cuts += 1
            return None
        self._in_progress.add(marker)
        try:
            return self._passed(key, function, name)
        finally:
            self._in_progress.discard(marker)

    def _passed(self, key: FuncKey, function: FunctionSummary, name: str) -> Value:
        index = [p.name for p in function.params].index(name)
        bound = function.class_name is not None and not _is_static_or_class(function)
        target: Value = PFunc(key)
        if function.name == "__init__" and function.class_name is not None:
            # a constructor is called by its class's name, and `self` is never passed
            target = PClass(ClassKey(key.path, function.class_name))
        found: set[Value] = set()
        candidates = self.possible_callers(key, function)
        if len(candidates) > _CALLERS_BUDGET:
            return None  # a name called everywhere: proving each call is not worth it
        for path, caller, site in candidates:
            scope = Scope(path, caller)
            if self.value(site.func, scope) != target:
                continue
            argument = next((k.value for k in site.keywords if k.name == name), None)
            if argument is None:
                # `obj.method(a)` passes `self` implicitly; `Class.method(obj, a)` does not
                implicit = isinstance(target, PClass) or (
                    bound
                    and isinstance(site.func, Attr)
                    and not isinstance(self.value(site.func.value, scope), PClass)
                )
                position = index - 1 if implicit else index
                if 0 <= position < len(site.positional):
                    argument = site.positional[position]
            if argument is None:
                return None  # a call passes nothing we can read (or relies on a default)
            found.add(self.value(argument, scope))
            if len(found) > 1:
                return None
        value = found.pop() if found else None
        return value if self.informative(value) else None

    def possible_callers(
        self, key: FuncKey, function: FunctionSummary
    ) -> list[tuple[str, Optional[str], CallSite]]:
        """The calls spelled with the name of ``function`` (its class's, for a constructor) in
        files that may import it: those ``passed`` resolves (when they are not too many)."""
        return [
            (path, caller, site)
            for path, caller, site in self._calls_named(_spelled(function))
            if self.may_import(path, key.path, function)
        ]

    def may_import(self, path: str, target: str, function: FunctionSummary) -> bool:
        """A cheap test that code in ``path`` can reach ``function`` of module ``target``: the
        same file, or an import that names the module, its package, the function or its class
        (the calls of files that cannot are never resolved)."""
        if path == target:
            return True
        key = (path, target, function.name)
        known = self._reach_memo.get(key)
        if known is None:
            stem = (
                Path(target).stem if Path(target).stem != "__init__" else Path(target).parent.name
            )
            wanted = {stem, function.name}
            if function.class_name:
                wanted.add(function.class_name.rsplit(".", 1)[-1])
            known = not wanted.isdisjoint(self._import_words(path))
            self._reach_memo[key] = known
        return known

    def _import_words(self, path: str) -> frozenset[str]:
        """Every name the imports of ``path`` (at any level) are spelled with."""
        words = self._words.get(path)
        if words is None:
            summary = self.module(path)
            found: set[str] = set()
            for imports in (summary.imports, *(f.imports for f in summary.functions.values())):
                for item in imports:
                    found.add(item.local)
                    found.add(item.name or "")
                    found.update(item.module.split("."))
            words = self._words[path] = frozenset(found)
        return words

    def _calls_named(self, name: str) -> list[tuple[str, Optional[str], CallSite]]:
        """Plain calls spelled with ``name`` in the analysed files (an index built once)."""
        if self._call_index is None:
            index: dict[str, list[tuple[str, Optional[str], CallSite]]] = {}
            for path in self.project.added:
                summary = self.module(path)
                scopes: list[tuple[Optional[str], tuple[CallSite, ...]]] = [
                    (None, summary.module_calls)
                ]
                scopes += [(f.qualname, f.calls) for f in summary.functions.values()]
                for qualname, calls in scopes:
                    for site in calls:
                        spelled = last_name(site.func)
                        if spelled and site.kind is SiteKind.CALL and not site.spread:
                            index.setdefault(spelled, []).append((path, qualname, site))
            self._call_index = index
        return self._call_index.get(name, [])

    def _weigh(self, annotated: Value, provided: Value) -> Value:
        """A parameter's type from its annotation and from what its `Depends` provider
        returns or yields. The more precise of the two when they agree (one is a base class
        of the other); the provider's when they contradict each other, since it is what the
        parameter really gets (`session: Session = Depends(get_async_session)` is an
        AsyncSession). Only a class counts as evidence, not the unknown attribute of one."""
        if provided is None or (isinstance(provided, Inst) and provided.path):
            return annotated if annotated is not None else provided
        if not self.informative(annotated) or annotated == provided:
            return provided
        if isinstance(annotated, Inst) and isinstance(provided, Inst):
            if isinstance(annotated.type, ClassKey) and provided.type in self.mro(annotated.type):
                return annotated  # the provider names a base class: the annotation is precise
            if isinstance(provided.type, ClassKey) and annotated.type in self.mro(provided.type):
                return provided
        return provided

    def element(self, e: OptExpr, scope: Scope) -> Value:
        """An element of iterating ``e`` (a `for` target): the item type of the container
        annotation of a parameter or local (`images: list[Image] | None`, also through
        `images or []`), or the one type every item of a display agrees on."""
        if isinstance(e, Or) and e.values:
            return self.element(e.values[0], scope)
        if isinstance(e, Name) and scope.function is not None:
            function = self.module(scope.path).functions.get(scope.function)
            # rebound only to None (`images = None`): the annotation still says what it holds
            if function is not None and all(v == NONE for v in function.assigned.get(e.id, ())):
                param = function.param_map.get(e.id)
                hints = function.annotated.get(e.id, ())
                hint = param.annotation if param is not None else (hints[0] if hints else None)
                found = self._item_type(hint, _annotation_scope(function, scope.path))
                if found is not None:
                    return found
        value = self.value(e, scope)
        if isinstance(value, Tup) and value.items:
            return self._single(list(value.items))
        return None

    def _item_type(self, hint: OptExpr, scope: Scope) -> Value:
        """`T` of a container annotation (`list[T]`, `Sequence[T]`, `Optional[list[T]]`)."""
        if isinstance(hint, TypeUnion):
            kept = [h for h in hint.items if h != NONE and h != _NONE_NAME]
            return self._item_type(kept[0], scope) if len(kept) == 1 else None
        if not isinstance(hint, Subscript) or len(hint.items) != 1:
            return None
        base = self.value(hint.value, scope)
        if not isinstance(base, Ext):
            return None
        if base.name in _OPTIONAL:
            return self._item_type(hint.items[0], scope)
        if base.name in _CONTAINERS:
            return self.annotation_type(hint.items[0], scope)
        return None

    def annotation_type(self, hint: OptExpr, scope: Scope, depth: int = 0) -> Value:
        """The instance type an annotation describes (``Optional[Session]`` -> Session)."""
        if hint is None or depth > 8:
            return None
        if isinstance(hint, TypeUnion):
            return self._single(
                [self.annotation_type(h, scope, depth + 1) for h in hint.items if h != NONE]
            )
        if isinstance(hint, Subscript):
            base = self.value(hint.value, scope)
            if not isinstance(base, Ext):
                return None
            if base.name in _OPTIONAL or base.name in _ANNOTATED:
                return self.annotation_type(hint.items[0], scope, depth + 1) if hint.items else None
            if base.name in _UNION:
                return self._single(
                    [
                        self.annotation_type(h, scope, depth + 1)
                        for h in hint.items
                        if h != NONE and h != _NONE_NAME
                    ]
                )
            return None
        if isinstance(hint, (Name, Attr)):
            if hint == _NONE_NAME:
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

    def annotation_dependency(self, hint: OptExpr, scope: Scope, depth: int = 0) -> Value:
        """The dependency type in ``Annotated[X, Depends(dep)]`` (or an alias of it)."""
        if hint is None or depth > 8:
            return None
        if isinstance(hint, (Name, Attr)):
            value = self.value(hint, scope)
            if isinstance(value, TypeForm):
                return self.annotation_dependency(value.expr, value.scope, depth + 1)
            return None
        if isinstance(hint, Subscript):
            base = self.value(hint.value, scope)
            if isinstance(base, Ext) and base.name in _ANNOTATED:
                for item in hint.items[1:]:
                    dependency = self.dependency(item, scope)
                    if dependency is not None:
                        return dependency
        return None

    def provider(self, default: OptExpr, hint: OptExpr, scope: Scope, depth: int = 0) -> Value:
        """The dependency that provides a parameter: ``dep`` in a ``Depends(dep)`` default, or
        in ``Annotated[X, Depends(dep)]`` (or an alias of it) as its annotation."""
        found = self.depends_target(default, scope)
        if found is not None or hint is None or depth > 8:
            return found
        if isinstance(hint, (Name, Attr)):
            value = self.value(hint, scope)
            if isinstance(value, TypeForm):
                return self.provider(None, value.expr, value.scope, depth + 1)
            return None
        if isinstance(hint, Subscript):
            base = self.value(hint.value, scope)
            if isinstance(base, Ext) and base.name in _ANNOTATED:
                for item in hint.items[1:]:
                    target = self.depends_target(item, scope)
                    if target is not None:
                        return target
        return None

    def depends_target(self, e: OptExpr, scope: Scope) -> Value:
        """``dep`` in ``Depends(dep)``, or None when ``e`` is not a ``Depends`` call."""
        if not isinstance(e, Call):
            return None
        callee = self.value(e.func, scope)
        if not (isinstance(callee, Ext) and callee.name in _DEPENDS):
            return None
        return self.value(e.argument(0, "dependency"), scope)

    def dependency(self, e: OptExpr, scope: Scope) -> Value:
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
