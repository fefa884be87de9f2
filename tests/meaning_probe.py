"""Check what catalog entries *claim* against the libraries installed in this interpreter.

Run by ``tests/test_catalog_meaning.py`` in a subprocess (like ``catalog_probe.py``, whose name
resolution it reuses), so the test process never imports the libraries. JSON in, JSON out::

    in:  {"claims": [{"entry": "os.path.exists", "name": "aiofiles.os.path.exists",
                      "claim": "coroutine"}, ...],
          "methods": [{"entry": "redis.Redis", "method": "get"}, ...],
          "returns": [{"entry": "pandas.read_csv", "function": "pandas.read_csv",
                       "type": "pandas.DataFrame"}, ...]}
    out: {"claims": [{..., "ok": true, "how": "...", "error": null}], "methods": [...],
          "returns": [...]}

A claim is one of ``exists`` (the name resolves), ``async`` (a twin: any of the three below),
``coroutine`` (``await name(...)``: a coroutine
function, or a class whose instances are awaitable), ``async-cm`` (``async with name(...)``: a
class with ``__aenter__``, an ``@asynccontextmanager`` function, or a function whose return
annotation is such a class) and ``async-iter`` (``async for x in name(...)``: an async generator
function, a class with ``__aiter__``, or a function annotated to return one). A claim that
resolves but whose kind cannot be read from the object without calling it is reported with
``ok: null`` and ``how: "unverifiable"``.

A method is checked to be something that can be called: a listed ``is_done`` that is an instance
attribute fails. A ``returns`` type is checked against the function's return annotation where it
has one that names classes (``list[DataFrame]`` is not a ``DataFrame``).
"""

from __future__ import annotations

import inspect
import json
import sys
import types
import typing
import warnings
from typing import Any

from catalog_probe import Unresolved, guard_network, resolve


def _lookup(name: str) -> tuple[Any, str | None]:
    try:
        return resolve(name), None
    except Unresolved as exc:
        return None, str(exc)
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"


def _return_hint(func: Any, known: dict[str, Any] | None = None) -> Any:
    """The evaluated return annotation, or None. Only the return annotation is evaluated, so an
    unresolvable parameter annotation (pandas' `FilePath`) does not hide it; ``known`` binds
    names that a module imports only for type checkers (`DataFrame` in `pandas.io.html`)."""
    func = _unwrap(func)
    annotations = getattr(func, "__annotations__", None)
    hint = annotations.get("return") if isinstance(annotations, dict) else None
    if isinstance(hint, str):
        try:
            hint = eval(hint, {**(known or {}), **getattr(func, "__globals__", {})})
        except Exception:  # a forward reference of TYPE_CHECKING imports, `X | None` on 3.9
            return None
    return hint


# `Union[X, Y]`, and `X | Y` from Python 3.10 on
_UNIONS = (typing.Union, *((types.UnionType,) if hasattr(types, "UnionType") else ()))


def _classes(hint: Any) -> list[type]:
    """The classes an annotation allows (`X | None` -> [X], `list[X]` -> [list]); [] when it
    names something else (`Any`, a type variable, a protocol of callables)."""
    if hint is Any:
        return []
    origin = typing.get_origin(hint)
    if origin is not None and origin in _UNIONS:
        out = []
        for arg in typing.get_args(hint):
            if arg is type(None):
                continue
            found = _classes(arg)
            if not found:
                return []
            out += found
        return out
    if isinstance(origin, type):
        return [origin]
    if isinstance(hint, type):
        return [hint]
    return []


def _unwrap(func: Any) -> Any:
    """The function under ``functools.wraps`` wrappers (stripe's class/instance method variants)."""
    try:
        return inspect.unwrap(func)
    except ValueError:  # a cycle of __wrapped__
        return func


def _has(obj: Any, dunder: str) -> bool:
    return isinstance(obj, type) and hasattr(obj, dunder)


def check_claim(obj: Any, claim: str) -> tuple[bool | None, str, str | None]:
    """(ok, how, error) for one resolved replacement name."""
    func = obj
    if isinstance(obj, (classmethod, staticmethod)):
        func = obj.__func__
    hints = _classes(_return_hint(func)) if callable(func) and not isinstance(func, type) else []
    if claim == "exists":
        return True, "import", None
    if claim == "async":  # a twin: whichever async shape it has
        for kind in ("coroutine", "async-cm", "async-iter"):
            ok, how, error = check_claim(obj, kind)
            if ok:
                return ok, how, error
        if not callable(func):
            return False, "", f"is not callable ({type(obj).__name__})"
        if isinstance(obj, type) or hints or inspect.isgeneratorfunction(func):
            return False, "", "is not a coroutine function, an async context manager or iterable"
        return None, "unverifiable", None
    if claim == "coroutine":
        if inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(_unwrap(func)):
            return True, "coroutine function", None
        if _has(obj, "__await__"):
            return True, "awaitable class", None
        if hints and all(_has(h, "__await__") for h in hints):
            return True, "annotated awaitable", None
        if inspect.isasyncgenfunction(func) or (isinstance(obj, type) and not hints):
            return False, "", "is not a coroutine function and its instances are not awaitable"
    if claim == "async-cm":
        if _has(obj, "__aenter__"):
            return True, "async context manager class", None
        wrapped = getattr(func, "__wrapped__", None)
        if wrapped is not None and inspect.isasyncgenfunction(wrapped):
            return True, "@asynccontextmanager", None
        if hints and all(_has(h, "__aenter__") for h in hints):
            return True, "annotated async context manager", None
        if isinstance(obj, type):
            return False, "", "has no __aenter__"
    if claim == "async-iter":
        if inspect.isasyncgenfunction(func):
            return True, "async generator function", None
        if _has(obj, "__aiter__"):
            return True, "async iterable class", None
        if hints and all(_has(h, "__aiter__") for h in hints):
            return True, "annotated async iterable", None
        if isinstance(obj, type) or inspect.isgeneratorfunction(func):
            return False, "", "is not an async iterable"
    if not callable(func):
        return False, "", f"is not callable ({type(obj).__name__})"
    return None, "unverifiable", None


_MISSING = object()
# what `__slots__` and C structs define: data attributes, never methods
_DATA_DESCRIPTORS = (types.MemberDescriptorType, types.GetSetDescriptorType)


def check_method(cls: Any, method: str) -> tuple[bool, str | None]:
    """A listed method is callable; a descriptor (a property such as SQLAlchemy's
    `Session.no_autoflush`, used with `with`) passes, a slot or a plain value does not."""
    raw = inspect.getattr_static(cls, method, _MISSING) if isinstance(cls, type) else _MISSING
    if raw is _MISSING:
        return True, None  # only on instances or samples: the names test resolves it
    if isinstance(raw, _DATA_DESCRIPTORS) or not (callable(raw) or hasattr(raw, "__get__")):
        return False, f"is a {type(raw).__name__}, not a method"
    return True, None


def check_returns(func: Any, type_name: str) -> tuple[bool | None, str | None]:
    expected, error = _lookup(type_name)
    if error is not None or not isinstance(expected, type):
        return False, error or f"`{type_name}` is not a class"
    hint = _return_hint(func, {expected.__name__: expected})
    if hint is None:
        return None, None
    if inspect.isgeneratorfunction(_unwrap(func)) and typing.get_args(hint):
        # a @contextmanager: the catalog's type is what `with` gives, the yielded value
        hint = typing.get_args(hint)[0]
    classes = _classes(hint)
    if not classes:
        return None, None
    for cls in classes:
        if issubclass(cls, expected) or issubclass(expected, cls):
            return True, None
    return False, f"is annotated to return {hint!r}, not `{type_name}`"


def main() -> int:
    request = json.load(sys.stdin)
    stdout, sys.stdout = sys.stdout, sys.stderr
    guard_network()
    warnings.simplefilter("ignore")
    claims = []
    for item in request.get("claims", []):
        obj, error = _lookup(item["name"])
        ok: bool | None = False
        how = ""
        if error is None:
            ok, how, error = check_claim(obj, item["claim"])
        claims.append({**item, "ok": ok, "how": how, "error": error})
    methods = []
    for item in request.get("methods", []):
        owner, error = _lookup(item["entry"])
        found = error is None
        ok2 = False
        if error is None:
            ok2, error = check_method(owner, item["method"])
        methods.append({**item, "ok": ok2, "error": error, "found": found})
    returns = []
    for item in request.get("returns", []):
        func, error = _lookup(item["function"])
        ok3: bool | None = None  # a method only instances have: nothing to read (names test)
        if error is None:
            ok3, error = check_returns(func, item["type"])
        returns.append({**item, "ok": ok3, "error": error})
    sys.stdout = stdout
    print(json.dumps({"claims": claims, "methods": methods, "returns": returns}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
