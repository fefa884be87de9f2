"""What a name, attribute or call refers to: a library symbol, a project definition, or an
instance of a known type.

Everything is resolved from the summaries alone: imports and aliases, module globals, locals
and parameters (with their annotations and FastAPI ``Depends``), ``self.x`` set in any method,
class attributes, ``with ... as``, and the return types of project functions and catalog
factories. Whatever cannot be proven resolves to ``None``: an unknown receiver is never guessed.
"""

from __future__ import annotations

from asynclint.expr import (
    NONE,
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
    Unpack,
)
from asynclint.resolve_members import Members
from asynclint.resolve_names import Names
from asynclint.resolve_types import Types
from asynclint.resolve_values import (
    _ANNOTATED,
    _OPTIONAL,
    _TUPLE_ITEMS,
    _UNION,
    CALLERS_BUDGET,
    ClassKey,
    Ext,
    FuncKey,
    Gen,
    Inst,
    PClass,
    PFunc,
    PMod,
    Scope,
    Tup,
    TypeForm,
    Value,
    _item,
    _names_in,
    decorator_names,
    site_scope,
)

__all__ = [
    "CALLERS_BUDGET",
    "ClassKey",
    "Ext",
    "FuncKey",
    "Gen",
    "Inst",
    "PClass",
    "PFunc",
    "PMod",
    "Resolver",
    "Scope",
    "Tup",
    "TypeForm",
    "Value",
    "decorator_names",
    "site_scope",
]


class Resolver(Names, Members, Types):
    """Resolution over one project; memoised, cycle safe. Its parts, one concern each:
    ``Names`` (resolve_names), ``Members`` (resolve_members) and ``Types`` (resolve_types),
    over the state and interface of ``ResolverBase``; expressions are dispatched here."""

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
