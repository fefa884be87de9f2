"""Benchmark asynclint on a large real tree: the running interpreter's standard library.

    python benchmarks/run.py [--tree DIR] [--repeat N] [--skip-flake8]

Times, on the same copy of the tree and the same cores:
  * the floor: `ast.parse` of every file, spread over all cores (what a linter that parses
    everything cannot beat),
  * asynclint cold (empty cache) and warm (nothing changed since the cold run),
  * `ruff check --select ASYNC` and `flake8 --select ASYNC` (flake8-async), when installed,
and reports files/s and each command's peak memory (max RSS of the child process).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

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


def measured(command: list[str], timeout: float) -> tuple[float, float, int, str]:
    """Run ``command`` in a fresh Python that reports the child's own peak RSS."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[2:], capture_output=True, timeout=float(sys.argv[1]))\n"
        "e = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "out = (p.stdout + p.stderr).decode(errors='replace').strip().splitlines()\n"
        "print(f'{e:.3f} {rss:.1f} {p.returncode}', out[-1] if out else '')\n"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", wrapper, str(timeout), *command],
            capture_output=True,
            timeout=timeout + 30,
        )
    except subprocess.TimeoutExpired:
        return timeout, 0.0, -1, "timed out"
    text = result.stdout.decode(errors="replace").strip()
    if result.returncode != 0 or not text:
        tail = result.stderr.decode(errors="replace").strip().splitlines()
        return 0.0, 0.0, -1, tail[-1] if tail else "failed"
    head, _, last = text.partition(" ")
    rss, _, rest = last.partition(" ")
    code, _, line = rest.partition(" ")
    return float(head), float(rss), int(code), line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--tree", type=Path, help="tree to check [default: a copy of the stdlib]")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument("--skip-flake8", action="store_true", help="flake8-async takes minutes")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="asynclint-bench-"))
    try:
        if args.tree is None:
            tree = work / "stdlib"
            stdlib = Path(sysconfig.get_paths()["stdlib"])
            shutil.copytree(
                stdlib, tree, ignore=shutil.ignore_patterns("site-packages", "__pycache__")
            )
        else:
            tree = args.tree.resolve()
        files = sum(1 for _ in tree.rglob("*.py"))
        cache = work / "cache"
        bindir = Path(sys.executable).parent
        asynclint = [str(bindir / "asynclint"), "check", str(tree), "--exit-zero", "-q"]
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
        print(f"python:  {platform.python_version()}")
        print(f"tree:    {tree} ({files} .py files)\n")

        rows = []

        def best(name: str, command: list[str], before=None) -> None:  # type: ignore[no-untyped-def]
            results = []
            for _ in range(args.repeat):
                if before is not None:
                    before()
                results.append(measured(command, args.timeout))
            elapsed, rss, code, line = min(results, key=lambda r: r[0])
            rows.append((name, elapsed, rss, code, line))
            print(
                f"{name:<28} {elapsed:8.2f} s  {files / max(elapsed, 1e-9):9.0f} files/s"
                f"  {rss:7.1f} MB  exit {code}  {line[:60]}"
            )

        best("ast.parse floor (all cores)", [sys.executable, "-c", FLOOR, str(tree)])
        best(
            "asynclint cold",
            [*asynclint, "--cache-dir", str(cache)],
            before=lambda: shutil.rmtree(cache, ignore_errors=True),
        )
        best("asynclint warm", [*asynclint, "--cache-dir", str(cache)])
        best("asynclint --no-cache", [*asynclint, "--no-cache"])
        ruff = shutil.which("ruff", path=str(bindir)) or shutil.which("ruff")
        if ruff:
            best(
                "ruff --select ASYNC",
                [
                    ruff,
                    "check",
                    "--select",
                    "ASYNC",
                    "--no-cache",
                    "--exit-zero",
                    "--quiet",
                    str(tree),
                ],
            )
        flake8 = bindir / "flake8"
        if flake8.exists() and not args.skip_flake8:
            previous, args.repeat = args.repeat, 1
            best(
                "flake8 --select ASYNC",
                [str(flake8), "--select", "ASYNC", "--exit-zero", str(tree)],
            )
            args.repeat = previous
        floor = rows[0][1]
        cold = next(r[1] for r in rows if r[0] == "asynclint cold")
        warm = next(r[1] for r in rows if r[0] == "asynclint warm")
        print(f"\ncold / ast.parse floor: {cold / floor:.2f}x (target <= 1.5x)")
        if ruff:
            ruff_time = next(r[1] for r in rows if r[0].startswith("ruff"))
            print(f"warm / ruff cold:       {warm / ruff_time:.2f}x (target <= 2x)")
        peak = next(r[2] for r in rows if r[0] == "asynclint cold")
        print(f"peak memory, cold:      {peak:.0f} MB (target < 400 MB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
