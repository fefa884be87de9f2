"""One file -> a per-file summary: what later stages need, read with `ast` only.

Expressions are kept as the small immutable nodes of ``asynclint.expr``; bindings and imports
as records with their line, so they can be cached by content hash and shipped between
processes. Nothing here knows about other files: names are resolved later (``resolve``), with
the whole project in view.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from enum import Enum
from functools import cached_property
from typing import Callable, ClassVar, NamedTuple, Optional, Union

from msgspec import Struct, field
from msgspec.structs import replace

from asynclint.deep import run_deep
from asynclint.expr import (
    Attr,
    Await,
    BinOp,
    Call,
    Const,
    ConstValue,
    DictDisplay,
    Enter,
    IfElse,
    Iterate,
    Keyword,
    ListDisplay,
    Name,
    OptExpr,
    Or,
    Subscript,
    TypeUnion,
    Unpack,
    last_name,
)
from asynclint.fastapi_model import ARGUMENTS_READ, KEYWORDS_READ


class SiteKind(str, Enum):
    CALL = "call"
    WITH = "with"  # the enter and exit of a sync `with`
    ITER = "iter"  # sync iteration (`for`, comprehensions, `yield from`)
    READ = "read"  # reading an attribute (`result.state`): a property may do I/O


class Binding(NamedTuple):
    """``name = value`` (or ``name: value`` for annotations), at ``line``."""

    name: str
    value: OptExpr
    line: int


class Import(NamedTuple):
    """``import module`` (``name`` None) or ``from module import name`` bound to ``local``."""

    local: str
    level: int  # leading dots of a relative import
    module: str
    name: Optional[str]
    line: int


class StarImport(NamedTuple):
    level: int
    module: str
    line: int


def by_name(bindings: tuple[Binding, ...]) -> dict[str, tuple[OptExpr, ...]]:
    """Values bound to each name, in source order."""
    out: dict[str, list[OptExpr]] = {}
    for binding in bindings:
        out.setdefault(binding.name, []).append(binding.value)
    return {name: tuple(values) for name, values in out.items()}


# an attribute read: (the chain, line, column, end line, end column (1-based, exclusive), the
# index of the call whose lambda holds it (see ``CallSite.lambda_owner``), why it is cold)
Read = tuple[OptExpr, int, int, int, int, Optional[int], str]


class Region(NamedTuple):
    """Lines of a block that may not run each time its function does: an arm of an `if` or
    `match`, a loop body, the body, a handler or the `else` of a `try`. Two regions of one
    ``group`` with different non-zero ``arm`` numbers exclude each other (`if` / `else`)."""

    start: int
    end: int
    group: int
    arm: int


class Param(NamedTuple):
    name: str
    annotation: OptExpr
    default: OptExpr


class CallSite(NamedTuple):
    func: OptExpr  # the callee; for `with`/`iter` sites, the object entered or iterated
    args: tuple[OptExpr, ...]  # kept only for calls a later stage reads (registrations)
    kwargs: tuple[Keyword, ...]
    line: int  # 1-based, of the callee expression
    column: int  # 1-based
    end_line: int
    end_column: int  # 1-based, exclusive
    kind: SiteKind = SiteKind.CALL
    awaited: bool = False
    # index (in the function's calls) of the call whose arguments hold the lambda this call
    # sits in; -1 when inside a lambda that is not a call argument; None outside lambdas
    lambda_owner: Optional[int] = None
    # the arguments, shallow (a name, an attribute, or the callee of a call; None for anything
    # else, and for `*args`): what a file API is given decides whether it touches the file
    # system (`io.BytesIO(...)`), and what callers pass types unannotated parameters
    positional: tuple[OptExpr, ...] = ()
    keywords: tuple[Keyword, ...] = ()
    spread: bool = False  # `*args` or `**kwargs` among them: positions are not known

    # why the site is off the normal path of its function, "" when it is on it: "except" (an
    # exception handler), "debug" (`if __debug__:` / `if TYPE_CHECKING:`), "lazy" (the body
    # of `if x is None:`, a one-time initialisation), "nonblocking" (the call passes
    # `block=False` / `blocking=False`). Only library analysis reads it
    cold: str = ""

    @property
    def first(self) -> OptExpr:
        return self.positional[0] if self.positional else None


# The summaries are msgspec structs, stored as MessagePack arrays by the cache (see ``cache``):
# frozen, with a ``__dict__`` only for the maps ``cached_property`` builds once on first use.


class FunctionSummary(Struct, frozen=True, array_like=True, dict=True):
    qualname: str  # "UserService.create", "outer.<locals>.inner"
    name: str
    line: int
    column: int
    is_async: bool
    is_generator: bool
    class_name: Optional[str]  # qualname of the class when this is a method defined in it
    parent: Optional[str]  # qualname of the enclosing function, for closures
    decorators: tuple[OptExpr, ...]
    params: tuple[Param, ...]
    returns: OptExpr
    awaits: bool  # awaits anything in its own body (await, async for, async with)
    assigns: tuple[Binding, ...]  # local name = value, in source order
    annotations: tuple[Binding, ...]  # `x: T` inside the body
    self_assigns: tuple[Binding, ...]  # `self.x = value` (first parameter)
    self_annotations: tuple[Binding, ...]  # `self.x: T = ...`
    local_names: frozenset[str]
    imports: tuple[Import, ...]
    calls: tuple[CallSite, ...]
    return_values: tuple[OptExpr, ...]
    yield_values: tuple[OptExpr, ...]
    # attribute reads that are not a call's callee (`result.state`, `order.customer.name`),
    # the longest chain only: its inner attributes are read too. Kept as plain tuples (the
    # summariser makes tens of thousands); ``read_sites`` gives them as sites
    reads: tuple[Read, ...] = ()
    # `x.state.name = value` (Starlette's `app.state` / `request.state`), by name
    state_assigns: tuple[Binding, ...] = ()
    # the conditional blocks, kept only when a local is bound more than once (flow typing):
    # flat (start, end, group, arm) quadruples, stored as one array of ints
    region_lines: tuple[int, ...] = ()

    # maps built once, on first use (after a summary is loaded, never stored with it)
    @cached_property
    def assigned(self) -> dict[str, tuple[OptExpr, ...]]:
        return by_name(self.assigns)

    @cached_property
    def annotated(self) -> dict[str, tuple[OptExpr, ...]]:
        return by_name(self.annotations)

    @cached_property
    def rebound(self) -> dict[str, tuple[Binding, ...]]:
        """The bindings of each local bound more than once, in source order."""
        out: dict[str, list[Binding]] = {}
        for binding in self.assigns:
            out.setdefault(binding.name, []).append(binding)
        return {name: tuple(found) for name, found in out.items() if len(found) > 1}

    @cached_property
    def regions(self) -> tuple[Region, ...]:
        flat = self.region_lines
        return tuple(Region(*flat[i : i + 4]) for i in range(0, len(flat), 4))

    @cached_property
    def flowing(self) -> frozenset[str]:
        """The locals whose type a read's line can change: bound more than once, or a
        parameter rebound in the body."""
        return frozenset(self.rebound) | {p.name for p in self.params if p.name in self.assigned}

    @property
    def flow(self) -> bool:
        return bool(self.flowing)

    @cached_property
    def imported(self) -> dict[str, Import]:
        """The first import binding each name (a function's imports run in order)."""
        out: dict[str, Import] = {}
        for item in self.imports:
            out.setdefault(item.local, item)
        return out

    @cached_property
    def param_map(self) -> dict[str, Param]:
        return {param.name: param for param in self.params}

    @cached_property
    def read_sites(self) -> tuple[CallSite, ...]:
        """The attribute reads as sites of kind READ (`func` is the chain read)."""
        return tuple(
            CallSite(
                chain,
                (),
                (),
                line,
                column,
                end_line,
                end_column,
                SiteKind.READ,
                lambda_owner=owner,
                cold=cold,
            )
            for chain, line, column, end_line, end_column, owner, cold in self.reads
        )


class ClassSummary(Struct, frozen=True, array_like=True, dict=True):
    qualname: str
    name: str
    line: int
    bases: tuple[OptExpr, ...]
    keywords: tuple[Keyword, ...]
    decorators: tuple[OptExpr, ...]
    methods: tuple[tuple[str, str], ...]  # method name -> function qualname
    attrs: tuple[Binding, ...]  # class-level `x = value`
    annotations: tuple[Binding, ...]  # class-level `x: T`

    @cached_property
    def method_map(self) -> dict[str, str]:
        """Method name -> function qualname (the first definition, as before)."""
        out: dict[str, str] = {}
        for name, qualname in self.methods:
            out.setdefault(name, qualname)
        return out


class ParseError(Struct, frozen=True, gc=False, array_like=True):
    line: int
    column: int  # 1-based
    message: str  # completes "file ...": "does not parse: invalid syntax (as Python 3.11)"
    kind: str = "syntax"  # syntax | encoding | nesting | read


class ModuleSummary(Struct, frozen=True, array_like=True, dict=True):
    path: str
    is_package: bool
    imports: tuple[Import, ...]
    star_imports: tuple[StarImport, ...]
    globals: tuple[Binding, ...]
    annotations: tuple[Binding, ...]
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    module_calls: tuple[CallSite, ...] = ()
    noqa: dict[int, frozenset[str]] = field(default_factory=dict)  # empty set: every code
    error: Optional[ParseError] = None
    import_line: int = 1  # where a new `import` goes: after the docstring and __future__
    state_assigns: tuple[Binding, ...] = ()  # module-level `app.state.name = value`
    # the text spells `Depends` or `Security`: without either, no call in the module is a
    # FastAPI dependency, and the contexts need not look for one (True when not known)
    depends: bool = True

    @cached_property
    def names(self) -> frozenset[str]:
        """Every name the module binds at its top level (computed once: it is asked a lot)."""
        out = {item.local for item in self.imports} | {b.name for b in self.globals}
        out |= {b.name for b in self.annotations}
        out |= {q for q in self.functions if "." not in q}
        out |= {q for q in self.classes if "." not in q}
        return frozenset(out)

    @cached_property
    def assigned(self) -> dict[str, tuple[OptExpr, ...]]:
        return by_name(self.globals)

    @cached_property
    def annotated(self) -> dict[str, tuple[OptExpr, ...]]:
        return by_name(self.annotations)

    @cached_property
    def imported(self) -> dict[str, Import]:
        """The last import binding each name (a later module-level import wins)."""
        return {item.local: item for item in self.imports}


# ---------------------------------------------------------------------------------------------
# Suppression comments


_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)
_IGNORE = re.compile(r"#\s*asynclint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.I)


def suppressions(source: str) -> dict[int, frozenset[str]]:
    """`# noqa`, `# noqa: ASL101,ASL201` and `# asynclint: ignore[ASL101]`, by line."""
    out: dict[int, frozenset[str]] = {}
    if "noqa" not in source.lower() and "asynclint" not in source.lower():
        return out
    for number, text in enumerate(source_lines(source), start=1):
        if "#" not in text:
            continue
        for pattern in (_NOQA, _IGNORE):
            match = pattern.search(text)
            if match is None:
                continue
            raw = match.group("codes")
            codes = frozenset(c.upper() for c in re.split(r"[,\s]+", raw or "") if c)
            previous = out.get(number)
            if previous is not None and (not previous or not codes):
                out[number] = frozenset()
            else:
                out[number] = (previous or frozenset()) | codes
    return out


# ---------------------------------------------------------------------------------------------
# Expressions


def expr(node: Optional[ast.AST]) -> OptExpr:
    """The node for an expression; None for shapes the resolver never needs."""
    if node is None:
        return None
    # dispatch on the node's type: this runs for every expression of every summarised file
    encode = _ENCODERS.get(type(node))
    return encode(node) if encode is not None else None


def _name(node: ast.Name) -> OptExpr:
    return Name(node.id)


def _attribute(node: ast.Attribute) -> OptExpr:
    base = expr(node.value)
    return Attr(base, node.attr) if base is not None else None


def _call_expr(node: ast.Call) -> OptExpr:
    return Call(expr(node.func), _arguments(node), _keywords(node))


def _await(node: ast.Await) -> OptExpr:
    return Await(expr(node.value))


def _subscript(node: ast.Subscript) -> OptExpr:
    return Subscript(expr(node.value), tuple(expr(i) for i in _index_items(node)))


def _constant(node: ast.Constant) -> OptExpr:
    value = node.value
    if isinstance(value, (str, int, float, bool)) or value is None:
        return Const(value) if _storable(value) else None
    return None


def _storable(value: ConstValue) -> bool:
    """Whether the cache's MessagePack can carry ``value``: not an int beyond 64 bits, nor a
    string with a lone surrogate (``"\\udc80"``). No later stage reads such a constant, and
    a summary that holds one could never be cached."""
    if isinstance(value, int):
        return -(2**63) <= value < 2**64
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


def _unary(node: ast.UnaryOp) -> OptExpr:
    # `t[-1]`: a negative index is a constant too
    operand = node.operand
    if isinstance(node.op, ast.USub) and isinstance(operand, ast.Constant):
        value = operand.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return Const(-value) if _storable(-value) else None
    return None


def _binop(node: ast.BinOp) -> OptExpr:
    if isinstance(node.op, ast.BitOr):
        return TypeUnion((expr(node.left), expr(node.right)))
    if isinstance(node.op, ast.Div):
        return BinOp(expr(node.left), "__truediv__", expr(node.right))
    return None


def _display(node: ast.List | ast.Tuple) -> OptExpr:
    return ListDisplay(tuple(expr(e) for e in node.elts))


def _dict(node: ast.Dict) -> OptExpr:
    return DictDisplay(tuple(expr(v) for v in node.values))


def _if_else(node: ast.IfExp) -> OptExpr:
    return IfElse(expr(node.body), expr(node.orelse))


def _bool_op(node: ast.BoolOp) -> OptExpr:
    return Or(tuple(expr(v) for v in node.values)) if isinstance(node.op, ast.Or) else None


_ENCODERS: dict[type[ast.AST], Callable[..., OptExpr]] = {
    ast.Name: _name,
    ast.Attribute: _attribute,
    ast.Call: _call_expr,
    ast.Await: _await,
    ast.Subscript: _subscript,
    ast.Constant: _constant,
    ast.BinOp: _binop,
    ast.UnaryOp: _unary,
    ast.List: _display,
    ast.Tuple: _display,
    ast.Dict: _dict,
    ast.IfExp: _if_else,
    ast.BoolOp: _bool_op,
}


def _arguments(node: ast.Call) -> tuple[OptExpr, ...]:
    return tuple(expr(a.value if isinstance(a, ast.Starred) else a) for a in node.args)


def _keywords(node: ast.Call) -> tuple[Keyword, ...]:
    return tuple(Keyword(k.arg or "**", expr(k.value)) for k in node.keywords)


def _index_items(node: ast.Subscript) -> list[ast.expr]:
    index = node.slice  # the expression itself since Python 3.9 (no `ast.Index`)
    return list(index.elts) if isinstance(index, ast.Tuple) else [index]


def _shallow(node: ast.expr) -> OptExpr:
    """A cheap form of an argument: names and attributes whole, a call by its callee only
    (enough to type `io.BytesIO(data)`); anything else None (`*args` too, as its position is
    unknown). Every call site keeps these."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        return expr(node)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in _LAZY_WRAPPERS:
            # `list(enumerate(rows()))` iterates `rows()`: the wrapper's arguments are kept
            return Call(expr(func), tuple(_shallow(a) for a in node.args), ())
        return Call(expr(func), (), ())
    return None


# builtins that iterate their arguments only as they are themselves iterated
_LAZY_WRAPPERS = frozenset({"enumerate", "zip", "map", "filter", "iter", "reversed"})


def annotation(node: Optional[ast.AST]) -> OptExpr:
    """Like ``expr``, but string annotations (``"Session"``) are parsed into expressions."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            parsed = ast.parse(node.value.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError):
            return None
        return annotation(parsed.body)
    if isinstance(node, ast.Subscript):
        return Subscript(expr(node.value), tuple(annotation(i) for i in _index_items(node)))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return TypeUnion((annotation(node.left), annotation(node.right)))
    return expr(node)


# ---------------------------------------------------------------------------------------------
# The visitor


_Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]


class _FunctionBuilder:
    """Collects one function's (or the module's) facts while the summariser walks its body."""

    def __init__(
        self,
        node: Optional[_Function],
        qualname: str,
        class_name: Optional[str],
        parent: Optional[str],
    ) -> None:
        self.node = node
        self.qualname = qualname
        self.class_name = class_name
        self.parent = parent
        self.assigns: list[Binding] = []
        self.annotations: list[Binding] = []
        self.self_assigns: list[Binding] = []
        self.self_annotations: list[Binding] = []
        self.local_names: set[str] = set()
        self.declared_global: set[str] = set()
        self.imports: list[Import] = []
        self.calls: list[CallSite] = []
        self.reads: list[Read] = []
        self.modules: set[str] = set()  # names bound by `import module`: their reads are no I/O
        self.returns: list[OptExpr] = []
        self.yields: list[OptExpr] = []
        self.state_assigns: list[Binding] = []
        self.regions: list[int] = []  # flat (start, end, group, arm) quadruples
        self.awaits = False
        self.is_generator = False
        self.self_name: Optional[str] = None
        if node is not None:
            args = node.args
            positional = [*getattr(args, "posonlyargs", []), *args.args]
            if class_name is not None and positional and not _is_static(node):
                self.self_name = positional[0].arg
            for arg in [*positional, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None:
                    self.local_names.add(arg.arg)

    def build(self) -> FunctionSummary:
        node = self.node
        assert node is not None
        args = node.args
        positional = [*getattr(args, "posonlyargs", []), *args.args]
        defaults: list[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults))
        defaults += list(args.defaults)
        params = [
            Param(a.arg, annotation(a.annotation), expr(d)) for a, d in zip(positional, defaults)
        ]
        params += [
            Param(a.arg, annotation(a.annotation), expr(d))
            for a, d in zip(args.kwonlyargs, args.kw_defaults)
        ]
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                params.append(Param(extra.arg, None, None))
        return FunctionSummary(
            qualname=self.qualname,
            name=node.name,
            line=node.lineno,
            column=node.col_offset + 1,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            is_generator=self.is_generator,
            class_name=self.class_name,
            parent=self.parent,
            decorators=tuple(expr(d) for d in node.decorator_list),
            params=tuple(params),
            returns=annotation(node.returns),
            awaits=self.awaits,
            assigns=tuple(self.assigns),
            annotations=tuple(self.annotations),
            self_assigns=tuple(self.self_assigns),
            self_annotations=tuple(self.self_annotations),
            local_names=frozenset(self.local_names - self.declared_global),
            imports=tuple(self.imports),
            calls=tuple(self.calls),
            return_values=tuple(self.returns),
            yield_values=tuple(self.yields),
            reads=tuple(self.reads),
            state_assigns=tuple(self.state_assigns),
            region_lines=self._kept_regions(),
        )

    def _kept_regions(self) -> tuple[int, ...]:
        """The groups of regions that hold a binding of a local bound more than once: the
        others cannot change which binding reaches a read."""
        flat = self.regions
        if not flat:
            return ()
        names = [binding.name for binding in self.assigns]
        if len(set(names)) == len(names):  # the common case, answered in C
            return ()
        seen: set[str] = set()
        twice: set[str] = set()
        for name in names:
            (twice if name in seen else seen).add(name)
        lines = {b.line for b in self.assigns if b.name in twice}
        groups = {
            flat[i + 2]
            for i in range(0, len(flat), 4)
            if any(flat[i] <= line <= flat[i + 1] for line in lines)
        }
        return tuple(
            value
            for i in range(0, len(flat), 4)
            if flat[i + 2] in groups
            for value in flat[i : i + 4]
        )


def _first_star(target: Union[ast.Tuple, ast.List]) -> int:
    return next(i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred))


def _is_static(node: _Function) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)


# nodes that hold no call, await, lambda, binding or definition: never walked into
_LEAVES = (
    ast.expr_context,
    ast.operator,
    ast.unaryop,
    ast.cmpop,
    ast.boolop,
    ast.Constant,
    ast.Name,
    ast.Pass,
    ast.Break,
    ast.Continue,
    ast.alias,
)


def _skip(visitor: object, node: ast.AST) -> None:
    return None


class _Summariser(ast.NodeVisitor):
    """Walks one module. Dispatch is cached per node type: this is the hot loop of a cold run."""

    _dispatch: ClassVar[dict[type[ast.AST], Callable[..., None]]] = {}

    def visit(self, node: ast.AST) -> None:
        kind = type(node)
        method = self._dispatch.get(kind)
        if method is None:
            found: Callable[..., None] = (
                _skip
                if issubclass(kind, _LEAVES)
                else getattr(type(self), "visit_" + kind.__name__, type(self).generic_visit)
            )
            self._dispatch[kind] = method = found
        method(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def __init__(self) -> None:
        self.module = _FunctionBuilder(None, "<module>", None, None)
        self.current = self.module
        self.functions: dict[str, FunctionSummary] = {}
        self.classes: dict[str, ClassSummary] = {}
        self.star_imports: list[StarImport] = []
        self.class_stack: list[tuple[str, list[tuple[str, str]]]] = []
        self.prefix = ""  # qualname prefix of the current scope
        # lambdas: (call index of the owning call or -1) for the innermost enclosing lambda
        self.lambda_owner: list[int] = []
        self.call_stack: list[int] = []  # indexes of calls whose arguments are being visited
        self.cold: list[str] = []  # why the statements being visited are off the normal path

    # -- scopes ---------------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def _function(self, node: _Function) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        in_class = bool(self.class_stack) and self.current is self._class_owner()
        qualname = f"{self.prefix}{node.name}"
        self.current.local_names.add(node.name)
        class_name = self.class_stack[-1][0] if in_class else None
        if in_class:
            self.class_stack[-1][1].append((node.name, qualname))
        parent = None if self.current is self.module else self.current.qualname
        if in_class:
            parent = None if self._class_parent() is None else self._class_parent()
        builder = _FunctionBuilder(node, qualname, class_name, parent)
        saved = (self.current, self.prefix, self.lambda_owner, self.call_stack)
        saved_classes, saved_cold = self.class_stack, self.cold
        self.current, self.prefix = builder, f"{qualname}.<locals>."
        self.lambda_owner, self.call_stack, self.class_stack, self.cold = [], [], [], []
        for statement in node.body:
            self.visit(statement)
        self.current, self.prefix, self.lambda_owner, self.call_stack = saved
        self.class_stack, self.cold = saved_classes, saved_cold
        earlier = self.functions.pop(qualname, None)
        if earlier is not None:
            # redefined: the name now means this one, but the earlier one may still run
            # (FastAPI registered it through its decorator), so it is kept under another key
            moved = f"{qualname}@{earlier.line}"
            self.functions[moved] = replace(earlier, qualname=moved)
        self.functions[qualname] = builder.build()

    def _class_owner(self) -> _FunctionBuilder:
        return self._class_builders[-1]

    def _class_parent(self) -> Optional[str]:
        owner = self._class_builders[-1]
        return None if owner is self.module else owner.qualname

    _class_builders: list[_FunctionBuilder]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for base in node.bases:
            self.visit(base)
        self.current.local_names.add(node.name)
        qualname = f"{self.prefix}{node.name}"
        methods: list[tuple[str, str]] = []
        if not hasattr(self, "_class_builders"):
            self._class_builders = []
        # class bodies bind into a throwaway scope: their names are attributes, not locals
        body_scope = _FunctionBuilder(None, qualname, None, None)
        body_scope.calls = self.current.calls  # calls in a class body run where it is defined
        body_scope.reads = self.current.reads
        body_scope.modules = self.current.modules
        self._class_builders.append(body_scope)
        self.class_stack.append((qualname, methods))
        saved_current, saved_prefix = self.current, self.prefix
        self.current, self.prefix = body_scope, f"{qualname}."
        for statement in node.body:
            self.visit(statement)
        self.current, self.prefix = saved_current, saved_prefix
        self.class_stack.pop()
        self._class_builders.pop()
        self.classes[qualname] = ClassSummary(
            qualname=qualname,
            name=node.name,
            line=node.lineno,
            bases=tuple(expr(b) for b in node.bases),
            keywords=tuple(Keyword(k.arg or "**", expr(k.value)) for k in node.keywords),
            decorators=tuple(expr(d) for d in node.decorator_list),
            methods=tuple(methods),
            attrs=tuple(body_scope.assigns),
            annotations=tuple(body_scope.annotations),
        )

    def visit_Lambda(self, node: ast.Lambda) -> None:
        owner = self.call_stack[-1] if self.call_stack else -1
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        self.lambda_owner.append(owner)
        self.visit(node.body)
        self.lambda_owner.pop()

    # -- bindings -------------------------------------------------------------------------

    def _bind(self, name: str, value: OptExpr, line: int) -> None:
        self.current.local_names.add(name)
        self.current.assigns.append(Binding(name, value, line))

    def _bind_target(self, target: ast.AST, value: OptExpr) -> None:
        if isinstance(target, ast.Name):
            self._bind(target.id, value, target.lineno)
        elif isinstance(target, (ast.Tuple, ast.List)):
            starred = any(isinstance(e, ast.Starred) for e in target.elts)
            for index, element in enumerate(target.elts):
                # positions are known up to a starred target only
                # (a `for` target's items are never typed: no element types are tracked)
                known = not (
                    value is None
                    or isinstance(value, Iterate)
                    or (starred and index >= _first_star(target))
                )
                self._bind_target(element, Unpack(value, index) if known else None)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, None)
        elif isinstance(target, ast.Attribute):
            owner = target.value
            if isinstance(owner, ast.Name) and owner.id == self.current.self_name:
                self.current.self_assigns.append(Binding(target.attr, value, target.lineno))
            elif isinstance(owner, ast.Attribute) and owner.attr == "state":
                self.current.state_assigns.append(Binding(target.attr, value, target.lineno))

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        value = expr(node.value)
        for target in node.targets:
            self._visit_target_parts(target)
            self._bind_target(target, value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self._visit_target_parts(node.target)
        hint = annotation(node.annotation)
        target = node.target
        if isinstance(target, ast.Name):
            self.current.local_names.add(target.id)
            self.current.annotations.append(Binding(target.id, hint, node.lineno))
            if node.value is not None:
                self.current.assigns.append(Binding(target.id, expr(node.value), node.lineno))
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == self.current.self_name
        ):
            self.current.self_annotations.append(Binding(target.attr, hint, node.lineno))
            if node.value is not None:
                self.current.self_assigns.append(
                    Binding(target.attr, expr(node.value), node.lineno)
                )

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self._visit_target_parts(node.target)
        if isinstance(node.target, ast.Name):
            self.current.local_names.add(node.target.id)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._bind(node.target.id, expr(node.value), node.lineno)

    def _visit_target_parts(self, target: ast.AST) -> None:
        # calls inside targets (`d[f()] = x`) still run
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            self.generic_visit(target)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._visit_target_parts(element)

    def visit_Global(self, node: ast.Global) -> None:
        self.current.declared_global.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.current.declared_global.update(node.names)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            # `import a.b` binds `a`; `import a.b as c` binds `a.b`
            local = alias.asname or alias.name.split(".")[0]
            module = alias.name if alias.asname else local
            self.current.local_names.add(local)
            self.current.modules.add(local)
            self.current.imports.append(Import(local, 0, module, None, node.lineno))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                if self.current is self.module:
                    self.star_imports.append(StarImport(node.level or 0, module, node.lineno))
                continue
            local = alias.asname or alias.name
            self.current.local_names.add(local)
            self.current.imports.append(
                Import(local, node.level or 0, module, alias.name, node.lineno)
            )

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._bind(node.name, None, node.lineno)
        if node.type is not None:
            self.visit(node.type)
        self.cold.append("except")
        for statement in node.body:
            self.visit(statement)
        self.cold.pop()

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        group = self._group()
        self._region(node.body, group, 1)
        self._region(node.orelse, group, 2)
        why = _cold_branch(node, self.current.declared_global)
        if why:
            self.cold.append(why)
        for statement in node.body:
            self.visit(statement)
        if why:
            self.cold.pop()
        for statement in node.orelse:
            self.visit(statement)

    def _group(self) -> int:
        return len(self.current.regions) // 4

    def _region(self, body: list[ast.stmt], group: int, arm: int, start: int = 0) -> None:
        if body:
            end = body[-1].end_lineno or body[-1].lineno
            self.current.regions += (start or body[0].lineno, end, group, arm)

    def _loop(self, node: Union[ast.For, ast.AsyncFor, ast.While]) -> None:
        # the target is bound on the header line, and only when the loop runs
        group = self._group()
        self._region(node.body, group, 0, node.lineno)
        self._region(node.orelse, group, 0)

    def visit_While(self, node: ast.While) -> None:
        self._loop(node)
        self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        self._try(node.body, node.handlers, node.orelse)
        self.generic_visit(node)

    def visit_TryStar(self, node: ast.AST) -> None:  # `except*`, Python 3.11+
        self._try(getattr(node, "body", []), getattr(node, "handlers", []), [])
        self.generic_visit(node)

    def _try(
        self, body: list[ast.stmt], handlers: list[ast.ExceptHandler], orelse: list[ast.stmt]
    ) -> None:
        group = self._group()
        self._region(body, group, 0)
        for arm, handler in enumerate(handlers, start=1):
            self._region(handler.body, group, arm, handler.lineno)
        self._region(orelse, group, len(handlers) + 1)

    def visit_Match(self, node: ast.AST) -> None:
        group = self._group()
        for arm, case in enumerate(getattr(node, "cases", []), start=1):
            self._region(case.body, group, arm, case.pattern.lineno)
        self.generic_visit(node)

    # -- control flow with implicit calls ------------------------------------------------

    def visit_For(self, node: ast.For) -> None:
        self._loop(node)
        self._iterate(node.iter)
        self._bind_target(node.target, Iterate(expr(node.iter)))
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._loop(node)
        self.current.awaits = True
        self.visit(node.iter)
        self._bind_target(node.target, None)
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)

    def _iterate(self, iterable: ast.expr) -> None:
        self.visit(iterable)
        self._site(iterable, expr(iterable), (), (), kind=SiteKind.ITER)

    def _comprehension(
        self, node: Union[ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp]
    ) -> None:
        for generator in node.generators:
            if generator.is_async:
                self.current.awaits = True
                self.visit(generator.iter)
            else:
                self._iterate(generator.iter)
            self._bind_target(generator.target, Iterate(expr(generator.iter)))
            for condition in generator.ifs:
                self.visit(condition)
        for part in ("elt", "key", "value"):
            child = getattr(node, part, None)
            if child is not None:
                self.visit(child)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            self._site(item.context_expr, expr(item.context_expr), (), (), kind=SiteKind.WITH)
            if item.optional_vars is not None:
                self._bind_target(item.optional_vars, Enter(expr(item.context_expr)))
        for statement in node.body:
            self.visit(statement)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self.current.awaits = True
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._bind_target(item.optional_vars, Enter(expr(item.context_expr)))
        for statement in node.body:
            self.visit(statement)

    def visit_Await(self, node: ast.Await) -> None:
        self.current.awaits = True
        if isinstance(node.value, ast.Call):
            self._call(node.value, awaited=True)
        else:
            self.visit(node.value)

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.visit(node.value)
            self.current.returns.append(expr(node.value))

    def visit_Yield(self, node: ast.Yield) -> None:
        self.current.is_generator = True
        if node.value is not None:
            self.visit(node.value)
        self.current.yields.append(expr(node.value))
        if isinstance(node.value, ast.Dict) and isinstance(self.current.node, ast.AsyncFunctionDef):
            self._lifespan_state(node.value)

    def _lifespan_state(self, state: ast.Dict) -> None:
        """`yield {"db": Client()}` in an async generator taking the app: Starlette's lifespan
        state, copied into each `request.state`, so the keys are state names like those of
        `app.state.db = ...`. Another async generator yielding such a dict only adds a
        source; one that disagrees leaves the name untyped."""
        current = self.current
        node = current.node
        assert node is not None
        if len(node.args.args) + len(getattr(node.args, "posonlyargs", [])) != 1:
            return
        for key, value in zip(state.keys, state.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                current.state_assigns.append(Binding(key.value, expr(value), value.lineno))

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        self.current.is_generator = True
        self._iterate(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        self._call(node, awaited=False)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load):
            self._read(node)
        # the inner attributes of the chain are part of this read, not reads of their own
        value = node.value
        while isinstance(value, ast.Attribute):
            value = value.value
        self.visit(value)

    def _read(self, node: ast.Attribute) -> None:
        if self.current is self.module:
            return  # import-time code does not run on the loop
        root: ast.expr = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name):
            if root.id in self.current.modules or root.id in self.module.modules:
                return  # `os.environ`, `settings_module.X`: module attributes, never I/O
            if root is node.value and root.id == self.current.self_name:
                return  # `self.x`: an attribute of the project's own object
        chain = expr(node)
        if chain is None:
            return
        start_line, start_col = node.lineno, node.col_offset
        end_line = node.end_lineno or start_line
        end_col = node.end_col_offset if node.end_col_offset is not None else start_col + 1
        self.current.reads.append(
            (
                chain,
                start_line,
                start_col + 1,
                end_line,
                end_col + 1,
                self.lambda_owner[-1] if self.lambda_owner else None,
                self.cold[-1] if self.cold else "",
            )
        )

    def _call(self, node: ast.Call, awaited: bool) -> None:
        # the callee's receiver is read (`job.result` in `job.result.get()`); the callee not
        self.visit(node.func.value if isinstance(node.func, ast.Attribute) else node.func)
        func = expr(node.func)
        # arguments are kept only where a later stage reads them (registrations such as
        # `add_event_handler`, `FastAPI(lifespan=...)`): converting every argument of every
        # call is most of a cold run's summarising time
        keep = last_name(func) in ARGUMENTS_READ or any(
            k.arg in KEYWORDS_READ for k in node.keywords
        )
        index = self._site(
            node.func,
            func,
            _arguments(node) if keep else (),
            _keywords(node) if keep else (),
            kind=SiteKind.CALL,
            awaited=awaited,
            positional=tuple(_shallow(a) for a in node.args),
            keywords=tuple(Keyword(k.arg or "**", _shallow(k.value)) for k in node.keywords),
            spread=any(isinstance(a, ast.Starred) for a in node.args)
            or any(k.arg is None for k in node.keywords),
            cold="nonblocking" if _nonblocking(node) else "",
        )
        self.call_stack.append(index)
        for argument in node.args:
            self.visit(argument)
        for keyword in node.keywords:
            self.visit(keyword.value)
        self.call_stack.pop()

    def _site(
        self,
        anchor: ast.AST,
        func: OptExpr,
        args: tuple[OptExpr, ...],
        kwargs: tuple[Keyword, ...],
        kind: SiteKind,
        awaited: bool = False,
        positional: tuple[OptExpr, ...] = (),
        keywords: tuple[Keyword, ...] = (),
        spread: bool = False,
        cold: str = "",
    ) -> int:
        start_line = getattr(anchor, "lineno", 1)
        start_col = getattr(anchor, "col_offset", 0)
        end_line = getattr(anchor, "end_lineno", None) or start_line
        end_col = getattr(anchor, "end_col_offset", None)
        if end_col is None:
            end_col = start_col + 1
        self.current.calls.append(
            CallSite(
                func=func,
                args=args,
                kwargs=kwargs,
                line=start_line,
                column=start_col + 1,
                end_line=end_line,
                end_column=end_col + 1,
                kind=kind,
                awaited=awaited,
                lambda_owner=self.lambda_owner[-1] if self.lambda_owner else None,
                positional=positional,
                keywords=keywords,
                spread=spread,
                cold=cold or (self.cold[-1] if self.cold else ""),
            )
        )
        return len(self.current.calls) - 1


_DEBUG_FLAGS = frozenset({"__debug__", "TYPE_CHECKING"})


def _nonblocking(node: ast.Call) -> bool:
    """`q.get(block=False)`, `lock.acquire(blocking=False)`: the call never waits."""
    return any(
        k.arg in ("block", "blocking")
        and isinstance(k.value, ast.Constant)
        and k.value.value is False
        for k in node.keywords
    )


def _cold_branch(node: ast.If, declared_global: set[str]) -> str:
    """Why the body of ``if test:`` is off a function's normal path, or "": a debug-only block,
    or the one-time initialisation of a value that outlives the call and is built on first use
    (`if self._client is None: self._client = ...`, or the same on a `global`). A local set
    when it is None (`if data is None: data = fetch()`) is a cache miss, and is not one."""
    test = node.test
    name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
    if name in _DEBUG_FLAGS:
        return "debug"
    if not (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Is)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        return ""
    kept = test.left
    if isinstance(kept, ast.Name) and kept.id not in declared_global:
        return ""
    if not isinstance(kept, (ast.Name, ast.Attribute)):
        return ""
    target = ast.unparse(kept)
    for statement in node.body:
        targets = (
            statement.targets
            if isinstance(statement, ast.Assign)
            else [statement.target]
            if isinstance(statement, ast.AnnAssign)
            else []
        )
        if any(ast.unparse(t) == target for t in targets):
            return "lazy"
    return ""


def summarise(source: Union[str, bytes], path: str) -> ModuleSummary:
    """Summarise one file; a file that does not parse gives a summary with ``error`` set."""
    is_package = path.endswith("__init__.py")
    error: Optional[ParseError]
    try:
        text = decode_source(source) if isinstance(source, bytes) else source
    except LookupError as exc:  # a coding cookie naming no codec
        text = None
        error = ParseError(1, 1, f"declares an unknown encoding ({exc})", "encoding")
    except UnicodeDecodeError as exc:
        text = None
        error = ParseError(
            1, 1, f"is not valid UTF-8 ({exc.reason} at byte {exc.start})", "encoding"
        )
    if text is not None:
        code = source if isinstance(source, bytes) else text

        def parse() -> ast.Module:
            return ast.parse(code, filename=path)

        try:
            if sys.version_info < (3, 11):
                # the parser of 3.9 and 3.10 can overflow the C stack on deeply nested input
                # (a crash, not an exception): parse where the stack is large
                tree = run_deep(parse)
            else:
                try:
                    tree = parse()
                except RecursionError:  # deep but valid: retry with room for it
                    tree = run_deep(parse)
            error = None
        except SyntaxError as exc:
            line = exc.lineno or 1
            column = max(exc.offset or 1, 1)
            version = ".".join(map(str, sys.version_info[:2]))
            error = ParseError(line, column, f"does not parse: {exc.msg} (as Python {version})")
        except (RecursionError, MemoryError):
            error = ParseError(1, 1, "is too deeply nested to parse", "nesting")
        except ValueError as exc:  # e.g. a NUL byte
            error = ParseError(1, 1, f"does not parse: {exc}", "encoding")
    if error is not None or text is None:
        return ModuleSummary(path, is_package, (), (), (), (), error=error)

    def walk() -> _Summariser:
        visitor = _Summariser()
        for statement in tree.body:
            visitor.visit(statement)
        return visitor

    try:
        try:
            visitor = walk()
        except RecursionError:  # rare: retry with room for it (see asynclint.deep)
            visitor = run_deep(walk)
    except RecursionError:
        return ModuleSummary(
            path,
            is_package,
            (),
            (),
            (),
            (),
            error=ParseError(1, 1, "is too deeply nested to analyse", "nesting"),
        )
    module = visitor.module
    return ModuleSummary(
        path=path,
        is_package=is_package,
        imports=tuple(module.imports),
        star_imports=tuple(visitor.star_imports),
        globals=tuple(module.assigns),
        annotations=tuple(module.annotations),
        functions=visitor.functions,
        classes=visitor.classes,
        module_calls=tuple(module.calls),
        noqa=suppressions(text),
        import_line=_import_line(tree),
        state_assigns=tuple(module.state_assigns),
        depends="Depends" in text or "Security" in text,
    )


def _import_line(tree: ast.Module) -> int:
    line = 1
    for index, statement in enumerate(tree.body):
        is_docstring = (
            index == 0
            and isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        )
        is_future = isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
        if not (is_docstring or is_future):
            return statement.lineno
        line = (statement.end_lineno or statement.lineno) + 1
    return line


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """Lines as Python numbers them: split at \\n, \\r\\n and \\r only (`str.splitlines` also
    splits at form feeds and U+2028, which can sit inside a string literal)."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def decode_source(data: bytes) -> str:
    """The text of a Python file: its coding cookie (PEP 263) or BOM, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    if encoding == "utf-8-sig" or data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    return data.decode(encoding)


def display_name(qualname: str) -> str:
    """`outer.<locals>.inner` -> `outer.inner`; `update@43` (a redefined name) -> `update`."""
    return re.sub(r"@\d+$", "", qualname.replace(".<locals>", ""))
