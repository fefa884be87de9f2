"""Corpus sweeps: the whole analysis over real code must never crash.

The full sweeps (``-m sweep``) run over a copy of the running interpreter's standard library
and over its site-packages; the default suite runs a small slice (``asyncio``, ``json`` and
three known-bad files). Each sweep asserts that nothing raises, that every file Python cannot
parse (and asynclint reads) is reported as ASL001, and that ASL001 is never reported for a
file that parses; it prints files, findings, time and peak memory.
"""

from __future__ import annotations

import ast
import os
import resource
import shutil
import site
import sys
import sysconfig
import time
import tokenize
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from io import BytesIO
from pathlib import Path

import pytest
from conftest import cli_runner

from asynclint import engine
from asynclint.cache import Summaries
from asynclint.cli import app
from asynclint.codes import PARSE_ERROR
from asynclint.config import Settings
from asynclint.discover import discover

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SKIP_DIRS = {"site-packages", "dist-packages", "__pycache__"}
# analyse everything below the sweep root: the default excludes would drop stdlib's `venv`
SWEEP_EXCLUDE = ("__pycache__",)


def _copy_python_tree(source: Path, target: Path) -> None:
    """``*.py`` files and their directories, without site-packages or caches."""

    def ignore(directory: str, names: list[str]) -> list[str]:
        return [
            name
            for name in names
            if name in SKIP_DIRS
            or not (name.endswith(".py") or os.path.isdir(os.path.join(directory, name)))
        ]

    shutil.copytree(source, target, ignore=ignore, symlinks=True, ignore_dangling_symlinks=True)


def _reads(data: bytes) -> bool:
    """Whether asynclint parses this file at all (it may skip files that cannot reach the loop)."""
    prescan = getattr(engine, "can_reach_loop", None)
    return prescan is None or bool(prescan(data))


def _parses(data: bytes) -> bool:
    """Python's own verdict: ``ast.parse`` on the bytes (coding cookies honoured)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _declares_other_encoding(data: bytes) -> bool:
    """A PEP 263 cookie naming an encoding other than UTF-8 (a known ASL001 false positive)."""
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
    except SyntaxError:
        return False
    return encoding not in ("utf-8", "utf-8-sig")


def _peak_mb() -> tuple[float, float]:
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale
    return own, children


def sweep(
    root: Path, label: str, capsys: pytest.CaptureFixture[str], every_file: bool = False
) -> engine.Report:
    """Check every ``*.py`` below ``root`` as one project and assert the ASL001 contract.

    ``every_file`` turns the pre-scan off, so that every file is summarised and resolved, not
    only those that can reach the loop: the harder test of the summariser.
    """
    if every_file and hasattr(engine, "can_reach_loop"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(engine, "can_reach_loop", lambda data: True)
            return _sweep(root, f"{label}, every file", capsys, lambda data: True)
    return _sweep(root, label, capsys, _reads)


def _sweep(
    root: Path, label: str, capsys: pytest.CaptureFixture[str], reads: Callable[[bytes], bool]
) -> engine.Report:
    found = discover([str(root)], SWEEP_EXCLUDE, root=root)
    assert found.files, f"no Python files below {root}"
    started = time.perf_counter()
    report = engine.check(found.files, root, Settings(exclude=SWEEP_EXCLUDE), Summaries(None))
    elapsed = time.perf_counter() - started
    own, children = _peak_mb()

    reported = {
        os.path.normcase(os.path.abspath(f.path)) for f in report.findings if f.code == PARSE_ERROR
    }
    unparsable, skipped, spurious = [], [], []
    for path in found.files:
        try:
            data = path.read_bytes()
        except OSError:
            continue  # a dangling symlink: reported as ASL001 "cannot be read", or skipped
        key = os.path.normcase(str(path))
        if not _parses(data):
            if not reads(data):
                skipped.append(path)
            else:
                unparsable.append(path)
        elif key in reported and not _declares_other_encoding(data):
            spurious.append(path)
    missing = [p for p in unparsable if os.path.normcase(str(p)) not in reported]
    counts = Counter(f.code for f in report.findings)
    with capsys.disabled():
        print(
            f"\n[sweep {label}] {report.files} files ({getattr(report, 'analysed', '?')} parsed), "
            f"{len(report.findings)} findings {dict(sorted(counts.items()))}, "
            f"{elapsed:.1f} s, peak RSS {own:.0f} MB (workers {children:.0f} MB); "
            f"unparsable: {len(unparsable)} reported, {len(skipped)} skipped by the prescan"
        )
    assert report.files == len(found.files)
    assert not missing, f"unparsable files without ASL001: {missing}"
    assert not spurious, f"ASL001 for files that parse: {spurious}"
    return report


# ---------------------------------------------------------------------------------------------
# The default-suite slice

KNOWN_BAD = {
    "bad_syntax.py": b"async def f(:\n    pass\n",
    "bad_encoding.py": b"x = 'caf\xe9'\n\n\nasync def f():\n    pass\n",
    "bad_nul.py": b"async def f():\n    return 1\x00\n",
}


@pytest.fixture(scope="module")
def stdlib_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("slice")
    for package in ("asyncio", "json"):
        _copy_python_tree(STDLIB / package, root / package)
    for name, data in KNOWN_BAD.items():
        (root / name).write_bytes(data)
    return root


@pytest.mark.parametrize("every_file", [False, True], ids=["prescan", "every-file"])
def test_slice_of_the_standard_library(
    stdlib_slice: Path, capsys: pytest.CaptureFixture, every_file: bool
) -> None:
    started = time.perf_counter()
    report = sweep(stdlib_slice, "asyncio+json", capsys, every_file)
    assert time.perf_counter() - started < 60  # a hang guard, not a benchmark
    bad = sorted(Path(f.path).name for f in report.findings if f.code == PARSE_ERROR)
    assert bad == sorted(KNOWN_BAD)
    assert report.files > 30  # asyncio + json: 38 files on 3.9, more later


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_slice_through_every_reporter(stdlib_slice: Path, output_format: str) -> None:
    result = cli_runner().invoke(
        app, ["check", "--no-cache", "--exit-zero", "-f", output_format, str(stdlib_slice)]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    assert "bad_syntax.py" in result.stdout


# ---------------------------------------------------------------------------------------------
# Full sweeps: `pytest -m sweep`


@pytest.fixture(autouse=True)
def _only_when_selected(request: pytest.FixtureRequest) -> None:
    """The full sweeps take minutes: they run only when `-m` names them."""
    if request.node.get_closest_marker("sweep") and "sweep" not in (
        request.config.getoption("markexpr", "") or ""
    ):
        pytest.skip("a full corpus sweep: run with `pytest -m sweep`")


def _site_packages() -> list[Path]:
    candidates: list[str] = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    candidates.append(sysconfig.get_paths()["platlib"])
    candidates += [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    out: list[Path] = []
    for candidate in candidates:
        path = Path(candidate)
        if path.is_dir() and path.resolve() not in {p.resolve() for p in out}:
            out.append(path)
    return out


MODES = [pytest.param(False, id="prescan"), pytest.param(True, id="every-file")]


@pytest.mark.sweep
@pytest.mark.parametrize("every_file", MODES)
def test_sweep_standard_library(
    tmp_path: Path, capsys: pytest.CaptureFixture, every_file: bool
) -> None:
    target = tmp_path / "stdlib"
    _copy_python_tree(STDLIB, target)
    sweep(target, f"stdlib {sys.version.split()[0]}", capsys, every_file)


@pytest.mark.sweep
@pytest.mark.parametrize("every_file", MODES)
@pytest.mark.parametrize("directory", _site_packages(), ids=lambda p: str(p))
def test_sweep_site_packages(
    directory: Path, capsys: pytest.CaptureFixture, every_file: bool
) -> None:
    # analysed in place: Summaries(None) writes nothing
    sweep(directory, f"site-packages {directory}", capsys, every_file)


def _extra_corpora() -> Sequence[Path]:
    raw = os.environ.get("ASYNCLINT_SWEEP_PATHS", "")
    return [Path(p) for p in raw.split(os.pathsep) if p]


@pytest.mark.sweep
@pytest.mark.parametrize("directory", _extra_corpora(), ids=lambda p: str(p))
def test_sweep_extra_corpus(directory: Path, capsys: pytest.CaptureFixture) -> None:
    """More trees to sweep: ``ASYNCLINT_SWEEP_PATHS=/src/a:/src/b pytest -m sweep``."""
    sweep(directory, str(directory), capsys)
