"""TOML and JSON files asynclint reads (pyproject.toml, rule files, baselines), read safely.

Each is read with ``safeio`` (a pipe or a device named as a baseline must not hang the run),
parsed, and refused when it nests deeper than any real file does: the parsers recurse once per
level (a 5,000-deep array is a ``RecursionError``), and so do the validators that walk the
result. Every problem is one ``DataError`` whose message completes "<path>: ...".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from asynclint import safeio

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# [tool.asynclint] tables nest four or five levels, an ast-grep rule (`not`/`all`/`inside`)
# a dozen at most; a baseline three
MAX_NESTING = 32
MAX_TOML_BYTES = 4 * 1024 * 1024
MAX_JSON_BYTES = 256 * 1024 * 1024


class DataError(Exception):
    """The file cannot be read or is not data asynclint can use; the message says why."""


def depth(value: Any) -> int:
    """How deeply lists and tables nest in ``value`` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_NESTING:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def read_text(path: Path, limit: int) -> str:
    try:
        return safeio.read_regular(path, limit).decode("utf-8")
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8: {exc}") from exc


def parse_toml(text: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"not valid TOML: {exc}") from exc
    except RecursionError as exc:
        raise DataError(f"nests more than {MAX_NESTING} levels deep") from exc
    if depth(data) > MAX_NESTING:
        raise DataError(f"nests more than {MAX_NESTING} levels deep")
    return data


def load_toml(path: Path) -> dict[str, Any]:
    return parse_toml(read_text(path, MAX_TOML_BYTES))


def parse_json(text: str) -> Any:
    """The JSON value of ``text``; DataError with the parser's reason or the nesting limit."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DataError(str(exc)) from exc
    except RecursionError as exc:
        raise DataError(f"nests more than {MAX_NESTING} levels deep") from exc
    if depth(data) > MAX_NESTING:
        raise DataError(f"nests more than {MAX_NESTING} levels deep")
    return data
