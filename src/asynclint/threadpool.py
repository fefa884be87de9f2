"""FastAPI's threadpool: what a plain `def` route, dependency or background task costs there.

FastAPI runs a plain `def` path operation and dependency with `run_in_threadpool`
(fastapi/routing.py `run_endpoint_function`, fastapi/dependencies/utils.py `solve_dependencies`),
a `def` generator dependency's setup the same way (fastapi/concurrency.py
`contextmanager_in_threadpool`), and a sync background task too (starlette/background.py). All of
them, `UploadFile` reads and writes (starlette/datastructures.py) and `FileResponse`
(starlette/responses.py, through `anyio.to_thread.run_sync` and `anyio.open_file`) take a token
of AnyIO's default limiter, `CapacityLimiter(40)` (anyio/_backends/_asyncio.py
`current_default_thread_limiter`). `asyncio.to_thread` uses the loop's default executor instead,
`ThreadPoolExecutor(max_workers=min(32, cpu + 4))` (Lib/concurrent/futures/thread.py).

This module turns those facts into findings:

* ASL801: a threadpool handler reaches a wait without limit (a sleep, or a network or thread wait
  whose bounding argument is left out), so it keeps its token for as long as the other side
  takes;
* ASL802: a `def` route keeps a pooled connection of a `def` `yield` dependency's session while
  FastAPI takes another token (the route after a `def` dependency that queried, or response
  validation after the route queried): the deadlock of fastapi/fastapi#3205 and #12066
  (`serialize_response` runs `field.validate` with `run_in_threadpool` for a `def` route, before
  the dependencies' exit code);
* ASL803: a `def` dependency that does nothing that needs a thread, with a fix to `async def`
  when only FastAPI calls it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from asynclint.findings import Finding

HOLD = "ASL801"
DEADLOCK = "ASL802"
COULD_BE_ASYNC = "ASL803"
THREADPOOL_CODES = frozenset({HOLD, DEADLOCK, COULD_BE_ASYNC})
# a session's last call that gives its connection back to the pool
RELEASES = frozenset({"commit", "rollback", "close"})

TOKENS = 40  # AnyIO's default limiter
LIMITER = "anyio.to_thread.current_default_thread_limiter().total_tokens = N"


@dataclass(frozen=True)
class Wait:
    """What makes a reported wait unbounded."""

    sleep: bool  # a sleep: it lasts as long as asked
    argument: str  # the argument that would bound it ("timeout"); "" for a sleep


def hold_message(finding: Finding, wait: Wait) -> str:
    """ASL801's problem: the call, the token it keeps, and the plain `def` it runs in."""
    where = f"in plain `def` {finding.context}"
    how = "while it sleeps" if wait.sleep else f"without `{wait.argument}` for as long as it waits"
    if not finding.chain:
        return f"`{finding.api}` holds one of the threadpool's {TOKENS} tokens {how}, {where}"
    first = finding.chain[0].function
    reach = "" if wait.sleep else f" without `{wait.argument}`"
    return (
        f"`{first}` holds one of the threadpool's {TOKENS} tokens {where}: it reaches "
        f"`{finding.api}`{reach}"
    )


def hold_advice(finding: Finding, wait: Wait) -> str:
    """ASL801's remedy: bound the wait where it is made, or do not wait in a thread."""
    place = f" in `{finding.chain[-1].function}`" if finding.chain else ""
    if wait.sleep:
        return (
            f"wait with `await asyncio.sleep(...)` in an `async def` instead of sleeping"
            f"{place} in a worker thread, or raise the limit in the lifespan (`{LIMITER}`)"
        )
    return (
        f"pass `{wait.argument}=` to `{finding.api}`{place} so the wait, and the token, have a "
        f"limit"
    )


def could_be_async_message(name: str) -> str:
    return (
        f"dependency `{name}` is a plain `def` that does no blocking work: FastAPI runs it in "
        f"its threadpool, a token and a thread switch on every request"
    )


def could_be_async_advice(name: str, fixable: bool) -> str:
    if fixable:
        return f"make `{name}` an `async def`; it then runs on the event loop as a plain call"
    return (
        f"make `{name}` an `async def` and `await` it where project code calls it directly; "
        f"it then runs on the event loop as a plain call"
    )


def deadlock_message(route: str, generator: str, step: str) -> str:
    """ASL802's problem. ``step`` says where the connection is checked out and what token
    is awaited while it is held."""
    return (
        f"plain `def` {route} keeps a pooled connection of the session from `def` `yield` "
        f"dependency `{generator}` while it waits for another of the threadpool's {TOKENS} "
        f"tokens ({step}): under load, requests holding connections wait for tokens held by "
        f"requests waiting for connections"
    )


def deadlock_advice(generator: str) -> str:
    return (
        f"make the route and the dependencies that query `async def` with an async session, "
        f"or open the session inside the route (`with SessionLocal() as db:`) instead of "
        f"taking it from `{generator}`, or `commit()` (or `close()`) before the route returns"
    )


_DI_FORMS = re.compile(
    rb"(?:Depends|Security)\(\s*(?:\w+\.)*$|dependency_overrides\s*\[\s*$|\bdef\s+$|"
    rb"^\s*(?:from\s+\S+\s+)?import\s.*$|^\s*from\s+\S+\s+import\s*\(?\s*(?:\w+\s*,\s*)*$"
)


def only_injected(name: str, sources: Iterable[bytes]) -> bool:
    """Every mention of ``name`` in the project is its definition, an import, `Depends(name)`
    / `Security(name)` or a key of `dependency_overrides`: only FastAPI calls it, so it may
    become `async def` without changing any caller. Read from the bytes of every project file,
    so a caller in a file the analysis skipped counts too."""
    word = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
    for data in sources:
        if name.encode() not in data:
            continue
        for found in word.finditer(data):
            start = data.rfind(b"\n", 0, found.start()) + 1
            before = data[start : found.start()]
            after = data[found.end() : found.end() + 1]
            if after == b"(" and not before.rstrip().endswith(b"def"):
                return False  # a direct call
            if not _DI_FORMS.search(before) and not _in_import(data, found.start()):
                return False
    return True


def _in_import(data: bytes, position: int) -> bool:
    """``position`` sits in a parenthesised `from x import (a, b)` spanning several lines."""
    opened = data.rfind(b"(", 0, position)
    if opened < 0 or b")" in data[opened:position]:
        return False
    line_start = data.rfind(b"\n", 0, opened) + 1
    return re.match(rb"\s*from\s+\S+\s+import\s*$", data[line_start:opened]) is not None
