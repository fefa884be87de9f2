"""What a name, attribute or call refers to: a library symbol, a project definition, or an
instance of a known type.

Everything is resolved from the summaries alone: imports and aliases, module globals, locals
and parameters (with their annotations and FastAPI ``Depends``), ``self.x`` set in any method,
class attributes, ``with ... as``, and the return types of project functions and catalog
factories. Whatever cannot be proven resolves to ``None``: an unknown receiver is never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Optional, Union

from asynclint import heirs
from asynclint.catalog import Catalog, FunctionEntry
from asynclint.expr import (
    NONE,
    AnyExpr,
    Attr,
    Await,
    BinOp,
    Call,
    Const,
    Enter,
    IfElse,
    Iterate,
    ListDisplay,
    Name,
    Node,
    OptExpr,
    Or,
    Subscript,
    TypeUnion,
    Unpack,
    last_name,
)
from asynclint.project import Project
from asynclint.summary import (
    Binding,
    CallSite,
    ClassSummary,
    FunctionSummary,
    Import,
    ModuleSummary,
    Region,
    SiteKind,
)


class FuncKey(NamedTuple):
    """A project function: its file and its qualname (``UserService.create``)."""

    path: str
    qualname: str


class ClassKey(NamedTuple):
    """A project class: its file and its qualname."""

    path: str
    qualname: str


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

    expr: AnyExpr
    scope: Scope


@dataclass(frozen=True)
class Tup:
    """A tuple (or list) of known length: what ``return client, name`` gives, for unpacking."""

    items: tuple[Value, ...]


@dataclass(frozen=True)
class Gen:
    """The generator a call of a project sync generator function returns: its body runs
    when it is iterated (`for`, `list(...)`), not when it is called."""

    key: FuncKey


Value = Union[Ext, Inst, PFunc, PClass, PMod, TypeForm, Tup, Gen, None]


@dataclass(frozen=True)
class Scope:
    path: str
    function: Optional[str]  # function qualname, or None for module level
    # the line a local is read at (0: anywhere in the function): a local bound more than once
    # has the type of the bindings that reach that line
    line: int = 0


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
        "frozenset",
        "sum",
        "min",
        "max",
        "any",
        "all",
        "reversed",
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
# annotations of containers whose one parameter is the type of their items
_CONTAINERS = frozenset(
    f"{module}.{name}"
    for module, names in (
        ("builtins", ("list", "set", "frozenset")),
        ("typing", ("List", "Set", "FrozenSet", "Sequence", "Iterable", "Iterator", "Collection")),
        ("collections.abc", ("Sequence", "Iterable", "Iterator", "Collection")),
    )
    for name in names
)
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


class Resolver:
    """Resolution over one project; memoised, cycle safe."""

    def __init__(self, project: Project, catalog: Catalog) -> None:
        self.project = project
        self.catalog = catalog
        self._memo: dict[tuple[Node, Scope], Value] = {}
        self._cuts = 0  # cycles cut so far: a value computed across a cut is not memoised
        self._call_index: Optional[dict[str, list[tuple[str, Optional[str], CallSite]]]] = None
        self._reach_memo: dict[tuple[str, str, str], bool] = {}
        self._words: dict[str, frozenset[str]] = {}
        self._in_progress: set[object] = set()
        self._returns: dict[FuncKey, Value] = {}
        self._decorated: dict[FuncKey, Optional[str]] = {}
        self._state_index: Optional[dict[str, list[tuple[OptExpr, Scope]]]] = None
        self._heirs: Optional[dict[str, list[ClassKey]]] = None
        self._mros: dict[ClassKey, list[Union[ClassKey, str]]] = {}
        self._below: dict[ClassKey, list[ClassKey]] = {}
        self._below_everywhere: dict[ClassKey, list[ClassKey]] = {}
        self._unpicked: Optional[dict[str, list[str]]] = None
        self._constructed: dict[ClassKey, bool] = {}
        self._states: dict[str, Value] = {}
        self._overrides: dict[tuple[Scope, str], Value] = {}
        # classes whose attributes the catalog types (few): every other lookup is skipped
        self._typed_attributes = {
            name: entry.attributes for name, entry in catalog.classes.items() if entry.attributes
        }

    # -- access to summaries -----------------------------------------------------------

    def module(self, path: str) -> ModuleSummary:
        return self.project.summary(path)

    def function(self, key: FuncKey) -> Optional[FunctionSummary]:
        return self.module(key.path).functions.get(key.qualname)

    def cls(self, key: ClassKey) -> Optional[ClassSummary]:
        return self.module(key.path).classes.get(key.qualname)

    # -- expressions ----------------------------------------------------------------------

    def value(self, e: OptExpr, scope: Scope) -> Value:
        if e is None:
            return None
        if self._overrides and isinstance(e, Name) and (scope, e.id) in self._overrides:
            return self._overrides[(scope, e.id)]
        key = (e, scope)
        if key in self._memo:
            return self._memo[key]
        if key in self._in_progress:
            if self._overrides and any((scope, n.id) in self._overrides for n in _names_in(e)):
                # re-entered while checking `q = q.filter(...)`: the override ends the cycle
                return self._value(e, scope)
            self._cuts += 1
            return None
        self._in_progress.add(key)
        cuts = self._cuts
        try:
            result = self._value(e, scope)
        except RecursionError:  # a chain of thousands of aliases: give up on this name
            result = None
        finally:
            self._in_progress.discard(key)
        # a value seen through a cut cycle or a temporary override holds only in that window
        if cuts == self._cuts and not self._overrides:
            self._memo[key] = result
        return result

    def _value(self, e: Node, scope: Scope) -> Value:
        if isinstance(e, Name):
            return self.name(e.id, scope)
        if isinstance(e, Attr):
            if isinstance(e.value, Attr) and e.value.attr == "state":
                stored = self.state_value(e.attr, e.value.value, scope)
                if stored is not None:
                    return stored
            return self.member(self.value(e.value, scope), e.attr)
        if isinstance(e, Call):
            return self.call_result(e, scope)
        if isinstance(e, Await):
            return self.value(e.value, scope)
        if isinstance(e, Enter):
            return self.entered(self.value(e.value, scope))
        if isinstance(e, Subscript):
            base = self.value(e.value, scope)
            if isinstance(base, Ext) and base.name in _OPTIONAL | _UNION | _ANNOTATED:
                return TypeForm(e, scope)
            if isinstance(base, Inst) and isinstance(base.type, str):
                return self._library_returns(base, "__getitem__")
            if isinstance(base, Tup) and len(e.items) == 1 and isinstance(e.items[0], Const):
                return _item(base, e.items[0].value)
            return None
        if isinstance(e, Unpack):
            found = self.value(e.value, scope)
            return _item(found, e.index) if isinstance(found, Tup) else None
        if isinstance(e, ListDisplay):
            if len(e.items) > _TUPLE_ITEMS:
                return None
            return Tup(tuple(self.value(item, scope) for item in e.items))
        if isinstance(e, IfElse):
            # `x if c else None` is common for optional clients: the non-None branch's type
            if e.orelse == NONE:
                return self.value(e.body, scope)
            if e.body == NONE:
                return self.value(e.orelse, scope)
            # `crud.admin if admin else crud.user`: two branches of one type are that type
            chosen = self.value(e.body, scope)
            return chosen if chosen is not None and chosen == self.value(e.orelse, scope) else None
        if isinstance(e, BinOp):
            # an operator a catalogued class defines (`Path / "x"` is a Path); the left
            # operand decides, as Python tries `left.__truediv__` first
            left = self.value(e.left, scope)
            if isinstance(left, Inst) and isinstance(left.type, str) and not left.path:
                return self._library_returns(Inst(left.type, e.op), e.op)
            return None
        if isinstance(e, Or) and len(e.values) == 2:
            # `client or requests.Session()`: the fallback's type is the one we can know
            return self.value(e.values[1], scope)
        if isinstance(e, Iterate):
            return self.element(e.value, scope)
        return None  # dicts: element types are not tracked

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

    # -- calls ----------------------------------------------------------------------------

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

    # -- parameters, annotations and dependencies --------------------------------------

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


# annotations that name a protocol, not a class: what the callers pass says more
_PROTOCOLS = frozenset(
    {"typing.BinaryIO", "typing.TextIO", "typing.IO", "typing_extensions.BinaryIO", "typing.Any"}
)


def _protocol(value: Value) -> bool:
    return isinstance(value, Inst) and value.type in _PROTOCOLS and not value.path


def _moded(function: FunctionEntry, call: Call) -> str:
    """The type ``call`` returns: the one its `mode` argument (second, or `mode=`) selects
    when the entry lists that mode, else the entry's ``returns``."""
    assert function.returns is not None
    if function.modes:
        mode = call.argument(1, "mode")
        if isinstance(mode, Const) and isinstance(mode.value, str):
            return function.modes.get(mode.value, function.returns)
    return function.returns


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


_NONE_NAME = Name("None")
# the libraries whose apps and requests carry a `state`
_STATE_OWNERS = ("fastapi.", "starlette.")
# longer displays are data, not a tuple of results to unpack
_TUPLE_ITEMS = 8


def _item(value: Tup, index: object) -> Value:
    if isinstance(index, int) and not isinstance(index, bool) and -len(value.items) <= index:
        return value.items[index] if index < len(value.items) else None
    return None


def _reaching(function: FunctionSummary, bindings: tuple[Binding, ...], line: int) -> list[Binding]:
    """The bindings of one local that can reach a read at ``line``: made above it, not in a
    branch that excludes the read (`if` / `else`), and not replaced on the way by a later
    binding that every path to the read passes (one in a block around the read). Loops'
    back edges are not followed."""
    regions = function.regions

    def around(at: int) -> frozenset[Region]:
        return frozenset(r for r in regions if r.start <= at <= r.end)

    read = around(line)
    above = [(b, around(b.line)) for b in bindings if b.line < line]
    out = []
    for binding, where in above:
        if any(
            r.group == s.group and r.arm != s.arm and r.arm and s.arm for r in where for s in read
        ):
            continue  # the other arm of a branch the read is in
        later = [(other, inside) for other, inside in above if other.line > binding.line]
        if any(inside <= read for _, inside in later):
            continue  # replaced before the read on every path
        if _every_arm_rebinds(later, read, regions):
            continue  # replaced in each arm of an `if` / `else` before the read
        out.append(binding)
    return out


def _every_arm_rebinds(
    later: list[tuple[Binding, frozenset[Region]]],
    read: frozenset[Region],
    regions: tuple[Region, ...],
) -> bool:
    """Each arm of some branch (`if` and its `else`) binds the name again, directly in the
    arm, and the read is after the branch, not in it."""
    arms: dict[int, set[int]] = {}
    for _, inside in later:
        for region in inside - read:
            if region.arm and inside - read == {region}:
                arms.setdefault(region.group, set()).add(region.arm)
    for group, bound in arms.items():
        every = {r.arm for r in regions if r.group == group}
        if len(every) > 1 and bound == every:
            return True
    return False


# at most this many calls are resolved to type one unannotated parameter
_CALLERS_BUDGET = CALLERS_BUDGET = 64


def _spelled(function: FunctionSummary) -> str:
    """The name calls of ``function`` are spelled with: its class's for a constructor."""
    if function.name == "__init__" and function.class_name is not None:
        return function.class_name.rsplit(".", 1)[-1]
    return function.name


def _names_in(value: OptExpr) -> set[Name]:
    """The names an expression reads. Of ``a or b`` only the fallback counts: the resolver
    types the expression by it, so ``x = x or Default()`` is not a rebuild of ``x``."""
    out: set[Name] = set()
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, Name):
            out.add(node)
        elif isinstance(node, Or):
            pending.extend(node.values[-1:] if len(node.values) == 2 else ())
        elif node is not None:
            pending.extend(node.children())
    return out


def site_scope(path: str, function: FunctionSummary, site: CallSite) -> Scope:
    """Where ``site`` of ``function`` reads its names: with its line only when it reads a
    local whose type can change with the line, so most sites share the resolver's memo."""
    if function.flow:
        flowing = function.flowing
        for part in (site.func, *site.positional):
            # the name an expression starts from (`r` in `r.json().get`) is what it reads
            while isinstance(part, (Attr, Call, Subscript, Await, Enter)):
                part = part.func if isinstance(part, Call) else part.value
            if isinstance(part, Name) and part.id in flowing:
                return Scope(path, function.qualname, site.line)
    return Scope(path, function.qualname)


def _enclosing_function(qualname: str) -> Optional[str]:
    if ".<locals>." not in qualname:
        return None
    return qualname.rsplit(".<locals>.", 1)[0]


def _annotation_scope(function: FunctionSummary, path: str) -> Scope:
    """Annotations are evaluated where the function is defined, not inside it."""
    return Scope(path, function.parent)


def decorator_names(function: FunctionSummary) -> set[str]:
    """Every name and attribute a decorator is spelled with (`app.get`, `retry(...)`)."""
    names = set()
    for decorator in function.decorators:
        while isinstance(decorator, (Call, Attr)):
            if isinstance(decorator, Attr):
                names.add(decorator.attr)
                decorator = decorator.value
            else:
                decorator = decorator.func
        if isinstance(decorator, Name):
            names.add(decorator.id)
    return names


def _is_property(function: FunctionSummary) -> bool:
    return bool(decorator_names(function) & {"property", "cached_property"})


def _is_static_or_class(function: FunctionSummary) -> bool:
    return bool(decorator_names(function) & {"staticmethod", "classmethod"})


def _is_contextmanager(function: FunctionSummary) -> bool:
    return function.is_generator and bool(
        decorator_names(function) & {"contextmanager", "asynccontextmanager"}
    )
