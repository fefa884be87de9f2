"""One file -> a per-file summary: what later stages need, read with `ast` only.

The summary keeps expressions in a small, hashable, picklable form (``Expr``) so it can be
cached by content hash and shipped between processes. Nothing here knows about other files:
names are resolved later (``resolve``), with the whole project in view.

Expr forms (tuples):
    ("name", id)                      ("attr", base, attr)
    ("call", func, args, kwargs)      args: tuple of Expr|None; kwargs: tuple of (name, Expr|None)
    ("await", value)                  ("sub", base, items)   items: tuple of Expr|None
    ("const", value)                  str / int / float / bool / None
    ("union", items)                  ``X | Y`` in an annotation
    ("enter", value)                  the value bound by ``with value as name``
    ("iter", value)                   an element of iterating ``value``
    ("list", items)                   a list or tuple display
    ("dict", values)                  a dict display (its values)
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, ClassVar, Optional, Union

from asynclint.deep import run_deep

Expr = Optional[tuple[Any, ...]]


@dataclass(frozen=True)
class Param:
    name: str
    annotation: Expr
    default: Expr


@dataclass(frozen=True)
class CallSite:
    func: Expr  # the callee expression; for "with"/"iter" sites, the object entered/iterated
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str, Expr], ...]
    line: int  # 1-based, of the callee expression
    column: int  # 1-based
    end_line: int
    end_column: int  # 1-based, exclusive
    kind: str = "call"  # "call" | "with" (enter/exit of a sync `with`) | "iter" (sync iteration)
    awaited: bool = False
    # index (in the function's calls) of the call whose arguments hold the lambda this call
    # sits in; -1 when inside a lambda that is not a call argument; None outside lambdas
    lambda_owner: Optional[int] = None


@dataclass(frozen=True)
class FunctionSummary:
    qualname: str  # "UserService.create", "outer.<locals>.inner"
    name: str
    line: int
    column: int
    is_async: bool
    is_generator: bool
    class_name: Optional[str]  # qualname of the class when this is a method defined in it
    parent: Optional[str]  # qualname of the enclosing function, for closures
    decorators: tuple[Expr, ...]
    params: tuple[Param, ...]
    returns: Expr
    awaits: bool  # awaits anything in its own body (await, async for, async with)
    assigns: tuple[tuple[str, Expr], ...]  # local name -> value (in source order)
    annotations: tuple[tuple[str, Expr], ...]  # `x: T` inside the body
    self_assigns: tuple[tuple[str, Expr], ...]  # `self.x = value` (first parameter)
    self_annotations: tuple[tuple[str, Expr], ...]  # `self.x: T = ...`
    local_names: frozenset[str]
    imports: tuple[tuple[str, tuple[int, str, Optional[str]]], ...]
    calls: tuple[CallSite, ...]
    return_values: tuple[Expr, ...]
    yield_values: tuple[Expr, ...]


@dataclass(frozen=True)
class ClassSummary:
    qualname: str
    name: str
    line: int
    bases: tuple[Expr, ...]
    keywords: tuple[tuple[str, Expr], ...]
    decorators: tuple[Expr, ...]
    methods: tuple[tuple[str, str], ...]  # method name -> function qualname
    attrs: tuple[tuple[str, Expr], ...]  # class-level `x = value`
    annotations: tuple[tuple[str, Expr], ...]  # class-level `x: T`


@dataclass(frozen=True)
class ParseError:
    line: int
    column: int  # 1-based
    message: str  # completes "file ...": "does not parse: invalid syntax (as Python 3.11)"
    kind: str = "syntax"  # syntax | encoding | nesting | read


@dataclass(frozen=True)
class ModuleSummary:
    path: str
    is_package: bool
    imports: tuple[tuple[str, tuple[int, str, Optional[str]]], ...]
    star_imports: tuple[tuple[int, str], ...]
    globals: tuple[tuple[str, Expr], ...]
    annotations: tuple[tuple[str, Expr], ...]
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    module_calls: tuple[CallSite, ...] = ()
    noqa: dict[int, frozenset[str]] = field(default_factory=dict)  # empty set: every code
    error: Optional[ParseError] = None
    import_line: int = 1  # where a new `import` goes: after the docstring and __future__

    @cached_property
    def names(self) -> frozenset[str]:
        """Every name the module binds at its top level (computed once: it is asked a lot)."""
        out = {name for name, _ in self.imports} | {name for name, _ in self.globals}
        out |= {name for name, _ in self.annotations}
        out |= {q for q in self.functions if "." not in q}
        out |= {q for q in self.classes if "." not in q}
        return frozenset(out)


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


def expr(node: Optional[ast.AST]) -> Expr:
    """A small hashable form of an expression; None for shapes the resolver never needs."""
    if node is None:
        return None
    if isinstance(node, ast.Name):
        return ("name", node.id)
    if isinstance(node, ast.Attribute):
        base = expr(node.value)
        return ("attr", base, node.attr) if base is not None else None
    if isinstance(node, ast.Call):
        args = tuple(expr(a.value if isinstance(a, ast.Starred) else a) for a in node.args)
        kwargs = tuple((k.arg or "**", expr(k.value)) for k in node.keywords)
        return ("call", expr(node.func), args, kwargs)
    if isinstance(node, ast.Await):
        return ("await", expr(node.value))
    if isinstance(node, ast.Subscript):
        index: Any = node.slice
        items = index.elts if isinstance(index, ast.Tuple) else [index]
        return ("sub", expr(node.value), tuple(expr(i) for i in items))
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, (str, int, float, bool)) or value is None:
            return ("const", value)
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return ("union", (expr(node.left), expr(node.right)))
    if isinstance(node, (ast.List, ast.Tuple)):
        return ("list", tuple(expr(e) for e in node.elts))
    if isinstance(node, ast.Dict):
        # only the values matter to the resolver (`exception_handlers={Exc: handler}`)
        return ("dict", tuple(expr(v) for v in node.values))
    if isinstance(node, ast.IfExp):
        # `x if c else None` is common for optional clients; keep the non-None branch
        body, orelse = expr(node.body), expr(node.orelse)
        if orelse == ("const", None):
            return body
        if body == ("const", None):
            return orelse
        return None
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) == 2:
        # `client or requests.Session()`: the fallback's type is the one we can know
        return expr(node.values[1])
    return None


def annotation(node: Optional[ast.AST]) -> Expr:
    """Like ``expr``, but string annotations (``"Session"``) are parsed into expressions."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            parsed = ast.parse(node.value.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError):
            return None
        return annotation(parsed.body)
    if isinstance(node, ast.Subscript):
        base = expr(node.value)
        index: Any = node.slice
        items = index.elts if isinstance(index, ast.Tuple) else [index]
        return ("sub", base, tuple(annotation(i) for i in items))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return ("union", (annotation(node.left), annotation(node.right)))
    return expr(node)


# ---------------------------------------------------------------------------------------------
# The visitor


_Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]

# calls whose arguments the analysis reads (contexts: how FastAPI registers handlers)
ARGUMENTS_READ = frozenset(
    {"add_event_handler", "add_api_route", "add_route", "include_router", "add_exception_handler"}
)
KEYWORDS_READ = frozenset({"lifespan", "exception_handlers"})


def _last_name(func: Expr) -> Optional[str]:
    if func is not None and func[0] == "name":
        return str(func[1])
    if func is not None and func[0] == "attr":
        return str(func[2])
    return None


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
        self.assigns: list[tuple[str, Expr]] = []
        self.annotations: list[tuple[str, Expr]] = []
        self.self_assigns: list[tuple[str, Expr]] = []
        self.self_annotations: list[tuple[str, Expr]] = []
        self.local_names: set[str] = set()
        self.declared_global: set[str] = set()
        self.imports: list[tuple[str, tuple[int, str, Optional[str]]]] = []
        self.calls: list[CallSite] = []
        self.returns: list[Expr] = []
        self.yields: list[Expr] = []
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
        )


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

    _dispatch: ClassVar[dict[type, Any]] = {}

    def visit(self, node: ast.AST) -> Any:
        kind = type(node)
        method: Any = self._dispatch.get(kind)
        if method is None:
            if issubclass(kind, _LEAVES):
                method = _skip
            else:
                method = getattr(type(self), "visit_" + kind.__name__, type(self).generic_visit)
            self._dispatch[kind] = method
        return method(self, node)

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
        self.star_imports: list[tuple[int, str]] = []
        self.class_stack: list[
            tuple[str, list[tuple[str, str]], list[tuple[str, Expr]], list[tuple[str, Expr]]]
        ] = []
        self.prefix = ""  # qualname prefix of the current scope
        # lambdas: (call index of the owning call or -1) for the innermost enclosing lambda
        self.lambda_owner: list[int] = []
        self.call_stack: list[int] = []  # indexes of calls whose arguments are being visited

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
        saved_classes = self.class_stack
        self.current, self.prefix = builder, f"{qualname}.<locals>."
        self.lambda_owner, self.call_stack, self.class_stack = [], [], []
        for statement in node.body:
            self.visit(statement)
        self.current, self.prefix, self.lambda_owner, self.call_stack = saved
        self.class_stack = saved_classes
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
        attrs: list[tuple[str, Expr]] = []
        annotations: list[tuple[str, Expr]] = []
        if not hasattr(self, "_class_builders"):
            self._class_builders = []
        # class bodies bind into a throwaway scope: their names are attributes, not locals
        body_scope = _FunctionBuilder(None, qualname, None, None)
        body_scope.calls = self.current.calls  # calls in a class body run where it is defined
        self._class_builders.append(body_scope)
        self.class_stack.append((qualname, methods, attrs, annotations))
        saved_current, saved_prefix = self.current, self.prefix
        self.current, self.prefix = body_scope, f"{qualname}."
        for statement in node.body:
            self.visit(statement)
        self.current, self.prefix = saved_current, saved_prefix
        self.class_stack.pop()
        self._class_builders.pop()
        attrs.extend(body_scope.assigns)
        annotations.extend(body_scope.annotations)
        self.classes[qualname] = ClassSummary(
            qualname=qualname,
            name=node.name,
            line=node.lineno,
            bases=tuple(expr(b) for b in node.bases),
            keywords=tuple((k.arg or "**", expr(k.value)) for k in node.keywords),
            decorators=tuple(expr(d) for d in node.decorator_list),
            methods=tuple(methods),
            attrs=tuple(attrs),
            annotations=tuple(annotations),
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

    def _bind(self, name: str, value: Expr) -> None:
        self.current.local_names.add(name)
        self.current.assigns.append((name, value))

    def _bind_target(self, target: ast.AST, value: Expr) -> None:
        if isinstance(target, ast.Name):
            self._bind(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind_target(element, None)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, None)
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == self.current.self_name
        ):
            self.current.self_assigns.append((target.attr, value))

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
            self.current.annotations.append((target.id, hint))
            if node.value is not None:
                self.current.assigns.append((target.id, expr(node.value)))
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == self.current.self_name
        ):
            self.current.self_annotations.append((target.attr, hint))
            if node.value is not None:
                self.current.self_assigns.append((target.attr, expr(node.value)))

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self._visit_target_parts(node.target)
        if isinstance(node.target, ast.Name):
            self.current.local_names.add(node.target.id)

    def visit_NamedExpr(self, node: Any) -> None:
        self.visit(node.value)
        self._bind(node.target.id, expr(node.value))

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
            if alias.asname:
                local, target = alias.asname, (0, alias.name, None)
            else:
                local = alias.name.split(".")[0]
                target = (0, local, None)
            self.current.local_names.add(local)
            self.current.imports.append((local, target))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                if self.current is self.module:
                    self.star_imports.append((node.level or 0, module))
                continue
            local = alias.asname or alias.name
            self.current.local_names.add(local)
            self.current.imports.append((local, (node.level or 0, module, alias.name)))

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._bind(node.name, None)
        self.generic_visit(node)

    # -- control flow with implicit calls ------------------------------------------------

    def visit_For(self, node: ast.For) -> None:
        self._iterate(node.iter)
        self._bind_target(node.target, ("iter", expr(node.iter)))
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self.current.awaits = True
        self.visit(node.iter)
        self._bind_target(node.target, None)
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)

    def _iterate(self, iterable: ast.expr) -> None:
        self.visit(iterable)
        self._site(iterable, expr(iterable), (), (), kind="iter")

    def _comprehension(self, node: Any) -> None:
        for generator in node.generators:
            if generator.is_async:
                self.current.awaits = True
                self.visit(generator.iter)
            else:
                self._iterate(generator.iter)
            self._bind_target(generator.target, ("iter", expr(generator.iter)))
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
            self._site(item.context_expr, expr(item.context_expr), (), (), kind="with")
            if item.optional_vars is not None:
                self._bind_target(item.optional_vars, ("enter", expr(item.context_expr)))
        for statement in node.body:
            self.visit(statement)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self.current.awaits = True
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._bind_target(item.optional_vars, ("enter", expr(item.context_expr)))
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

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        self.current.is_generator = True
        self._iterate(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        self._call(node, awaited=False)

    def _call(self, node: ast.Call, awaited: bool) -> None:
        self.visit(node.func)
        func = expr(node.func)
        # arguments are kept only where a later stage reads them (registrations such as
        # `add_event_handler`, `FastAPI(lifespan=...)`): converting every argument of every
        # call is most of a cold run's summarising time
        keep = _last_name(func) in ARGUMENTS_READ or any(
            k.arg in KEYWORDS_READ for k in node.keywords
        )
        index = self._site(
            node.func,
            func,
            tuple(expr(a.value if isinstance(a, ast.Starred) else a) for a in node.args)
            if keep
            else (),
            tuple((k.arg or "**", expr(k.value)) for k in node.keywords) if keep else (),
            kind="call",
            awaited=awaited,
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
        func: Expr,
        args: tuple[Expr, ...],
        kwargs: tuple[tuple[str, Expr], ...],
        kind: str,
        awaited: bool = False,
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
            )
        )
        return len(self.current.calls) - 1


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


def iter_exprs(value: Expr) -> Iterator[tuple[Any, ...]]:
    """Every sub-expression of ``value``, depth first, the value itself first."""
    if value is None:
        return
    yield value
    kind = value[0]
    if kind == "attr" or kind in ("await", "enter", "iter"):
        yield from iter_exprs(value[1])
    elif kind == "call":
        yield from iter_exprs(value[1])
        for argument in value[2]:
            yield from iter_exprs(argument)
        for _, argument in value[3]:
            yield from iter_exprs(argument)
    elif kind == "sub":
        yield from iter_exprs(value[1])
        for item in value[2]:
            yield from iter_exprs(item)
    elif kind in ("union", "list", "dict"):
        for item in value[1]:
            yield from iter_exprs(item)
