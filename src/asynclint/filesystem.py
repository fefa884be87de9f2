"""The one way the analysis reads what it analyses.

Summaries, module lookups ("is there an `app/db.py`?") and fix planning all go through a
``FileSystem``. Contents that are not on disk — a fix being proven before it is written, an
editor's unsaved buffer — are an overlay on it, so every stage sees the same files: a buffer
that creates a module makes imports of it resolve, and a fix is checked against exactly the
bytes it was planned on.

Reads are safe against hostile trees (see ``safeio``): only regular files, opened before they
are checked, and never more than ``MAX_FILE_BYTES``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Optional, Union

from asynclint import safeio

MAX_FILE_BYTES = 16 * 1024 * 1024  # larger "source" (a generated blob, /dev/zero) is not read

PathLike = Union[str, Path]


class FileSystem:
    """Files on disk, seen through an overlay of contents that replace or add files."""

    def __init__(self, overlay: Optional[Mapping[str, bytes]] = None) -> None:
        self._overlay = {os.path.abspath(path): data for path, data in (overlay or {}).items()}

    @property
    def overlay(self) -> Mapping[str, bytes]:
        return self._overlay

    def overlaid(self, contents: Mapping[str, bytes]) -> FileSystem:
        """This file system with ``contents`` on top (they win over what is already there)."""
        return FileSystem({**self._overlay, **contents})

    def read(self, path: PathLike) -> tuple[Optional[bytes], Optional[str]]:
        """A file's bytes, or None and why not."""
        found = self._overlay.get(os.path.abspath(path)) if self._overlay else None
        if found is not None:
            return found, None
        try:
            return safeio.read_regular(Path(path), MAX_FILE_BYTES), None
        except OSError as exc:
            return None, exc.strerror or str(exc)

    def read_bytes(self, path: PathLike) -> Optional[bytes]:
        return self.read(path)[0]

    def exists(self, path: PathLike) -> bool:
        """Anything is there (a file, a directory, a dangling symlink)."""
        if self._overlay and os.path.abspath(path) in self._overlay:
            return True
        return os.path.lexists(path)

    def is_file(self, path: PathLike) -> bool:
        if self._overlay and os.path.abspath(path) in self._overlay:
            return True
        return os.path.isfile(path)


DISK = FileSystem()  # what is on disk, nothing on top
