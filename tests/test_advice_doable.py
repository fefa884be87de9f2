"""Every piece of advice on every finding of `tests/fixtures/**` and `examples/` is doable.

Advice is read mechanically: its backticked snippets are parsed with `ast`, and

* "make `X` async" never names a dunder (`__exit__`, `__post_init__` …), a property, a
  hook or cached function whose caller needs a plain value, or a function that already is
  `async def`; "make `X` a plain `def`" only names an `async def`;
* an offload (`asyncio.to_thread`, `run_in_threadpool`, `anyio.to_thread.run_sync`, `asyncify`,
  `loop.run_in_executor`) is handed a callable expression — a name, attribute or lambda, never
  `...`, an instance built in place (`Transaction(...)`), a call result (`rows(...)`) or the
  object a `with` enters / a `for` iterates — and never a dunder method.

On main before issue 12 (f8276c9) this failed with 23 problems on 19 findings, among them:
`offload it with ``await asyncio.to_thread(Transaction(...), ...)``, or make
``Transaction.__exit__`` async ...` (interprocedural.py:76), `... make ``Profile.__post_init__``
async ...` (:73), `to_thread(timed(...), ...)` (:78), `to_thread(rows(...), ...)` (:81), "make
``Client.connect`` async" through `Client.__init__` and "make ``remote_settings`` async" for an
`lru_cache`d function (advice.py), `to_thread(BookRepository(...).get_by_id, ...)`
(examples/.../books.py:70) and `to_thread(...)`, with no callable at all, in the file advice.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import pytest
from conftest import FIXTURES, run

from asynclint.findings import Finding

EXAMPLES = Path(__file__).parent.parent / "examples"
ROOTS = [
    *sorted((FIXTURES / "rules").glob("*.py")),
    *sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir()),
    *sorted((FIXTURES / "fixes").glob("*.py")),
    EXAMPLES,
]
# calls that run their first argument (the second for `run_in_executor`) in a worker thread
_OFFLOADS = ("to_thread", "run_in_threadpool", "to_thread.run_sync", "asyncify")
# decorators after which the function's caller needs a plain value, not a coroutine
_SYNC_ONLY = {
    "property",
    "cached_property",
    "setter",
    "getter",
    "deleter",
    "lru_cache",
    "cache",
    "validator",
    "field_validator",
    "model_validator",
    "root_validator",
}
_FLAGS = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT


class _Def:
    def __init__(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.is_async = isinstance(node, ast.AsyncFunctionDef)
        self.decorators = set()
        for decorator in node.decorator_list:
            for sub in ast.walk(decorator):
                if isinstance(sub, ast.Name):
                    self.decorators.add(sub.id)
                elif isinstance(sub, ast.Attribute):
                    self.decorators.add(sub.attr)


def _definitions(root: Path) -> dict[str, list[_Def]]:
    """Display qualname (`Class.method`, `outer.inner`) -> every definition with that name."""
    out: dict[str, list[_Def]] = {}
    files = [root] if root.is_file() else sorted(root.rglob("*.py"))

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                out.setdefault(name, []).append(_Def(child))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    for path in files:
        try:
            visit(ast.parse(path.read_text(encoding="utf-8")), "")
        except SyntaxError:
            continue
    return out


def _entered_or_iterated(path: Path, line: int, column: int) -> tuple[Optional[str], bool]:
    """The source of the `with` item or `for` iterable at (line, 1-based column), if it is one,
    and whether it is a `with` item."""
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, SyntaxError):
        return None, False
    for node in ast.walk(tree):
        candidates: list[ast.expr] = []
        if isinstance(node, ast.With):
            candidates = [item.context_expr for item in node.items]
        elif isinstance(node, (ast.For, ast.comprehension)):
            candidates = [node.iter]
        for expression in candidates:
            if expression.lineno == line and expression.col_offset + 1 == column:
                return ast.get_source_segment(source, expression), isinstance(node, ast.With)
    return None, False


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _is_dunder(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return len(last) > 4 and last.startswith("__") and last.endswith("__")


def _offloaded(call: ast.Call) -> tuple[bool, Optional[ast.expr]]:
    """Whether ``call`` is an offload, and the function it runs (None when it names none)."""
    name = _dotted(call.func)
    if name.endswith("run_in_executor"):
        return True, call.args[1] if len(call.args) > 1 else None
    if name.endswith("run_sync") and not name.endswith("to_thread.run_sync"):
        return False, None  # `conn.run_sync(metadata.create_all)`: SQLAlchemy's, not an offload
    if any(name == o or name.endswith("." + o) for o in _OFFLOADS):
        return True, call.args[0] if call.args else None
    return False, None


def _callable_problem(
    argument: Optional[ast.expr], source: str, entered: Optional[str], with_item: bool
) -> str:
    if argument is None:
        return "names no function"
    if isinstance(argument, ast.Lambda):
        return ""
    if isinstance(argument, ast.Call):
        if _dotted(argument.func).rsplit(".", 1)[-1] == "partial":
            return ""
        return "is a call result or an instance built in place"
    if not isinstance(argument, (ast.Name, ast.Attribute, ast.Subscript)):
        return "is not a callable expression"
    if any(isinstance(n, ast.Constant) and n.value is Ellipsis for n in ast.walk(argument)):
        return "holds `...` where the real arguments belong"
    text = ast.get_source_segment(source, argument) or ""
    if _is_dunder(text):
        return "is a dunder method"
    if entered is not None and text == entered:
        return "is the object the `with` enters / the `for` iterates"
    if with_item and entered is not None and entered.startswith(text + "("):
        # (a `for` over what a plain function returns is fine: the list is built in the thread)
        return "builds what the `with` enters: the block would still run on the loop"
    return ""


def problems(finding: Finding, definitions: dict[str, list[_Def]], base: Path) -> Iterator[str]:
    advice = finding.advice
    assert advice.count("`") % 2 == 0, "unbalanced backticks"
    for name in re.findall(r"make `([^`]+)` (?:async|an async|an `@asynccontextmanager`)", advice):
        if _is_dunder(name):
            yield f"asks to make the dunder `{name}` async"
        awaited = finding.snippet[: finding.column - 1].rstrip().endswith("await")
        if awaited and finding.chain and finding.chain[0].function == name:
            yield f"asks to make `{name}` async, but the call already awaits it"
        # every function from the call site down to `name` would have to await the next one
        stuck = [h.function for h in finding.chain if _is_dunder(h.function)]
        if stuck and not _is_dunder(name):
            yield f"asks to make `{name}` async, but the chain runs through `{stuck[0]}`"
        for definition in definitions.get(name, []):
            if definition.is_async:
                yield f"asks to make `{name}` async, but it already is"
            if definition.decorators & _SYNC_ONLY:
                yield f"asks to make `{name}` async, but its decorator needs a plain value"
    for name in re.findall(r"`([^`]+)` awaits nothing: make it a plain `def`", advice):
        if not all(d.is_async for d in definitions.get(name, [])):
            yield f"asks to make `{name}` a plain `def`, but it is not an `async def`"
    path = Path(finding.path)
    path = path if path.is_absolute() else Path.cwd() / path
    entered, with_item = _entered_or_iterated(path, finding.line, finding.column)
    for snippet in re.findall(r"`([^`]+)`", advice):
        if not re.search(
            r"\b(to_thread|run_in_threadpool|run_sync|asyncify|run_in_executor)\(", snippet
        ):
            continue
        try:
            tree = compile(snippet, "<advice>", "exec", flags=_FLAGS)
        except SyntaxError:
            yield f"offload snippet `{snippet}` does not parse"
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            is_offload, function = _offloaded(node)
            problem = _callable_problem(function, snippet, entered, with_item) if is_offload else ""
            if problem:
                yield f"offload `{snippet}`: its function {problem}"


def _findings() -> Iterator[tuple[str, Finding, dict[str, list[_Def]], Path]]:
    for root in ROOTS:
        definitions = _definitions(root)
        base = root if root.is_dir() else root.parent
        for finding in run(root):
            yield f"{finding.path}:{finding.line}", finding, definitions, base


def test_every_advice_on_fixtures_and_examples_is_doable() -> None:
    bad = []
    count = 0
    for where, finding, definitions, base in _findings():
        count += 1
        for problem in problems(finding, definitions, base):
            bad.append(f"{where} {finding.code}: {problem}\n    {finding.advice}")
    assert count > 100  # the walk saw the fixtures
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    "advice, problem",
    [
        ("make `Transaction.__exit__` async and use X there", "dunder"),
        ("offload it with `await asyncio.to_thread(Transaction(...), ...)`", "call result"),
        ("offload it with `await asyncio.to_thread(rows(conn), ...)`", "call result"),
        ("use `anyio.Path` or `await asyncio.to_thread(...)`", "not a callable"),
        ("offload it with `await run_in_threadpool(Session.__exit__)`", "dunder"),
        ("`await anyio.to_thread.run_sync()`", "names no function"),
        ("offload it with `await asyncio.to_thread(Repo(...).get, ...)`", "real arguments"),
    ],
)
def test_the_checker_catches_undoable_advice(advice: str, problem: str) -> None:
    finding = Finding("ASL101", "nowhere.py", 1, 1, 1, 2, "m", advice)
    found = list(problems(finding, {}, Path(".")))
    assert found and problem in found[0], found


def test_the_checker_accepts_callables() -> None:
    for advice in (
        "offload it with `await asyncio.to_thread(attach_cover, book_id, file)`",
        "offload the construction with `await asyncio.to_thread(models.Profile, ...)`",
        "collect it with `await asyncio.to_thread(list, rows(conn))`",
        "`await loop.run_in_executor(None, functools.partial(export, path))`",
        "use `AsyncEngine` (`await conn.run_sync(metadata.create_all)`)",
    ):
        finding = Finding("ASL101", "nowhere.py", 1, 1, 1, 2, "m", advice)
        assert list(problems(finding, {}, Path("."))) == [], advice
