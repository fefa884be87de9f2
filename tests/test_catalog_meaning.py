"""What the catalog claims holds in the installed libraries, beyond the names existing.

``test_catalog_names.py`` proves every name real. This module proves what entries *say*:

- every async replacement a ``replacement`` text names as a concrete importable name exists, and
  is what the text uses it as: ``await name(...)`` a coroutine function (or a class whose
  instances are awaitable), ``async with name(...)`` an async context manager, ``async for x in
  name(...)`` an async iterable; a name mentioned otherwise must exist. The ``twin`` of a function
  entry must exist and be async (a coroutine function, an async context manager or iterable);
- every method a class entry lists as blocking or safe is callable (not a data attribute);
- a ``returns`` type agrees with the function's (or method's) return annotation, where it has
  one (for a ``@contextmanager``, with the type it yields).

The libraries are imported in a subprocess (``tests/meaning_probe.py``), never here. Names whose
top-level module is not installed are skipped, except the replacement libraries of
``REPLACEMENT_LIBRARIES``, which must be installed (they are in the ``catalog`` extra).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from test_catalog_names import ENTRIES, NOT_INSTALLABLE, PROBE_ENV, VERSION_RANGES

from asynclint.catalog import ClassEntry, FunctionEntry

PROBE = Path(__file__).with_name("meaning_probe.py")

# The async libraries replacement texts name; the `catalog` extra installs them.
REPLACEMENT_LIBRARIES = {
    "aiofiles",
    "aioftp",
    "aiokafka",
    "aiomysql",
    "aiosmtplib",
    "aiosqlite",
    "aio_pika",
    "anyio",
    "asyncpg",
    "asyncssh",
    "httpx",
}

# class entries whose `returns` deliberately differ from the library's annotations, with why
OWN_RETURNS = {
    "redis.client.Pipeline": "a buffered command returns the pipeline; the annotations describe "
    "the client's immediate commands",
}

# replacements that exist only from some release on: (module, first release)
REPLACEMENT_SINCE = {"asyncio.Barrier": ("python", (3, 11))}

_NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_USE = re.compile(
    rf"(?P<how>await|async with|async for [A-Za-z_][A-Za-z0-9_]* in)\s+(?P<name>{_NAME})\("
)
_DOTTED = re.compile(r"(?<![\w.])(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
_CLAIMS = {"await": "coroutine", "async with": "async-cm"}


def _close(span: str, start: int) -> int:
    """The index after the parenthesis that closes the one at ``start``."""
    depth = 0
    for index in range(start, len(span)):
        if span[index] == "(":
            depth += 1
        elif span[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(span)


def replacement_claims(text: str) -> list[tuple[str, str]]:
    """(name, claim) for the concrete names a replacement text uses, in order, without repeats.

    ``await f(...)`` claims a coroutine only when the await applies to that call itself (not to
    ``f(...).method(...)``); a bare name after ``await`` (``await async_bulk(...)``) is resolved
    through a dotted name of the same text that ends with it. Names whose first segment is a
    local variable of the example (``client.get``) are kept; the caller drops those whose module
    is not importable.
    """
    out: dict[str, str] = {}
    spans = re.findall(r"`([^`]+)`", text)
    everywhere = [m.group("name") for span in spans for m in _DOTTED.finditer(span)]
    for span in spans:
        dotted = [m.group("name") for m in _DOTTED.finditer(span)]
        for match in _USE.finditer(span):
            name = match.group("name")
            if "." not in name:
                name = next((d for d in everywhere if d.endswith("." + name)), name)
            end = _close(span, match.end() - 1)
            chained = end < len(span) and span[end] in ".(["
            how = match.group("how")
            claim = "async-iter" if how.startswith("async for") else _CLAIMS[how]
            if "." in name and not chained and out.get(name, "exists") == "exists":
                out[name] = claim
        for name in dotted:
            out.setdefault(name, "exists")
    return list(out.items())


def claims_request(entries: Iterable[FunctionEntry | ClassEntry]) -> list[dict[str, str]]:
    out = []
    for entry in entries:
        if entry.info is None:
            continue
        for name, claim in replacement_claims(entry.info.replacement):
            out.append({"entry": entry.name, "name": name, "claim": claim})
        if isinstance(entry, FunctionEntry) and entry.twin is not None:
            out.append({"entry": entry.name, "name": entry.twin, "claim": "async"})
    return out


def run(request: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(PROBE)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **PROBE_ENV, "PYTHONPATH": str(PROBE.parent)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _installed(tops: Iterable[str]) -> set[str]:
    code = (
        "import importlib.util, json, sys\n"
        "print(json.dumps([t for t in json.load(sys.stdin) if importlib.util.find_spec(t)]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(sorted(set(tops))),
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stdout))


CLAIMS = claims_request(ENTRIES)
# a library that installs but cannot be imported here (pyodbc without unixODBC) is proven
# another way (tests/test_catalog_stubs.py)
INSTALLED = _installed(
    [c["name"].split(".")[0] for c in CLAIMS] + [e.name.split(".")[0] for e in ENTRIES]
) - set(NOT_INSTALLABLE)


def _cpu_methods(entry: ClassEntry) -> frozenset[str]:
    return entry.cpu.methods if entry.cpu is not None else frozenset()


@pytest.fixture(scope="module")
def probed() -> dict[str, Any]:
    methods = [
        {"entry": entry.name, "method": method}
        for entry in ENTRIES
        if isinstance(entry, ClassEntry) and entry.name.split(".")[0] in INSTALLED
        for method in sorted(entry.blocking | entry.safe | _cpu_methods(entry))
        if "." not in method
    ]
    returns = [
        {"entry": entry.name, "function": entry.name, "type": entry.returns}
        for entry in ENTRIES
        if isinstance(entry, FunctionEntry)
        and entry.returns
        and entry.name.split(".")[0] in INSTALLED
    ] + [
        {"entry": entry.name, "function": f"{entry.name}.{method}", "type": type_name}
        for entry in ENTRIES
        if isinstance(entry, ClassEntry)
        and entry.name.split(".")[0] in INSTALLED
        and entry.name not in OWN_RETURNS
        for method, type_name in sorted(entry.returns.items())
        if "." not in method and not method.startswith("__")
    ]
    claims = [
        c
        for c in CLAIMS
        if c["name"].split(".")[0] in INSTALLED
        and sys.version_info[:2] >= REPLACEMENT_SINCE.get(c["name"], ("python", (3,)))[1]
    ]
    return run({"claims": claims, "methods": methods, "returns": returns})


def test_own_returns_names_class_entries_with_returns() -> None:
    classes = {e.name: e for e in ENTRIES if isinstance(e, ClassEntry)}
    assert all(name in classes and classes[name].returns for name in OWN_RETURNS)


def test_replacement_since_names_replacements() -> None:
    named = {c["name"] for c in CLAIMS}
    assert sorted(set(REPLACEMENT_SINCE) - named) == []


def test_replacement_libraries_are_installed() -> None:
    assert sorted(REPLACEMENT_LIBRARIES - INSTALLED) == []
    named = {c["name"].split(".")[0] for c in CLAIMS}
    assert sorted(REPLACEMENT_LIBRARIES - named) == []  # each is named by some replacement


def test_every_named_replacement_exists_and_is_async_as_claimed(probed: dict[str, Any]) -> None:
    failed = [
        f"{c['entry']}: `{c['name']}` ({c['claim']}): {c['error']}"
        for c in probed["claims"]
        if c["ok"] is False
    ]
    assert failed == []


def test_the_claims_are_mostly_verified(probed: dict[str, Any]) -> None:
    """Guard against a probe that proves nothing: most async claims are read from the object."""
    async_claims = [c for c in probed["claims"] if c["claim"] != "exists"]
    verified = [c for c in async_claims if c["ok"] is True]
    assert len(async_claims) >= 20
    assert len(verified) >= 0.8 * len(async_claims), [
        c["name"] for c in async_claims if c["ok"] is not True
    ]


def test_listed_methods_are_callable(probed: dict[str, Any]) -> None:
    # a class of other releases only (weaviate-client 3's `GetBuilder`) may be missing: the
    # names test allows that only when the installed release is outside its range
    failed = [
        f"{m['entry']}.{m['method']}: {m['error']}"
        for m in probed["methods"]
        if not m["ok"] and (m["found"] or m["entry"] not in VERSION_RANGES)
    ]
    assert failed == []


def test_returns_agree_with_the_return_annotations(probed: dict[str, Any]) -> None:
    failed = [
        f"{r['function']} -> {r['type']}: {r['error']}"
        for r in probed["returns"]
        if r["ok"] is False
    ]
    assert failed == []
    assert any(r["ok"] for r in probed["returns"]), "no annotation was compared"


# --- the extraction and the probe themselves -----------------------------------------------


def test_claims_are_read_from_how_the_text_uses_each_name() -> None:
    text = (
        "`elasticsearch.helpers.async_reindex` (`await async_reindex(es, src, dst)`), "
        "`async with aiofiles.open(p) as f`, `async for m in pubsub.listen()`, "
        "`await asyncio.get_running_loop().getaddrinfo(host)`, "
        "`await asyncio.to_thread(os.stat, p)`"
    )
    assert replacement_claims(text) == [
        ("elasticsearch.helpers.async_reindex", "coroutine"),
        ("aiofiles.open", "async-cm"),
        ("pubsub.listen", "async-iter"),
        ("asyncio.get_running_loop", "exists"),  # the await applies to `.getaddrinfo(...)`
        ("asyncio.to_thread", "coroutine"),
        ("os.stat", "exists"),
    ]


def test_probe_fails_what_is_not_as_claimed() -> None:
    result = run(
        {
            "claims": [
                {"entry": "x", "name": "asyncio.sleep", "claim": "coroutine"},
                {"entry": "x", "name": "time.sleep", "claim": "coroutine"},
                {"entry": "x", "name": "asyncio.Lock", "claim": "async-cm"},
                {"entry": "x", "name": "threading.Barrier", "claim": "async-cm"},
                {"entry": "x", "name": "os.no_such_function", "claim": "exists"},
                {"entry": "x", "name": "io.StringIO", "claim": "async-iter"},
            ],
            "methods": [
                {"entry": "fractions.Fraction", "method": "limit_denominator"},
                {"entry": "fractions.Fraction", "method": "_numerator"},
                {"entry": "fractions.NoSuchClass", "method": "limit_denominator"},
            ],
            "returns": [
                {"entry": "x", "function": "meaning_probe._has", "type": "builtins.bool"},
                {"entry": "x", "function": "meaning_probe._has", "type": "builtins.str"},
                {"entry": "x", "function": "meaning_probe._classes", "type": "builtins.list"},
                {"entry": "x", "function": "meaning_probe._classes", "type": "builtins.dict"},
                {"entry": "x", "function": "shlex.split", "type": "builtins.str"},
            ],
        }
    )
    claims = {c["name"]: c["ok"] for c in result["claims"]}
    assert claims == {
        "asyncio.sleep": True,
        "time.sleep": None,  # a builtin without annotations: kind unknown, not proven
        "asyncio.Lock": True,
        "threading.Barrier": False,
        "os.no_such_function": False,
        "io.StringIO": False,
    }
    assert [m["ok"] for m in result["methods"]] == [True, False, False]
    assert [m["found"] for m in result["methods"]] == [True, True, False]
    # `list[type]` is a list, not a dict; shlex.split has no annotation, so nothing is proven
    assert [r["ok"] for r in result["returns"]] == [True, False, True, False, None]
