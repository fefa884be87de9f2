"""Members and attributes: class hierarchies and dispatch, instance and class attributes,
`app.state`."""

from __future__ import annotations

from typing import Optional, Union

from asynclint import heirs
from asynclint.expr import (
    NONE,
    Call,
    OptExpr,
    last_name,
)
from asynclint.resolve_base import ResolverBase
from asynclint.resolve_values import (
    _CALLERS_BUDGET,
    _STATE_OWNERS,
    ClassKey,
    Ext,
    FuncKey,
    Inst,
    PClass,
    PFunc,
    PMod,
    Scope,
    Value,
    _enclosing_function,
    _is_property,
)
from asynclint.summary import (
    ClassSummary,
)


class Members(ResolverBase):
    """Attributes of values: the MRO, overrides in subclasses, `self.x`, class attributes,
    `app.state`."""

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
            if isinstance(base.type, ClassKey):
                return self.instance_attr(base.type, attr)
            if not base.path:
                entry = self.catalog.cls(base.type)
                typed = entry.attribute_type(attr) if entry is not None else None
                if typed is not None:
                    # `type[...]`: the attribute holds the class itself (`Model.query`'s model)
                    if typed.startswith("type[") and typed.endswith("]"):
                        return Ext(typed[5:-1])
                    return Inst(typed)
            return Inst(base.type, f"{base.path}.{attr}" if base.path else attr)
        if isinstance(base, PClass):
            return self.class_attr(base.key, attr)
        if isinstance(base, PFunc):
            # `add.delay` on a function a task decorator turned into a Celery `Task`
            made = self.decorated(base.key)
            return Inst(made, attr) if made is not None else None
        return None

    def decorated(self, key: FuncKey) -> Optional[str]:
        """The library type a decorator makes of project function ``key`` (`@app.task` or
        `@shared_task(bind=True)` -> `celery.app.task.Task`), as the catalog's `decorator` /
        `decorators` fields say; None for a function no such decorator wraps."""
        if key in self._decorated:
            return self._decorated[key]
        self._decorated[key] = None  # a decorator defined by the function itself ends here
        function = self.function(key)
        found: Optional[str] = None
        if function is not None and function.decorators:
            scope = Scope(key.path, function.parent)
            for decorator in function.decorators:
                spelled = decorator.func if isinstance(decorator, Call) else decorator
                value = self.value(spelled, scope)
                if isinstance(value, Ext):
                    entry = self.catalog.function(value.name)
                    found = entry.decorator if entry is not None else None
                elif isinstance(value, Inst) and isinstance(value.type, str) and value.path:
                    owner = self.catalog.cls(value.type)
                    found = owner.decorators.get(value.path) if owner is not None else None
                if found is not None:
                    break
        self._decorated[key] = found
        return found

    def state_value(self, name: str, owner: OptExpr, scope: Scope) -> Value:
        """``x.state.name`` on an app, a request or `request.app` (Starlette's `State`): the
        type every ``….state.name = value`` in the analysed files agrees on, wherever it is
        set (a lifespan or startup handler, a middleware, a dependency)."""
        holder = self.value(owner, scope)
        if holder is not None and not self._may_hold_state(holder):
            return None
        if name not in self._states:
            marker = ("state", name)
            if marker in self._in_progress:
                return None
            self._in_progress.add(marker)
            try:
                stored = self._state_assigns().get(name, [])
                results = {self.value(v, s) for v, s in stored if v != NONE}
            finally:
                self._in_progress.discard(marker)
            self._states[name] = results.pop() if len(results) == 1 else None
        return self._states[name]

    def _may_hold_state(self, holder: Value) -> bool:
        """An app, a request or a websocket of FastAPI / Starlette (or a project subclass)."""
        if isinstance(holder, Inst) and isinstance(holder.type, ClassKey):
            return any(base.startswith(_STATE_OWNERS) for base in self.library_bases(holder.type))
        if isinstance(holder, Inst) and isinstance(holder.type, str):
            return holder.type.startswith(_STATE_OWNERS)
        return isinstance(holder, Ext) and holder.name.startswith(_STATE_OWNERS)

    def _state_assigns(self) -> dict[str, list[tuple[OptExpr, Scope]]]:
        if self._state_index is None:
            index: dict[str, list[tuple[OptExpr, Scope]]] = {}
            for path in self.project.added:
                summary = self.module(path)
                for binding in summary.state_assigns:
                    index.setdefault(binding.name, []).append((binding.value, Scope(path, None)))
                for function in summary.functions.values():
                    for binding in function.state_assigns:
                        where = Scope(path, function.qualname, binding.line)
                        index.setdefault(binding.name, []).append((binding.value, where))
            self._state_index = index
        return self._state_index

    def mro(self, key: ClassKey) -> list[Union[ClassKey, str]]:
        """The class, its project bases, then library bases (names), depth first."""
        known = self._mros.get(key)
        if known is not None:
            return known
        cuts = self._cuts
        out = self._mro(key)
        if cuts == self._cuts and not self._overrides:  # the same rule as the value memo
            self._mros[key] = out
        return out

    def _mro(self, key: ClassKey) -> list[Union[ClassKey, str]]:
        out: list[Union[ClassKey, str]] = []
        pending: list[Union[ClassKey, str]] = [key]
        while pending and len(out) < 32:
            current = pending.pop(0)
            if current in out:
                continue
            out.append(current)
            if isinstance(current, ClassKey):
                summary = self.cls(current)
                if summary is None:
                    continue
                scope = Scope(current.path, _enclosing_function(summary.qualname))
                for base in summary.bases:
                    value = self.value(base, scope)
                    if isinstance(value, PClass):
                        pending.append(value.key)
                    elif isinstance(value, Ext):
                        pending.append(value.name)
        return out

    def find_method(self, key: ClassKey, name: str) -> Optional[FuncKey]:
        for owner in self.mro(key):
            if isinstance(owner, ClassKey):
                summary = self.cls(owner)
                qualname = summary.method_map.get(name) if summary is not None else None
                if qualname is not None:
                    return FuncKey(owner.path, qualname)
        return None

    def overrides(self, base: ClassKey, name: str, everywhere: bool = False) -> list[FuncKey]:
        """The methods ``name`` that project subclasses of ``base`` define themselves: in the
        analysed files, or with ``everywhere`` also in the project files the pre-scan left
        out (see ``asynclint.heirs``)."""
        out = []
        subclasses = self._subclasses_everywhere(base) if everywhere else self._subclasses(base)
        for owner in subclasses:
            summary = self.cls(owner)
            qualname = summary.method_map.get(name) if summary is not None else None
            if qualname is not None:
                out.append(FuncKey(owner.path, qualname))
        return out

    def may_have_subclasses(self, base: ClassKey) -> bool:
        """A cheap test: some analysed class names a base spelled like ``base``."""
        summary = self.cls(base)
        return summary is not None and summary.name in self._heir_index()

    def _heir_index(self) -> dict[str, list[ClassKey]]:
        """Project classes by the last name of each of their bases (`models.Base` -> Base)."""
        if self._heirs is None:
            heirs: dict[str, list[ClassKey]] = {}
            for path in self.project.added:
                for cls in self.module(path).classes.values():
                    for spelled in {last_name(b) for b in cls.bases}:
                        if spelled:
                            heirs.setdefault(spelled, []).append(ClassKey(path, cls.qualname))
            self._heirs = heirs
        return self._heirs

    def _subclasses(self, base: ClassKey) -> list[ClassKey]:
        """Project classes below ``base``: found by the names their bases are spelled with
        (cheap, no resolution), then proven by their resolved bases."""
        known = self._below.get(base)
        if known is None:
            known = self._below[base] = self._find_subclasses(base)
        return known

    def _subclasses_everywhere(self, base: ClassKey) -> list[ClassKey]:
        known = self._below_everywhere.get(base)
        if known is None:
            known = self._below_everywhere[base] = self._find_subclasses(base, everywhere=True)
        return known

    def _unpicked_heirs(self, name: str) -> list[ClassKey]:
        """Classes spelling a base ``name`` in the project files that were not analysed: a
        byte search over every project file (built once, only when asked), then the
        summaries of the files it names. The project's file list, not what happened to be
        loaded, decides, so the answer is the same in every run."""
        if self._unpicked is None:
            added = set(self.project.added)
            paths = [str(t) for t in self.project.targets if str(t) not in added]
            self._unpicked = heirs.index(paths, self.project.files.read_bytes)
        found: list[ClassKey] = []
        for path in self._unpicked.get(name, ()):
            for cls in self.module(path).classes.values():
                if name in {last_name(b) for b in cls.bases}:
                    found.append(ClassKey(path, cls.qualname))
        return found

    def _find_subclasses(self, base: ClassKey, everywhere: bool = False) -> list[ClassKey]:
        analysed = self._heir_index()
        summary = self.cls(base)
        if summary is None:
            return []
        found: list[ClassKey] = []
        names, seen = [summary.name], {summary.name}
        while names and len(found) < 256:
            spelled = names.pop()
            candidates = list(analysed.get(spelled, ()))
            if everywhere:
                candidates += self._unpicked_heirs(spelled)
            for owner in candidates:
                if owner in found or owner == base:
                    continue
                if base in self.mro(owner):
                    found.append(owner)
                    below = self.cls(owner)
                    if below is not None and below.name not in seen:
                        seen.add(below.name)
                        names.append(below.name)
        return found

    def constructed(self, key: ClassKey) -> bool:
        """Whether the analysed files build an instance of exactly ``key`` (`Base(...)`);
        a class called from too many places to prove counts as built."""
        known = self._constructed.get(key)
        if known is None:
            summary = self.cls(key)
            name = summary.name if summary is not None else key.qualname
            candidates = self._calls_named(name)
            known = len(candidates) > _CALLERS_BUDGET or any(
                self.value(site.func, Scope(path, caller)) == PClass(key)
                for path, caller, site in candidates
            )
            self._constructed[key] = known
        return known

    def library_bases(self, key: ClassKey) -> list[str]:
        return [owner for owner in self.mro(key) if isinstance(owner, str)]

    def _library_attribute(self, cls: str, attr: str) -> Value:
        """What the catalog says a library class's attribute holds: an instance, or a class
        (`type[...]`); None when it says nothing."""
        attributes = self._typed_attributes.get(cls)
        held = attributes.get(attr) if attributes is not None else None
        if held is None:
            return None
        if held.startswith("type[") and held.endswith("]"):
            return Ext(held[5:-1])
        return Inst(held)

    def _typed_library_attribute(self, mro: list[Union[ClassKey, str]], attr: str) -> Value:
        """The first library base the catalog types ``attr`` of: a mixin listed before
        `db.Model` (`class User(UserMixin, db.Model)`) says nothing of `query`."""
        if not self._typed_attributes:
            return None
        for owner in mro:
            if isinstance(owner, str):
                found = self._library_attribute(owner, attr)
                if found is not None:
                    return found
        return None

    def class_attr(self, key: ClassKey, attr: str) -> Value:
        method = self.find_method(key, attr)
        if method is not None:
            return PFunc(method)
        mro = self.mro(key)
        for owner in mro:
            if isinstance(owner, str):
                return self._typed_library_attribute(mro, attr) or Ext(f"{owner}.{attr}")
            summary = self.cls(owner)
            if summary is None:
                continue
            scope = Scope(owner.path, _enclosing_function(summary.qualname))
            values = [b.value for b in summary.attrs if b.name == attr]
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
        mro = self.mro(key)
        for owner in mro:
            if isinstance(owner, str):
                return self._typed_library_attribute(mro, attr) or Inst(owner, attr)
            summary = self.cls(owner)
            if summary is None:
                continue
            class_scope = Scope(owner.path, _enclosing_function(summary.qualname))
            for binding in summary.annotations:
                if binding.name == attr:
                    typed = self.annotation_type(binding.value, class_scope)
                    if typed is not None:
                        return typed
            found = self._self_attr(owner, summary, attr)
            if found is not None:
                return found
            values = [b.value for b in summary.attrs if b.name == attr]
            if values:
                return self._combine(values, class_scope)  # `repo_class = Repo` stays a class
        return None

    def _self_attr(self, owner: ClassKey, summary: ClassSummary, attr: str) -> Value:
        module = self.module(owner.path)
        hinted: list[Value] = []
        assigned: list[tuple[OptExpr, Scope]] = []
        for _, qualname in summary.methods:
            method = module.functions.get(qualname)
            if method is None:
                continue
            scope = Scope(owner.path, qualname)
            hinted += [
                self.annotation_type(b.value, scope)
                for b in method.self_annotations
                if b.name == attr
            ]
            assigned += [(b.value, scope) for b in method.self_assigns if b.name == attr]
        hinted = [h for h in hinted if h is not None]
        if hinted:
            return hinted[0]
        results = {self.value(v, s) for v, s in assigned if v != NONE}
        return results.pop() if len(results) == 1 else None
