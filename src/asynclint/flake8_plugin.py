"""flake8 adapter: the same engine and findings as the CLI, shown per file.

flake8 hands a plugin one file at a time, in worker processes. A blocking call in a route may
be proven by a helper in another module, so the plugin analyses the file's whole project (the
files under the nearest pyproject.toml, as ``asynclint check`` on that directory would), once
per process, with the on-disk summary cache, and reports the findings that fall in this file.
When flake8 was given files only (``flake8 app/routes.py``, as editors run it), the call graph
is explored from those files' code alone, as ``asynclint check app/routes.py`` does: their
findings are the same, and an edited file in a project of thousands is checked in about a
second.
"""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from asynclint import __version__, engine
from asynclint.cache import Summaries, resolve_cache_dir
from asynclint.catalog import CatalogError
from asynclint.codes import CANNOT_RUN
from asynclint.config import ConfigError, Settings, find_pyproject, load
from asynclint.discover import DiscoveryError, discover, find_marked_root, siblings
from asynclint.filesystem import DISK
from asynclint.findings import Finding
from asynclint.paths import absolute
from asynclint.summary import decode_source

# one whole-project run per flake8 process, reused while no file of the project changes
_RUNS: dict[tuple[str, str, Optional[frozenset[Path]]], _Run] = {}
# how long a run is trusted without looking at the files again: a flake8 run checks every file
# within it, while an editor that keeps flake8 in-process re-checks after an edit
TRUST_SECONDS = 2.0
# ... and at least this many times what looking costs (walking and statting the project), so
# a long flake8 run over a large project spends a bounded share of its time looking again
TRUST_FACTOR = 10.0


@dataclass
class _Run:
    state: tuple[tuple[str, int, int], ...]
    findings: dict[str, list[Finding]]
    checked_at: float
    looking: float = 0.0  # seconds the last walk and stat of the project took

    def trusted(self, now: float) -> bool:
        return now - self.checked_at < max(TRUST_SECONDS, TRUST_FACTOR * self.looking)


def _state(
    files: list[Path], seen: Optional[dict[str, tuple[int, int]]] = None
) -> tuple[tuple[str, int, int], ...]:
    """What tells an unchanged project: each file's path, modification time and size
    (``seen``: those a run's stat index looked at, not asked again)."""
    out = []
    for file in files:
        text = str(file)
        known = seen.get(text) if seen is not None else None
        if known is not None:
            out.append((text, *known))
            continue
        try:
            stat = file.stat()
            out.append((text, stat.st_mtime_ns, stat.st_size))
        except OSError:
            out.append((text, -1, -1))
    return tuple(out)


def project_findings(
    path: Path,
    config: Optional[Path] = None,
    use_cache: bool = True,
    buffer: Optional[bytes] = None,
    scope: Optional[Collection[Path]] = None,
) -> list[Finding]:
    """The findings ``asynclint check <project root>`` reports for ``path``: the same
    settings (select, ignore, per-file-ignores of [tool.asynclint]), then flake8's own.
    ``buffer``: the file's text as the editor holds it, when it differs from the disk;
    ``scope``: the files flake8 was asked to check, when it was given files only (their
    findings are those of the whole project's run; the rest are not computed).

    A file in no project (no pyproject.toml or .git above it) is analysed with the files
    beside it only, and no cache is written there."""
    path = Path(os.path.abspath(path))
    pyproject = config or find_pyproject(path)
    settings = load(pyproject)
    marked = pyproject.parent if pyproject is not None else find_marked_root(path)
    root = marked or path.parent
    if buffer is not None:
        return _alone(path, root, settings, buffer, use_cache, marked)
    chosen = None if scope is None else frozenset(absolute(p) for p in scope)
    key = (str(root), settings.fingerprint() + repr(settings.exclude), chosen)
    cached = _RUNS.get(key)
    now = time.monotonic()
    if cached is not None and cached.trusted(now):
        return cached.findings.get(str(path), [])
    if marked is None:  # in no project: the files beside it, and no cache written there
        files = siblings(root)
        use_cache = False
    else:
        found = discover([str(root)], settings.exclude, root, settings.respect_gitignore)
        files = list(found.files)
    if path not in files:
        files.append(path)
    state = None
    if cached is not None:
        state = _state(files)
        if cached.state == state:
            cached.checked_at, cached.looking = time.monotonic(), time.monotonic() - now
            return cached.findings.get(str(path), [])
    looking = time.monotonic() - now
    # flake8 already spreads files over processes: summarise in this one
    summaries = Summaries(
        resolve_cache_dir(None, root, not use_cache),
        salt=settings.fingerprint(),
        jobs=1,
        project_root=root,
    )
    summaries.keep_stats = True
    if state is None and summaries.directory is None:
        state = _state(files)
    # otherwise the first run of a process takes the files' stats from the stat index's look
    # (before any file is read, so a write during the run still tells)
    checked = files if chosen is None else [f for f in files if f in chosen or f == path]
    with summaries.one_run_at_a_time():  # `flake8 -j N`: one worker analyses, N - 1 read it
        report = engine.check(checked, root, settings, summaries, (), files)
    if state is None:
        state = _state(files, summaries.stats)
    run: dict[str, list[Finding]] = {}
    for finding in report.findings:
        run.setdefault(os.path.abspath(finding.path), []).append(finding)
    _RUNS[key] = _Run(state, run, time.monotonic(), looking)
    return run.get(str(path), [])


def _alone(
    path: Path,
    root: Path,
    settings: Settings,
    buffer: Optional[bytes],
    use_cache: bool,
    marked: Optional[Path],
) -> list[Finding]:
    """One analysis for an edited buffer: not kept for the other files of this flake8 run,
    which see the disk."""
    project = None if marked is not None else siblings(root)
    summaries = Summaries(
        resolve_cache_dir(None, root, not use_cache or marked is None),
        salt=settings.fingerprint(),
        jobs=1,
        files=DISK if buffer is None else DISK.overlaid({str(path): buffer}),
        project_root=root,
    )
    report = engine.check([path], root, settings, summaries, [path], project)
    return [f for f in report.findings if os.path.abspath(f.path) == str(path)]


def _files_only(names: Optional[Sequence[str]]) -> Optional[frozenset[Path]]:
    """The files named on flake8's command line, when it names files and nothing else."""
    if not names:
        return None  # flake8 checks the working directory
    out = set()
    for name in names:
        path = Path(name)
        if name == "-" or not path.is_file():
            return None  # a directory, stdin, or a name that is neither
        out.add(absolute(path))
    return frozenset(out)


def _buffer(path: Path, lines: Optional[list[str]]) -> Optional[bytes]:
    """The editor's text when flake8 was given one that is not what the disk holds."""
    if lines is None:
        return None
    text = "".join(lines)
    on_disk = DISK.read_bytes(path)
    if on_disk is not None:
        try:
            if decode_source(on_disk) == text:
                return None
        except (LookupError, UnicodeDecodeError):
            pass
    return text.encode("utf-8")


class AsyncLintChecker:
    name = "asynclint"
    version = __version__
    config: Optional[Path] = None
    use_cache = True
    # the files flake8 was given, when it was given files only (an editor's `flake8 file.py`);
    # None when it was given a directory (or nothing: the working directory), or stdin
    scope: Optional[frozenset[Path]] = None

    def __init__(self, tree: ast.AST, filename: str, lines: Optional[list[str]] = None) -> None:
        self.filename = filename
        self.lines = lines  # what flake8 read: stdin, or the file

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        option_manager.add_option(
            "--asynclint-config",
            default=None,
            parse_from_config=True,
            help="pyproject.toml with the [tool.asynclint] table (default: the nearest one)",
        )
        option_manager.add_option(
            "--asynclint-no-cache",
            default=False,
            action="store_true",
            parse_from_config=True,
            help="do not use asynclint's summary cache",
        )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        config = getattr(options, "asynclint_config", None)
        cls.config = Path(config) if config else None
        cls.use_cache = not getattr(options, "asynclint_no_cache", False)
        cls.scope = _files_only(getattr(options, "filenames", None))

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        # `flake8 -` without --stdin-display-name: a buffer with no file, checked as if it
        # were one in the working directory
        unnamed = self.filename in ("stdin", "-", None)
        path = Path.cwd() / "stdin.py" if unnamed else Path(self.filename)
        try:
            if unnamed:
                buffer: Optional[bytes] = "".join(self.lines or ()).encode("utf-8")
            else:
                buffer = _buffer(path, self.lines)
            findings = project_findings(path, self.config, self.use_cache, buffer, self.scope)
        except (ConfigError, CatalogError, DiscoveryError) as exc:
            # a broken configuration must not take every other flake8 check down with it
            yield 1, 0, f"{CANNOT_RUN} asynclint cannot run: {exc}", type(self)
            return
        except Exception as exc:
            # flake8 aborts the whole run on a plugin's exception, losing every other
            # plugin's findings; one finding that names the error loses nothing
            yield (
                1,
                0,
                f"{CANNOT_RUN} asynclint cannot run: internal error "
                f"({type(exc).__name__}: {exc}); please report it",
                type(self),
            )
            return
        for finding in findings:
            # a finding inferred from library source says so, as in every other output
            note = f" (inferred from {finding.inferred} source)" if finding.inferred else ""
            yield (
                finding.line,
                finding.column - 1,
                f"{finding.code} {finding.text}{note}",
                type(self),
            )
