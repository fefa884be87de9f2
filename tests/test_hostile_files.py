"""Files asynclint reads or writes that are not what they seem (issue 15, repros 01, 02, 03, 11,
12, 15 in ``shared/repros/robustness``): a committed cache with pipes, devices and symlinks in
it, a pipe or device as the baseline, output paths that are devices or symlinks, a module
created after a cached run, and the memory a file read may take."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_runner

from asynclint import engine, safeio
from asynclint.cache import Summaries
from asynclint.cli import app
from asynclint.config import Settings

runner = cli_runner()
BLOCKING = "import time\n\n\nasync def h():\n    time.sleep(1)\n"


def asynclint(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60):
    """The CLI in a child process: a hang fails the test instead of stalling the suite."""
    command = [sys.executable, "-c", "from asynclint.cli import main; main()", *args]
    try:
        return subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"asynclint {' '.join(args)} did not finish in {timeout} s (a hang)")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / ".git").mkdir()
    (root / "app.py").write_text(BLOCKING)
    return root


def entries(cache: Path) -> list[Path]:
    kept_per_project = ("run-", "stat-", "state-")
    return [p for p in cache.rglob("*.msgpack") if not p.name.startswith(kept_per_project)]


def summary_entry(project: Path) -> Path:
    """The one summary entry of a cached run, with the run entries removed (as an attacker
    committing a cache would, so that the summary entry is read)."""
    asynclint("check", ".", "-q", cwd=project)
    cache = project / ".asynclint_cache"
    for run in cache.rglob("run-*.msgpack"):
        run.unlink()
    (entry,) = entries(cache)
    return entry


# -- 7: a pipe or a device in place of a cache entry or a baseline never hangs ------------------


def test_cache_entry_that_is_a_fifo_is_skipped(project: Path) -> None:
    entry = summary_entry(project)
    entry.unlink()
    os.mkfifo(entry)
    result = asynclint("check", ".", "-q", cwd=project, timeout=20)
    assert result.returncode == 1 and "ASL501" in result.stdout


def test_stat_index_that_is_a_fifo_is_skipped(project: Path) -> None:
    summary_entry(project)
    (index,) = (project / ".asynclint_cache").rglob("stat-*.msgpack")
    index.unlink()
    os.mkfifo(index)
    result = asynclint("check", ".", "-q", cwd=project, timeout=20)
    assert result.returncode == 1 and "ASL501" in result.stdout


def test_snapshot_that_is_a_fifo_is_skipped(project: Path) -> None:
    summary_entry(project)
    (taken,) = (project / ".asynclint_cache").rglob("state-*.msgpack")
    taken.unlink()
    os.mkfifo(taken)
    (project / "app.py").write_text((project / "app.py").read_text() + "\n# edited\n")
    result = asynclint("check", ".", "-q", cwd=project, timeout=20)
    assert result.returncode == 1 and "ASL501" in result.stdout


def test_cache_entry_linked_to_dev_zero_is_skipped(project: Path) -> None:
    entry = summary_entry(project)
    entry.unlink()
    entry.symlink_to("/dev/zero")
    result = asynclint("check", ".", "-q", cwd=project, timeout=20)
    assert result.returncode == 1 and "ASL501" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_baseline_that_is_not_a_regular_file_exits_2(project: Path, kind: str) -> None:
    baseline = project / "baseline.json"
    if kind == "fifo":
        os.mkfifo(baseline)
    else:
        baseline.symlink_to("/dev/zero")
    result = asynclint("check", ".", "--no-cache", "--baseline", str(baseline), cwd=project)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"asynclint: error: {baseline}: cannot read baseline: not a regular file"
    ]


# -- 6: a committed cache cannot make asynclint create files outside it --------------------------


def test_committed_cache_symlinks_create_nothing_outside(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    entry = summary_entry(project)
    cache = project / ".asynclint_cache"
    version = entry.parent.parent
    for child in cache.iterdir():
        if child.is_dir():
            for path in sorted(child.rglob("*"), reverse=True):
                path.unlink() if not path.is_dir() else path.rmdir()
    (cache / ".gitignore").unlink()
    (cache / ".gitignore").symlink_to(outside / "any-file-the-repo-chooses")
    (version / entry.parent.name).symlink_to(outside)  # the bucket app.py's entry goes into
    result = asynclint("check", ".", "-q", cwd=project)
    assert result.returncode == 1 and "ASL501" in result.stdout
    assert list(outside.iterdir()) == []
    assert "symbolic link" in result.stderr  # said once, and the run goes on without a cache


def test_cache_directory_that_links_out_of_the_project_is_not_used(
    project: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (project / ".asynclint_cache").symlink_to(outside)
    result = asynclint("check", ".", "-q", cwd=project)
    assert result.returncode == 1 and "ASL501" in result.stdout
    assert list(outside.iterdir()) == []
    assert "outside the project" in result.stderr


def test_cache_directory_named_explicitly_may_be_anywhere(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ci-cache"
    result = asynclint("check", ".", "-q", "--cache-dir", str(cache), cwd=project)
    assert result.returncode == 1 and result.stderr == ""
    assert entries(cache)


# -- 15: failed writes leave nothing behind; an unwritable HOME warns once, not every run ------


def test_failed_cache_write_leaves_no_temp_file(project: Path) -> None:
    entry = summary_entry(project)
    entry.unlink()
    entry.mkdir()  # the rename onto it fails
    for _ in range(3):
        asynclint("check", ".", "-q", cwd=project)
    assert list((project / ".asynclint_cache").rglob("*.tmp")) == []


def test_unwritable_home_and_temp_leave_the_cache_working(project: Path, tmp_path: Path) -> None:
    """Entries need no key kept in the user's cache home or the temporary directory (a
    container's HOME is often missing or read-only): the cache works without either."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    env = {
        **os.environ,
        "HOME": str(blocker / "home"),
        "XDG_CACHE_HOME": "",
        "TMPDIR": str(blocker / "tmp"),
    }
    runs = [asynclint("check", ".", "-q", cwd=project, env=env) for _ in range(2)]
    assert [r.returncode for r in runs] == [1, 1]
    assert [r.stderr for r in runs] == ["", ""]
    assert entries(project / ".asynclint_cache")


# -- 8: a module an import looked for and did not find invalidates the run cache when created ---


def test_creating_a_missing_module_invalidates_the_run_cache(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "lib").mkdir()
    (root / "lib" / "__init__.py").write_text("")
    (root / "app" / "main.py").write_text(
        "from lib.net import fetch\n\n\nasync def handler():\n    return fetch()\n"
    )
    cache = tmp_path / "cache"
    files = [root / "app" / "main.py"]

    def codes() -> list[str]:
        report = engine.check(files, root, Settings(), Summaries(cache))
        return [f.code for f in report.findings]

    assert codes() == []
    (root / "lib" / "net.py").write_text(
        "import requests\n\n\ndef fetch():\n    return requests.get('http://x')\n"
    )
    assert codes() == ["ASL101"]


# -- 5: --output and --write-baseline write into the named path ----------------------------------


def check(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["check", "--no-cache", "-q", *args])


@pytest.mark.parametrize("flag", ["--output", "--write-baseline"])
def test_existing_output_keeps_its_mode_and_inode(project: Path, flag: str) -> None:
    out = project / "report.out"
    out.write_text("old\n")
    os.chmod(out, 0o644)
    inode = out.stat().st_ino
    check(str(project / "app.py"), flag, str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert out.stat().st_ino == inode and out.read_text() != "old\n"


@pytest.mark.parametrize("flag", ["--output", "--write-baseline"])
def test_symlinked_output_is_followed(project: Path, flag: str) -> None:
    (project / "real").mkdir()
    target = project / "real" / "target.sarif"
    target.write_text("old\n")
    link = project / "link.sarif"
    link.symlink_to(target)
    check(str(project / "app.py"), "-f", "sarif", flag, str(link))
    assert link.is_symlink()
    assert target.read_text() != "old\n" and len(target.read_text()) > 10


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_new_output_gets_the_umask_mode(project: Path, umask: int) -> None:
    out = project / "new-report.json"
    previous = os.umask(umask)
    try:
        check(str(project / "app.py"), "-f", "json", "-o", str(out))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_fifo_as_output_is_refused_without_hanging(project: Path) -> None:
    fifo = project / "out.fifo"
    os.mkfifo(fifo)
    result = asynclint("check", "app.py", "--no-cache", "-o", str(fifo), cwd=project, timeout=20)
    assert result.returncode == 2
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert result.stderr.strip().splitlines() == [
        f"asynclint: error: cannot write {fifo}: not a regular file"
    ]


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
def test_device_as_output_is_left_a_device(project: Path) -> None:
    device = project / "fake-dev-null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    result = check(str(project / "app.py"), "-f", "json", "-o", str(device))
    assert result.exit_code == 2
    info = os.lstat(device)
    assert stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 3)


# -- 9: reads take a buffer sized to the file ----------------------------------------------------


def test_small_files_are_read_with_a_small_buffer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"X = 1\n")
    sizes: list[int] = []
    real_read = os.read

    def recording(fd: int, size: int) -> bytes:
        sizes.append(size)
        return real_read(fd, size)

    monkeypatch.setattr(safeio.os, "read", recording)
    assert safeio.read_regular(path, 16 * 1024 * 1024) == b"X = 1\n"
    assert max(sizes) <= 7  # the file's size and one byte to see its end, never 16 MiB


def test_file_growing_past_the_limit_while_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"x" * 100)
    fd, info = safeio.open_regular(path)
    try:
        with open(path, "ab") as grow:
            grow.write(b"y" * 100)
        with pytest.raises(OSError, match="larger than 150 bytes"):
            safeio.read_fd(fd, info.st_size, 150, path)
    finally:
        os.close(fd)


# -- 14: a directory that cannot be read is reported, never a silent clean run -----------------


def test_path_longer_than_the_system_limit_is_reported(tmp_path: Path) -> None:
    (tmp_path / "top.py").write_text("X = 1\n")
    name = "d" * 200
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        for _ in range(25):  # 25 * 201 characters: past PATH_MAX (4096) below tmp_path
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        out = os.open("deep.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, BLOCKING.encode())
        os.close(out)
    finally:
        os.close(fd)
    result = runner.invoke(app, ["check", "--no-cache", "-f", "json", str(tmp_path)])
    assert result.exit_code == 1, result.output
    import json

    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["code"] == "ASL001" and finding["line"] == 1
    assert finding["message"] == "directory cannot be read: File name too long"
    assert finding["path"].endswith(name) and len(finding["path"]) > 4096


# -- 9: a tree of 100,000 files runs to the end --------------------------------------------------


@pytest.mark.sweep
def test_hundred_thousand_files_run_to_the_end(tmp_path: Path) -> None:
    """Past ~65k files, one 16 MiB read buffer per file exhausted the process's memory maps
    (vm.max_map_count): MemoryError, SystemError or "can't start new thread". ~20 s."""
    count = 100_000
    for index in range(count):
        folder = tmp_path / f"pkg{index // 5000}"
        if index % 5000 == 0:
            folder.mkdir()
        blocking = index % 1000 == 0
        (folder / f"m{index}.py").write_text(BLOCKING if blocking else f"X = {index}\n")
    report = tmp_path / "report.json"
    result = asynclint(
        "check",
        ".",
        "--no-cache",
        "-q",
        "--exit-zero",
        "-f",
        "json",
        "-o",
        str(report),
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    import json

    data = json.loads(report.read_text())
    assert [f["code"] for f in data["findings"]] == ["ASL501"] * (count // 1000)


# -- 17: no check-then-open: a file swapped for a pipe after any check cannot block a read ------


def _finishes(work: object, seconds: float = 10) -> list[object]:
    import threading

    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)  # type: ignore[operator]
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked opening a named pipe"
    return result


def test_source_swapped_for_a_fifo_after_a_check_does_not_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asynclint.filesystem import DISK

    regular = tmp_path / "regular.py"
    regular.write_text(BLOCKING)
    fifo = tmp_path / "m.py"
    os.mkfifo(fifo)
    # whatever a check before the open would see, the open itself must not wait for a writer
    real_stat = Path.stat
    monkeypatch.setattr(
        Path, "stat", lambda self, **kw: real_stat(regular if self == fifo else self, **kw)
    )
    assert _finishes(lambda: DISK.read_bytes(fifo)) == [None]


def test_fix_target_swapped_for_a_fifo_is_not_written(tmp_path: Path) -> None:
    from asynclint.fixes import Change, write

    target = tmp_path / "m.py"
    os.mkfifo(target)
    change = Change(str(target), BLOCKING.encode(), b"fixed\n", ())
    assert _finishes(lambda: write(change)) == ["cannot write: not a regular file"]
    assert stat.S_ISFIFO(os.lstat(target).st_mode)
