"""Property tests: generated valid programs never crash the analysis, and findings are
deterministic and point inside the file.

Programs come from a small grammar of statements (``async def``/``def``/``await``/``with``/
``for``/``lambda``, imports of ``requests``/``time`` and calls between modules), and, when
hypothesmith is installed, from Python's own grammar.
"""

from __future__ import annotations

import ast
import os
import re
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import asynclint.cache
from asynclint import engine
from asynclint.cache import Summaries
from asynclint.codes import PARSE_ERROR
from asynclint.config import Settings
from asynclint.findings import Finding

SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# the default suite stays fast; `ASYNCLINT_HYPOTHESIS_SCALE=50 pytest tests/test_hypothesis.py`
# searches harder
SCALE = max(1, int(os.environ.get("ASYNCLINT_HYPOTHESIS_SCALE", "1") or 1))


def examples(count: int) -> int:
    return count * SCALE


# ---------------------------------------------------------------------------------------------
# A small grammar of programs

MODULES = 3
IMPORTS = [
    "import time",
    "import requests",
    "import requests as rq",
    "from time import sleep",
    "from requests import get, Session",
    "import asyncio",
    "import subprocess",
    "from fastapi import FastAPI, APIRouter, Depends",
]
TEXT = st.sampled_from(["'u'", "'caf\u00e9'", "'\U0001f600\u4e2d'", "1", "x", "None"])
BLOCKING = [
    "time.sleep({a})",
    "sleep({a})",
    "requests.get({a})",
    "rq.post({a}, timeout=1)",
    "get({a})",
    "Session().get({a})",
    "open({a}).read()",
    "subprocess.run([{a}])",
    "client.get({a})",
]
HARMLESS = ["print({a})", "len([{a}])", "str({a}).upper()", "x.append({a})", "obj.method({a})"]


def _module_helpers(index: int) -> list[str]:
    """Functions every module defines, so calls across modules resolve."""
    return [f"h{index}", f"a{index}"]


@st.composite
def call(draw: st.DrawFn, in_async: bool) -> str:
    arg = draw(TEXT)
    kind = draw(st.integers(0, 5))
    if kind <= 1:
        return draw(st.sampled_from(BLOCKING)).format(a=arg)
    if kind == 2:
        return draw(st.sampled_from(HARMLESS)).format(a=arg)
    if kind == 3:
        module = draw(st.integers(0, MODULES - 1))
        return f"h{module}({arg})"
    if kind == 4 and in_async:
        inner = draw(st.sampled_from(["asyncio.sleep(0)", "a0()", "a1()", "a2()"]))
        wrapped = draw(st.sampled_from(["{c}", "asyncio.to_thread(time.sleep, 1)", "{c}"]))
        return "await " + wrapped.format(c=inner)
    return f"(lambda: {draw(st.sampled_from(BLOCKING)).format(a=arg)})"


def _indent(lines: Sequence[str]) -> list[str]:
    return ["    " + line for line in lines]


@st.composite
def block(draw: st.DrawFn, depth: int, in_async: bool, in_loop: bool = False) -> list[str]:
    """A non-empty list of statements (without a base indent)."""
    out: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 12 if depth > 0 else 4))
        c = draw(call(in_async))
        if kind == 0:
            out.append(c)
        elif kind == 1:
            out.append(f"x = {c}")
        elif kind == 2:
            out.append(f"{c}  # noqa" if draw(st.booleans()) else f"{c}  # asynclint: ignore")
        elif kind == 3:
            out.append(f"s = {draw(TEXT)}; {c}")
        elif kind == 4:
            out.append("pass" if not in_loop else draw(st.sampled_from(["continue", "break"])))
        elif kind == 5:
            target = draw(st.sampled_from(["open('f')", "Session()", "lock", "requests.Session()"]))
            out += [f"with {target} as fh:", *_indent(draw(block(depth - 1, in_async, in_loop)))]
        elif kind == 6:
            source = draw(st.sampled_from(["range(3)", "open('f')", "items", "x.iter()"]))
            out += [f"for item in {source}:", *_indent(draw(block(depth - 1, in_async, True)))]
        elif kind == 7:
            out += ["if x:", *_indent(draw(block(depth - 1, in_async, in_loop)))]
            out += ["else:", *_indent(draw(block(depth - 1, in_async, in_loop)))]
        elif kind == 8:
            out += ["try:", *_indent(draw(block(depth - 1, in_async, in_loop)))]
            out += ["except Exception as exc:", *_indent(draw(block(depth - 1, in_async, in_loop)))]
        elif kind == 9:
            out += draw(function(depth - 1))
        elif kind == 10 and in_async:
            manager = draw(st.sampled_from(["lock", "a0()", "session"]))
            out += [f"async with {manager} as conn:"]
            out += _indent(draw(block(depth - 1, in_async, in_loop)))
        elif kind == 11:
            out.append(f"cb = lambda *args: {c}")
        else:
            out.append(f"return {c}")
    return out


@st.composite
def function(draw: st.DrawFn, depth: int, name: str | None = None) -> list[str]:
    is_async = draw(st.booleans())
    name = name or draw(st.sampled_from(["inner", "helper", "worker", "handler", "cb"]))
    decorators = draw(
        st.lists(
            st.sampled_from(
                [
                    "@app.get('/x')",
                    "@router.post('/y')",
                    "@staticmethod",
                    "@app.on_event('startup')",
                ]
            ),
            max_size=1,
        )
    )
    head = f"{'async ' if is_async else ''}def {name}(x=None, *args, client=None):"
    return [*decorators, head, *_indent(draw(block(depth, is_async)))]


@st.composite
def module(draw: st.DrawFn, index: int) -> str:
    lines = draw(st.lists(st.sampled_from(IMPORTS), min_size=1, max_size=4, unique=True))
    for other in draw(st.sets(st.integers(0, MODULES - 1), max_size=2)):
        if other != index:
            lines.append(f"from mod{other} import h{other}, a{other}")
    lines += ["app = FastAPI()", "router = APIRouter()", "client = requests.Session()"]
    for helper in _module_helpers(index):
        lines += draw(function(2, helper))
    if draw(st.booleans()):
        lines += ["class Service:", "    def __init__(self):", "        self.s = Session()"]
        lines += _indent(draw(function(1, "method")))
    for _ in range(draw(st.integers(0, 2))):
        lines += draw(function(2))
    return "\n".join(lines) + "\n"


def _valid(source: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(source, "<generated>", "exec", flags=ast.PyCF_ONLY_AST)  # parse only
    return source


PROJECTS = st.tuples(*(module(i) for i in range(MODULES))).map(lambda t: [_valid(s) for s in t])

# ---------------------------------------------------------------------------------------------
# Helpers


def write_project(directory: Path, sources: Sequence[str]) -> list[Path]:
    (directory / "pyproject.toml").write_text("[project]\nname = 'generated'\n")
    paths = []
    for index, source in enumerate(sources):
        path = directory / f"mod{index}.py"
        path.write_text(source, encoding="utf-8")
        paths.append(path)
    return paths


def analyse(
    paths: Sequence[Path], root: Path, summaries: Summaries | None = None
) -> tuple[Finding, ...]:
    report = engine.check(list(paths), root, Settings(), summaries or Summaries(None))
    return report.findings


def python_lines(source: str) -> list[str]:
    """Lines as Python numbers them: broken at \\r\\n, \\r and \\n only."""
    return re.split(r"\r\n|\r|\n", source)


def assert_locations_inside(findings: Sequence[Finding], sources: dict[str, str]) -> None:
    for finding in findings:
        lines = python_lines(sources[Path(finding.path).name])
        assert 1 <= finding.line <= len(lines), finding
        text = lines[finding.line - 1]
        assert 1 <= finding.column <= len(text) + 1, (finding, text)
        assert finding.end_line >= finding.line, finding
        if 1 <= finding.end_line <= len(lines):
            end_text = lines[finding.end_line - 1]
            assert 1 <= finding.end_column <= len(end_text) + 1, (finding, end_text)
        if finding.code != PARSE_ERROR:
            assert finding.snippet == text, (finding, text)
        for hop in finding.chain:
            hop_lines = python_lines(sources[Path(hop.path).name])
            assert 1 <= hop.line <= len(hop_lines), hop
            assert 1 <= hop.column <= len(hop_lines[hop.line - 1]) + 1, hop


def key(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.sort_key(), f.message, f.advice, f.chain))


# ---------------------------------------------------------------------------------------------
# Properties


@settings(SETTINGS, max_examples=examples(80))
@given(PROJECTS)
def test_generated_programs_never_crash_and_locations_are_inside(sources: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = write_project(root, sources)
        findings = analyse(paths, root)
        assert not [f for f in findings if f.code == PARSE_ERROR], findings
        assert_locations_inside(findings, {p.name: s for p, s in zip(paths, sources)})
        assert list(findings) == sorted(findings, key=Finding.sort_key)


@settings(SETTINGS, max_examples=examples(20))
@given(PROJECTS, st.randoms(use_true_random=False))
def test_findings_are_deterministic(sources: list[str], random) -> None:
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        root = Path(tmp)
        paths = write_project(root, sources)
        first = analyse(paths, root)
        assert analyse(paths, root) == first  # twice
        shuffled = list(paths)
        random.shuffle(shuffled)
        assert key(analyse(shuffled, root)) == key(first)  # another file order
        assert key(analyse(list(reversed(paths)), root)) == key(first)
        cold = analyse(paths, root, Summaries(Path(cache)))  # disk cache, cold then warm
        warm_summaries = Summaries(Path(cache))
        warm = analyse(shuffled, root, warm_summaries)
        assert key(cold) == key(first) and key(warm) == key(first)
        assert warm_summaries.warnings == []


@settings(SETTINGS, max_examples=examples(6))
@given(PROJECTS)
def test_parallel_summarising_gives_the_same_findings(sources: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        root = Path(tmp)
        paths = []
        for copy in range(6):  # 18 files: several chunks over the two workers
            (root / f"copy{copy}").mkdir()
            paths += write_project(root / f"copy{copy}", sources)
        serial = analyse(paths, root, Summaries(None, jobs=1))
        patch.setattr(asynclint.cache, "PARALLEL_THRESHOLD", 1)
        parallel = analyse(paths, root, Summaries(None, jobs=2))
        assert key(parallel) == key(serial)


def test_the_grammar_reaches_findings_and_clean_programs() -> None:
    """A guard on the generator itself: it must produce both findings and clean programs."""
    seen: set[bool] = set()

    @settings(max_examples=25, deadline=None, database=None)
    @given(PROJECTS)
    def probe(sources: list[str]) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            seen.add(bool(analyse(write_project(root, sources), root)))

    probe()
    assert seen == {True, False}


# ---------------------------------------------------------------------------------------------
# Python's own grammar (hypothesmith)

try:
    import hypothesmith
except ImportError:  # pragma: no cover - optional
    hypothesmith = None

needs_hypothesmith = pytest.mark.skipif(hypothesmith is None, reason="hypothesmith not installed")


def _parses(source: str) -> bool:
    try:
        _valid(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _check_any_source(source: str) -> None:
    # wrapped in an async def too, so that the code is on the loop and fully resolved
    wrapped = "import time\nasync def wrapper():\n" + "\n".join(
        "    " + line for line in source.splitlines()
    )
    sources = [source] + ([wrapped + "\n"] if _parses(wrapped + "\n") else [])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = []
        for index, text in enumerate(sources):
            path = root / f"gen{index}.py"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        findings = analyse(paths, root)
        assert not [f for f in findings if f.code == PARSE_ERROR], (findings, sources)
        assert_locations_inside(findings, {p.name: s for p, s in zip(paths, sources)})
        assert analyse(list(reversed(paths)), root) == findings


ANY_SETTINGS = settings(SETTINGS, suppress_health_check=list(HealthCheck))


def _grammar() -> st.SearchStrategy[str]:
    return hypothesmith.from_grammar() if hypothesmith is not None else st.just("")


def _nodes() -> st.SearchStrategy[str]:
    return hypothesmith.from_node() if hypothesmith is not None else st.just("")


@needs_hypothesmith
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(ANY_SETTINGS, max_examples=examples(40))
@given(_grammar())
def test_any_valid_python_from_the_grammar_never_crashes(source: str) -> None:
    assume(_parses(source))
    _check_any_source(source)


@needs_hypothesmith
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(ANY_SETTINGS, max_examples=examples(8))
@given(_nodes())
def test_any_valid_python_from_libcst_nodes_never_crashes(source: str) -> None:
    assume(_parses(source))
    _check_any_source(source)
