"""Per-file summaries, cached on disk by content hash and computed in parallel.

The cache lives in ``.asynclint_cache/`` at the project root (like ruff's ``.ruff_cache``);
``--cache-dir`` or ``ASYNCLINT_CACHE_DIR`` move it and ``--no-cache`` turns it off. Entries are
keyed by the file's content hash under a directory named for the asynclint and Python versions,
so an upgrade never reads a stale summary. Writes go to a temporary file that is renamed into
place, so concurrent runs never see half an entry; a failed write removes its temporary file.
A cache that cannot be used (read-only, corrupt) is skipped with a warning: the run goes on
without it.

Entries are data, not code: MessagePack written and read by msgspec against the summary and
finding types (``FORMAT`` names their shape and is part of the version directory, so entries of
an older shape are never looked at). Decoding checks every field's type, so an entry that was
tampered with or truncated fails to decode and is rebuilt; nothing in an entry can run code.
Entries need no secret, so a cache restored on another machine (CI's ``actions/cache``) hits.

A cache directory may come with the repository being checked, so it is read with care:
entries are read only when they are regular files (opened without following symlinks, without
blocking, up to a size limit), nothing is created through a symlink (the ``.gitignore``, the
version and bucket directories), and a default cache directory that is a symlink out of the
project is not used at all. Such a cache can at most change what the run reports, as the
repository's own configuration and suppression comments can.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import pickle
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import current_process
from pathlib import Path
from types import ModuleType
from typing import NamedTuple, Optional, TypeVar, Union, overload

import msgspec
from msgspec.structs import replace

from asynclint import __version__, safeio
from asynclint.collector import fewer_collections
from asynclint.filesystem import DISK, FileSystem
from asynclint.findings import Finding
from asynclint.paths import user_cache_home
from asynclint.summary import ModuleSummary, ParseError, summarise
from asynclint.unused import Comment

fcntl: Optional[ModuleType]
try:
    import fcntl as _fcntl

    fcntl = _fcntl
except ImportError:  # Windows: runs are not serialised there
    fcntl = None

ENV_VAR = "ASYNCLINT_CACHE_DIR"
DEFAULT_DIR = ".asynclint_cache"
FORMAT = 15  # bumped whenever the summary, finding or snapshot types change shape
SUFFIX = ".msgpack"
PARALLEL_THRESHOLD = 64  # fewer uncached files than this are summarised in-process


# a summary of the largest source file takes a few times its size; a run entry of a very large
# project somewhat more: anything beyond this is not an entry asynclint wrote
MAX_ENTRY_BYTES = 256 * 1024 * 1024


class Run(NamedTuple):
    """What a whole run found, as the run cache keeps it."""

    findings: tuple[Finding, ...]
    analysed: int  # files analysed
    notes: tuple[str, ...]
    details: tuple[tuple[str, str], ...]  # (path, line) of the details of unresolved imports
    comments: tuple[Comment, ...]  # suppression comments with codes that silenced nothing


class _Stat(msgspec.Struct, frozen=True, array_like=True):
    """What ``os.stat`` said of a file when its bytes had ``digest``."""

    size: int
    mtime: int  # nanoseconds
    ctime: int  # nanoseconds: changes with any write, rename or restore of the mtime
    inode: int
    digest: str
    # whether those bytes can put code on the loop (``fastapi_model.can_reach_loop``, the
    # engine's pre-scan); None: not asked yet. Known, it spares reading a file the run skips
    loop: Optional[bool] = None


class _StatIndex(msgspec.Struct, frozen=True, array_like=True):
    """The content hash of each file of a project by what ``os.stat`` says of it: a run that
    finds every file as it was need not read them to know its run is in the cache."""

    written: int  # time.time_ns() when the index was written
    files: dict[str, _Stat]


# a file whose mtime is this close to the index's writing may change again within the same
# timestamp tick without its stat changing (git's "racily clean" entries): its bytes are read
RACY_NS = 2_000_000_000


class _RunFiles(NamedTuple):
    """The files of the run under way, as ``Summaries.digests`` found them."""

    paths: Sequence[Path]
    listed: Sequence[str]  # the same, as strings
    contents: Contents
    digests: list[tuple[Optional[str], Optional[str]]]
    vouched: bytearray  # 1 at the position of each file whose hash the stat index gave
    stat_index: Optional[_StatIndex]
    positions: Optional[dict[str, int]] = None  # position by path, made when first needed


class _RunEntry(msgspec.Struct, frozen=True, array_like=True):
    # (path, content hash) of each file the run read besides the checked ones; None: not found
    dependencies: tuple[tuple[str, Optional[str]], ...]
    run: Run


_T = TypeVar("_T")
_ENCODER = msgspec.msgpack.Encoder()
_SUMMARY = msgspec.msgpack.Decoder(ModuleSummary)
_RUN = msgspec.msgpack.Decoder(_RunEntry)
_STATS = msgspec.msgpack.Decoder(_StatIndex)
_UNREAD: tuple[Optional[bytes], Optional[str]] = (None, "not read")  # nothing held there
# what a value the types allow may still hold that MessagePack cannot: an int literal beyond
# 64 bits, a string literal with a lone surrogate (such a summary is just not cached)
_UNENCODABLE = (OverflowError, UnicodeEncodeError)


class Contents(Sequence[tuple[Optional[bytes], Optional[str]]]):
    """The bytes of a run's files (or None and why not) by position, each read when first
    asked for: a run whose stat index vouches for most files reads only those it looks
    into. A vouched-for file read later than its stat is hashed again: when the bytes differ
    (written during the run) ``changed`` is set, and the run must not be kept."""

    def __init__(
        self,
        paths: Sequence[Path],
        read: Callable[[Path], tuple[Optional[bytes], Optional[str]]],
        held: Optional[list[tuple[Optional[bytes], Optional[str]]]] = None,
        vouched: Callable[[int], Optional[str]] = lambda position: None,
        hash_: Callable[[bytes], str] = lambda data: hashlib.sha256(data).hexdigest(),
    ) -> None:
        self.paths = paths
        self._read = read
        self._items = held if held is not None else [_UNREAD] * len(paths)
        self._vouched = vouched  # the content hash the stat index gave, by position
        self._hash = hash_
        self.changed = False

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> tuple[Optional[bytes], Optional[str]]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[Optional[bytes], Optional[str]]]: ...

    def __getitem__(
        self, index: Union[int, slice]
    ) -> Union[tuple[Optional[bytes], Optional[str]], list[tuple[Optional[bytes], Optional[str]]]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._items)))]
        item = self._items[index]
        if item is _UNREAD:
            item = self._items[index] = self._read(self.paths[index])
            vouched = self._vouched(index % len(self._items))
            if vouched is not None and (item[0] is None or self._hash(item[0]) != vouched):
                self.changed = True
        return item

    def held(self, index: int) -> bool:
        """Whether the bytes at ``index`` were read already (asking costs nothing then)."""
        return self._items[index] is not _UNREAD


def encode(value: object) -> Optional[bytes]:
    """``value`` as an entry's bytes, or None when it holds what MessagePack cannot carry."""
    try:
        return _ENCODER.encode(value)
    except _UNENCODABLE:
        return None


def library_cache_dir() -> Path:
    """Where summaries of installed libraries are kept, shared by every project: they are
    keyed by distribution name and version, so they hold wherever that version is installed."""
    return user_cache_home() / "libraries"


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
    with fewer_collections():  # also in a worker process, which may not have inherited it
        return [summarise(data, path) for path, data in items]


def _encoded_summaries(items: Sequence[tuple[str, bytes]]) -> list[tuple[bool, bytes]]:
    """In a worker process: each summary as the entry the cache stores (True), or pickled
    (False) when it cannot be stored; the pool is our own, so its pickles are ours."""
    out = []
    for summary in _summarise_many(items):
        payload = encode(summary)
        if payload is None:
            out.append((False, pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL)))
        else:
            out.append((True, payload))
    return out


class Summaries:
    """Loads summaries: from memory, from the disk cache, or by parsing."""

    # whether ``digests`` may trust the stat index instead of reading a file (not where the
    # files' bytes are already held in memory between runs: the language server)
    stat_index = True

    def __init__(
        self,
        cache_dir: Optional[Path],
        salt: str = "",
        jobs: Optional[int] = None,
        files: FileSystem = DISK,
        project_root: Optional[Path] = None,
    ) -> None:
        # `files`: where sources are read (an overlay holds a fix being proven, or unsaved
        # editor buffers); `project_root`: a cache directory inside it must stay inside it
        self.files = files
        self.directory: Optional[Path] = None
        self.warnings: list[str] = []
        self.jobs = jobs if jobs is not None else (os.cpu_count() or 1)
        self.hits = 0
        self.misses = 0
        self.hashes: dict[str, str] = {}  # content hash of every file summarised, by path
        self._warned_corrupt = False
        self._buckets: set[Path] = set()  # bucket directories made (and checked) this run
        # the stat index (see ``digests``): as loaded, and what this run learnt
        self._stats: Optional[_StatIndex] = None
        self._stats_name = ""
        self._learnt: dict[str, _Stat] = {}
        self._gone: set[str] = set()
        # the files ``digests`` was last given, until ``save_digests``
        self._run: Optional[_RunFiles] = None
        # (mtime in ns, size) of each file ``digests`` last looked at through the stat index,
        # when asked for (``keep_stats``: the flake8 plugin)
        self.keep_stats = False
        self.stats: Optional[dict[str, tuple[int, int]]] = None
        if cache_dir is not None:
            version = f"{__version__}-f{FORMAT}-py{sys.version_info[0]}{sys.version_info[1]}"
            if salt:
                version += "-" + hashlib.sha256(salt.encode()).hexdigest()[:12]
            self.directory = self._open(cache_dir, version, project_root)

    def _open(self, cache_dir: Path, version: str, project_root: Optional[Path]) -> Optional[Path]:
        """The version directory, created if needed, or None (with a warning) when the cache
        cannot be used or trusted."""
        if project_root is not None and _escapes(cache_dir, project_root):
            self.warnings.append(
                f"cache directory {cache_dir} is a symbolic link to outside the project; "
                "not trusted, running without a cache"
            )
            return None
        directory = cache_dir / version
        try:
            directory.mkdir(parents=True, exist_ok=True)
            if os.path.realpath(directory) != os.path.join(os.path.realpath(cache_dir), version):
                self.warnings.append(
                    f"cache directory {directory} is a symbolic link; running without a cache"
                )
                return None
            _create_gitignore(cache_dir / ".gitignore")
        except OSError as exc:
            self.warnings.append(
                f"cache directory {cache_dir} is not usable ({exc.strerror or exc}); "
                "running without a cache"
            )
            return None
        return directory

    def _read_path(self, path: Path) -> tuple[Optional[bytes], Optional[str]]:
        return self.files.read(path)

    def _key(self, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def _load(self, entry: Path, decoder: msgspec.msgpack.Decoder[_T]) -> Optional[_T]:
        """The decoded entry, or None when missing or not a valid entry of the decoder's type.
        Only a regular file is read (a pipe would block, a device never end, a symlink lead
        out)."""
        try:
            blob = safeio.read_regular(entry, MAX_ENTRY_BYTES, follow_symlinks=False)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                self._corrupt(entry)
            return None
        try:
            return decoder.decode(blob)
        except (msgspec.DecodeError, RecursionError):  # ValidationError is a DecodeError
            self._corrupt(entry)
            return None

    def _corrupt(self, entry: Path) -> None:
        if not self._warned_corrupt:
            self._warned_corrupt = True
            self.warnings.append(
                f"ignored cache entries that are corrupt or not asynclint's (first: {entry}); "
                "they are rebuilt"
            )

    def _get(self, key: str, path: str) -> Optional[ModuleSummary]:
        if self.directory is None:
            return None
        summary = self._load(self._entry(key), _SUMMARY)
        if summary is None:
            return None
        if summary.path != path:
            # same content at another path: the summary is identical but for its path
            summary = replace(summary, path=path, is_package=path.endswith("__init__.py"))
        return summary

    def _entry(self, key: str) -> Path:
        assert self.directory is not None
        bucket = key[4:6] if key.startswith("run-") else key[:2]
        return self.directory / bucket / f"{key}{SUFFIX}"

    def _put(self, key: str, value: object, payload: Optional[bytes] = None) -> None:
        """Store ``value`` (``payload``: its bytes, when a worker already encoded it)."""
        if self.directory is None:
            return
        if payload is None:
            payload = encode(value)
            if payload is None:
                return
        self._write(self._entry(key).parent, key, payload)

    def _write(self, folder: Path, key: str, payload: bytes) -> None:
        """Write an entry's bytes to ``folder/key.msgpack`` whole, or not at all."""
        temporary = None
        try:
            if folder not in self._buckets:  # made and checked once per run
                folder.mkdir(exist_ok=True)
                if not stat.S_ISDIR(os.lstat(folder).st_mode):
                    self.warnings.append(
                        f"cache directory {folder} is a symbolic link; running without a cache"
                    )
                    self.directory = None
                    return
                self._buckets.add(folder)
            handle, temporary = self._temporary(folder, key)
            with os.fdopen(handle, "wb") as out:
                out.write(payload)
            os.replace(temporary, folder / f"{key}{SUFFIX}")
            temporary = None
        except OSError as exc:
            self.warnings.append(
                f"cannot write to the cache ({exc.strerror or exc}); running without a cache"
            )
            self.directory = None
        finally:
            if temporary is not None:  # a failed write leaves nothing behind
                with contextlib.suppress(OSError):
                    os.unlink(temporary)

    @staticmethod
    def _temporary(folder: Path, key: str) -> tuple[int, str]:
        """A new file to write an entry in before it is renamed into place: named for the
        entry and this process (cheaper than ``mkstemp``'s random names, and unique among
        concurrent runs), or a random name when that one is taken (left by a crash)."""
        name = str(folder / f"{key}.{os.getpid()}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | safeio.NOFOLLOW | getattr(os, "O_BINARY", 0)
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            return tempfile.mkstemp(dir=folder, suffix=".tmp")

    # -- entries by name (library summaries, keyed by distribution and version) -------------

    def get_entry(self, key: str) -> Optional[ModuleSummary]:
        """The summary stored under ``key``, or None."""
        return self._load(self._entry(key), _SUMMARY) if self.directory is not None else None

    def put_entry(self, key: str, value: ModuleSummary) -> None:
        self._put(key, value)

    # -- whole runs ------------------------------------------------------------------------
    # A run's findings are kept under a key made of every checked file's content hash; the
    # files the run read besides those (modules imported on demand) are stored with their
    # hashes and checked again, so an edit anywhere the analysis looked invalidates the run.

    def read(self, paths: Sequence[Path]) -> list[tuple[Optional[bytes], Optional[str]]]:
        """Each file's bytes (or None and why not), all of them."""
        return list(self.contents(paths))

    def contents(self, paths: Sequence[Path]) -> Contents:
        """The bytes of ``paths``, each read when first asked for; for the paths ``digests``
        was last given, those it read are not read again, and a file the stat index vouched
        for is hashed when read (see ``Contents.changed``)."""
        run = self._run
        if run is None or run.paths is not paths:
            return Contents(paths, self._read_path, hash_=self._key)
        return run.contents

    def digests(
        self, paths: Sequence[Path], root: Path
    ) -> list[tuple[Optional[str], Optional[str]]]:
        """Each file's content hash (or None and why it cannot be read), reading only the
        files whose ``os.stat`` differs from the stat index of the project at ``root``: a
        warm run over thousands of unchanged files reads none of them. Until
        ``save_digests``, the bytes read are kept (``contents``), a summary asked for by path
        is looked up by the hash found here, and the pre-scan's answers are learnt
        (``prescanned``); ``save_digests`` writes what was learnt."""
        held = [_UNREAD] * len(paths)
        if not self.stat_index or self.directory is None:
            for position, path in enumerate(paths):
                held[position] = self._read_path(path)
            out = [self._digest(content) for content in held]
            listed = [str(path) for path in paths]
            contents = Contents(paths, self._read_path, held)
            self._run = _RunFiles(paths, listed, contents, out, bytearray(len(paths)), None)
            return out
        index = self._stat_index(root)
        stats: Optional[dict[str, tuple[int, int]]] = {} if self.keep_stats else None
        self.stats = stats
        trusted_before = index.written - RACY_NS
        overlay = self.files.overlay
        out = []
        vouched = bytearray(len(paths))
        listed = [str(path) for path in paths]
        # files the project no longer has (deleted, renamed, excluded) leave the index
        self._gone.update(index.files.keys() - set(listed))
        for position, (path, text) in enumerate(zip(paths, listed)):
            seen = None
            if not (overlay and os.path.abspath(text) in overlay):
                try:
                    seen = os.stat(text)  # before reading: a later write changes it
                    if stats is not None:
                        stats[text] = (seen.st_mtime_ns, seen.st_size)
                except OSError:
                    self._gone.add(text)
                entry = index.files.get(text)
                if (
                    seen is not None
                    and entry is not None
                    and entry.mtime < trusted_before
                    and entry.size == seen.st_size
                    and entry.mtime == seen.st_mtime_ns
                    and entry.ctime == seen.st_ctime_ns
                    and entry.inode == seen.st_ino
                ):
                    out.append((entry.digest, None))
                    vouched[position] = 1
                    continue
            content = held[position] = self._read_path(path)
            digest, error = self._digest(content)
            if digest is not None and seen is not None:
                entry = _Stat(seen.st_size, seen.st_mtime_ns, seen.st_ctime_ns, seen.st_ino, digest)
                self._learnt[text] = entry
            out.append((digest, error))
        contents = Contents(
            paths, self._read_path, held, lambda at: out[at][0] if vouched[at] else None, self._key
        )
        self._run = _RunFiles(paths, listed, contents, out, vouched, index)
        return out

    def _digest(
        self, content: tuple[Optional[bytes], Optional[str]]
    ) -> tuple[Optional[str], Optional[str]]:
        """A file's content hash, or None and why it could not be read."""
        data, error = content
        return (self._key(data), None) if data is not None else (None, error or "")

    def prescanned(self, position: int) -> Optional[bool]:
        """What the engine's pre-scan said of the bytes of the file at ``position`` of the
        paths ``digests`` was last given, when the stat index knows it (None otherwise)."""
        entry = self._entry_at(position)
        return entry.loop if entry is not None else None

    def learn_prescan(self, position: int, loop: bool) -> None:
        """Keep in the stat index what the pre-scan said of the file at ``position``."""
        entry = self._entry_at(position)
        if entry is not None and entry.loop is not loop:
            assert self._run is not None
            self._learnt[self._run.listed[position]] = replace(entry, loop=loop)

    def _entry_at(self, position: int) -> Optional[_Stat]:
        """The stat index's entry (as vouched for, or as learnt by this run) of the file at
        ``position`` of the run under way."""
        run = self._run
        if run is None:
            return None
        text = run.listed[position]
        learnt = self._learnt.get(text)
        if learnt is not None:
            return learnt
        if run.vouched[position] and run.stat_index is not None:
            return run.stat_index.files.get(text)
        return None

    def changed_during_run(self) -> bool:
        """A file the stat index vouched for was written while the run read it (its result
        must not be kept: the next run's stat sees the write)."""
        return self._run is not None and self._run.contents.changed

    def _stat_index(self, root: Path) -> _StatIndex:
        name = _named("stat", root)
        if self._stats is None or name != self._stats_name:
            self._stats_name, self._learnt, self._gone = name, {}, set()
            found = None
            if self.directory is not None:
                found = self._load(self.directory / f"{self._stats_name}{SUFFIX}", _STATS)
            self._stats = found if found is not None else _StatIndex(0, {})
        return self._stats

    def save_digests(self) -> None:
        """Write the stat index with what ``digests`` learnt (nothing when nothing changed)."""
        self._run = None
        if self.directory is None or self._stats is None or not (self._learnt or self._gone):
            return
        files = {**self._stats.files, **self._learnt}
        for path in self._gone:
            files.pop(path, None)
        self._stats = _StatIndex(time.time_ns(), files)
        payload = encode(self._stats)
        if payload is not None:
            self._write(self.directory, self._stats_name, payload)
        self._learnt, self._gone = {}, set()

    def run_key(
        self,
        paths: Sequence[Path],
        digests: Sequence[tuple[Optional[str], Optional[str]]],
        salt: str,
    ) -> str:
        """The key of a run over ``paths`` whose contents have these ``digests``."""
        digest = hashlib.sha256(salt.encode())
        for path, (key, error) in zip(paths, digests):
            digest.update(os.fsencode(path) + b"\0")  # file names need not be UTF-8
            if key is not None:
                self.hashes[str(path)] = key  # what was read, by path
                digest.update(key.encode())
            else:
                digest.update((error or "").encode())
        return "run-" + digest.hexdigest()

    def get_run(self, key: str) -> Optional[Run]:
        if self.directory is None:
            return None
        entry = self._load(self._entry(key), _RUN)
        if entry is None:
            return None
        for path, digest in entry.dependencies:
            if digest is None and not self.files.exists(path):
                # looked for and not found, and still missing (most are module probes,
                # thousands in a large project: one stat each, not an open)
                continue
            data, _ = self._read_path(Path(path))
            if (None if data is None else self._key(data)) != digest:
                return None  # changed, created, or gone
        return entry.run

    def put_run(self, key: str, dependencies: Iterable[str], run: Run) -> None:
        """Store a run's result with what it depends on besides the checked files: the hash
        of each other file it read, and None for each file it looked for and did not find
        (an import of a module that does not exist yet) or could not read."""
        known = tuple((path, self.hashes.get(path)) for path in sorted(dependencies))
        self._put(key, _RunEntry(known, run))

    @contextlib.contextmanager
    def one_run_at_a_time(self) -> Iterator[None]:
        """Hold the cache's run lock for the block: processes analysing the same project at
        once (flake8's workers) take turns, so the first one analyses and the others find
        its run in the cache. Without a cache, or where file locks do not exist, no lock."""
        if self.directory is None or fcntl is None:
            yield
            return
        try:
            fd = os.open(
                self.directory / "run.lock", os.O_RDWR | os.O_CREAT | safeio.NOFOLLOW, 0o600
            )
        except OSError:
            yield
            return
        try:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    # -- the snapshot of the project's last analysis (see ``snapshot``) ----------------------

    def get_snapshot(self, root: Path, decoder: msgspec.msgpack.Decoder[_T]) -> Optional[_T]:
        if self.directory is None:
            return None
        return self._load(self.directory / f"{_named('state', root)}{SUFFIX}", decoder)

    def put_snapshot(self, root: Path, value: object) -> None:
        payload = encode(value)
        # beyond the size an entry may have it would read as corrupt: the last one that fit
        # stays (an older analysis is a valid start too: see ``incremental.plan``)
        if self.directory is not None and payload is not None and len(payload) <= MAX_ENTRY_BYTES:
            self._write(self.directory, _named("state", root), payload)

    def digest_of(self, path: str) -> Optional[str]:
        """The content hash of the file at ``path`` now (None: unreadable)."""
        return self._digest(self._read_path(Path(path)))[0]

    def cached(self, path: str, digest: str) -> Optional[ModuleSummary]:
        """The cached summary of the file at ``path`` with content hash ``digest``."""
        summary = self._get(digest, path)
        if summary is not None:
            self.hits += 1
            self.hashes.setdefault(path, digest)  # a file of the run is known by its hash now
        return summary

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
        known = self._known() if contents is None else {}
        for index, path in enumerate(paths):
            text = str(path)
            position = known.get(text)
            if position is not None:
                # a file of the run under way: by the hash ``digests`` found, read only when
                # its summary is not cached (and then once for the whole run)
                assert self._run is not None
                digest = self._run.digests[position][0]
                cached = self.cached(text, digest) if digest is not None else None
                if cached is not None:
                    out[index] = cached
                    continue
                data, error = self._run.contents[position]
            elif contents is not None:
                data, error = contents[index]
            else:
                data, error = self._read_path(path)
            if data is None:
                out[index] = _unreadable(path, error or "unknown error")
                continue
            key = self._key(data)
            self.hashes[text] = key
            cached = self._get(key, text)
            if cached is not None:
                self.hits += 1
                out[index] = cached
            else:
                todo.append((index, text, data, key))
        self.misses += len(todo)
        for (index, _, _, key), (summary, payload) in zip(
            todo, self._summarise([(p, d) for _, p, d, _ in todo])
        ):
            out[index] = summary
            self._put(key, summary, payload)
        return [summary for summary in out if summary is not None]  # every slot is filled

    def bytes_of(self, paths: Sequence[Path]) -> list[tuple[Optional[bytes], Optional[str]]]:
        """The bytes of ``paths``: as the run under way holds them, read otherwise."""
        known = self._known()
        run = self._run
        out = []
        for path in paths:
            position = known.get(str(path))
            if run is not None and position is not None:
                out.append(run.contents[position])
            else:
                out.append(self._read_path(path))
        return out

    def _known(self) -> dict[str, int]:
        """The position of each file of the run under way, by path."""
        run = self._run
        if run is None:
            return {}
        if run.positions is None:
            run = self._run = run._replace(positions={str(p): i for i, p in enumerate(run.paths)})
        assert run.positions is not None
        return run.positions

    def _summarise(
        self, items: list[tuple[str, bytes]]
    ) -> list[tuple[ModuleSummary, Optional[bytes]]]:
        """Summaries, each with its entry's bytes when a worker process made them (a worker
        encodes a summary to hand it back; the cache stores those bytes as they are)."""
        # a daemonic process (a flake8 or pytest-xdist worker) may not start children
        if len(items) < PARALLEL_THRESHOLD or self.jobs <= 1 or current_process().daemon:
            return [(summary, None) for summary in _summarise_many(items)]
        size = max(8, len(items) // (self.jobs * 4))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        try:
            with ProcessPoolExecutor(max_workers=self.jobs) as pool:
                return [
                    (_SUMMARY.decode(payload), payload) if stored else (pickle.loads(payload), None)
                    for chunk in pool.map(_encoded_summaries, chunks)
                    for stored, payload in chunk
                ]
        except (OSError, RuntimeError):  # no process support here: do it in-process
            return [(summary, None) for summary in _summarise_many(items)]


def _named(kind: str, root: Path) -> str:
    """The name of an entry kept per project (at ``root``) in the version directory."""
    return f"{kind}-" + hashlib.sha256(os.fsencode(root)).hexdigest()[:24]


def _escapes(cache_dir: Path, project_root: Path) -> bool:
    """``cache_dir`` is inside the project by name but, through a symlink, not in fact."""
    named = os.path.abspath(cache_dir)
    root = os.path.abspath(project_root)
    if os.path.commonpath([named, root]) != root:
        return False  # a cache directory elsewhere was named by the user: theirs to choose
    real_root = os.path.realpath(root)
    real = os.path.realpath(named)
    return os.path.commonpath([real, real_root]) != real_root


def _create_gitignore(path: Path) -> None:
    """Keep the cache out of version control; never through a symlink, never over a file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | safeio.NOFOLLOW, 0o666)
    except FileExistsError:
        return  # there already (or a symlink or anything else: left alone)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# created by asynclint\n*\n")


def resolve_cache_dir(option: Optional[Path], root: Path, disabled: bool) -> Optional[Path]:
    if disabled:
        return None
    if option is not None:
        return option
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return Path(from_env)
    return root / DEFAULT_DIR
