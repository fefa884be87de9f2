"""Resolve catalog names against the libraries installed in this interpreter.

Run by ``tests/test_catalog_names.py`` in a subprocess, so that asynclint's own test process
never imports the libraries the catalog describes. Reads one JSON document on standard input,
writes one on standard output::

    in:  {"entries": [{"name": "requests.Session", "kind": "class",
                       "aliases": [...], "methods": ["get", "chat.completions.create"],
                       "returns": ["requests.Response"]}, ...],
          "samples": {"openai.OpenAI": ["openai.OpenAI(api_key='sk-dummy')"], ...}}
    out: {"python": [3, 13, 0],
          "modules": {"requests": {"present": true, "stdlib": false, "version": "2.32.3"}},
          "checks": [{"entry": ..., "subject": ..., "what": "name|alias|method|returns",
                      "method": "", "ok": true, "how": "import|class|annotation|sample",
                      "error": null}]}

A name resolves by importing its longest importable module prefix and ``getattr`` along the
rest. A method resolves on the class (``hasattr``); a dotted method path (``chat.completions``)
first through the class statically (a property's or a class annotation's type), otherwise on
the sample instances the caller names (expressions that build a client with dummy credentials
and do no I/O; network calls are refused while the probe runs). Objects that answer any
attribute name (a permissive ``__getattr__``) prove nothing and are reported as errors.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import importlib.metadata
import importlib.util
import json
import socket
import sys
import sysconfig
import typing
import warnings
from typing import Any

NONSENSE = "asynclint_probe_no_such_attribute"
MISSING = object()


class NetworkRefused(RuntimeError):
    pass


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise NetworkRefused("the catalog probe must not touch the network")


def guard_network() -> None:
    """Constructing a sample client must do no I/O: make any connection attempt an error."""
    socket.socket.connect = _refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = _refuse  # type: ignore[method-assign]
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse


class Unresolved(Exception):
    pass


def is_stdlib(top: str) -> bool:
    names = getattr(sys, "stdlib_module_names", None)  # Python 3.10+
    if names is not None:
        return top in names
    if top in sys.builtin_module_names:
        return True
    spec = importlib.util.find_spec(top)
    origin = (spec.origin or "") if spec else ""
    stdlib = sysconfig.get_paths()["stdlib"]
    return origin in ("built-in", "frozen") or (
        origin.startswith(stdlib) and "site-packages" not in origin
    )


def module_info(top: str) -> dict[str, Any]:
    try:
        present = importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        present = False
    info: dict[str, Any] = {"present": present, "stdlib": present and is_stdlib(top)}
    info["version"] = None
    if present:
        try:
            module = importlib.import_module(top)
        except Exception as exc:  # a broken install is a failure, reported per entry
            info["import_error"] = f"{type(exc).__name__}: {exc}"
        else:
            version = getattr(module, "__version__", None)
            if not isinstance(version, str):
                try:  # elasticsearch has none; the distribution usually shares the name
                    version = importlib.metadata.version(top)
                except importlib.metadata.PackageNotFoundError:
                    version = None
            info["version"] = version
    return info


def permissive(obj: Any) -> bool:
    try:
        getattr(obj, NONSENSE)
    except Exception:
        return False
    return True


def step(obj: Any, name: str, where: str) -> Any:
    if permissive(obj):
        raise Unresolved(f"{where} answers any attribute name, so `{name}` proves nothing")
    try:
        return getattr(obj, name)
    except AttributeError:
        raise Unresolved(f"{where} has no attribute `{name}`") from None


def resolve(qualname: str) -> Any:
    """Import the longest importable module prefix, then getattr along the rest."""
    parts = qualname.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if missing and (module_name == missing or module_name.startswith(missing + ".")):
                continue
            raise
        if cut == len(parts) > 1:
            # `dramatiq.actor` is a module and the function its package binds over it: the
            # name as users write it (`import dramatiq; dramatiq.actor`) is the attribute
            shadow = getattr(sys.modules[".".join(parts[:-1])], parts[-1], MISSING)
            if shadow is not MISSING:
                obj = shadow
        where = module_name
        for part in parts[cut:]:
            obj = step(obj, part, f"`{where}`")
            where = f"{where}.{part}"
        return obj
    raise Unresolved(f"no module of `{qualname}` can be imported")


def unwrap(hint: Any) -> Any:
    """`Optional[X]` -> X; anything else that is not a class -> MISSING."""
    if isinstance(hint, type):
        return hint
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is typing.Union and len(args) == 1 and isinstance(args[0], type):
        return args[0]
    return MISSING


def static_type(cls: type, name: str) -> Any:
    """The type of attribute `name` of instances of `cls`, read from the class alone."""
    raw = MISSING
    for klass in cls.__mro__:
        if name in vars(klass):
            raw = vars(klass)[name]
            break
    if isinstance(raw, property) and raw.fget is not None:
        return unwrap(typing.get_type_hints(raw.fget).get("return", MISSING))
    if isinstance(raw, functools.cached_property):
        return unwrap(typing.get_type_hints(raw.func).get("return", MISSING))
    if raw is MISSING:
        return unwrap(typing.get_type_hints(cls).get(name, MISSING))
    return MISSING


def check_static(owner: Any, path: list[str]) -> str | None:
    """How `path` resolves from `owner` (a class) without an instance, or None."""
    obj = owner
    how = "class"
    for index, part in enumerate(path):
        if permissive(obj):
            return None
        typed = MISSING
        if isinstance(obj, type):
            try:
                typed = static_type(obj, part)
            except Exception:  # unresolvable forward references: try a sample instead
                typed = MISSING
        if index == len(path) - 1:
            if hasattr(obj, part):
                return how
            return "annotation" if typed is not MISSING else None
        if typed is not MISSING:
            obj, how = typed, "annotation"
            continue
        raw = getattr(obj, part, MISSING)
        if raw is MISSING or isinstance(raw, (property, functools.cached_property)):
            return None
        obj = raw  # a plain class attribute, such as `SQLModel.metadata`
    return how


class AutoImport(dict):  # type: ignore[type-arg]
    """Names in a sample expression import the module of that name."""

    def __missing__(self, key: str) -> Any:
        if hasattr(builtins, key):
            return getattr(builtins, key)
        return importlib.import_module(key)


@functools.cache
def build_sample(expression: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return eval(expression, {"__builtins__": builtins}, AutoImport())


def check_samples(expressions: list[str], path: list[str]) -> tuple[bool, str]:
    errors = []
    for expression in expressions:
        try:
            obj: Any = build_sample(expression)
            where = f"`{expression}`"
            for part in path:
                obj = step(obj, part, where)
                where = f"{where}.{part}"
        except Unresolved as exc:
            errors.append(str(exc))
        except Exception as exc:
            errors.append(f"`{expression}` failed: {type(exc).__name__}: {exc}")
        else:
            return True, ""
    return False, "; ".join(errors)


def check_entry(entry: dict[str, Any], samples: dict[str, list[str]]) -> list[dict[str, Any]]:
    name = entry["name"]
    out: list[dict[str, Any]] = []

    def record(
        subject: str, what: str, how: str | None, error: str | None = None, method: str = ""
    ) -> None:
        out.append(
            {
                "entry": name,
                "subject": subject,
                "what": what,
                "method": method,
                "ok": error is None,
                "how": how,
                "error": error,
            }
        )

    def lookup(subject: str) -> Any:
        try:
            return resolve(subject), None
        except Unresolved as exc:
            return MISSING, str(exc)
        except Exception as exc:
            return MISSING, f"{type(exc).__name__}: {exc}"

    own_samples = samples.get(name, [])
    obj, error = lookup(name)
    if error is not None:
        record(name, "name", None, error)
    elif entry["kind"] == "function":
        record(name, "name", "import", None if callable(obj) else "is not callable")
    elif isinstance(obj, type) or own_samples:
        record(name, "name", "import" if isinstance(obj, type) else "sample")
    else:
        record(name, "name", None, f"is not a class ({type(obj).__name__}) and has no sample")

    owners: list[tuple[str, Any, list[str]]] = []
    if error is None and entry["kind"] == "class":
        owners.append((name, obj, own_samples))
    for alias in entry.get("aliases", []):
        alias_obj, alias_error = lookup(alias)
        record(alias, "alias", "import" if alias_error is None else None, alias_error)
        if alias_error is None and alias_obj is not obj:
            owners.append((alias, alias_obj, samples.get(alias, [])))

    for owner_name, owner, owner_samples in owners:
        for method in entry.get("methods", []):
            subject = f"{owner_name}.{method}"
            path = method.split(".")
            # a factory function (`threading.RLock`) has attributes of its own: samples only
            how = check_static(owner, path) if isinstance(owner, type) else None
            if how is not None:
                record(subject, "method", how, method=method)
                continue
            if owner_samples:
                ok, problem = check_samples(owner_samples, path)
                if ok:
                    record(subject, "method", "sample", method=method)
                    continue
            else:
                problem = "not found on the class and no sample instance is given"
            record(subject, "method", None, problem, method=method)

    for type_name in entry.get("returns", []):
        type_obj, type_error = lookup(type_name)
        if type_error is None and not isinstance(type_obj, type) and not samples.get(type_name):
            type_error = f"is not a class ({type(type_obj).__name__})"
        record(type_name, "returns", "import" if type_error is None else None, type_error)
    return out


def main() -> int:
    request = json.load(sys.stdin)
    # what the libraries print while they are imported must not corrupt the answer
    stdout, sys.stdout = sys.stdout, sys.stderr
    samples: dict[str, list[str]] = request.get("samples", {})
    guard_network()
    warnings.simplefilter("ignore")
    entries = request["entries"]
    tops = sorted({entry["name"].split(".")[0] for entry in entries})
    modules = {top: module_info(top) for top in tops}
    checks: list[dict[str, Any]] = []
    for entry in entries:
        info = modules[entry["name"].split(".")[0]]
        if not info["present"]:
            continue
        if "import_error" in info:
            checks.append(
                {
                    "entry": entry["name"],
                    "subject": entry["name"],
                    "what": "name",
                    "method": "",
                    "ok": False,
                    "how": None,
                    "error": f"cannot import: {info['import_error']}",
                }
            )
            continue
        checks.extend(check_entry(entry, samples))
    result = {"python": list(sys.version_info[:3]), "modules": modules, "checks": checks}
    sys.stdout = stdout
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
