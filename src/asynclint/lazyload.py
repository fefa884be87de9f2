"""Lazy relationship loads: reading `order.customer` on an ORM object issues a SELECT.

SQLAlchemy (and SQLModel) load a relationship declared with the default `lazy="select"` the
first time it is read, on the object's (sync) Session, in the calling thread. A read is
reported only when every fact is known from the source:

* the object is a local name bound in the same function, each time, to one row (or, in a
  `for`, to the rows) of a query run on a **sync** Session: `session.get(Model, id)`,
  `session.query(Model)....first()` / `.one()` / `.all()`, `session.scalars(select(Model)...)`,
  `session.execute(select(Model)...).scalar_one()`, SQLModel's `session.exec(...)`, or a
  project function whose every `return` is one of those;
* the query loads nothing eagerly: a chain holding `.options(...)` (or anything not known to
  keep the rows as they are) is not followed;
* the attribute is a relationship the project's model class (or a project base of it)
  declares with `relationship(...)` / `Relationship(...)` and no eager `lazy=` strategy;
* it is the first read of that attribute of that name in the function (later reads find it
  loaded).

An awaited query is an AsyncSession's: its objects raise `MissingGreenlet` instead of loading,
which is not a blocking call, and is not reported here.
"""

from __future__ import annotations

from typing import Optional

from asynclint.catalog import Info
from asynclint.expr import AnyExpr, Attr, Call, Const, DictDisplay, Iterate, Name, OptExpr
from asynclint.resolve import ClassKey, Ext, FuncKey, Inst, PClass, PFunc, Resolver, Scope
from asynclint.summary import CallSite, FunctionSummary

RELATIONSHIPS = frozenset(
    {
        "sqlalchemy.orm.relationship",
        "sqlalchemy.orm.relation",
        "sqlalchemy.orm._orm_constructors.relationship",
        "sqlalchemy.orm.relationships.relationship",
        "sqlmodel.Relationship",
        "sqlmodel.main.Relationship",
    }
)
# loader strategies that load nothing when the attribute is read (loaded with the parent, or
# never, or a query object handed back)
_EAGER = frozenset(
    {
        "selectin",
        "joined",
        "subquery",
        "immediate",
        "noload",
        "raise",
        "raise_on_sql",
        "dynamic",
        "write_only",
    }
)
# the catalog classes whose queries run in the calling thread
SYNC_SESSIONS = frozenset(
    {"sqlalchemy.orm.Session", "sqlalchemy.orm.scoped_session", "sqlmodel.Session"}
)
SELECTS = frozenset(
    {
        "sqlalchemy.select",
        "sqlalchemy.sql.select",
        "sqlalchemy.future.select",
        "sqlalchemy.sql.expression.select",
        "sqlmodel.select",
    }
)
# steps of a query or `select()` that keep its rows the model's objects, loading nothing more
_STEPS = frozenset(
    {
        "filter",
        "filter_by",
        "where",
        "order_by",
        "group_by",
        "having",
        "limit",
        "offset",
        "join",
        "outerjoin",
        "distinct",
        "select_from",
        "execution_options",
        "params",
        "with_for_update",
    }
)
_ONE = frozenset({"first", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none"})
_MAX_DEPTH = 3
# the `source` of a lazy load's facts: its message says what the read does
LAZY_LOAD = "asynclint.lazyload"


def info(model: str, attribute: str) -> Info:
    return Info(
        category="database",
        why="lazy-loads the relationship: a SELECT on the object's Session, on the calling thread",
        replacement=(
            f"eager loading in the query that loads the object: "
            f"`.options(selectinload({model}.{attribute}))` (or `joinedload`)"
        ),
        anchor="sqlalchemy",
        source=LAZY_LOAD,
    )


class LazyLoads:
    """Which attribute reads of a function lazy-load a relationship."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.catalog = resolver.catalog
        self._first: dict[tuple[str, str], dict[tuple[str, str], tuple[int, int]]] = {}
        self._relationships: dict[ClassKey, dict[str, bool]] = {}

    def loads(
        self, key: FuncKey, function: FunctionSummary, site: CallSite
    ) -> Optional[tuple[ClassKey, str]]:
        """The (model, relationship) the read ``site`` lazy-loads, or None."""
        first = site.func
        while isinstance(first, Attr) and isinstance(first.value, Attr):
            first = first.value
        if not (isinstance(first, Attr) and isinstance(first.value, Name)):
            return None
        name, attribute = first.value.id, first.attr
        if self._first_reads(key, function).get((name, attribute)) != (site.line, site.column):
            return None
        model = self.local_model(name, function, key.path, 0)
        if model is None or not self.relationship(model, attribute):
            return None
        return model, attribute

    def _first_reads(
        self, key: FuncKey, function: FunctionSummary
    ) -> dict[tuple[str, str], tuple[int, int]]:
        found = self._first.get(key)
        if found is None:
            found = {}
            for site in sorted(function.read_sites, key=lambda s: (s.line, s.column)):
                node = site.func
                while isinstance(node, Attr) and isinstance(node.value, Attr):
                    node = node.value
                if isinstance(node, Attr) and isinstance(node.value, Name):
                    found.setdefault((node.value.id, node.attr), (site.line, site.column))
            self._first[key] = found
        return found

    # -- where an object comes from ----------------------------------------------------------

    def local_model(
        self, name: str, function: FunctionSummary, path: str, depth: int
    ) -> Optional[ClassKey]:
        """The model whose row(s) every binding of local ``name`` holds."""
        if name not in function.local_names or name in function.param_map:
            return None
        if name in function.imported:
            return None
        values = function.assigned.get(name, ())
        if not values:
            return None
        scope = Scope(path, function.qualname)
        found: set[ClassKey] = set()
        for value in values:
            if isinstance(value, Iterate):
                model = self.rows(value.value, scope, function, depth)
            else:
                model = self.row(value, scope, function, depth)
            if model is None:
                return None
            found.add(model)
        return found.pop() if len(found) == 1 else None

    def row(
        self, e: OptExpr, scope: Scope, function: FunctionSummary, depth: int
    ) -> Optional[ClassKey]:
        """The model of the one object ``e`` loads through a sync Session."""
        if not isinstance(e, Call) or depth > _MAX_DEPTH:
            return None  # an Await is an AsyncSession's query
        func = e.func
        if isinstance(func, Attr):
            if func.attr in ("get", "get_one") and self.sync_session(func.value, scope):
                return self.model(e.args[0] if e.args else None, scope)
            if func.attr in ("scalar", "scalar_one") and self.sync_session(func.value, scope):
                return self.select(e.args[0] if e.args else None, scope)
            if func.attr in _ONE or func.attr == "get":
                return self.query(func.value, scope) or self.result(func.value, scope, func.attr)
            return None
        callee = self.resolver.value(func, scope)
        if isinstance(callee, PFunc):
            return self.returned(callee.key, depth + 1)
        return None

    def rows(
        self, e: OptExpr, scope: Scope, function: FunctionSummary, depth: int
    ) -> Optional[ClassKey]:
        """The model of the objects iterating ``e`` gives (`for user in query.all():`)."""
        if isinstance(e, Call) and isinstance(e.func, Attr) and e.func.attr == "all":
            return self.query(e.func.value, scope) or self.result(e.func.value, scope, "all")
        return self.query(e, scope) or self.result(e, scope, "all")

    def returned(self, key: FuncKey, depth: int) -> Optional[ClassKey]:
        """The model a sync project function loads and returns, on every `return`."""
        function = self.resolver.function(key)
        if function is None or function.is_async or function.is_generator:
            return None
        if not function.return_values:
            return None
        scope = Scope(key.path, function.qualname)
        found: set[Optional[ClassKey]] = set()
        for value in function.return_values:
            if isinstance(value, Name):
                found.add(self.local_model(value.id, function, key.path, depth))
            else:
                found.add(self.row(value, scope, function, depth))
        return found.pop() if len(found) == 1 else None

    def query(self, e: OptExpr, scope: Scope) -> Optional[ClassKey]:
        """`session.query(Model)` with steps that keep its rows: the model."""
        while isinstance(e, Call) and isinstance(e.func, Attr) and e.func.attr in _STEPS:
            e = e.func.value
        if not (isinstance(e, Call) and isinstance(e.func, Attr) and e.func.attr == "query"):
            return None
        if len(e.args) != 1 or e.kwargs or not self.sync_session(e.func.value, scope):
            return None
        return self.model(e.args[0], scope)

    def result(self, e: OptExpr, scope: Scope, terminal: str) -> Optional[ClassKey]:
        """The model of the objects ``terminal`` (`first`, `all` or iteration) takes from
        ``e``: `session.scalars(select(Model))`, SQLModel's `session.exec(...)` and
        `session.execute(...).scalars()` (and `.unique()`) give objects; `session.execute(...)`
        gives rows, whose `scalar_one()` / `scalar_one_or_none()` / `scalar()` is the object."""
        if isinstance(e, Call) and isinstance(e.func, Attr) and e.func.attr == "unique":
            e = e.func.value
        if not (isinstance(e, Call) and isinstance(e.func, Attr)):
            return None
        method, receiver = e.func.attr, e.func.value
        if method == "scalars" and not e.args and isinstance(receiver, Call):
            if isinstance(receiver.func, Attr) and receiver.func.attr == "execute":
                e, method, receiver = receiver, "scalars", receiver.func.value
        elif method == "execute" and terminal not in ("scalar", "scalar_one", "scalar_one_or_none"):
            return None
        if method not in ("scalars", "exec", "execute") or not self.sync_session(receiver, scope):
            return None
        return self.select(e.args[0] if e.args else None, scope)

    def select(self, e: OptExpr, scope: Scope) -> Optional[ClassKey]:
        """`select(Model)` with steps that keep its rows: the model."""
        while isinstance(e, Call) and isinstance(e.func, Attr) and e.func.attr in _STEPS:
            e = e.func.value
        if not isinstance(e, Call) or len(e.args) != 1 or e.kwargs:
            return None
        callee = self.resolver.value(e.func, scope)
        if not (isinstance(callee, Ext) and callee.name in SELECTS):
            return None
        return self.model(e.args[0], scope)

    def model(self, e: OptExpr, scope: Scope) -> Optional[ClassKey]:
        value = self.resolver.value(e, scope)
        return value.key if isinstance(value, PClass) else None

    def sync_session(self, e: AnyExpr, scope: Scope) -> bool:
        value = self.resolver.value(e, scope)
        if not isinstance(value, Inst) or value.path:
            return False
        names = [value.type] if isinstance(value.type, str) else []
        if isinstance(value.type, ClassKey):
            names = self.resolver.library_bases(value.type)
        for name in names:
            entry = self.catalog.cls(name)
            if entry is not None and entry.name in SYNC_SESSIONS:
                return True
        return False

    # -- the model's relationships -----------------------------------------------------------

    def relationship(self, model: ClassKey, attribute: str) -> bool:
        """``attribute`` is a lazily loaded relationship the project's ``model`` (or a project
        base class of it) declares."""
        for owner in self.resolver.mro(model):
            if not isinstance(owner, ClassKey):
                continue
            declared = self._declared(owner)
            if attribute in declared:
                return declared[attribute]
        return False

    def _declared(self, owner: ClassKey) -> dict[str, bool]:
        """The class body's assignments: name -> a lazy relationship (False: anything else)."""
        found = self._relationships.get(owner)
        if found is None:
            found = {}
            summary = self.resolver.cls(owner)
            if summary is not None:
                function = summary.qualname.rsplit(".<locals>.", 1)[0]
                scope = Scope(owner.path, function if ".<locals>." in summary.qualname else None)
                for binding in summary.attrs:
                    found[binding.name] = self._lazy(binding.value, scope)
            self._relationships[owner] = found
        return found

    def _lazy(self, value: OptExpr, scope: Scope) -> bool:
        if not isinstance(value, Call):
            return False
        callee = self.resolver.value(value.func, scope)
        if not (isinstance(callee, Ext) and callee.name in RELATIONSHIPS):
            return False
        for keyword in value.kwargs:
            if keyword.name == "lazy":
                return keyword.value in (Const("select"), Const(True))
            if keyword.name in ("sa_relationship_kwargs", "**"):
                table = keyword.value
                if not isinstance(table, DictDisplay):
                    return False  # options we cannot read: maybe eager
                if any(
                    isinstance(v, Const) and (v.value in _EAGER or v.value is False)
                    for v in table.values
                ):
                    return False
        return True
