"""What a port to an ``AsyncSession`` must rewrite rather than swap, for ``asynclint migrate``.

A relationship declared ``lazy="dynamic"`` (`user.posts.filter_by(...).all()`) hands back a
`Query` bound to the object's sync Session: SQLAlchemy's asyncio extension does not support the
dynamic loader (only inside `AsyncSession.run_sync()`), so no drop-in async twin exists. The
model changes to ``lazy="write_only"`` (`WriteOnlyMapped`) and each use becomes a ``select()``
statement (`await session.scalars(user.posts.select().where(...))`). The inventory lists every
such relationship, and the routes whose body reads one through an instance of a known model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from asynclint.expr import Attr, Call, Const, OptExpr, const_str
from asynclint.lazyload import RELATIONSHIPS
from asynclint.resolve import ClassKey, Ext, FuncKey, Inst, Resolver, Scope
from asynclint.summary import ModuleSummary, display_name

REWRITE = (
    '`lazy="write_only"` (`WriteOnlyMapped`) and a `select()` per use '
    "(`await session.scalars(user.posts.select().where(...))`): asyncio does not support the "
    "dynamic loader"
)
# `db.relationship(...)` / `db.backref(...)` on a Flask-SQLAlchemy object
_FLASK_SQLALCHEMY = ("flask_sqlalchemy.SQLAlchemy", "flask_sqlalchemy.extension.SQLAlchemy")
_BACKREFS = frozenset({"sqlalchemy.orm.backref", "sqlalchemy.orm.relationships.backref"})


@dataclass(frozen=True)
class Dynamic:
    """A `lazy="dynamic"` relationship: `model.attribute`, declared at `path:line`."""

    model: str  # the model's class name as written (a backref names its target by string)
    attribute: str
    path: str
    line: int


class DynamicRelationships:
    def __init__(self, resolver: Resolver, modules: Sequence[ModuleSummary]) -> None:
        self.resolver = resolver
        self.found: list[Dynamic] = []
        for module in modules:
            for cls in module.classes.values():
                scope = Scope(module.path, _enclosing(cls.qualname))
                for binding in cls.attrs:
                    self._declared(
                        cls.name, binding.name, binding.value, module.path, binding.line, scope
                    )
        self._names = {(d.model, d.attribute) for d in self.found}

    def _declared(
        self, model: str, attribute: str, value: OptExpr, path: str, line: int, scope: Scope
    ) -> None:
        if not isinstance(value, Call) or not self._is(value.func, scope, "relationship"):
            return
        if _lazy(value) == "dynamic":
            self.found.append(Dynamic(model, attribute, path, line))
        backref = value.keyword("backref")
        target = const_str(value.argument(0, "argument"))
        if isinstance(backref, Call) and self._is(backref.func, scope, "backref") and target:
            name = const_str(backref.argument(0, "name"))
            if name is not None and _lazy(backref) == "dynamic":
                self.found.append(Dynamic(target.rsplit(".", 1)[-1], name, path, line))

    def _is(self, func: OptExpr, scope: Scope, kind: str) -> bool:
        value = self.resolver.value(func, scope)
        if isinstance(value, Ext):
            names = RELATIONSHIPS if kind == "relationship" else _BACKREFS
            return value.name in names
        return isinstance(value, Inst) and value.type in _FLASK_SQLALCHEMY and value.path == kind

    def used(self, key: FuncKey) -> list[tuple[int, Dynamic]]:
        """The dynamic relationships function ``key`` reads through an instance of a project
        model (`user.followers.count()`), with the line of each read."""
        if not self.found:
            return []
        function = self.resolver.function(key)
        if function is None:
            return []
        scope = Scope(key.path, function.qualname)
        out: list[tuple[int, Dynamic]] = []
        for site in (*function.calls, *function.read_sites):
            node: OptExpr = site.func
            while isinstance(node, (Attr, Call)):
                if isinstance(node, Attr):
                    found = self._read(node, scope, site.line)
                    if found is not None and found not in out:
                        out.append(found)
                    node = node.value
                else:
                    node = node.func
        return out

    def _read(self, node: Attr, scope: Scope, line: int) -> Optional[tuple[int, Dynamic]]:
        owner = self.resolver.value(node.value, scope)
        if not isinstance(owner, Inst) or not isinstance(owner.type, ClassKey) or owner.path:
            return None
        for cls in self.resolver.mro(owner.type):
            if not isinstance(cls, ClassKey):
                continue
            name = display_name(cls.qualname).rsplit(".", 1)[-1]
            if (name, node.attr) in self._names:
                for dynamic in self.found:
                    if (dynamic.model, dynamic.attribute) == (name, node.attr):
                        return line, dynamic
        return None


def _lazy(call: Call) -> Optional[str]:
    value = call.keyword("lazy")
    return value.value if isinstance(value, Const) and isinstance(value.value, str) else None


def _enclosing(qualname: str) -> Optional[str]:
    return qualname.rsplit(".<locals>.", 1)[0] if ".<locals>." in qualname else None
