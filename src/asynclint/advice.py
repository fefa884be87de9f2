"""What a finding says: the problem (``message``) and the remedy (``remedy``).

Both are pure functions of the finding's facts (``Facts``): the blocking API and its catalog
entry, where the call runs (``Context``), the chain of project functions down to the API, how
the call site runs the first function's body (a plain call, a constructor, a ``with`` block,
iteration) and the exact source of the expressions involved.

Every remedy must be something a user can do exactly as written:

* "make `X` async" only names a function that can become ``async def`` together with every
  function between it and the call site: never a dunder (``__init__``, ``__exit__``,
  ``__post_init__`` …), a property, a validator or cached function (their callers need a
  value, not a coroutine), nor a function that already is async;
* an offload always hands ``asyncio.to_thread`` a callable expression: the function
  (``attach_cover``), the bound method (``svc.create``) or the class of a constructor
  (``Profile``), never an instance or a call result; a ``with`` block that blocks is moved
  whole into a plain function, and a blocking iteration is collected with ``list`` in the
  worker thread;
* in FastAPI code the offload says which pool it runs on (``asyncio.to_thread``: the loop's
  default executor; ``run_in_threadpool``: the AnyIO pool FastAPI runs plain ``def`` routes in).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from asynclint.callgraph import Api, Via
from asynclint.fastapi_model import Context, ContextKind
from asynclint.findings import Hop
from asynclint.lazyload import LAZY_LOAD
from asynclint.resolve import decorator_names
from asynclint.summary import FunctionSummary, SiteKind, display_name

# the one offload form advice uses; FastAPI code is also told about the other pool
OFFLOAD = "asyncio.to_thread"
POOL_NOTE = (
    " (the loop's default executor, `min(32, cpu + 4)` threads; `run_in_threadpool` uses "
    "the app's 40-thread AnyIO pool)"
)
# `offload = "threadpool"`: FastAPI code is told to use AnyIO's pool, and about the other one
THREADPOOL = "run_in_threadpool"
THREADPOOL_NOTE = (
    " (from `fastapi.concurrency`: AnyIO's pool, 40 tokens shared with plain `def` routes, "
    "dependencies and background tasks; `asyncio.to_thread` uses the loop's default "
    "executor, `min(32, cpu + 4)` threads)"
)
# decorators whose function hands its caller a value: as `async def` it would hand a coroutine
_SYNC_DECORATORS = {
    "property": "a property",
    "cached_property": "a property",
    "setter": "a property",
    "getter": "a property",
    "deleter": "a property",
    "lru_cache": "cached",
    "cache": "cached",
    "validator": "a validator",
    "field_validator": "a validator",
    "model_validator": "a validator",
    "root_validator": "a validator",
}
# hooks a library calls synchronously, though their names are not dunders
_SYNC_HOOKS = frozenset({"model_post_init"})
# dunders that may be `async def` and are awaited when called
_ASYNC_DUNDERS = frozenset({"__call__"})
# why a library function on the chain cannot become `async def`: its source is not the user's
LIBRARY_CODE = "library code"
# the catalog's placeholder offload, filled in with the call at hand
_PLACEHOLDER = "`await asyncio.to_thread(...)`"


@dataclass(frozen=True)
class Step:
    """A project function on the chain, as far as advice needs to know it."""

    name: str  # display name, e.g. "UserRepository.add"
    why_sync: str = ""  # why it cannot become `async def` ("a dunder" …); "" when it can
    generator: bool = False
    contextmanager: bool = False


def step(name: str, function: Optional[FunctionSummary]) -> Step:
    """The advice facts of the chain function ``name`` (summary None when unknown)."""
    if function is None:
        return Step(name)
    decorators = decorator_names(function)
    why = ""
    if function.is_async:
        why = "already async"
    elif is_dunder(function.name) and function.name not in _ASYNC_DUNDERS:
        why = "a dunder"
    elif function.name in _SYNC_HOOKS:
        why = "a hook"
    else:
        why = next((v for k, v in _SYNC_DECORATORS.items() if k in decorators), "")
    contextmanager = function.is_generator and "contextmanager" in decorators
    return Step(name, why, function.is_generator, contextmanager)


@dataclass(frozen=True)
class Facts:
    """Everything a finding's message and remedy are made of."""

    api: Api
    function: FunctionSummary  # the loop-side function holding the call
    context: Context
    hops: Sequence[Hop] = ()  # project functions from the call site down to the API
    steps: Sequence[Step] = ()  # one per hop
    via: Via = Via.CALL  # how the site runs the first hop's body
    site: SiteKind = SiteKind.CALL  # a call, a `with` item, an iterated expression
    callee: str = ""  # source of the callee / the object entered / the iterable, one line
    api_callee: str = ""  # source of the API's callee where the chain reaches it
    api_site: SiteKind = SiteKind.CALL  # how the chain's last function reaches the API
    awaited: bool = False  # some analysed function awaits ``function``
    # ``function`` may become a plain `def` (it awaits nothing, nothing awaits it, and as a
    # `def` route it would not hold a pooled connection across a threadpool hop)
    plain_def: bool = False
    async_with: bool = False  # the object a `with` enters defines `__aenter__`/`__aexit__`
    in_with: bool = False  # the call builds what a `with` enters (`with open(p) as f:`)
    awaited_call: bool = False  # the call is awaited (`await fetch(url)`)
    fastapi: bool = False  # FastAPI / Starlette code: say which pool an offload uses
    offload: str = "to_thread"  # the pool FastAPI code is told to use: to_thread | threadpool
    # the async twin of the first library function on the chain, in its own distribution
    # (`fakesdk.AsyncClient` for `fakesdk.Client.send`); "" when none or not a library chain
    twin: str = ""


def message(facts: Facts) -> str:
    """The problem, one sentence: what blocks, where it runs, and what it reaches."""
    api, context, hops, via = facts.api, facts.context, facts.hops, facts.via
    where = (
        f"in {context.label}"
        if context.kind is not ContextKind.ASYNC_FUNCTION
        else f"in async function {context.label}"
    )
    if not hops:
        verb = {Via.WITH: "entering and leaving", Via.ITERATION: "iterating"}.get(via)
        if facts.site is SiteKind.READ:
            verb = "reading"
        subject = f"{verb} `{api.name}`" if verb else f"`{api.name}`"
        if api.info.source == LAZY_LOAD:
            subject += " (a lazy-loaded relationship)"
        return f"{subject} blocks the event loop {where}"
    first = hops[0].function
    owner, _, method = first.rpartition(".")
    how = {
        Via.CONSTRUCTOR: f"creating `{owner}` (its `{method}`)",
        Via.WITH: f"the `with` block (`{first}`)",
        Via.ITERATION: f"iterating `{first}`",
    }.get(via, f"`{first}`")
    if facts.site is SiteKind.ITER and via is Via.CALL:
        how = f"iterating `{owner}` (its `{method}`)" if owner else how
    return f"{how} blocks the event loop {where}: it reaches `{api.name}`"


def with_others(text: str, others: Sequence[tuple[str, str]]) -> str:
    """``text`` (a message) saying the same call reaches ``others``, (code, API) pairs, too."""
    if not others:
        return text
    names = ", ".join(f"`{api}`" for _, api in others[:2]) + (", …" if len(others) > 2 else "")
    count = f"{len(others)} other blocking API{'s' if len(others) > 1 else ''}"
    if ": it reaches `" in text:
        return f"{text} and {count} ({names})"
    return f"{text}, and the call reaches {count} ({names})"


def remedy(facts: Facts) -> str:
    """The remedy, one sentence, for the call at hand."""
    fix = _fix(facts)
    function = facts.function
    name = display_name(function.qualname)
    if facts.plain_def:
        text = (
            f"`{name}` awaits nothing: make it a plain `def` and FastAPI runs it in its "
            f"threadpool, or {fix}"
        )
    elif not function.is_async and facts.context.remedy:
        # the framework moves a plain `def` off the loop itself (Litestar's `sync_to_thread`)
        text = (
            f"`{name}` runs on the event loop: {facts.context.remedy}, or make it an "
            f"`async def` and {fix}"
        )
    elif not function.is_async:
        # a plain `def` the loop calls (a startup handler): `await` needs an `async def`
        text = f"`{name}` runs on the event loop: make it an `async def` and {fix}"
    else:
        text = fix
    return _with_pool(text, facts.offload) if facts.fastapi else text


def is_offload_advice(replacement: str) -> bool:
    """The catalog's remedy is a worker thread: there is no async twin to name."""
    return replacement.startswith(("`await asyncio.to_thread(", "`await run_in_threadpool("))


def offload(function: str, arguments: str = "...") -> str:
    """`await asyncio.to_thread(function, arguments)`."""
    return f"`await {OFFLOAD}({function}, {arguments})`"


def is_dunder(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return len(last) > 4 and last.startswith("__") and last.endswith("__")


def callable_expression(text: str) -> bool:
    """``text`` names a function to hand an offload: a name, attribute or subscript, without
    a `...` placeholder and not a dunder (an instance built in place or a call result is not)."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return False
    if not isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) or is_dunder(text):
        return False
    return not any(isinstance(n, ast.Constant) and n.value is Ellipsis for n in ast.walk(node))


# -- the remedy -----------------------------------------------------------------------------


def _fix(facts: Facts) -> str:
    if not facts.hops:
        return _direct(facts)
    steps = facts.steps or [Step(hop.function) for hop in facts.hops]
    first, last = steps[0], steps[-1]
    twin = _twin(facts, facts.api_callee, facts.api_site)
    # every function between the call site and the API must become `async def` to await it
    all_async = not is_offload_advice(facts.api.info.replacement) and not any(
        s.why_sync for s in steps
    )
    if facts.site is SiteKind.WITH:
        if facts.async_with:
            return "enter it with `async with` (its class defines `__aenter__`/`__aexit__`)"
        fix = _move_block(facts.callee)
        if facts.via is Via.WITH and first.contextmanager and len(steps) == 1 and all_async:
            fix += (
                f", or make `{first.name}` an `@asynccontextmanager`, enter it with "
                f"`async with` and use {twin} there"
            )
        return fix
    if facts.site is SiteKind.ITER:
        fix = f"collect it in a worker thread with {offload('list', facts.callee)}"
        if facts.via is Via.ITERATION and len(steps) == 1 and all_async:
            fix += (
                f", or make `{first.name}` an async generator, iterate it with `async for` "
                f"and use {twin} there"
            )
        return fix
    if facts.awaited_call and facts.via is Via.CALL:
        # `await fetch(url)` on a plain `def fetch`: a decorator already makes it a coroutine
        # function, so neither "make it async" nor `to_thread(fetch)` (a coroutine) would do
        return (
            f"`{first.name}` is awaited, so its decorator returns a coroutine: have the wrapper "
            f"run the function in a worker thread (`await asyncio.to_thread(fn, *args, **kwargs)`)"
        )
    if facts.via is Via.CONSTRUCTOR:
        # `__init__` / `__post_init__` cannot be async: the construction itself moves
        fix = f"offload the construction with {offload(facts.callee)}"
        return f"{_use_twin(facts, steps)}, or {fix}" if facts.twin else fix
    fix = _offload_call(facts.callee)
    if facts.twin:
        # the library ships an async API for what this chain calls: that is the real fix
        return f"{_use_twin(facts, steps)}, or {fix}"
    if all_async:
        fix += f", or {_make_async(last)} and use {twin} there"
    return fix


def _use_twin(facts: Facts, steps: Sequence[Step]) -> str:
    """Use the library's async twin where the chain enters the library."""
    entry = next((i for i, s in enumerate(steps) if s.why_sync == LIBRARY_CODE), None)
    if entry is None:
        return f"use `{facts.twin}` and `await` it"
    where = f" in `{steps[entry - 1].name}`" if entry > 0 else ""
    return (
        f"use `{facts.twin}`, the library's async API, instead of `{steps[entry].name}`"
        f"{where} and `await` it"
    )


def _direct(facts: Facts) -> str:
    """A call straight to the API from the loop-side function."""
    replacement = facts.api.info.replacement
    if facts.site is SiteKind.WITH:
        if "async with" in replacement:  # the catalog's twin is entered the same way
            return f"use {_twin(facts, facts.callee, SiteKind.WITH)}"
        return _move_block(facts.callee)
    if facts.in_with:
        # offloading only `open(...)` would leave every read and write of the block on the loop
        if is_offload_advice(replacement):
            return _move_block(facts.callee)
        twin = _twin(facts, facts.callee, SiteKind.WITH)
        moved = f", or {_move_block(facts.callee)}" if _PLACEHOLDER in replacement else ""
        return f"use {twin}{moved}"
    if facts.site is SiteKind.READ:
        # a property: the attribute read itself must move, not the value it gives
        read = _read_offload(facts.callee, facts.api.name.rpartition(".")[2])
        if is_offload_advice(replacement) or _PLACEHOLDER in replacement:
            return read
        return f"use {replacement}"
    if is_offload_advice(replacement):
        # no async twin (CPU work, SDKs without one): run the call in a worker thread
        if facts.site is SiteKind.ITER:
            return f"collect it in a worker thread with {offload('list', facts.callee)}"
        return _offload_call(facts.callee)
    return f"use {_twin(facts, facts.callee, facts.site)}"


def _twin(facts: Facts, callee: str, site: SiteKind) -> str:
    """The catalog's replacement, its placeholder offload filled in for ``callee``."""
    replacement = facts.api.info.replacement
    if _PLACEHOLDER not in replacement:
        return replacement
    if site is SiteKind.ITER and callee:
        return replacement.replace(_PLACEHOLDER, offload("list", callee))
    if site is SiteKind.CALL and callable_expression(callee):
        return replacement.replace(_PLACEHOLDER, offload(callee))
    # nothing to hand the worker thread as written: keep only the async twin
    return re.sub(r",? or " + re.escape(_PLACEHOLDER), "", replacement).replace(
        _PLACEHOLDER, "a worker thread"
    )


def _read_offload(expression: str, attribute: str) -> str:
    """Read ``attribute`` of the receiver in ``expression`` (`result.state`) in a worker
    thread: `getattr` is the callable, the receiver and the name its arguments."""
    receiver, dot, _ = expression.rpartition(f".{attribute}")
    if dot and callable_expression(receiver):
        call = offload("getattr", f'{receiver}, "{attribute}"')
        return f"read it in a worker thread with {call}"
    return "read it in a worker thread (`await asyncio.to_thread(getattr, obj, name)`)"


def _offload_call(callee: str) -> str:
    if callable_expression(callee):
        return f"offload it with {offload(callee)}"
    name = _function_name(callee)
    return f"move the call into a new plain function `{name}` and offload it with {offload(name)}"


def _move_block(entered: str) -> str:
    """A `with` block whose enter or exit blocks: the whole block goes to a worker thread
    (entering in one thread and leaving in another is not safe for most context managers)."""
    name = _function_name(entered)
    return (
        f"move the whole `with` block into a new plain function `{name}` and run it with "
        f"{offload(name)}"
    )


def _function_name(expression: str) -> str:
    """A name for the new function that holds ``expression``'s work: `with Transaction()` ->
    `transaction_block`."""
    base = ""
    try:
        node: Optional[ast.expr] = ast.parse(expression, mode="eval").body
    except SyntaxError:
        node = None
    while isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        base = node.attr
    elif isinstance(node, ast.Name):
        base = node.id
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", base.strip("_")).lower()
    return f"{snake}_block" if snake.isidentifier() else "blocking_block"


def _make_async(last: Step) -> str:
    if last.contextmanager:
        return f"make `{last.name}` an `@asynccontextmanager`"
    if last.generator:
        return f"make `{last.name}` an async generator"
    return f"make `{last.name}` async"


def _with_pool(text: str, offload: str = "to_thread") -> str:
    """FastAPI code: the first offload says which pool it runs on, and that the other exists.
    With ``offload="threadpool"`` the offloads name `run_in_threadpool` instead."""
    mark = f"`await {OFFLOAD}("
    note = POOL_NOTE
    if offload == "threadpool":
        text = text.replace(mark, f"`await {THREADPOOL}(")
        # a catalog remedy that already names the other form: say it once
        text = re.sub(r"(`await run_in_threadpool\([^`]*\)`) or `run_in_threadpool`", r"\1", text)
        mark, note = f"`await {THREADPOOL}(", THREADPOOL_NOTE
    start = text.find(mark)
    if start < 0:
        return text
    end = text.find("`", start + 1)
    return text[: end + 1] + note + text[end + 1 :]
