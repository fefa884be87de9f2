"""Expressions as the summaries keep them: small, immutable, hashable nodes.

A summary records only the shapes that later stages read (names, attributes, calls,
subscripts, constants, displays …); anything else is ``None``. The nodes say what the source
said: deciding what ``a or b`` or ``x if c else None`` *means* is the resolver's job, not the
encoder's. Every node has ``children`` so one ``walk`` serves every consumer.

Nodes are msgspec structs: the cache stores them as plain data (MessagePack arrays led by the
node's class name) and reads them back through a typed decoder, which checks every field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple, Optional, Union

import msgspec

ConstValue = Union[str, int, float, bool, None]


class Node(msgspec.Struct, frozen=True, gc=False, array_like=True, tag=True):
    """Base of every expression node.

    Nodes are immutable and hashable, equal by value; ``gc=False``: a node holds only strings,
    numbers and other nodes, never a cycle, so the garbage collector need not track the tens of
    thousands a run builds. ``tag=True`` makes the class name part of the encoding, so a field
    typed ``OptExpr`` decodes to the right class.
    """

    def children(self) -> tuple[OptExpr, ...]:
        return ()


Expr = Node


class Name(Node, frozen=True):
    id: str


class Attr(Node, frozen=True):
    value: AnyExpr  # an attribute of an unknown base is not kept at all
    attr: str

    def children(self) -> tuple[OptExpr, ...]:
        return (self.value,)


class Keyword(NamedTuple):
    name: str  # "**" for `**mapping`
    value: OptExpr


class Call(Node, frozen=True):
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


class Await(Node, frozen=True):
    value: OptExpr

    def children(self) -> tuple[OptExpr, ...]:
        return (self.value,)


class Subscript(Node, frozen=True):
    value: OptExpr
    items: tuple[OptExpr, ...]  # `x[a, b]` has two items

    def children(self) -> tuple[OptExpr, ...]:
        return (self.value, *self.items)


class Const(Node, frozen=True):
    value: ConstValue


class TypeUnion(Node, frozen=True):
    """``X | Y`` (in an annotation)."""

    items: tuple[OptExpr, ...]

    def children(self) -> tuple[OptExpr, ...]:
        return self.items


class Enter(Node, frozen=True):
    """The value ``with value as name`` binds to ``name``."""

    value: OptExpr

    def children(self) -> tuple[OptExpr, ...]:
        return (self.value,)


class Iterate(Node, frozen=True):
    """An element of iterating ``value`` (a ``for`` target)."""

    value: OptExpr

    def children(self) -> tuple[OptExpr, ...]:
        return (self.value,)


class Unpack(Node, frozen=True):
    """Item ``index`` of ``value`` as an unpacking target gets it (``a, b = value``)."""

    value: OptExpr
    index: int

    def children(self) -> tuple[OptExpr, ...]:
        return (self.value,)


class ListDisplay(Node, frozen=True):
    """A list or tuple display."""

    items: tuple[OptExpr, ...]

    def children(self) -> tuple[OptExpr, ...]:
        return self.items


class DictDisplay(Node, frozen=True):
    """A dict display; only its values are kept (``exception_handlers={Exc: handler}``)."""

    values: tuple[OptExpr, ...]

    def children(self) -> tuple[OptExpr, ...]:
        return self.values


class Or(Node, frozen=True):
    """``a or b or …``."""

    values: tuple[OptExpr, ...]

    def children(self) -> tuple[OptExpr, ...]:
        return self.values


class IfElse(Node, frozen=True):
    """``body if test else orelse`` (the test's calls are recorded as call sites)."""

    body: OptExpr
    orelse: OptExpr

    def children(self) -> tuple[OptExpr, ...]:
        return (self.body, self.orelse)


class BinOp(Node, frozen=True):
    """``left <op> right`` for the operators a library class can define (``path / "name"``);
    ``op`` is the dunder that implements it (``__truediv__``)."""

    left: OptExpr
    op: str
    right: OptExpr

    def children(self) -> tuple[OptExpr, ...]:
        return (self.left, self.right)


# every concrete node: what a field of type ``OptExpr`` holds (msgspec decodes by this union)
AnyExpr = Union[
    Name,
    Attr,
    Call,
    Await,
    Subscript,
    Const,
    TypeUnion,
    Enter,
    Iterate,
    Unpack,
    ListDisplay,
    DictDisplay,
    Or,
    IfElse,
    BinOp,
]
OptExpr = Optional[AnyExpr]

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
