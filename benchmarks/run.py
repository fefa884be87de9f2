"""Benchmark asynclint on large trees: the running interpreter's standard library, or
synthetic FastAPI monorepos of given sizes (`benchmarks/monorepo.py`).

    python benchmarks/run.py [--tree DIR] [--repeat N] [--skip-flake8]
    python benchmarks/run.py --monorepo 1000,5000 [--repeat N]

Times, on the same copy of the tree and the same cores:
  * the floor: `ast.parse` of every file, spread over all cores (what a linter that parses
    everything cannot beat),
  * asynclint cold (empty cache), warm (nothing changed since the cold run) and one edit
    (one function body changed in one file, the cache otherwise warm),
  * on a monorepo (a project), `asynclint server`'s answer to a one-function edit of an open
    buffer (`benchmarks/server.py`; its analysis is incremental),
  * asynclint's flake8 plugin (`flake8 --select ASL`) on the whole tree with `-j 1` and with
    every core (cold cache: the project is analysed once per run, not once per worker), and on
    one file after an edit (`flake8 --select ASL that/file.py`, as editors run it),
  * `ruff check --select ASYNC` and `flake8 --select ASYNC` (flake8-async), when installed,
and reports wall time, CPU time (user + system of the command and its children), files/s and
each command's peak memory (max RSS of the largest process).
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Optional

FLOOR = """
import ast, sys, os
from concurrent.futures import ProcessPoolExecutor
def parse(paths):
    n = 0
    for p in paths:
        try:
            with open(p, 'rb') as f:
                ast.parse(f.read(), p)
        except (SyntaxError, ValueError, RecursionError):
            n += 1
    return n
files = [os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs if f.endswith('.py')]
jobs = os.cpu_count() or 1
chunks = [files[i::jobs * 4] for i in range(jobs * 4)]
with ProcessPoolExecutor(jobs) as pool:
    print(sum(pool.map(parse, chunks)), 'unparsable of', len(files))
"""


def measured(
    command: list[str], timeout: float, env: Optional[dict[str, str]] = None
) -> tuple[float, float, float, int, str]:
    """Run ``command`` in a fresh Python that reports its wall time, the CPU time of it and
    its children, and the peak RSS; returns (wall, cpu, rss MB, exit code, last line)."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[2:], capture_output=True, timeout=float(sys.argv[1]))\n"
        "e = time.perf_counter() - t\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "rss = u.ru_maxrss / 1024\n"
        "out = (p.stdout + p.stderr).decode(errors='replace').strip().splitlines()\n"
        "print(f'{e:.3f} {u.ru_utime + u.ru_stime:.3f} {rss:.1f} {p.returncode}',"
        " out[-1] if out else '')\n"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", wrapper, str(timeout), *command],
            capture_output=True,
            timeout=timeout + 30,
            env=None if env is None else {**os.environ, **env},
        )
    except subprocess.TimeoutExpired:
        return timeout, 0.0, 0.0, -1, "timed out"
    text = result.stdout.decode(errors="replace").strip()
    if result.returncode != 0 or not text:
        tail = result.stderr.decode(errors="replace").strip().splitlines()
        return 0.0, 0.0, 0.0, -1, tail[-1] if tail else "failed"
    wall, cpu, rss, code, *rest = text.split(" ", 4)
    return float(wall), float(cpu), float(rss), int(code), rest[0] if rest else ""


def edit_one_function(tree: Path, serial: int, routes: bool = False) -> Path:
    """Change one function body in one file (the first file, in sorted order, with a `return`
    in a function; with ``routes``, in an `async def` too): what an editor's save does.
    ``serial`` makes each edit's text new, so no run cached by an earlier repetition matches
    it. Returns the file."""
    for path in sorted(tree.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "\n    return " in text and (not routes or "async def" in text):
            edited = text.replace("\n    return ", f"\n    _edit = {serial}\n    return ", 1)
            path.write_text(edited, encoding="utf-8")
            return path
    raise SystemExit(f"no function to edit in {tree}")


Row = tuple[str, float, float, float, int, str]  # name, wall, cpu, rss, exit code, last line


def bench_tree(tree: Path, work: Path, args: argparse.Namespace) -> list[Row]:
    """Every measurement on one tree, printed as it is made."""
    files = sum(1 for _ in tree.rglob("*.py"))
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    bindir = Path(sys.executable).parent
    asynclint = [str(bindir / "asynclint"), "check", str(tree), "--exit-zero", "-q"]
    print(f"tree:    {tree} ({files} .py files)\n")
    print(f"{'':<28} {'wall':>8}    {'CPU':>8}    {'files/s':>9}  {'peak':>9}")
    rows: list[Row] = []

    def best(name: str, command: list[str], before=None, repeat=None, env=None) -> None:  # type: ignore[no-untyped-def]
        results = []
        for _ in range(repeat or args.repeat):
            if before is not None:
                before()
            results.append(measured(command, args.timeout, env))
        results.sort(key=lambda r: r[0])
        wall, cpu, rss, code, line = results[len(results) // 2]  # the median
        rows.append((name, wall, cpu, rss, code, line))
        print(
            f"{name:<28} {wall:8.2f} s  {cpu:8.2f} s  {files / max(wall, 1e-9):9.0f}"
            f"  {rss:7.1f} MB  exit {code}  {line[:50]}"
        )

    best("ast.parse floor (all cores)", [sys.executable, "-c", FLOOR, str(tree)])
    best(
        "asynclint cold",
        [*asynclint, "--cache-dir", str(cache)],
        before=lambda: shutil.rmtree(cache, ignore_errors=True),
    )
    best("asynclint warm", [*asynclint, "--cache-dir", str(cache)])
    originals: dict[Path, bytes] = {p: p.read_bytes() for p in tree.rglob("*.py")}

    edits = iter(range(1, 1_000_000))

    def restore() -> None:
        for path, data in originals.items():
            if path.read_bytes() != data:
                path.write_bytes(data)

    def one_edit() -> None:
        restore()
        measured([*asynclint, "--cache-dir", str(cache)], args.timeout)  # settle the cache
        edit_one_function(tree, next(edits))

    best("asynclint one edit", [*asynclint, "--cache-dir", str(cache)], before=one_edit)

    restore()
    best("asynclint --no-cache", [*asynclint, "--no-cache"])
    flake8 = bindir / "flake8"
    if flake8.exists() and files <= args.flake8_max_files:
        plugin = [str(flake8), "--select", "ASL", "--exit-zero", "-q"]
        fresh = {"ASYNCLINT_CACHE_DIR": str(cache)}
        for jobs in dict.fromkeys((1, os.cpu_count() or 1)):
            best(
                f"flake8 ASL -j {jobs} (cold)",
                [*plugin, "-j", str(jobs), str(tree)],
                before=lambda: shutil.rmtree(cache, ignore_errors=True),
                repeat=1,
                env=fresh,
            )
        edited: list[Path] = []

        def one_file_edit() -> None:
            restore()
            measured([*asynclint, "--cache-dir", str(cache)], args.timeout)  # settle the cache
            edited[:] = [edit_one_function(tree, next(edits), routes=True)]

        one_file_edit()
        best(
            "flake8 ASL one file, edited",
            [*plugin, str(edited[0])],
            before=one_file_edit,
            env=fresh,
        )
        restore()
    ruff = shutil.which("ruff", path=str(bindir)) or shutil.which("ruff")
    if ruff:
        best(
            "ruff --select ASYNC",
            [ruff, "check", "--select", "ASYNC", "--no-cache", "--exit-zero", "--quiet", str(tree)],
        )
    if flake8.exists() and not args.skip_flake8:
        best(
            "flake8 --select ASYNC",
            [str(flake8), "--select", "ASYNC", "--exit-zero", str(tree)],
            repeat=1,
        )
    by_name = {row[0]: row for row in rows}
    floor, cold = by_name["ast.parse floor (all cores)"], by_name["asynclint cold"]
    warm = by_name["asynclint warm"]
    print(f"\ncold / ast.parse floor, wall: {cold[1] / floor[1]:.2f}x (target <= 1.5x)")
    print(f"cold / ast.parse floor, CPU:  {cold[2] / max(floor[2], 1e-9):.2f}x (target <= 2.5x)")
    edit = by_name["asynclint one edit"]
    print(f"one edit / cold, CPU:         {edit[2] / max(cold[2], 1e-9):.2f}x (target <= 0.1x)")
    if ruff:
        ruff_row = by_name["ruff --select ASYNC"]
        print(f"warm / ruff cold, wall:       {warm[1] / ruff_row[1]:.2f}x (target <= 2x)")
    print(
        f"peak memory, cold:            {cold[3]:.0f} MB ({cold[3] * 1024 / files:.0f} KB a file)"
    )
    print(f"cold CPU a file:              {cold[2] * 1000 / files:.2f} ms")
    single = by_name.get("flake8 ASL one file, edited")
    if single:
        print(f"flake8 one file after an edit: {single[1]:.2f} s wall (target <= 1 s at 5k files)")
    if (tree / "pyproject.toml").is_file() and args.server_edits:
        server_edit(tree, args)
    return rows


def server_edit(tree: Path, args: argparse.Namespace) -> None:
    """`asynclint server`'s answer to a one-function edit of an open, unsaved buffer (see
    `benchmarks/server.py`): the median time from the change to its diagnostics."""
    command = [sys.executable, str(Path(__file__).parent / "server.py"), str(tree)]
    command += ["--edits", str(args.server_edits), "--no-cache"]
    try:
        result = subprocess.run(command, capture_output=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print("server one edit: timed out")
        return
    lines = result.stdout.decode(errors="replace").splitlines()
    for line in lines:
        if line.startswith(("one-function edit", "server analyses")):
            print(line if line.startswith("server") else f"server {line}")
    if result.returncode != 0:
        tail = result.stderr.decode(errors="replace").strip().splitlines()
        print(f"server one edit failed: {tail[-1] if tail else result.returncode}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, help="tree to check [default: a copy of the stdlib]")
    parser.add_argument(
        "--monorepo",
        help="comma-separated sizes (files) of synthetic FastAPI monorepos to check instead",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median kept)")
    parser.add_argument("--skip-flake8", action="store_true", help="flake8-async takes minutes")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--flake8-max-files",
        type=int,
        default=20_000,
        help="run asynclint's flake8 plugin on trees of at most this many files (flake8's own "
        "checkers take minutes beyond)",
    )
    parser.add_argument(
        "--server-edits",
        type=int,
        default=10,
        help="one-function edits sent to `asynclint server` on a monorepo (0: none)",
    )
    args = parser.parse_args()

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"python:  {platform.python_version()}")
    # as an installed wheel has them: without its bytecode (an editable install under
    # PYTHONDONTWRITEBYTECODE) every run would compile asynclint's modules again, ~0.1 s
    import asynclint

    compileall.compile_dir(Path(asynclint.__file__).parent, quiet=1)
    work = Path(tempfile.mkdtemp(prefix="asynclint-bench-"))
    try:
        trees: list[Path] = []
        if args.monorepo:
            sys.path.insert(0, str(Path(__file__).parent))
            from monorepo import generate

            for size in (int(s) for s in args.monorepo.split(",")):
                tree = work / f"monorepo-{size}"
                generate(tree, size)
                trees.append(tree)
        elif args.tree is None:
            tree = work / "stdlib"
            stdlib = Path(sysconfig.get_paths()["stdlib"])
            shutil.copytree(
                stdlib, tree, ignore=shutil.ignore_patterns("site-packages", "__pycache__")
            )
            trees.append(tree)
        else:  # a copy: the one-edit measurement changes a file
            tree = work / "tree"
            shutil.copytree(args.tree, tree, ignore=shutil.ignore_patterns("__pycache__"))
            trees.append(tree)
        for tree in trees:
            print()
            bench_tree(tree, work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
