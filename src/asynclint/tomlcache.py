"""TOML documents parsed once per content, kept as JSON in the user's cache.

The built-in catalog is ~450 KB of TOML: `tomllib` (pure Python) takes ~160 ms to parse it, a
quarter of a warm run's CPU, on every run and in every flake8 worker; `json` reads the same data
in ~6 ms. The JSON is keyed by the SHA-256 of the files' names and bytes, so an edited or
upgraded catalog is parsed again, and it is data only (no pickle): nothing in it can run.
Anything that goes wrong with the cache (no home, read-only, corrupt entry, a document JSON
cannot hold, such as a TOML date) only means the TOML is parsed as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional

from asynclint.paths import user_cache_home

FORMAT = 1
MAX_BYTES = 64 * 1024 * 1024
KEEP = 8  # entries kept: one per catalog version in use (several installs share the cache)


def cache_home() -> Path:
    return user_cache_home() / "toml"


def parsed(
    sources: Sequence[tuple[Path, bytes]], parse: Callable[[Path, bytes], dict[str, Any]]
) -> list[dict[str, Any]]:
    """``parse(path, data)`` of each source, from the cache when the same files were parsed
    before. ``parse`` raises for a file it rejects; nothing is cached then."""
    digest = hashlib.sha256(f"{FORMAT}".encode())
    for path, data in sources:
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(data).digest())
    entry = _entry(digest.hexdigest())
    found = _read(entry) if entry is not None else None
    if found is not None and len(found) == len(sources):
        return found
    documents = [parse(path, data) for path, data in sources]
    if entry is not None:
        _write(entry, documents)
    return documents


def _entry(key: str) -> Optional[Path]:
    try:
        return cache_home() / f"{key}.json"
    except RuntimeError:  # no home directory to find the cache in
        return None


def _read(entry: Path) -> Optional[list[dict[str, Any]]]:
    try:
        with entry.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        documents = json.loads(data) if len(data) <= MAX_BYTES else None
    except (OSError, ValueError):
        return None
    if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
        return None
    return documents


def _write(entry: Path, documents: list[dict[str, Any]]) -> None:
    try:
        text = json.dumps(documents, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # a TOML date or a non-finite float: not worth a format
        return
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, entry)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return
    _prune(entry.parent)


def _prune(directory: Path) -> None:
    """Keep the ``KEEP`` newest entries: each upgrade of asynclint leaves one behind."""
    try:
        entries = sorted(
            directory.glob("*.json"), key=lambda path: path.stat().st_mtime, reverse=True
        )
        for stale in entries[KEEP:]:
            stale.unlink()
    except OSError:  # another run pruned at the same time
        pass
