"""The values the resolver gives (library symbols, project definitions, instances) and
the helpers its parts share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Optional, Union

from asynclint.catalog import Catalog, FunctionEntry
from asynclint.expr import (
    AnyExpr,
    Attr,
    Await,
    Call,
    Const,
    Enter,
    Name,
    OptExpr,
    Or,
    Subscript,
)
from asynclint.summary import (
    Binding,
    CallSite,
    FunctionSummary,
    Region,
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


class Scope(NamedTuple):
    """Where a name is read: a tuple, because resolution memoises by it hundreds of
    thousands of times in a large project (a tuple hashes in C, where a frozen dataclass's
    ``__hash__`` runs in Python, and takes 72 bytes to a dataclass instance's 96, 152 on
    Python 3.9)."""

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
