"""The execution models of the async frameworks other than FastAPI, as data: how each registers
the callables it calls per request (decorators, registration calls, class-based views), and
where it runs one that is a plain ``def``. ``framework_contexts`` applies it to a project.

Where a plain ``def`` runs, as read in each framework's source (docs/execution-model.md cites
the lines): Starlette, Quart, FastStream and Django hand it to a worker thread; Litestar calls
it on the loop unless ``sync_to_thread=True``; aiohttp wraps it in a coroutine that calls it on
the loop (``Bare functions are deprecated``).
"""

from __future__ import annotations

from typing import NamedTuple


class Handler(NamedTuple):
    """What a registration makes of the function it names."""

    framework: str  # as the finding names it: "Litestar", "aiohttp" ...
    role: str  # "route", "websocket", "view", "hook", "subscriber", "dependency" ...
    verb: str = ""  # the HTTP verb of a route; "" when `methods=` says (or none applies)
    # a plain `def` registered this way runs on the event loop
    sync_on_loop: bool = False
    # ... unless this keyword argument is `True` (Litestar's `sync_to_thread`)
    thread_keyword: str = ""


_VERBS = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "head": "HEAD",
    "options": "OPTIONS",
    "route": "",
}

# -- decorators -------------------------------------------------------------------------------

# Litestar's handler decorators are module functions (`from litestar import get`): a plain
# `def` handler runs on the loop unless `sync_to_thread=True` (litestar/handlers/http_handlers/
# base.py: `on_registration` wraps it with `ensure_async_callable` only then)
LITESTAR = "litestar"
_LITESTAR_HANDLERS = {
    **{
        name: Handler("Litestar", "route", verb, True, "sync_to_thread")
        for name, verb in _VERBS.items()
        if name != "options"
    },
    "websocket": Handler("Litestar", "websocket"),
    "websocket_listener": Handler("Litestar", "websocket"),
}
# aiohttp's `RouteTableDef` decorators; a plain `def` handler is wrapped in a coroutine that
# calls it on the loop (aiohttp/web_urldispatcher.py, `ResourceRoute.__init__`)
_AIOHTTP_ROUTES = {
    **{name: Handler("aiohttp", "route", verb, True) for name, verb in _VERBS.items()},
    "view": Handler("aiohttp", "view"),
}
# Quart's app and blueprint decorators; every plain `def` is wrapped by `ensure_async`, which
# runs it with `run_sync` in the loop's executor (quart/utils.py)
_QUART_HOOKS = (
    "before_request",
    "after_request",
    "teardown_request",
    "before_websocket",
    "after_websocket",
    "teardown_websocket",
    "before_serving",
    "after_serving",
    "while_serving",
    "errorhandler",
)
_QUART = {
    **{name: Handler("Quart", "route", verb) for name, verb in _VERBS.items()},
    "websocket": Handler("Quart", "websocket"),
    **{name: Handler("Quart", name.replace("_", " ") + " hook") for name in _QUART_HOOKS},
}
# FastStream's brokers and routers: a plain `def` subscriber runs in a worker thread
# (fast_depends/utils.py `run_async` -> `run_in_threadpool`)
_FASTSTREAM = {
    "subscriber": Handler("FastStream", "subscriber"),
}

# a Litestar `Controller`'s `path` prefixes the paths of its handler methods
CONTROLLERS = frozenset({"litestar.Controller", "litestar.controller.Controller"})
# decorators spelled as a method of an object: (top package, owner class suffix) -> methods
METHOD_DECORATORS: dict[tuple[str, str], dict[str, Handler]] = {
    ("aiohttp", "RouteTableDef"): _AIOHTTP_ROUTES,
    ("quart", "Quart"): _QUART,
    ("quart", "Blueprint"): _QUART,
    ("faststream", "Broker"): _FASTSTREAM,
    ("faststream", "Router"): _FASTSTREAM,
}
# decorators that are module functions: top package -> last name -> handler
FUNCTION_DECORATORS: dict[str, dict[str, Handler]] = {
    LITESTAR: _LITESTAR_HANDLERS,
    # `@web.middleware`: aiohttp awaits it for every request (it must be `async def`)
    "aiohttp": {"middleware": Handler("aiohttp", "middleware")},
}

# -- registration calls -----------------------------------------------------------------------


class CallRegistration(NamedTuple):
    """A call whose argument names a handler: at ``position``, or passed as ``keyword``."""

    handler: Handler
    position: int
    keyword: str
    path_position: int = -1  # where the route's path is, when the summary keeps it


# by the callee's qualified name (as imported); the last name is what the summary keeps the
# arguments of (see ``ARGUMENTS_READ``)
CALL_REGISTRATIONS: dict[str, CallRegistration] = {
    # starlette/routing.py `request_response`: a plain `def` endpoint goes to `run_in_threadpool`
    "starlette.routing.Route": CallRegistration(Handler("Starlette", "route"), 1, "endpoint", 0),
    "starlette.routing.WebSocketRoute": CallRegistration(
        Handler("Starlette", "websocket"), 1, "endpoint", 0
    ),
    # Litestar's `Provide(dependency, sync_to_thread=...)`: litestar/di.py
    "litestar.di.Provide": CallRegistration(
        Handler("Litestar", "dependency", "", True, "sync_to_thread"), 0, "dependency"
    ),
    # Django's URLconf: a plain `def` view is run with `sync_to_async` under ASGI
    # (django/core/handlers/base.py `adapt_method_mode`)
    "django.urls.path": CallRegistration(Handler("Django", "view"), 1, "view"),
    "django.urls.re_path": CallRegistration(Handler("Django", "view"), 1, "view"),
    **{
        f"aiohttp.web.{name}": CallRegistration(handler, 1, "handler")
        for name, handler in _AIOHTTP_ROUTES.items()
        if name != "route"
    },
    "aiohttp.web.route": CallRegistration(_AIOHTTP_ROUTES["route"], 2, "handler"),
}
# the same callees under the other names they are imported by
ALIASES = {
    "starlette.routing.Route": ("starlette.applications.Route",),
    "litestar.di.Provide": ("litestar.Provide",),
}
for _canonical, _spellings in ALIASES.items():
    for _spelling in _spellings:
        CALL_REGISTRATIONS.setdefault(_spelling, CALL_REGISTRATIONS[_canonical])
# `app.router.add_get("/", handler)`: aiohttp's `UrlDispatcher` methods, whatever the receiver
# resolves to (`app.router` is rarely typed), in a module that imports aiohttp
ROUTER_METHODS: dict[str, CallRegistration] = {
    **{
        f"add_{name}": CallRegistration(handler, 1, "handler")
        for name, handler in _AIOHTTP_ROUTES.items()
        if name != "route"
    },
}
ROUTER_PACKAGE = "aiohttp"
# the registrations whose arguments the summaries keep in full (paths, `sync_to_thread=True`)
ARGUMENTS_KEPT = frozenset({"Route", "WebSocketRoute", "Provide"})
# `Litestar(on_startup=[...])`, `Starlette(on_startup=[...])` (Starlette < 1.0): the hooks are
# called directly, so a plain `def` one runs on the loop (litestar/app.py `_call_lifespan_hook`,
# starlette/routing.py `Router.startup`)
LIFESPAN_HOOK_KEYWORDS = frozenset({"on_startup", "on_shutdown"})
LIFESPAN_HOOK_OWNERS = frozenset(
    {
        "litestar.Litestar",
        "litestar.app.Litestar",
        "starlette.applications.Starlette",
        "starlette.routing.Router",
    }
)

# -- class-based views ------------------------------------------------------------------------

_HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
# base class -> (handler, the methods the framework calls per request)
VIEW_BASES: dict[str, tuple[Handler, tuple[str, ...]]] = {
    # starlette/endpoints.py: a plain `def` method goes to `run_in_threadpool`
    "starlette.endpoints.HTTPEndpoint": (Handler("Starlette", "endpoint"), _HTTP_METHODS),
    "starlette.endpoints.WebSocketEndpoint": (
        Handler("Starlette", "websocket endpoint"),
        ("on_connect", "on_receive", "on_disconnect"),
    ),
    # aiohttp/web_urldispatcher.py `View._iter` awaits the method: it must be `async def`
    "aiohttp.web.View": (Handler("aiohttp", "view"), _HTTP_METHODS),
    # django/views/generic/base.py: the methods of one view are all sync or all async
    "django.views.View": (Handler("Django", "view"), (*_HTTP_METHODS, "dispatch")),
    "django.views.generic.View": (Handler("Django", "view"), (*_HTTP_METHODS, "dispatch")),
    "django.views.generic.base.View": (Handler("Django", "view"), (*_HTTP_METHODS, "dispatch")),
}

# -- the pre-scan -----------------------------------------------------------------------------

# Litestar calls a plain `def` handler on the loop: a file importing it is read even without an
# `async def`. Each word looked for costs a scan of every file of the tree (about 2 % of a cold
# run on the standard library), so aiohttp, whose plain `def` handlers are deprecated and whose
# apps hold `async def` handlers beside them, is not looked for
SYNC_ON_LOOP_PACKAGE = b"litestar"
