"""The call graph's facts, per function and per code, without messages or contexts."""

from __future__ import annotations

from pathlib import Path

from asynclint.cache import Summaries
from asynclint.callgraph import CallGraph, Via
from asynclint.config import Settings
from asynclint.project import Project
from asynclint.resolve import FuncKey, Resolver

SOURCE = """\
import os
import time
import requests


def fetch_then_sleep():
    requests.get("u")
    time.sleep(1)


def quiet():
    requests.get("u")  # noqa: ASL101
    os.listdir(".")


def outer():
    inner()


def inner():
    fetch_then_sleep()


def offloaded():
    import asyncio
    return asyncio.to_thread(fetch_then_sleep)


class Resource:
    def __enter__(self):
        time.sleep(1)

    def __exit__(self, *exc):
        pass


def uses_resource():
    with Resource():
        pass
"""


def graph(tmp_path: Path) -> tuple[CallGraph, str]:
    path = tmp_path / "main.py"
    path.write_text(SOURCE)
    project = Project(tmp_path, [path], Summaries(None).load)
    result = CallGraph(Resolver(project, Settings().catalog()))
    keys = [FuncKey(str(path), name) for name in project.summary(str(path)).functions]
    result.explore(keys)
    return result, str(path)


def test_facts_are_kept_per_code_each_with_its_own_witness(tmp_path: Path) -> None:
    g, path = graph(tmp_path)
    facts = g.facts(FuncKey(path, "fetch_then_sleep"))
    assert {code: link.api.name for code, link in facts.items()} == {
        "ASL101": "requests.get",
        "ASL501": "time.sleep",
        # the first unbounded wait (no `timeout=`): a threadpool fact, reported only for
        # plain `def` handlers
        "ASL801": "requests.get",
    }
    assert facts["ASL101"].site.line == 7 and facts["ASL501"].site.line == 8


def test_a_suppression_removes_only_the_codes_it_names(tmp_path: Path) -> None:
    g, path = graph(tmp_path)
    # `noqa: ASL101` leaves the request's other fact, its unbounded wait (ASL801)
    assert set(g.facts(FuncKey(path, "quiet"))) == {"ASL301", "ASL801"}


def test_chains_are_shortest_per_code(tmp_path: Path) -> None:
    g, path = graph(tmp_path)
    chain = g.chain(FuncKey(path, "outer"), "ASL501")
    assert [key.qualname for key, _ in chain] == ["outer", "inner", "fetch_then_sleep"]
    assert [link.length for _, link in chain] == [3, 2, 1]
    assert chain[-1][1].api.name == "time.sleep"


def test_an_offloaded_function_is_not_a_fact_of_its_caller(tmp_path: Path) -> None:
    g, path = graph(tmp_path)
    assert g.facts(FuncKey(path, "offloaded")) == {}


def test_a_with_block_reaches_the_enter_body(tmp_path: Path) -> None:
    g, path = graph(tmp_path)
    targets = [t for _, t in g.edges(FuncKey(path, "uses_resource")) if t.function]
    assert [(t.function.qualname, t.via) for t in targets if t.function] == [
        ("Resource.__enter__", Via.WITH),
        ("Resource.__exit__", Via.WITH),
    ]
    assert set(g.facts(FuncKey(path, "uses_resource"))) == {"ASL501", "ASL801"}
