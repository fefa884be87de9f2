"""The summary and run cache: warm runs reuse work, any relevant edit invalidates it."""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

import asynclint.cache
from asynclint import engine
from asynclint.cache import FORMAT, Summaries
from asynclint.config import Settings
from asynclint.expr import Const
from asynclint.findings import Finding
from asynclint.summary import ModuleSummary

ROUTE = """\
from fastapi import FastAPI
from helpers import fetch

app = FastAPI()


@app.get("/")
async def index():
    return fetch()
"""
BLOCKING_HELPER = "import requests\n\n\ndef fetch():\n    return requests.get('u')\n"
PURE_HELPER = "def fetch():\n    return 42\n"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(ROUTE)
    (tmp_path / "helpers.py").write_text(BLOCKING_HELPER)
    return tmp_path


def check(project: Path, cache: Path, files: list[str]) -> tuple[list[tuple[int, str]], Summaries]:
    summaries = Summaries(cache)
    report = engine.check([project / f for f in files], project, Settings(), summaries)
    return [(f.line, f.code) for f in report.findings], summaries


@pytest.mark.parametrize("files", [["app.py", "helpers.py"], ["app.py"]])
def test_editing_a_helper_in_another_module_updates_the_route_finding(
    project: Path, tmp_path: Path, files: list[str]
) -> None:
    cache = tmp_path / "cache"
    assert check(project, cache, files)[0] == [(9, "ASL101")]
    warm, summaries = check(project, cache, files)
    assert warm == [(9, "ASL101")]
    assert summaries.misses == 0  # nothing parsed again
    (project / "helpers.py").write_text(PURE_HELPER)
    assert check(project, cache, files)[0] == []
    (project / "helpers.py").write_text(BLOCKING_HELPER)
    assert check(project, cache, files)[0] == [(9, "ASL101")]


def test_summaries_are_reused_when_only_the_route_changes(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check(project, cache, ["app.py", "helpers.py"])
    (project / "app.py").write_text(ROUTE + "\n# a comment\n")
    findings, summaries = check(project, cache, ["app.py", "helpers.py"])
    assert findings == [(9, "ASL101")]
    # app.py parsed again; helpers.py from the cache, and app.py's previous summary, which
    # the analysis restored from its snapshot compares with the new one
    assert summaries.misses == 1 and summaries.hits == 2


def test_corrupt_cache_entries_are_ignored(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check(project, cache, ["app.py", "helpers.py"])
    for entry in cache.rglob("*.msgpack"):
        entry.write_bytes(b"not an entry")
    findings, summaries = check(project, cache, ["app.py", "helpers.py"])
    assert findings == [(9, "ASL101")]
    assert len(summaries.warnings) == 1 and "corrupt" in summaries.warnings[0]


def test_unusable_cache_directory_falls_back_with_a_warning(project: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory should be")
    findings, summaries = check(project, blocker, ["app.py", "helpers.py"])
    assert findings == [(9, "ASL101")]
    assert summaries.warnings and "not usable" in summaries.warnings[0]


def test_settings_that_change_the_analysis_use_another_cache(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check(project, cache, ["app.py", "helpers.py"])
    allowed = Settings(allow=("requests.get",))
    summaries = Summaries(cache, salt=allowed.fingerprint())
    report = engine.check([project / "app.py", project / "helpers.py"], project, allowed, summaries)
    assert report.findings == ()


def test_cache_dir_gets_a_gitignore(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check(project, cache, ["app.py"])
    assert (cache / ".gitignore").read_text().strip().endswith("*")


NET = "import requests\n\n\ndef fetch():\n    return requests.get('http://x')\n"


def _importer(tmp_path: Path) -> tuple[Path, Callable[[], list[str]]]:
    """A project whose `main.py` imports `lib.net`, and its codes from a cached run."""
    root = tmp_path / "proj"
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "__init__.py").write_text("")
    main = root / "main.py"
    main.write_text("from lib.net import fetch\n\n\nasync def handler():\n    return fetch()\n")
    cache = tmp_path / "cache"

    def codes() -> list[str]:
        report = engine.check([main], root, Settings(), Summaries(cache))
        return [f.code for f in report.findings]

    return root / "lib" / "net.py", codes


def test_deleting_an_imported_module_invalidates_the_run_cache(tmp_path: Path) -> None:
    helper, codes = _importer(tmp_path)
    helper.write_text(NET)
    assert codes() == ["ASL101"]
    assert codes() == ["ASL101"]  # served by the run cache
    helper.unlink()
    assert codes() == []


def test_creating_a_module_an_import_looked_for_invalidates_the_run_cache(tmp_path: Path) -> None:
    # `from lib.net import fetch` found no module: the run depends on its absence
    helper, codes = _importer(tmp_path)
    assert codes() == []
    assert codes() == []  # served by the run cache
    helper.write_text(NET)
    assert codes() == ["ASL101"]
    assert codes() == ["ASL101"]
    helper.unlink()
    helper.mkdir()  # anything there now counts, even what is no module
    assert codes() == []


# -- entries are data: a cache restored on another machine hits --------------------------------

EXAMPLES = Path(__file__).parent.parent / "examples" / "bookstore"


def _as_user(monkeypatch: pytest.MonkeyPatch, home: Path, user: str) -> None:
    """Another machine, as far as the environment tells: its own HOME, cache home, user and
    temporary directory."""
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("USER", user)
    monkeypatch.setenv("TMPDIR", str(home / "tmp"))
    (home / "tmp").mkdir(exist_ok=True)


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(data: bytes, path: str) -> object:
        raise AssertionError(f"{path} was summarised again instead of read from the cache")

    monkeypatch.setattr(asynclint.cache, "summarise", refuse)


def test_summaries_copied_to_another_directory_hit_under_another_home(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as_user(monkeypatch, tmp_path / "alice", "alice")
    built = tmp_path / "built"
    files = [project / "app.py", project / "helpers.py"]
    first = Summaries(built)
    expected = first.load_many(files)
    assert (first.hits, first.misses, first.warnings) == (0, 2, [])
    restored = tmp_path / "elsewhere" / "cache"
    shutil.copytree(built, restored)
    shutil.rmtree(tmp_path / "alice")  # the machine that built it is gone
    _as_user(monkeypatch, tmp_path / "bob", "bob")
    _no_parsing(monkeypatch)
    again = Summaries(restored)
    assert again.load_many(files) == expected
    assert (again.hits, again.misses, again.warnings) == (2, 0, [])


def test_a_run_restored_on_a_fresh_runner_hits_without_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The `actions/cache` recipe: the checkout lands at the same path on every runner, the
    cache directory is saved after one job and restored before the next, on a new machine."""
    root = tmp_path / "checkout"
    shutil.copytree(EXAMPLES, root)
    files = sorted(root.rglob("*.py"))
    cache = root / ".asynclint_cache"
    _as_user(monkeypatch, tmp_path / "runner-1", "runner")
    cold = engine.check(files, root, Settings(), Summaries(cache))
    assert cold.findings  # the example has findings, so the run entry carries some
    saved = tmp_path / "saved"
    shutil.move(str(cache), saved)
    shutil.rmtree(tmp_path / "runner-1")
    _as_user(monkeypatch, tmp_path / "runner-2", "runner")
    shutil.move(str(saved), cache)

    def analyse(*args: object, **kwargs: object) -> object:
        raise AssertionError("the run was analysed again instead of read from the cache")

    monkeypatch.setattr(engine, "_analyse", analyse)
    _no_parsing(monkeypatch)
    warm = engine.check(files, root, Settings(), Summaries(cache))
    assert warm.findings == cold.findings  # every field: chains, fixes, advice
    assert warm.warnings == cold.warnings == ()


def test_summaries_round_trip_through_the_entry_format() -> None:
    from asynclint.summary import summarise

    fixtures = Path(__file__).parent / "fixtures"
    sources = sorted(fixtures.rglob("*.py"))
    assert len(sources) > 50
    for source in sources:
        summary = summarise(source.read_bytes(), str(source))
        payload = asynclint.cache.encode(summary)
        assert payload is not None, source
        assert msgspec.msgpack.decode(payload, type=ModuleSummary) == summary, source


@pytest.mark.parametrize(
    "garbage",
    [
        b"not an entry",
        b"",
        msgspec.msgpack.encode({"path": "app.py"}),  # MessagePack, but not a summary
        msgspec.msgpack.encode(["app.py", False, [], [], [], [], {}, {}, [], {}, None, "one"]),
        pickle.dumps(("app.py", False)),  # what an older asynclint wrote: never unpickled
    ],
)
def test_a_tampered_entry_is_skipped_and_rebuilt(
    project: Path, tmp_path: Path, garbage: bytes
) -> None:
    cache = tmp_path / "cache"
    files = [project / "app.py", project / "helpers.py"]
    expected = Summaries(cache).load_many(files)
    entries = sorted(cache.rglob("*.msgpack"))
    assert len(entries) == 2
    for entry in entries:
        entry.write_bytes(garbage)
    tampered = Summaries(cache)
    assert tampered.load_many(files) == expected
    assert (tampered.hits, tampered.misses) == (0, 2)
    assert len(tampered.warnings) == 1 and "corrupt" in tampered.warnings[0]
    rebuilt = Summaries(cache)
    assert rebuilt.load_many(files) == expected
    assert (rebuilt.hits, rebuilt.warnings) == (2, [])


def test_a_truncated_entry_is_skipped(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    files = [project / "app.py"]
    expected = Summaries(cache).load_many(files)
    (entry,) = cache.rglob("*.msgpack")
    entry.write_bytes(entry.read_bytes()[:-7])
    assert Summaries(cache).load_many(files) == expected


def test_entries_of_an_older_format_are_ignored_silently(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    files = [project / "app.py", project / "helpers.py"]
    Summaries(cache).load_many(files)
    (current,) = [d for d in cache.iterdir() if d.is_dir()]
    older = cache / current.name.replace(f"-f{FORMAT}-", f"-f{FORMAT - 1}-")
    current.rename(older)
    for entry in older.rglob("*.msgpack"):  # an older asynclint's entry, at the same key
        entry.with_suffix(".pickle").write_bytes(b"signature" + pickle.dumps(entry.name))
    summaries = Summaries(cache)
    summaries.load_many(files)
    assert (summaries.hits, summaries.misses, summaries.warnings) == (0, 2, [])


def test_constants_msgpack_cannot_carry_are_unknown_and_the_summary_is_cached(
    tmp_path: Path,
) -> None:
    """An int literal beyond 64 bits and a lone surrogate are valid Python, but not
    MessagePack: the summary keeps them as unknown values, so the file is still cached."""
    (tmp_path / "big.py").write_text("MASK = 0x" + "F" * 40 + "\nNAME = '\\udc80'\nN = 7\n")
    files = [tmp_path / "big.py"]
    cache = tmp_path / "cache"
    (summary,) = Summaries(cache).load_many(files)
    assert [(b.name, b.value) for b in summary.globals] == [
        ("MASK", None),
        ("NAME", None),
        ("N", Const(7)),
    ]
    again = Summaries(cache)
    assert again.load_many(files) == [summary] and again.hits == 1


def test_a_summary_msgpack_cannot_carry_is_used_but_not_stored(tmp_path: Path) -> None:
    """A file name that is not UTF-8 reaches Python with lone surrogates, which MessagePack
    cannot carry: the file is analysed as always, only not cached, and nothing is said."""
    name = tmp_path / os.fsdecode(b"caf\xe9.py")
    name.write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    cache = tmp_path / "cache"
    summaries = Summaries(cache)
    (summary,) = summaries.load_many([name])
    assert "f" in summary.functions
    assert summaries.warnings == [] and not list(cache.rglob("*.msgpack"))


def test_the_ci_recipe_restores_the_directory_the_run_uses() -> None:
    """docs/ci.md's `actions/cache` step saves and restores the very directory the asynclint
    step after it is pointed at, under a key per commit with a restore prefix."""
    import re

    import yaml

    page = (Path(__file__).parent.parent / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", page, flags=re.S)
    recipes = 0
    for block in blocks:
        data = yaml.safe_load(block)
        jobs = data.get("jobs", {}) if isinstance(data, dict) else {}
        steps = [s for job in jobs.values() for s in job["steps"]] if jobs else data
        if not isinstance(steps, list):
            continue
        for index, step in enumerate(steps):
            if str(step.get("uses", "")).startswith("actions/cache@"):
                recipes += 1
                assert step["uses"] == "actions/cache@v6"
                run = steps[index + 1]
                assert "asynclint check" in run["run"]
                assert step["with"]["path"] == run["env"]["ASYNCLINT_CACHE_DIR"]
                key, prefix = step["with"]["key"], step["with"]["restore-keys"]
                assert key.endswith("${{ github.sha }}") and key.startswith(prefix)
    assert recipes == 2  # the workflow and the excerpt that explains it


def test_summaries_made_in_worker_processes_are_stored_as_they_came_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker hands each summary back as the entry's bytes (decoded, checked, then stored as
    they are), or pickled when MessagePack cannot carry it (a file name that is not UTF-8)."""
    monkeypatch.setattr(asynclint.cache, "PARALLEL_THRESHOLD", 1)
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    files = [tmp_path / f"m{i}.py" for i in range(4)] + [tmp_path / os.fsdecode(b"caf\xe9.py")]
    for index, path in enumerate(files):
        path.write_text(source + f"\nN = {index}\n")
    cache = tmp_path / "cache"
    cold = Summaries(cache, jobs=2)
    summaries = cold.load_many(files)
    assert [s.path for s in summaries] == [str(p) for p in files]
    assert all("f" in s.functions for s in summaries)
    assert len(list(cache.rglob("*.msgpack"))) == 4 and cold.warnings == []
    warm = Summaries(cache, jobs=2)
    assert warm.load_many(files) == summaries
    assert (warm.hits, warm.misses) == (4, 1)


def test_a_temporary_file_left_by_a_crash_does_not_stop_writes(tmp_path: Path) -> None:
    # entries are written to `<key>.<pid>.tmp` and renamed into place; one a crashed run of
    # the same process id left behind is not overwritten, another name is used
    summaries = Summaries(tmp_path / "cache")
    data = b"x = 1\n"
    key = summaries._key(data)
    folder = summaries._entry(key).parent
    folder.mkdir(parents=True)
    leftover = folder / f"{key}.{os.getpid()}.tmp"
    leftover.write_bytes(b"half an entry")
    source = tmp_path / "m.py"
    source.write_bytes(data)
    summaries.load(source)
    assert summaries._entry(key).is_file()
    assert leftover.read_bytes() == b"half an entry"
    assert [p.name for p in folder.iterdir() if p.suffix == ".tmp"] == [leftover.name]
    again = Summaries(tmp_path / "cache")
    again.load(source)
    assert (again.hits, again.misses) == (1, 0)  # the entry was written whole


# -- the stat index: a warm run reads no unchanged file -----------------------------------------


def _aged(root: Path) -> None:
    """Every file written a minute ago: not "racily clean" (see ``cache.RACY_NS``)."""
    for path in root.rglob("*.py"):
        os.utime(path, (path.stat().st_atime - 60, path.stat().st_mtime - 60))


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    original = Summaries._read_path

    def counted(self: Summaries, path: Path) -> tuple[bytes | None, str | None]:
        reads.append(Path(path).name)
        return original(self, path)

    monkeypatch.setattr(Summaries, "_read_path", counted)
    return reads


def _findings(project: Path, cache: Path) -> tuple[Finding, ...]:
    files = sorted(project.glob("*.py"))
    return engine.check(files, project, Settings(), Summaries(cache)).findings


def test_a_warm_run_reads_no_file_whose_stat_is_unchanged(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _aged(project)
    first = _findings(project, tmp_path / "cache")
    assert first
    reads = _counting_reads(monkeypatch)
    assert _findings(project, tmp_path / "cache") == first
    assert reads == []


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a tool that restores the mtime (rsync -t, touch -r) changes the ctime: the file is read
    _aged(project)
    helpers = project / "helpers.py"
    before = _findings(project, tmp_path / "cache")
    assert any(f.api == "requests.get" for f in before)
    old = helpers.stat()
    text = helpers.read_text()
    helpers.write_text(text.replace("requests.get", "requests.put"))
    os.utime(helpers, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert (helpers.stat().st_size, helpers.stat().st_mtime_ns) == (old.st_size, old.st_mtime_ns)
    reads = _counting_reads(monkeypatch)
    after = _findings(project, tmp_path / "cache")
    assert reads.count("helpers.py") >= 1
    assert any(f.api == "requests.put" for f in after)
    assert not any(f.api == "requests.get" for f in after)


def test_a_file_written_just_before_the_index_is_read_again(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # within the timestamp's resolution a second write may leave the stat as it was
    _findings(project, tmp_path / "cache")  # its files were written just now
    reads = _counting_reads(monkeypatch)
    _findings(project, tmp_path / "cache")
    assert sorted(reads) == sorted(f.name for f in project.glob("*.py"))


def test_the_stat_index_forgets_files_the_project_no_longer_has(
    project: Path, tmp_path: Path
) -> None:
    _aged(project)
    cache = tmp_path / "cache"
    _findings(project, cache)
    (index_path,) = cache.rglob("stat-*.msgpack")

    def indexed() -> list[str]:
        index = msgspec.msgpack.decode(index_path.read_bytes(), type=asynclint.cache._StatIndex)
        return sorted(Path(path).name for path in index.files)

    assert indexed() == ["app.py", "helpers.py"]
    (project / "helpers.py").rename(project / "helpers_v2.py")
    _findings(project, cache)
    assert indexed() == ["app.py", "helpers_v2.py"]


# -- what a run reads: only what it looks into ---------------------------------------------------


def test_after_an_edit_a_run_reads_the_edited_file_and_none_it_does_not_look_into(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a module no loop code imports, nothing in it able to reach the loop: the pre-scan's
    # answer for its bytes is in the stat index, and its bytes are not needed again
    (project / "unrelated.py").write_text("def add(a, b):\n    return a + b\n")
    _aged(project)
    cache = tmp_path / "cache"
    before = _findings(project, cache)
    assert [f.api for f in before] == ["requests.get"]
    (project / "helpers.py").write_text(BLOCKING_HELPER.replace("requests.get", "requests.put"))
    reads = _counting_reads(monkeypatch)
    after = _findings(project, cache)
    assert [f.api for f in after] == ["requests.put"]
    assert "helpers.py" in reads
    assert "unrelated.py" not in reads


def test_the_stat_index_keeps_what_the_pre_scan_said_of_each_file(
    project: Path, tmp_path: Path
) -> None:
    (project / "unrelated.py").write_text("def add(a, b):\n    return a + b\n")
    _aged(project)
    cache = tmp_path / "cache"
    _findings(project, cache)
    (index_path,) = cache.rglob("stat-*.msgpack")
    index = msgspec.msgpack.decode(index_path.read_bytes(), type=asynclint.cache._StatIndex)
    loop = {Path(path).name: entry.loop for path, entry in index.files.items()}
    assert loop == {"app.py": True, "helpers.py": False, "unrelated.py": False}


def test_a_file_written_while_the_run_reads_it_is_analysed_as_written(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # app.py's summary comes from the cache by the hash its stat vouched for; its bytes are
    # read later (to plan the finding's fix), after an editor saved it: the run notices, and
    # analyses the files as they are now instead of mixing old summary and new bytes
    _aged(project)
    cache = tmp_path / "cache"
    assert [f.line for f in _findings(project, cache)] == [9]
    (project / "helpers.py").write_text(BLOCKING_HELPER.replace("requests.get", "requests.put"))
    app = project / "app.py"
    saved = "# a comment line\n" + ROUTE
    original = Summaries._read_path
    written: list[bool] = []

    def saved_meanwhile(self: Summaries, path: Path) -> tuple[bytes | None, str | None]:
        if Path(path).name == "app.py" and not written:
            written.append(True)
            app.write_text(saved)
        return original(self, path)

    monkeypatch.setattr(Summaries, "_read_path", saved_meanwhile)
    summaries = Summaries(cache)
    report = engine.check(sorted(project.glob("*.py")), project, Settings(), summaries)
    assert written
    assert [(f.line, f.api) for f in report.findings] == [(10, "requests.put")]
    assert summaries.stat_index is False  # the second analysis read every file
    monkeypatch.setattr(Summaries, "_read_path", original)
    assert [f.line for f in _findings(project, cache)] == [10]  # and kept no stale run


def test_contents_hash_a_vouched_file_when_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"x = 1\n")
    contents = asynclint.cache.Contents(
        [path], lambda p: (p.read_bytes(), None), vouched={0: "not its hash"}.get
    )
    assert contents[0] == (b"x = 1\n", None)
    assert contents.changed
    same = asynclint.cache.Contents(
        [path],
        lambda p: (p.read_bytes(), None),
        vouched={0: Summaries(None)._key(b"x = 1\n")}.get,
    )
    assert not same.held(0)
    assert same[0] == (b"x = 1\n", None)
    assert same.held(0) and not same.changed
