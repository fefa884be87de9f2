"""FastAPI's (and Starlette's) execution model, as data: how handlers are registered, which
kinds of function the framework calls, which of them it would run in its threadpool if they
were a plain `def`, and the byte markers that tell the pre-scan a file can put code on the
loop. `contexts` applies it to a project; `summary` and `engine` read the registration forms
and markers from here, so the model lives in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from asynclint.flask_model import CALL_REGISTRATIONS
from asynclint.frameworks_model import (
    ARGUMENTS_KEPT,
    LIFESPAN_HOOK_KEYWORDS,
    SYNC_ON_LOOP_PACKAGE,
)

if TYPE_CHECKING:  # the summaries read this module's data: no import back at run time
    from asynclint.summary import FunctionSummary

# `@app.get("/p")`, `@router.api_route("/p", methods=[...])`: decorator name -> HTTP verb
ROUTE_METHODS = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "head": "HEAD",
    "options": "OPTIONS",
    "trace": "TRACE",
    "api_route": "",
    "route": "",
}
WEBSOCKET_METHODS = frozenset({"websocket", "websocket_route"})
MIDDLEWARE_BASES = frozenset(
    {
        "starlette.middleware.base.BaseHTTPMiddleware",
        "fastapi.middleware.base.BaseHTTPMiddleware",
    }
)
# registrations by call: their arguments name the handler (the summaries keep them)
EVENT_REGISTRATIONS = frozenset({"add_event_handler"})
ROUTE_REGISTRATIONS = frozenset({"add_api_route", "add_route"})
ROUTER_MOUNTS = frozenset({"include_router"})
HANDLER_REGISTRATIONS = frozenset({"add_exception_handler"})
# Flask's registrations by call (`add_url_rule`, `register_error_handler`, ...) for `migrate`
FLASK_REGISTRATIONS = CALL_REGISTRATIONS | frozenset({"register_blueprint"})
ARGUMENTS_READ = (
    EVENT_REGISTRATIONS
    | ROUTE_REGISTRATIONS
    | ROUTER_MOUNTS
    | HANDLER_REGISTRATIONS
    | FLASK_REGISTRATIONS
    | ARGUMENTS_KEPT  # the other frameworks' (`Route("/p", endpoint)`, `Provide(f, ...)`)
)
# registrations by keyword: `FastAPI(lifespan=f, exception_handlers={Exc: handler})`
KEYWORDS_READ = frozenset({"lifespan", "exception_handlers", *LIFESPAN_HOOK_KEYWORDS})
EVENT_DECORATOR = "on_event"


class ContextKind(str, Enum):
    ROUTE = "route"
    WEBSOCKET = "websocket"
    DEPENDENCY = "dependency"
    MIDDLEWARE = "middleware"
    EXCEPTION_HANDLER = "exception handler"
    STARTUP_HANDLER = "startup handler"
    SHUTDOWN_HANDLER = "shutdown handler"
    EVENT_HANDLER = "event handler"  # another event name passed to `add_event_handler`
    LIFESPAN = "lifespan"
    BACKGROUND_TASK = "background task"  # `background_tasks.add_task(fn)`
    HANDLER = "handler"  # a handler of another framework (Litestar, aiohttp, ...)
    ASYNC_FUNCTION = "async function"  # nothing calls it by reference: only its callers
    # `asynclint migrate` only: what Flask calls per request, as if ported to `async def`
    FLASK_VIEW = "Flask view"
    FLASK_HOOK = "Flask hook"


@dataclass(frozen=True)
class Context:
    kind: ContextKind
    label: str  # e.g. "route `GET /users/{user_id}`"
    framework: bool  # FastAPI calls it (a plain `def` would run in the threadpool instead)
    # the framework's own way to move a plain `def` off the loop (Litestar's
    # `sync_to_thread=True`), "" when it has none
    remedy: str = ""


def event_kind(event: str) -> ContextKind:
    if event == "startup":
        return ContextKind.STARTUP_HANDLER
    if event == "shutdown":
        return ContextKind.SHUTDOWN_HANDLER
    return ContextKind.EVENT_HANDLER


# handlers FastAPI runs in its threadpool when they are a plain `def`
PLAIN_DEF_KINDS = (ContextKind.ROUTE, ContextKind.DEPENDENCY)
# ... and, as a plain `def`, take one of AnyIO's 40 threadpool tokens while they run
THREADPOOL_KINDS = (ContextKind.ROUTE, ContextKind.DEPENDENCY, ContextKind.BACKGROUND_TASK)
# `add_task` of these runs a plain `def` in the threadpool after the response
BACKGROUND_ADD_TASK = frozenset(
    {"fastapi.BackgroundTasks.add_task", "starlette.background.BackgroundTasks.add_task"}
)
# receivers of route decorators: an app or router of these frameworks (not Flask's `route`)
ROUTE_OWNERS = ("fastapi.", "starlette.")


def can_be_plain_def(function: FunctionSummary, context: Context, awaited: bool) -> bool:
    """An `async def` route or dependency that awaits nothing, and that nothing awaits, can
    become a plain `def`: FastAPI then runs it in its threadpool."""
    return (
        function.is_async
        and not function.awaits
        and context.kind in PLAIN_DEF_KINDS
        and not awaited
    )


# The pre-scan. Only these put code on the event loop: `async def` (and `async with/for`
# inside one), and a plain `def` registered as a startup/shutdown handler. A file with none of
# them can hold no finding, so it is not parsed at all; modules it would import are read only
# when an analysed file needs them. Files that mount routers are read for the route prefixes.
_MARKER_NAMES = sorted({EVENT_DECORATOR, *EVENT_REGISTRATIONS, *ROUTER_MOUNTS})
_LOOP_MARKERS = re.compile(
    rb"\basync\s+def\b|" + b"|".join(re.escape(name.encode()) for name in _MARKER_NAMES)
)
# substrings every marker contains: most files hold none, and `in` is far cheaper than a regex
_MARKER_WORDS = (b"async", *(name.encode() for name in _MARKER_NAMES))
# A file that imports FastAPI can also hold plain `def` routes, dependencies and background
# tasks, which FastAPI runs in its threadpool (the ASL8xx rules): looked for only in files
# that name it, so the scan of other files costs what it did
_FASTAPI_IMPORT = re.compile(rb"^[ \t]*(?:from|import)[ \t]+fastapi\b", re.MULTILINE)
# ... and Litestar calls a plain `def` handler on the loop itself
_SYNC_ON_LOOP_IMPORT = re.compile(
    rb"^[ \t]*(?:from|import)[ \t]+" + SYNC_ON_LOOP_PACKAGE + rb"\b", re.MULTILINE
)


def can_reach_loop(source: bytes) -> bool:
    if b"fastapi" in source and _FASTAPI_IMPORT.search(source) is not None:
        return True
    if SYNC_ON_LOOP_PACKAGE in source and _SYNC_ON_LOOP_IMPORT.search(source) is not None:
        return True
    if not any(word in source for word in _MARKER_WORDS):
        return False
    return _LOOP_MARKERS.search(source) is not None
