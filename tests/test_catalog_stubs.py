"""Catalog entries of a library that installs but cannot be imported here, proven from its stub.

pyodbc's wheel installs everywhere, but importing the extension loads unixODBC's
``libodbc.so.2``, a system library the wheel does not bundle (and CI does not have), so
``tests/test_catalog_names.py`` cannot probe it. The wheel ships ``pyodbc.pyi``, the typed
description of the extension that pyodbc maintains with it; this test reads that file (the
module is found with ``find_spec``, which does not load it) and checks every name, method and
``returns`` type the catalog gives pyodbc against it, as the probe does for imported libraries.
A method the stub does not declare fails, and so does a missing stub: pyodbc is in the
``catalog`` extra.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest
from test_catalog_names import ENTRIES, NOT_INSTALLABLE

from asynclint.catalog import ClassEntry, FunctionEntry

# top-level module -> the stub its wheel installs beside the extension
STUBS = {"pyodbc": "pyodbc.pyi"}


def declared(stub: str) -> tuple[set[str], dict[str, set[str]]]:
    """Module-level functions and classes (with their methods and properties) of a stub."""
    tree = ast.parse(stub)
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    classes = {
        node.name: {m.name for m in node.body if isinstance(m, ast.FunctionDef)}
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }
    return functions, classes


def stub_problems(entry: FunctionEntry | ClassEntry, module: str, stub: str) -> list[str]:
    functions, classes = declared(stub)

    def local(name: str) -> str:
        return name[len(module) + 1 :] if name.startswith(module + ".") else name

    out: list[str] = []
    if isinstance(entry, FunctionEntry):
        if local(entry.name) not in functions:
            out.append(f"function {entry.name} is not declared")
        if entry.returns and local(entry.returns) not in classes:
            out.append(f"{entry.name} returns {entry.returns}, which is not declared")
        return out
    methods = classes.get(local(entry.name))
    if methods is None:
        return [f"class {entry.name} is not declared"]
    listed = set(entry.blocking) | set(entry.safe) | set(entry.returns) | set(entry.properties)
    out += [f"method {entry.name}.{m} is not declared" for m in sorted(listed - methods)]
    out += [
        f"{entry.name}.{m} returns {t}, which is not declared"
        for m, t in sorted(entry.returns.items())
        if local(t) not in classes
    ]
    return out


def _stub_text(module: str) -> str:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"{module} is not installed (the `catalog` extra)"
    stub = Path(spec.origin).with_name(STUBS[module])
    assert stub.is_file(), f"{stub} is missing"
    return stub.read_text(encoding="utf-8")


STUBBED = [e for e in ENTRIES if e.name.split(".")[0] in STUBS]


def test_stubbed_libraries_are_the_uncheckable_ones() -> None:
    assert set(STUBS) <= set(NOT_INSTALLABLE)
    assert {e.name.split(".")[0] for e in STUBBED} == set(STUBS)


@pytest.mark.parametrize("entry", STUBBED, ids=lambda entry: entry.name)
def test_stubbed_entry_names_what_the_stub_declares(entry: FunctionEntry | ClassEntry) -> None:
    module = entry.name.split(".")[0]
    assert stub_problems(entry, module, _stub_text(module)) == []


def test_stub_check_fails_undeclared_names() -> None:
    stub = "class Connection:\n    def cursor(self) -> Cursor: ...\nclass Cursor: ...\n"
    entry = next(e for e in STUBBED if e.name == "pyodbc.Connection")
    assert isinstance(entry, ClassEntry)
    found = stub_problems(entry, "pyodbc", stub)
    assert "method pyodbc.Connection.commit is not declared" in found
    assert "method pyodbc.Connection.cursor is not declared" not in found
    function = next(e for e in STUBBED if e.name == "pyodbc.connect")
    assert stub_problems(function, "pyodbc", stub) == ["function pyodbc.connect is not declared"]
