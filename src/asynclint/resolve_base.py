"""The resolver's shared state, and the interface between its parts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional, Union

from asynclint.catalog import Catalog
from asynclint.expr import (
    Call,
    Node,
    OptExpr,
)
from asynclint.project import Project
from asynclint.resolve_values import (
    ClassKey,
    FuncKey,
    Inst,
    Scope,
    Value,
)
from asynclint.summary import (
    CallSite,
    ClassSummary,
    FunctionSummary,
    ModuleSummary,
)


class ResolverBase:
    """The resolver's state and its access to summaries, and the methods one part of the
    resolver asks of another (each defined by exactly one part: ``Resolver`` joins them)."""

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

    def module(self, path: str) -> ModuleSummary:
        return self.project.summary(path)

    def function(self, key: FuncKey) -> Optional[FunctionSummary]:
        return self.module(key.path).functions.get(key.qualname)

    def cls(self, key: ClassKey) -> Optional[ClassSummary]:
        return self.module(key.path).classes.get(key.qualname)

    # -- asked across parts (see resolve.Resolver) -------------------------------------

    def value(self, e: OptExpr, scope: Scope) -> Value:
        raise NotImplementedError

    def _value(self, e: Node, scope: Scope) -> Value:
        raise NotImplementedError

    def name(self, name: str, scope: Scope) -> Value:
        raise NotImplementedError

    def _combine(self, values: Iterable[OptExpr], scope: Scope, name: str = "") -> Value:
        raise NotImplementedError

    def global_name(self, path: str, name: str) -> Value:
        raise NotImplementedError

    def member(self, base: Value, attr: str) -> Value:
        raise NotImplementedError

    def decorated(self, key: FuncKey) -> Optional[str]:
        raise NotImplementedError

    def state_value(self, name: str, owner: OptExpr, scope: Scope) -> Value:
        raise NotImplementedError

    def mro(self, key: ClassKey) -> list[Union[ClassKey, str]]:
        raise NotImplementedError

    def find_method(self, key: ClassKey, name: str) -> Optional[FuncKey]:
        raise NotImplementedError

    def library_bases(self, key: ClassKey) -> list[str]:
        raise NotImplementedError

    def call_result(self, e: Call, scope: Scope) -> Value:
        raise NotImplementedError

    def _library_returns(self, inst: Inst, default_method: str) -> Value:
        raise NotImplementedError

    def entered(self, value: Value) -> Value:
        raise NotImplementedError

    def return_type(self, key: FuncKey) -> Value:
        raise NotImplementedError

    def param_type(self, function: FunctionSummary, name: str, path: str) -> Value:
        raise NotImplementedError

    def passed(self, key: FuncKey, function: FunctionSummary, name: str) -> Value:
        raise NotImplementedError

    def _calls_named(self, name: str) -> list[tuple[str, Optional[str], CallSite]]:
        raise NotImplementedError

    def element(self, e: OptExpr, scope: Scope) -> Value:
        raise NotImplementedError

    def annotation_type(self, hint: OptExpr, scope: Scope, depth: int = 0) -> Value:
        raise NotImplementedError
