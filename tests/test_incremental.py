"""Incremental re-analysis gives the findings of a full analysis, edit after edit.

Projects (the rule fixtures, the example app, the multi-file fixture projects) are edited at
random inside function bodies, the way a developer types: a statement added (a blocking call,
a new local, an await, a call of another function of the module, `pass`), removed,
duplicated, a number changed, a suppression comment added. After each edit the project is
checked twice: with the ``State`` of the previous runs (incremental when the edit allows it)
and from nothing. The two reports must be identical, and the incremental path must have been
taken for most edits (else this would only test the full analysis against itself).
"""

from __future__ import annotations

import ast
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import pytest

from asynclint import engine, incremental
from asynclint.cache import Summaries
from asynclint.config import find_pyproject, load
from asynclint.server import BufferSummaries

HERE = Path(__file__).parent
REPO = HERE.parent
PROJECTS = {
    "rules": HERE / "fixtures" / "rules",
    "examples": REPO / "examples",
    "layered": HERE / "fixtures" / "projects" / "layered",
    "monorepo": HERE / "fixtures" / "projects" / "monorepo",
    "srclayout": HERE / "fixtures" / "projects" / "srclayout",
}
EDITS_PER_RUN = 8
# projects whose runs are mostly full analyses, and why: the monorepo fixture imports modules
# of a root the analysis is not told about, and which of those imports are noted depends on
# what every body resolved (an edit that drops the only such import makes the next run
# incremental)
FULL_ONLY = {"monorepo": "unresolved imports"}


@dataclass(frozen=True)
class Statement:
    path: Path
    line: int  # 1-based
    end_line: int
    indent: str
    is_async: bool
    siblings: int  # statements in the same body
    functions: tuple[str, ...]  # module-level functions of the file (to call one)


def statements(root: Path) -> list[Statement]:
    """Every statement directly in a function body (docstrings left alone)."""
    out: list[Statement] = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        functions = tuple(
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.args.args and not node.decorator_list
        )
        lines = text.splitlines()
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            body = [
                s
                for s in node.body
                if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            ]
            for stmt in body:
                if stmt.end_lineno is None or stmt.lineno == node.lineno:
                    continue  # `def f(): return 1` on one line
                first = lines[stmt.lineno - 1]
                indent = first[: len(first) - len(first.lstrip())]
                if len(indent) != stmt.col_offset:
                    continue  # `x = 1; y = 2`
                out.append(
                    Statement(
                        path,
                        stmt.lineno,
                        stmt.end_lineno,
                        indent,
                        isinstance(node, ast.AsyncFunctionDef),
                        len(body),
                        functions,
                    )
                )
    return out


Edit = Callable[[list[str], Statement, random.Random], Optional[list[str]]]


def insert(text: str) -> Edit:
    def edit(lines: list[str], at: Statement, rng: random.Random) -> Optional[list[str]]:
        return [*lines[: at.line - 1], at.indent + text, *lines[at.line - 1 :]]

    return edit


def await_sleep(lines: list[str], at: Statement, rng: random.Random) -> Optional[list[str]]:
    if not at.is_async:
        return None
    return insert("await asyncio.sleep(0)")(lines, at, rng)


def call_sibling(lines: list[str], at: Statement, rng: random.Random) -> Optional[list[str]]:
    if not at.functions:
        return None
    return insert(f"{rng.choice(at.functions)}()")(lines, at, rng)


def delete(lines: list[str], at: Statement, rng: random.Random) -> Optional[list[str]]:
    if at.siblings < 2:
        return None
    return [*lines[: at.line - 1], *lines[at.end_line :]]


def duplicate(lines: list[str], at: Statement, rng: random.Random) -> Optional[list[str]]:
    chunk = lines[at.line - 1 : at.end_line]
    return [*lines[: at.end_line], *chunk, *lines[at.end_line :]]


def renumber(lines: list[str], at: Statement, rng: random.Random) -> Optional[list[str]]:
    line = lines[at.line - 1]
    if not re.search(r"\b\d+\b", line):
        return None
    changed = re.sub(r"\b\d+\b", str(rng.randint(0, 99)), line, count=1)
    return [*lines[: at.line - 1], changed, *lines[at.line :]]


def suppress(lines: list[str], at: Statement, rng: random.Random) -> Optional[list[str]]:
    line = lines[at.end_line - 1]
    if "#" in line:
        return None
    return [*lines[: at.end_line - 1], line + "  # noqa", *lines[at.end_line :]]


EDITS: list[Edit] = [
    insert("pass"),
    insert('open("data.txt").read()'),
    insert("_typed = input()"),
    insert("time.sleep(1)"),
    insert('requests.get("https://example.com")'),
    insert("_total = 0"),
    await_sleep,
    call_sibling,
    delete,
    duplicate,
    renumber,
    renumber,
    suppress,
]


def edit_once(root: Path, rng: random.Random) -> Path:
    """Apply one random edit that still parses; the edited file."""
    candidates = statements(root)
    for _ in range(200):
        at = rng.choice(candidates)
        lines = at.path.read_text(encoding="utf-8").splitlines()
        changed = rng.choice(EDITS)(lines, at, rng)
        if changed is None:
            continue
        text = "\n".join(changed) + "\n"
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        at.path.write_text(text, encoding="utf-8")
        return at.path
    raise AssertionError("no edit applied")


def same(a: engine.Report, b: engine.Report) -> None:
    assert a.findings == b.findings
    assert a.warnings == b.warnings
    assert (a.files, a.analysed, a.details) == (b.files, b.analysed, b.details)


def copy(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(PROJECTS[name], root)
    if find_pyproject(root) is None or find_pyproject(root).parent != root:  # type: ignore[union-attr]
        (root / "pyproject.toml").write_text("[project]\nname = 'edited'\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("name", sorted(PROJECTS))
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("open_file", [False, True], ids=["project", "editor"])
def test_incremental_equals_full_after_random_edits(
    name: str, seed: int, open_file: bool, tmp_path: Path
) -> None:
    root = copy(name, tmp_path)
    settings = load(root / "pyproject.toml")
    rng = random.Random(f"{name}-{seed}-{open_file}")
    state = incremental.State()
    memory = BufferSummaries(None, settings.fingerprint(), root)
    modes = []
    only: Optional[list[Path]] = None
    for round_ in range(EDITS_PER_RUN + 1):
        if round_:
            edited = edit_once(root, rng)
            if open_file and only is None:
                only = [edited]  # the editor's open document: the first one edited
        files = list(engine.project_files(root, settings))
        kept = engine.check(files, root, settings, memory, project=files, only=only, state=state)
        modes.append(state.mode if state.mode != "full" or not round_ else state.reason)
        full = engine.check(files, root, settings, Summaries(None), project=files, only=only)
        same(kept, full)
    assert modes[0] == "full"
    modes = modes[1:]
    if name in FULL_ONLY:
        if not open_file:  # from the open file alone, the unresolved imports may not be met
            assert FULL_ONLY[name] in modes, modes
        return
    # most edits stay inside what the previous analysis can be updated for
    assert modes.count("incremental") >= EDITS_PER_RUN // 2, modes


@pytest.mark.parametrize("name", sorted(PROJECTS))
@pytest.mark.parametrize("seed", [1, 2])
def test_a_run_from_the_cache_snapshot_equals_a_full_one_after_random_edits(
    name: str, seed: int, tmp_path: Path
) -> None:
    """``asynclint check`` with a cache, edit after edit: each run starts from the snapshot
    the previous one left on disk (``snapshot``), as a new process would."""
    root = copy(name, tmp_path)
    settings = load(root / "pyproject.toml")
    rng = random.Random(f"{name}-{seed}-snapshot")
    cache = tmp_path / "cache"
    modes = []
    for round_ in range(EDITS_PER_RUN + 1):
        if round_:
            edit_once(root, rng)
        files = list(engine.project_files(root, settings))
        kept = engine.check(files, root, settings, Summaries(cache), project=files)
        modes.append(kept.analysis.split(" (")[0])
        full = engine.check(files, root, settings, Summaries(None), project=files)
        same(kept, full)
    assert modes[0] == "full"
    modes = modes[1:]
    if name in FULL_ONLY:
        assert "full" in modes, modes
        return
    assert modes.count("incremental") >= EDITS_PER_RUN // 2, modes


def test_incremental_run_recomputes_only_what_reaches_the_edit(tmp_path: Path) -> None:
    """An edit in one helper recomputes the loop functions that reach it, not the others."""
    root = tmp_path / "app"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    (root / "helpers.py").write_text(
        "def slow(url):\n    return url\n\n\ndef fast(url):\n    return url\n", encoding="utf-8"
    )
    (root / "main.py").write_text(
        "import requests\n"
        "from fastapi import FastAPI\n\n"
        "from helpers import fast, slow\n\n"
        "app = FastAPI()\n\n\n"
        '@app.get("/a")\nasync def a():\n    return slow("u")\n\n\n'
        '@app.get("/b")\nasync def b():\n    return fast("u")\n\n\n'
        '@app.get("/c")\nasync def c():\n    return requests.get("u")\n',
        encoding="utf-8",
    )
    settings = load(root / "pyproject.toml")
    state = incremental.State()
    memory = BufferSummaries(None, settings.fingerprint(), root)
    files = list(engine.project_files(root, settings))
    first = engine.check(files, root, settings, memory, project=files, state=state)
    assert [f.function for f in first.findings] == ["c"]
    (root / "helpers.py").write_text(
        "import requests\n\n\ndef slow(url):\n    requests.get(url)\n    return url\n\n\n"
        "def fast(url):\n    return url\n",
        encoding="utf-8",
    )
    # an import added at the top changes the module's interface: a full analysis
    second = engine.check(files, root, settings, memory, project=files, state=state)
    assert state.mode == "full"
    assert [f.function for f in second.findings] == ["a", "c"]
    (root / "helpers.py").write_text(
        "import requests\n\n\ndef slow(url):\n    pass\n    r = requests.get(url, timeout=3)\n"
        "    return url\n\n\ndef fast(url):\n    return url\n",
        encoding="utf-8",
    )
    third = engine.check(files, root, settings, memory, project=files, state=state)
    assert state.mode == "incremental"
    # `a` and `b` call functions of the edited module (whose lines moved): computed again;
    # `c` reaches nothing there and keeps its findings
    assert state.recomputed == 2
    assert [(f.function, f.chain[0].line) for f in third.findings if f.chain] == [("a", 6)]
    full = engine.check(files, root, settings, Summaries(None), project=files)
    same(third, full)


def test_a_run_cut_short_leaves_no_half_updated_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error in the middle of an incremental run (the project already holds the new
    summaries) must not let the next run start from that state."""
    root = copy("examples", tmp_path)
    settings = load(root / "pyproject.toml")
    state = incremental.State()
    memory = BufferSummaries(None, settings.fingerprint(), root)
    files = list(engine.project_files(root, settings))
    engine.check(files, root, settings, memory, project=files, state=state)
    storage = root / "bookstore" / "services" / "storage.py"
    text = storage.read_text(encoding="utf-8")
    storage.write_text(text.replace("\n    return ", "\n    pass\n    return ", 1), "utf-8")

    def broken(*args: object) -> None:
        raise RuntimeError("cut short")

    with monkeypatch.context() as patched:
        patched.setattr(engine._Builder, "threadpool_findings", broken)
        with pytest.raises(RuntimeError):
            engine.check(files, root, settings, memory, project=files, state=state)
    storage.write_text(
        text.replace("\n    return ", "\n    pass\n    pass\n    return ", 1), "utf-8"
    )
    kept = engine.check(files, root, settings, memory, project=files, state=state)
    assert (state.mode, state.reason) == ("full", "no previous analysis")
    same(kept, engine.check(files, root, settings, Summaries(None), project=files))


DEPS = """\
from fastapi import Depends
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql://db/app")
SessionLocal = sessionmaker(bind=engine)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def current_user(db: Session = Depends(get_db)):
    user = db.execute("select 1")
    return user
"""

ROUTES = """\
import time

from fastapi import Depends, FastAPI

from deps import current_user

app = FastAPI()


@app.get("/items")
async def items(user=Depends(current_user)):
    time.sleep(1)
    return {"user": user}
"""


def test_a_dependency_body_edit_rebuilds_the_findings_that_read_it(tmp_path: Path) -> None:
    """Whether a route can be advised to become a plain `def` depends on its dependencies'
    bodies (ASL802: would it hold a pooled connection across a threadpool hop?), which it
    does not call: an edit there must build the route's finding again."""
    root = tmp_path / "app"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    (root / "deps.py").write_text(DEPS, encoding="utf-8")
    (root / "main.py").write_text(ROUTES, encoding="utf-8")
    settings = load(root / "pyproject.toml")
    state = incremental.State()
    memory = BufferSummaries(None, settings.fingerprint(), root)
    files = list(engine.project_files(root, settings))
    first = engine.check(files, root, settings, memory, project=files, state=state)
    released = DEPS.replace("    return user\n", "    db.commit()\n    return user\n")
    (root / "deps.py").write_text(released, encoding="utf-8")
    second = engine.check(files, root, settings, memory, project=files, state=state)
    assert state.mode == "incremental"
    same(second, engine.check(files, root, settings, Summaries(None), project=files))
    (first_sleep,) = [f for f in first.findings if f.api == "time.sleep"]
    (second_sleep,) = [f for f in second.findings if f.api == "time.sleep"]
    # the dependency now gives its connection back: the plain-`def` advice is safe again
    assert first_sleep.advice != second_sleep.advice
