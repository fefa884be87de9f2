"""Expressions as the summaries keep them: small, immutable, hashable, picklable nodes.

A summary records only the shapes that later stages read (names, attributes, calls,
subscripts, constants, displays …); anything else is ``None``. The nodes say what the source
said: deciding what ``a or b`` or ``x if c else None`` *means* is the resolver's job, not the
encoder's. Every node has ``children`` so one ``walk`` serves every consumer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple, Optional, TypeVar, Union

_T = TypeVar("_T")

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform

    @dataclass_transform(frozen_default=True, eq_default=True)
    def node(cls: type[_T]) -> type[_T]: ...

else:

    def node(cls):
        # Frozen for the type checker (mypy --strict rejects any assignment to a field), a
        # plain slotted dataclass at run time: a frozen dataclass's __init__ goes through
        # object.__setattr__ per field, and building nodes is the summariser's hot loop
        cls = dataclass(eq=True, unsafe_hash=True)(cls)
        # the fields in declaration order (``__slots__`` is kept sorted, not in that order)
        order = tuple(cls.__dataclass_fields__)
        get = attrgetter(*order) if order else (lambda node: ())
        cls._values = staticmethod(get if len(order) != 1 else (lambda node: (get(node),)))
        return cls


ConstValue = Union[str, int, float, bool, None]


class Node:
    """Base of every expression node.

    Nodes are immutable, hashable dataclasses with ``__slots__`` (declared by hand:
    ``dataclass(slots=True)`` needs Python 3.10); see ``node`` for how immutability is kept.
    Each node pickles as a call of its constructor.
    """

    __slots__ = ()

    def children(self) -> tuple[OptExpr, ...]:
        return ()

    @staticmethod
    def _values(node: Node) -> tuple[object, ...]:
        raise NotImplementedError  # set on each node class by ``node``

    def __reduce__(self) -> tuple[type[Node], tuple[object, ...]]:
        return (type(self), self._values(self))


OptExpr = Optional[Node]
Expr = Node


@node
class Name(Node):
    __slots__ = ("id",)
    id: str


@node
class Attr(Node):
    __slots__ = ("attr", "value")
    value: Node  # an attribute of an unknown base is not kept at all
    attr: str

    def children(self) -> tuple[OptExpr, ...]:
        return (self.value,)


class Keyword(NamedTuple):
    name: str  # "**" for `**mapping`
    value: OptExpr


@node
class Call(Node):
    __slots__ = ("args", "func", "kwargs")
    func: OptExpr
    args: tuple[OptExpr, ...]  # `*args` is kept as its value
    kwargs: tuple[Keyword, ...]

    def children(self) -> tuple[OptExpr, ...]:
        return (self.func, *self.args, *(k.value for k in self.kwargs))

    def keyword(self, name: str) -> OptExpr:
        for keyword in self.kwargs:
            if keyword.name == name:
                return keyword.value
        return None

    def argument(self, index: int, name: str) -> OptExpr:
        """The argument at ``index`` when passed by position, else the keyword ``name``."""
        if len(self.args) > index:
            return self.args[index]
        return self.keyword(name)


@node
class Await(Node):
    __slots__ = ("value",)
    value: OptExpr

    def children(self) -> tuple[OptExpr, ...]:
        return (self.value,)


@node
class Subscript(Node):
    __slots__ = ("items", "value")
    value: OptExpr
    items: tuple[OptExpr, ...]  # `x[a, b]` has two items

    def children(self) -> tuple[OptExpr, ...]:
        return (self.value, *self.items)


@node
class Const(Node):
    __slots__ = ("value",)
    value: ConstValue


@node
class TypeUnion(Node):
    """``X | Y`` (in an annotation)."""

    __slots__ = ("items",)
    items: tuple[OptExpr, ...]

    def children(self) -> tuple[OptExpr, ...]:
        return self.items


@node
class Enter(Node):
    """The value ``with value as name`` binds to ``name``."""

    __slots__ = ("value",)
    value: OptExpr

    def children(self) -> tuple[OptExpr, ...]:
        return (self.value,)


@node
class Iterate(Node):
    """An element of iterating ``value`` (a ``for`` target)."""

    __slots__ = ("value",)
    value: OptExpr

    def children(self) -> tuple[OptExpr, ...]:
        return (self.value,)


@node
class Unpack(Node):
    """Item ``index`` of ``value`` as an unpacking target gets it (``a, b = value``)."""

    __slots__ = ("index", "value")
    value: OptExpr
    index: int

    def children(self) -> tuple[OptExpr, ...]:
        return (self.value,)


@node
class ListDisplay(Node):
    """A list or tuple display."""

    __slots__ = ("items",)
    items: tuple[OptExpr, ...]

    def children(self) -> tuple[OptExpr, ...]:
        return self.items


@node
class DictDisplay(Node):
    """A dict display; only its values are kept (``exception_handlers={Exc: handler}``)."""

    __slots__ = ("values",)
    values: tuple[OptExpr, ...]

    def children(self) -> tuple[OptExpr, ...]:
        return self.values


@node
class Or(Node):
    """``a or b or …``."""

    __slots__ = ("values",)
    values: tuple[OptExpr, ...]

    def children(self) -> tuple[OptExpr, ...]:
        return self.values


@node
class IfElse(Node):
    """``body if test else orelse`` (the test's calls are recorded as call sites)."""

    __slots__ = ("body", "orelse")
    body: OptExpr
    orelse: OptExpr

    def children(self) -> tuple[OptExpr, ...]:
        return (self.body, self.orelse)


@node
class BinOp(Node):
    """``left <op> right`` for the operators a library class can define (``path / "name"``);
    ``op`` is the dunder that implements it (``__truediv__``)."""

    __slots__ = ("left", "op", "right")
    left: OptExpr
    op: str
    right: OptExpr

    def children(self) -> tuple[OptExpr, ...]:
        return (self.left, self.right)


NONE = Const(None)


def walk(value: OptExpr) -> Iterator[Node]:
    """Every node of ``value``, depth first, the value itself first."""
    if value is None:
        return
    stack: list[Node] = [value]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in reversed(node.children()) if child is not None)


def last_name(value: OptExpr) -> Optional[str]:
    """`f` for `f` and `a.b.f`: the name a call is spelled with."""
    if isinstance(value, Name):
        return value.id
    if isinstance(value, Attr):
        return value.attr
    return None


def const_str(value: OptExpr) -> Optional[str]:
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value
    return None


def source_text(value: OptExpr) -> str:
    """`requests.get`, `self.repo.add`, `UserService(db).create` -> source-like text."""
    if isinstance(value, Name):
        return value.id
    if isinstance(value, Attr):
        return f"{source_text(value.value)}.{value.attr}"
    if isinstance(value, Call):
        return f"{source_text(value.func)}(...)"
    if isinstance(value, Await):
        return f"(await {source_text(value.value)})"
    return "..."
