"""FastAPI's threadpool rules (ASL801-ASL803), the `offload` preference and cost classes."""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest
from conftest import cli_runner, run

from asynclint import pools
from asynclint.catalog import CatalogError, load_builtin, parse_table
from asynclint.cli import app
from asynclint.codes import COST_CLASSES, RULES, class_rank, code_cost, sarif_rank
from asynclint.config import ConfigError, Settings, from_table
from asynclint.fastapi_model import can_reach_loop
from asynclint.threadpool import only_injected

runner = cli_runner()


def write(tmp_path: Path, source: str, name: str = "app.py") -> Path:
    path = tmp_path / name
    path.write_text(dedent(source), encoding="utf-8")
    return path


# -- catalog data -----------------------------------------------------------------------------


def test_catalog_bounds_name_the_argument_that_limits_a_wait() -> None:
    catalog = load_builtin()
    assert catalog.bound("requests.get").argument == "timeout"  # type: ignore[union-attr]
    assert catalog.bound("requests.Session.post").argument == "timeout"  # type: ignore[union-attr]
    urlopen = catalog.bound("urllib.request.urlopen")
    assert urlopen is not None and urlopen.position == 2
    assert catalog.bound("httpx.get") is None  # httpx has a default timeout
    assert catalog.bound("time.sleep") is None  # a sleep is unbounded by nature, not by data


def test_cost_classes_come_from_the_category_or_the_entry() -> None:
    catalog = load_builtin()
    assert catalog.cost("requests.get", "http") == "wait"
    assert catalog.cost("time.sleep", "sleep") == "wait"
    assert catalog.cost("os.path.exists", "file") == "metadata"
    assert catalog.cost("pathlib.Path.exists", "file") == "metadata"
    assert catalog.cost("pathlib.Path.read_text", "file") == "file"
    assert catalog.cost("os.listdir", "file") == "file"
    assert catalog.cost("subprocess.run", "process") == "subprocess"


def test_every_catalog_category_and_blocking_code_has_a_cost_class() -> None:
    for rule in RULES:
        if rule.category:
            assert code_cost(rule.code) in COST_CLASSES, rule.code
    assert code_cost("ASL801") == "wait"
    assert code_cost("ASL001") == "" and code_cost("ASL803") == ""
    ranks = [sarif_rank(cost) for cost in COST_CLASSES]
    assert ranks == sorted(ranks, reverse=True) and sarif_rank("") < ranks[-1]
    assert class_rank("wait") < class_rank("metadata") < class_rank("")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "x.get", "timeout": 3, "category": "http"}, "`timeout` must be"),
        ({"name": "x.get", "cost": "cheap", "category": "http"}, "`cost` is 'cheap'"),
    ],
)
def test_malformed_timeout_and_cost_are_rejected(entry: dict, message: str) -> None:
    item = {**entry, "why": "w", "replacement": "r", "anchor": "a"}
    with pytest.raises(CatalogError, match=message):
        parse_table({"function": [item]}, "t.toml")


def test_class_timeouts_must_name_blocking_methods() -> None:
    item = {
        "name": "x.Client",
        "blocking": ["get"],
        "timeout": {"put": "timeout"},
        "category": "http",
        "why": "w",
        "replacement": "r",
        "anchor": "a",
    }
    with pytest.raises(CatalogError, match="table of blocking method"):
        parse_table({"class": [item]}, "t.toml")


# -- which functions the threadpool runs -------------------------------------------------------


def test_a_file_with_only_plain_def_routes_is_analysed() -> None:
    assert can_reach_loop(b"from fastapi import APIRouter\n\n@router.get('/')\ndef f(): ...\n")
    assert not can_reach_loop(b"import flask\n\ndef f(): ...\n")


def test_flask_routes_are_not_fastapi_routes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        import requests
        from flask import Flask

        app = Flask(__name__)

        @app.route("/")
        def index():
            return requests.get("https://example.com").text
        """,
    )
    assert run(path) == []


def test_only_injected_tells_dependency_injection_from_direct_calls() -> None:
    injected = [
        b"from app.deps import get_token, other\n",
        b"def get_token():\n    return 1\n",
        b"def route(t=Depends(get_token), u=Depends(deps.get_token)):\n    ...\n",
        b"app.dependency_overrides[get_token] = fake\n",
        b"from app.deps import (\n    other,\n    get_token,\n)\n",
    ]
    assert only_injected("get_token", injected)
    assert not only_injected("get_token", [*injected, b"value = get_token()\n"])
    assert not only_injected("get_token", [*injected, b"handlers = [get_token]\n"])


# -- ASL803's fix -----------------------------------------------------------------------------


def test_asl803_fix_makes_the_dependency_async_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    path = write(
        tmp_path,
        """
        from fastapi import Depends, FastAPI

        app = FastAPI()


        def get_page(skip: int = 0, limit: int = 50) -> dict:
            return {"skip": skip, "limit": min(limit, 100)}


        @app.get("/items")
        async def items(page: dict = Depends(get_page)) -> dict:
            return page
        """,
    )
    result = runner.invoke(app, ["check", "--no-cache", str(path), "--fix"])
    assert "async def get_page(" in path.read_text(encoding="utf-8")
    assert result.exit_code == 0, result.output


# -- the offload preference ---------------------------------------------------------------------

CPU_ROUTE = """
    from fastapi import FastAPI
    from passlib.context import CryptContext

    app = FastAPI()
    pwd = CryptContext(schemes=["bcrypt"])


    @app.post("/login")
    async def login(password: str, hashed: str) -> bool:
        ok = pwd.verify(password, hashed)
        await audit()
        return ok


    async def audit() -> None: ...
    """


def test_offload_preference_names_anyio_pool_in_advice_and_fix(tmp_path: Path) -> None:
    path = write(tmp_path, CPU_ROUTE)
    (default,) = run(path)
    assert "`await asyncio.to_thread(pwd.verify, ...)`" in default.advice
    (pooled,) = run(path, Settings(offload="threadpool"))
    assert "`await run_in_threadpool(pwd.verify, ...)` (from `fastapi.concurrency`" in (
        pooled.advice
    )
    assert "asyncio.to_thread(" not in pooled.advice.split("`asyncio.to_thread` uses")[0]
    assert pooled.fix is not None
    assert pooled.fix.edits[0].content == (
        "await fastapi.concurrency.run_in_threadpool(pwd.verify, password, hashed)"
    )


def test_offload_preference_is_read_from_the_configuration() -> None:
    assert from_table({"offload": "threadpool"}, "p.toml").offload == "threadpool"
    assert Settings().offload == "to_thread"
    with pytest.raises(ConfigError, match="`offload` must be one of"):
        from_table({"offload": "processes"}, "p.toml")


def test_plain_asyncio_code_keeps_to_thread_whatever_the_preference(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        from passlib.context import CryptContext

        pwd = CryptContext(schemes=["bcrypt"])


        async def check(password: str, hashed: str) -> bool:
            return pwd.verify(password, hashed)
        """,
    )
    (finding,) = run(path, Settings(offload="threadpool"))
    assert "asyncio.to_thread(" in finding.advice and "run_in_threadpool" not in finding.advice


# -- cost in the outputs ------------------------------------------------------------------------

MIXED = """
    import os
    import time

    import requests


    async def handler(path: str) -> None:
        os.path.exists(path)
        open(path).close()
        requests.get("https://example.com")
        time.sleep(1)
    """


def test_sort_min_cost_and_statistics(tmp_path: Path) -> None:
    path = write(tmp_path, MIXED)
    args = ["check", "--no-cache", "--exit-zero", "--format", "json", str(path)]
    by_place = json.loads(runner.invoke(app, args).stdout)
    assert [f["line"] for f in by_place["findings"]] == [9, 10, 11, 12]
    assert [f["cost"] for f in by_place["findings"]] == ["metadata", "file", "wait", "wait"]
    by_cost = json.loads(runner.invoke(app, [*args, "--sort", "cost"]).stdout)
    assert [f["line"] for f in by_cost["findings"]] == [11, 12, 10, 9]
    costly = json.loads(runner.invoke(app, [*args, "--min-cost", "file"]).stdout)
    assert [f["line"] for f in costly["findings"]] == [10, 11, 12]
    assert costly["summary"]["by_cost"] == {"wait": 2, "file": 1}
    text = runner.invoke(
        app, ["check", "--no-cache", "--exit-zero", "--statistics", "--sort", "cost", str(path)]
    ).stdout
    assert text.index(":11:") < text.index(":10:") < text.index(":9:")
    assert "  = cost: metadata (file metadata)" in text
    assert "    2  cost wait (unbounded network or thread wait)" in text
    assert "    1  ASL101  wait" in text


def test_sarif_rank_and_cost_property(tmp_path: Path) -> None:
    path = write(tmp_path, MIXED)
    result = runner.invoke(
        app, ["check", "--no-cache", "--exit-zero", "--format", "sarif", str(path)]
    )
    results = json.loads(result.stdout)["runs"][0]["results"]
    ranks = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r for r in results}
    assert ranks[11]["rank"] > ranks[10]["rank"] > ranks[9]["rank"]
    assert ranks[9]["properties"]["cost"] == "metadata"
    rules = json.loads(result.stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"]: r["properties"].get("cost") for r in rules}["ASL101"] == "wait"


@pytest.mark.parametrize(
    ("url", "memory"),
    [
        ("sqlite://", True),
        ("sqlite:///", True),
        ("sqlite:///:memory:", True),
        ("sqlite+pysqlite:///:memory:", True),
        ("sqlite:///file:shared?mode=memory&cache=shared&uri=true", True),
        ("sqlite:///./app.db", False),
        ("sqlite:////var/data/app.db", False),
        ("postgresql://db/app", False),
        ("mysql+pymysql://user@db/:memory:", False),
    ],
)
def testin_memory_sqlite_urls_match_sqlalchemys_pool_choice(url: str, memory: bool) -> None:
    """The URLs SQLAlchemy gives `SingletonThreadPool` (pysqlite `_is_url_file_db` false)."""
    assert pools.in_memory_sqlite(url) is memory


SESSION_APP = """\
    from fastapi import Depends, FastAPI
    from pydantic import BaseModel
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session, sessionmaker

    app = FastAPI()
    SessionLocal = sessionmaker(bind=create_engine("postgresql://db/app"))


    class Item(BaseModel):
        id: int


    def get_db():
        db = SessionLocal()
        try:
            yield db
        finally:
            db.close()


    @app.get("/validated", response_model=Item)
    async def validated(db: Session = Depends(get_db)):
        return db.execute(select(Item)).scalar_one()


    @app.get("/raw")
    async def raw(db: Session = Depends(get_db)):
        return db.execute(select(Item)).scalar_one()
"""


def test_plain_def_is_not_advised_where_the_def_route_would_deadlock(tmp_path: Path) -> None:
    """As a plain `def`, the validated route would hold the session's connection while FastAPI
    takes a token to validate its response (ASL802): its advice and fix offload instead. The
    route without a response model may still become a plain `def`."""
    write(tmp_path, SESSION_APP)
    by_function = {f.function: f for f in run(tmp_path) if f.code == "ASL201"}
    validated, raw = by_function["validated"], by_function["raw"]
    assert "make it a plain `def`" not in validated.advice
    assert validated.fix is not None and "a plain `def`" not in validated.fix.description
    assert "make it a plain `def`" in raw.advice
    assert raw.fix is not None and "make `raw` a plain `def`" in raw.fix.description
