"""Names and imports: what a name means where it is read (locals, flow, globals, imports)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

from asynclint.expr import (
    NONE,
    Attr,
    Name,
    OptExpr,
)
from asynclint.resolve_base import ResolverBase
from asynclint.resolve_values import (
    _BUILTINS,
    ClassKey,
    Ext,
    FuncKey,
    PClass,
    PFunc,
    PMod,
    Scope,
    Value,
    _names_in,
    _protocol,
    _reaching,
    _star_imported,
)
from asynclint.summary import (
    Binding,
    FunctionSummary,
    Import,
)


class Names(ResolverBase):
    """Locals (flow-sensitive), module globals, imports and star imports."""

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
            return PFunc(FuncKey(scope.path, prefix + name))
        if prefix + name in self.module(scope.path).classes:
            return PClass(ClassKey(scope.path, prefix + name))
        found = function.imported.get(name)
        if found is not None:
            return self.imported(scope.path, found)
        if name in function.param_map:
            typed = self.param_type(function, name, scope.path)
            if typed is not None and not _protocol(typed):
                return typed
            if name not in function.assigned and name not in function.annotated:
                # unannotated (or annotated with a protocol such as `BinaryIO`, which any
                # file object satisfies), never rebound: what every project call passes for it
                passed = self.passed(FuncKey(scope.path, function.qualname), function, name)
                return passed if passed is not None else typed
            if typed is not None:
                return typed
            # an untyped parameter may still be rebound: `c = c or Client()`
        for hint in function.annotated.get(name, ()):
            typed = self.annotation_type(hint, scope)
            if typed is not None:
                return typed
        if scope.line and (name in function.rebound or name in function.param_map):
            bindings = function.rebound.get(name) or tuple(
                b for b in function.assigns if b.name == name
            )
            reaching = _reaching(function, bindings, scope.line)
            if reaching:
                return self._agreed(reaching, scope)
            if name in function.param_map:
                # read before its rebinding: an annotated parameter was typed above, and
                # what callers pass is not worth proving for a name the body replaces
                return None
        return self._combine(function.assigned.get(name, ()), scope, name)

    def _agreed(self, bindings: list[Binding], scope: Scope) -> Value:
        """The type the bindings reaching a read agree on, each read where it is made (so
        `r = r.json()` types its `r` by the bindings above it)."""
        results = {
            self.value(b.value, Scope(scope.path, scope.function, b.line))
            for b in bindings
            if b.value != NONE
        }
        return results.pop() if len(results) == 1 else None

    def _combine(self, values: Iterable[OptExpr], scope: Scope, name: str = "") -> Value:
        """One value for a name assigned several times; unknown unless they all agree.

        Assignments that read the name itself (`q = q.filter(...)`) are resolved with the name
        bound to what the other assignments agree on, so a rebuilt query keeps its type.
        """
        own = Name(name)
        values = [v for v in values if v != NONE]
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
            agreed = all(v is not None and self._value(v, scope) == base for v in derived)
        finally:
            del self._overrides[key]
        return base if agreed else None

    def global_name(self, path: str, name: str) -> Value:
        module = self.module(path)
        if name in module.functions:
            return PFunc(FuncKey(path, name))
        if name in module.classes:
            return PClass(ClassKey(path, name))
        target = module.imported.get(name)
        if target is not None:
            return self.imported(path, target)
        scope = Scope(path, None)
        for hint in module.annotated.get(name, ()):
            typed = self.annotation_type(hint, scope)
            if typed is not None:
                return typed
        assigned = module.assigned.get(name)
        if assigned:
            return self._combine(assigned, scope)
        for star in module.star_imports:
            target_path = self._module_path(path, star.level, star.module)
            if target_path is None and not star.level:  # a library's star import
                found = _star_imported(self.catalog, star.module, name)
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
        return self.project.find_module(module, path)

    def imported(self, path: str, target: Import) -> Value:
        level, module, name = target.level, target.module, target.name
        if name is None:  # `import a.b` binds `a`; `import a.b as c` binds `a.b`
            found = self.project.find_module(module, path)
            if found is not None:
                return PMod(found, module)
            return Ext(module)
        if level:
            base = self.project.find_relative(path, level, module)
            if base is None:
                return None
            return self._from_module(PMod(base, ""), name)
        base = self.project.find_module(module, path) if module else None
        if base is not None:
            return self._from_module(PMod(base, module), name)
        sub = self.project.find_module(f"{module}.{name}", path)
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

    def binding(self, e: OptExpr, scope: Scope) -> Optional[tuple[str, str]]:
        """The module-level name ``e`` refers to, as (file, name), following imports:
        the identity of an app or router object, which types alone cannot tell apart."""
        if isinstance(e, Attr):
            base = self.value(e.value, scope)
            if isinstance(base, PMod) and base.path is not None:
                return self._global_binding(base.path, e.attr, 0)
            return None
        if not isinstance(e, Name):
            return None
        module = self.module(scope.path)
        function = module.functions.get(scope.function) if scope.function else None
        while function is not None:
            if e.id in function.local_names:
                # an import inside an app factory (`from app.api import bp as api_bp`) still
                # names a module-level object
                target = function.imported.get(e.id)
                if target is None or target.name is None:
                    return None
                found = self._module_path(scope.path, target.level, target.module)
                return self._global_binding(found, target.name, 1) if found is not None else None
            function = module.functions.get(function.parent) if function.parent else None
        return self._global_binding(scope.path, e.id, 0)

    def _global_binding(self, path: str, name: str, depth: int) -> Optional[tuple[str, str]]:
        if depth > 16:
            return None
        module = self.module(path)
        target = module.imported.get(name)
        if target is not None:
            if target.name is None:
                return None
            base = self._module_path(path, target.level, target.module)
            if base is None:
                return None
            return self._global_binding(base, target.name, depth + 1)
        if name in module.assigned:
            return (path, name)
        return None
