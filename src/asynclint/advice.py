"""What a finding says: the problem (``message``) and the remedy (``remedy``).

Both are pure functions of the finding's facts: the blocking API and its catalog entry, where
the call runs (``Context``), the chain of project functions down to the API, and how the call
runs the first function's body (a plain call, a constructor, a ``with`` block, iteration).
Every remedy must be something a user can do exactly as written.
"""

from __future__ import annotations

from collections.abc import Sequence

from asynclint.callgraph import Api, Via
from asynclint.contexts import Context, ContextKind
from asynclint.findings import Hop
from asynclint.summary import FunctionSummary, display_name

# handlers FastAPI runs in its threadpool when they are a plain `def`
PLAIN_DEF_KINDS = (ContextKind.ROUTE, ContextKind.DEPENDENCY)


def message(api: Api, context: Context, hops: Sequence[Hop], via: Via) -> str:
    """The problem, one sentence: what blocks, where it runs, and what it reaches."""
    where = (
        f"in {context.label}"
        if context.kind is not ContextKind.ASYNC_FUNCTION
        else f"in async function {context.label}"
    )
    if not hops:
        verb = {Via.WITH: "entering and leaving", Via.ITERATION: "iterating"}.get(via)
        subject = f"{verb} `{api.name}`" if verb else f"`{api.name}`"
        return f"{subject} blocks the event loop {where}"
    first = hops[0].function
    owner, _, method = first.rpartition(".")
    how = {
        Via.CONSTRUCTOR: f"creating `{owner}` (its `{method}`)",
        Via.WITH: f"the `with` block (`{first}`)",
        Via.ITERATION: f"iterating `{first}`",
    }.get(via, f"`{first}`")
    return f"{how} blocks the event loop {where}: it reaches `{api.name}`"


def can_be_plain_def(function: FunctionSummary, context: Context, awaited: bool) -> bool:
    """An `async def` route or dependency that awaits nothing, and that nothing awaits, can
    become a plain `def`: FastAPI then runs it in its threadpool."""
    return (
        function.is_async
        and not function.awaits
        and context.kind in PLAIN_DEF_KINDS
        and not awaited
    )


def remedy(
    api: Api,
    function: FunctionSummary,
    context: Context,
    hops: Sequence[Hop],
    callee: str,
    awaited: bool,
) -> str:
    """The remedy, one sentence, for the call ``callee`` in ``function``."""
    replacement = api.info.replacement
    offload = f"`await asyncio.to_thread({callee}, ...)`"
    if is_offload_advice(replacement):
        # no async twin (CPU work, SDKs without one): run the call in a worker thread
        fix = f"offload it with {offload} (or `run_in_threadpool`)"
    elif hops:
        fix = (
            f"offload it with {offload}, or make `{hops[-1].function}` async and use "
            f"{replacement} there"
        )
    else:
        fix = f"use {replacement}"
    if can_be_plain_def(function, context, awaited):
        name = display_name(function.qualname)
        return (
            f"`{name}` awaits nothing: make it a plain `def` and FastAPI runs it in its "
            f"threadpool, or {fix}"
        )
    if not function.is_async:
        return f"{fix}; this handler runs on the event loop"
    return fix


def is_offload_advice(replacement: str) -> bool:
    """The catalog's remedy is a worker thread: there is no async twin to name."""
    return replacement.startswith(("`await asyncio.to_thread(", "`await run_in_threadpool("))
