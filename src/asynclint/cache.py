"""Per-file summaries, cached on disk by content hash and computed in parallel.

The cache lives in ``.asynclint_cache/`` at the project root (like ruff's ``.ruff_cache``);
``--cache-dir`` or ``ASYNCLINT_CACHE_DIR`` move it and ``--no-cache`` turns it off. Entries are
keyed by the file's content hash under a directory named for the asynclint and Python versions,
so an upgrade never reads a stale summary. Writes go to a temporary file that is renamed into
place, so concurrent runs never see half an entry. A cache that cannot be used (read-only,
corrupt) is skipped with a warning: the run goes on without it.

Entries are pickles, and unpickling runs code, so every entry is signed (HMAC-SHA256) with a
secret key kept outside the project, in the user's cache home; an entry whose signature does not
match (written by someone else: say, a cache committed to the repository being checked) is
never unpickled.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import stat
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import current_process
from pathlib import Path
from typing import Any, Optional

from asynclint import __version__
from asynclint.summary import ModuleSummary, ParseError, summarise

ENV_VAR = "ASYNCLINT_CACHE_DIR"
DEFAULT_DIR = ".asynclint_cache"
FORMAT = 3  # bumped whenever the summary or finding types change shape
PARALLEL_THRESHOLD = 64  # fewer uncached files than this are summarised in-process


MAX_FILE_BYTES = 16 * 1024 * 1024  # larger "source" (a generated blob, /dev/zero) is not read


def _read(path: Path) -> tuple[Optional[bytes], Optional[str]]:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"  # a named pipe or a device would never end
        if info.st_size > MAX_FILE_BYTES:
            return None, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            return None, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"
        return data, None
    except OSError as exc:
        return None, exc.strerror or str(exc)


def read_source(path: Path) -> Optional[bytes]:
    """A source file's bytes, or None: only regular files, and not past the size limit."""
    return _read(path)[0]


SIGNATURE_BYTES = 32


def _secret() -> bytes:
    """This user's key for signing cache entries, created on first use; per process when the
    cache home cannot be written (then entries from other runs are simply misses)."""
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "asynclint"
    key_file = home / "cache-key"
    try:
        key = key_file.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        home.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=home)
        with os.fdopen(handle, "wb") as out:
            out.write(key)
        os.chmod(temporary, 0o600)
        os.replace(temporary, key_file)
        return key_file.read_bytes()  # another process may have won the race: use its key
    except OSError:
        return _PROCESS_KEY


_PROCESS_KEY = secrets.token_bytes(32)


def _unreadable(path: Path, reason: str) -> ModuleSummary:
    return ModuleSummary(
        str(path),
        path.name == "__init__.py",
        (),
        (),
        (),
        (),
        error=ParseError(1, 1, f"cannot be read: {reason}", "read"),
    )


def _summarise_many(items: Sequence[tuple[str, bytes]]) -> list[ModuleSummary]:
    return [summarise(data, path) for path, data in items]


class Summaries:
    """Loads summaries: from memory, from the disk cache, or by parsing."""

    def __init__(
        self,
        cache_dir: Optional[Path],
        salt: str = "",
        jobs: Optional[int] = None,
        overlay: Optional[dict[str, bytes]] = None,
    ) -> None:
        # `overlay`: contents to use instead of the files on disk (checking a fix before
        # it is written)
        self.overlay = overlay or {}
        self.directory: Optional[Path] = None
        self.warnings: list[str] = []
        self.jobs = jobs if jobs is not None else (os.cpu_count() or 1)
        self.hits = 0
        self.misses = 0
        self.hashes: dict[str, str] = {}  # content hash of every file summarised, by path
        self._secret: Optional[bytes] = None
        self._warned_corrupt = False
        if cache_dir is not None:
            version = f"{__version__}-f{FORMAT}-py{sys.version_info[0]}{sys.version_info[1]}"
            if salt:
                version += "-" + hashlib.sha256(salt.encode()).hexdigest()[:12]
            directory = cache_dir / version
            try:
                directory.mkdir(parents=True, exist_ok=True)
                gitignore = cache_dir / ".gitignore"
                if not gitignore.exists():
                    gitignore.write_text("# created by asynclint\n*\n", encoding="utf-8")
                self.directory = directory
            except OSError as exc:
                self.warnings.append(
                    f"cache directory {cache_dir} is not usable ({exc.strerror or exc}); "
                    "running without a cache"
                )

    def _read_path(self, path: Path) -> tuple[Optional[bytes], Optional[str]]:
        if self.overlay and str(path) in self.overlay:
            return self.overlay[str(path)], None
        return _read(path)

    def _key(self, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def _sign(self, payload: bytes) -> bytes:
        if self._secret is None:
            self._secret = _secret()
        return hmac.new(self._secret, payload, hashlib.sha256).digest()

    def _load(self, entry: Path) -> Any:
        """The unpickled entry, or None when missing, corrupt, or not signed by us."""
        try:
            blob = entry.read_bytes()
        except OSError:
            return None
        signature, payload = blob[:SIGNATURE_BYTES], blob[SIGNATURE_BYTES:]
        if not hmac.compare_digest(signature, self._sign(payload)):
            self._corrupt(entry)
            return None
        try:
            return pickle.loads(payload)
        except Exception:  # signed but unreadable (another Python): a miss, never a crash
            self._corrupt(entry)
            return None

    def _corrupt(self, entry: Path) -> None:
        if not self._warned_corrupt:
            self._warned_corrupt = True
            self.warnings.append(
                f"ignored cache entries that are corrupt or were not written by this user's "
                f"asynclint (first: {entry}); they are rebuilt"
            )

    def _get(self, key: str, path: str) -> Optional[ModuleSummary]:
        if self.directory is None:
            return None
        summary = self._load(self._entry(key))
        if not isinstance(summary, ModuleSummary):
            return None
        if summary.path != path:
            # same content at another path: the summary is identical but for its path
            from dataclasses import replace

            summary = replace(summary, path=path, is_package=path.endswith("__init__.py"))
        return summary

    def _entry(self, key: str) -> Path:
        assert self.directory is not None
        bucket = key[4:6] if key.startswith("run-") else key[:2]
        return self.directory / bucket / f"{key}.pickle"

    def _put(self, key: str, summary: object) -> None:
        if self.directory is None:
            return
        folder = self._entry(key).parent
        try:
            folder.mkdir(exist_ok=True)
            payload = pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL)
            handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(self._sign(payload) + payload)
            os.replace(temporary, folder / f"{key}.pickle")
        except OSError as exc:
            self.warnings.append(
                f"cannot write to the cache ({exc.strerror or exc}); running without a cache"
            )
            self.directory = None

    # -- whole runs ------------------------------------------------------------------------
    # A run's findings are kept under a key made of every checked file's content hash; the
    # files the run read besides those (modules imported on demand) are stored with their
    # hashes and checked again, so an edit anywhere the analysis looked invalidates the run.

    def read(self, paths: Sequence[Path]) -> list[tuple[Optional[bytes], Optional[str]]]:
        return [self._read_path(path) for path in paths]

    def run_key(
        self,
        paths: Sequence[Path],
        contents: Sequence[tuple[Optional[bytes], Optional[str]]],
        salt: str,
    ) -> str:
        digest = hashlib.sha256(salt.encode())
        for path, (data, error) in zip(paths, contents):
            digest.update(os.fsencode(path) + b"\0")  # file names need not be UTF-8
            digest.update(self._key(data).encode() if data is not None else (error or "").encode())
        return "run-" + digest.hexdigest()

    def get_run(self, key: str) -> Optional[tuple[Any, ...]]:
        if self.directory is None:
            return None
        entry = self._load(self._entry(key))
        try:
            dependencies, payload = entry
        except (TypeError, ValueError):
            return None
        for path, digest in dependencies:
            data, _ = self._read_path(Path(path))
            if data is None or self._key(data) != digest:
                return None
        return tuple(payload)

    def put_run(self, key: str, dependencies: Iterable[str], payload: tuple[Any, ...]) -> None:
        known = tuple((path, self.hashes[path]) for path in dependencies if path in self.hashes)
        self._put(key, (known, payload))

    # -- single files -------------------------------------------------------------------

    def load(self, path: Path) -> ModuleSummary:
        return self.load_many([path])[0]

    def load_many(
        self,
        paths: Iterable[Path],
        contents: Optional[Sequence[tuple[Optional[bytes], Optional[str]]]] = None,
    ) -> list[ModuleSummary]:
        """Summaries in the order of ``paths`` (``contents``: their bytes, already read)."""
        paths = list(paths)
        out: list[Optional[ModuleSummary]] = [None] * len(paths)
        todo: list[tuple[int, str, bytes, str]] = []
        for index, path in enumerate(paths):
            data, error = contents[index] if contents is not None else self._read_path(path)
            if data is None:
                out[index] = _unreadable(path, error or "unknown error")
                continue
            key = self._key(data)
            self.hashes[str(path)] = key
            cached = self._get(key, str(path))
            if cached is not None:
                self.hits += 1
                out[index] = cached
            else:
                todo.append((index, str(path), data, key))
        self.misses += len(todo)
        for (index, _, _, key), summary in zip(
            todo, self._summarise([(p, d) for _, p, d, _ in todo])
        ):
            out[index] = summary
            self._put(key, summary)
        return [summary for summary in out if summary is not None]  # every slot is filled

    def _summarise(self, items: list[tuple[str, bytes]]) -> list[ModuleSummary]:
        # a daemonic process (a flake8 or pytest-xdist worker) may not start children
        if len(items) < PARALLEL_THRESHOLD or self.jobs <= 1 or current_process().daemon:
            return _summarise_many(items)
        size = max(8, len(items) // (self.jobs * 4))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        try:
            with ProcessPoolExecutor(max_workers=self.jobs) as pool:
                return [s for chunk in pool.map(_summarise_many, chunks) for s in chunk]
        except (OSError, RuntimeError):  # no process support here: do it in-process
            return _summarise_many(items)


def resolve_cache_dir(option: Optional[Path], root: Path, disabled: bool) -> Optional[Path]:
    if disabled:
        return None
    if option is not None:
        return option
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return Path(from_env)
    return root / DEFAULT_DIR
