"""The remedy fits the code: what cannot become async is never asked to, a `with` block is
moved whole, an offload names a callable, and FastAPI code is told which pool it runs on."""

from __future__ import annotations

import re
from pathlib import Path
from textwrap import dedent

import pytest
from conftest import FIXTURES, run

from asynclint import advice
from asynclint.callgraph import Api
from asynclint.catalog import Info
from asynclint.fastapi_model import Context, ContextKind
from asynclint.findings import Finding, Hop
from asynclint.summary import FunctionSummary, summarise

EXAMPLES = Path(__file__).parent.parent / "examples"
HTTPX = "`httpx.AsyncClient` (`await client.get(url)`)"


def _advice(fixture: Path) -> dict[int, Finding]:
    return {f.line: f for f in run(fixture)}


def _functions(source: str) -> dict[str, FunctionSummary]:
    return summarise(dedent(source), "m.py").functions


# -- fixtures: the advice at each call ------------------------------------------------------


def test_with_block_is_moved_whole_or_entered_with_async_with() -> None:
    found = _advice(FIXTURES / "rules" / "advice.py")
    assert found[67].advice == (
        "move the whole `with` block into a new plain function `postgres_session_block` and "
        "run it with `await asyncio.to_thread(postgres_session_block, ...)`"
    )
    assert found[69].advice == (
        "enter it with `async with` (its class defines `__aenter__`/`__aexit__`)"
    )


def test_a_chain_through_a_dunder_is_offloaded_never_made_async() -> None:
    found = _advice(FIXTURES / "rules" / "advice.py")
    # build_report -> Report.__post_init__ -> requests.get
    assert found[73].advice == "offload it with `await asyncio.to_thread(build_report, ...)`"
    # Client.__init__ -> Client.connect -> requests.get: `connect` alone cannot become async
    assert (
        found[74].advice == "offload the construction with `await asyncio.to_thread(Client, ...)`"
    )
    # a cached function made async would cache a coroutine, awaited at most once
    assert found[77].advice == "offload it with `await asyncio.to_thread(remote_settings, ...)`"


def test_iteration_is_collected_in_a_worker_thread() -> None:
    found = _advice(FIXTURES / "rules" / "advice.py")
    assert found[75].message.startswith("iterating `Feed` (its `__iter__`) blocks the event loop")
    assert (
        found[75].advice
        == "collect it in a worker thread with `await asyncio.to_thread(list, Feed())`"
    )
    generator = _advice(FIXTURES / "rules" / "interprocedural.py")[81]
    assert generator.advice == (
        "collect it in a worker thread with `await asyncio.to_thread(list, rows())`, or make "
        f"`rows` an async generator, iterate it with `async for` and use {HTTPX} there"
    )


def test_constructors_offload_the_class() -> None:
    found = _advice(FIXTURES / "rules" / "interprocedural.py")
    assert (
        found[73].advice == "offload the construction with `await asyncio.to_thread(Profile, ...)`"
    )
    assert (
        found[74].advice == "offload the construction with `await asyncio.to_thread(Uploader, ...)`"
    )
    assert found[76].advice.startswith("move the whole `with` block into a new plain function")
    assert found[78].advice == (
        "move the whole `with` block into a new plain function `timed_block` and run it with "
        "`await asyncio.to_thread(timed_block, ...)`, or make `timed` an "
        "`@asynccontextmanager`, enter it with `async with` and use `await asyncio.sleep(...)` "
        "there"
    )


def test_a_chain_names_the_last_project_function_and_the_others_it_reaches() -> None:
    found = _advice(FIXTURES / "rules" / "interprocedural.py")
    assert found[72].advice == (
        f"offload it with `await asyncio.to_thread(level1, ...)`, or make `level3` async and "
        f"use {HTTPX} there"
    )
    per_code = _advice(FIXTURES / "rules" / "per_code.py")
    assert per_code[34].message == (
        "`stat_then_upload` blocks the event loop in async function `route`: it reaches "
        "`requests.post` and 1 other blocking API (`os.path.getsize`)"
    )
    assert per_code[30].message.endswith("it reaches `time.sleep`")  # requests.get silenced


def test_the_placeholder_offload_of_the_catalog_is_filled_in() -> None:
    found = _advice(FIXTURES / "rules" / "waits.py")
    assert found[35].advice.endswith("or `await asyncio.to_thread(path.read_text, ...)`")
    assert found[37].advice.endswith("or `await asyncio.to_thread(os.listdir, ...)`")


def test_opening_a_with_block_offloads_the_block_not_the_open() -> None:
    found = {(Path(f.path).name, f.line): f for f in run(EXAMPLES) if f.path.endswith("users.py")}
    opened = found[("users.py", 60)].advice
    assert opened.startswith("use `aiofiles.open` (`async with aiofiles.open(path) as f: ")
    assert "or move the whole `with` block into a new plain function `open_block`" in opened
    assert "to_thread(open," not in opened


def test_a_plain_def_the_loop_calls_is_made_async_before_it_awaits() -> None:
    found = _advice(FIXTURES / "rules" / "contexts.py")
    assert found[26].advice == (
        f"`warm_up` runs on the event loop: make it an `async def` and use {HTTPX}"
    )


# -- FastAPI: which pool ----------------------------------------------------------------------


def test_fastapi_offloads_say_which_pool_once() -> None:
    findings = run(EXAMPLES)
    offloading = [f for f in findings if "asyncio.to_thread(" in f.advice]
    assert offloading
    for finding in offloading:
        assert finding.advice.count(advice.POOL_NOTE) == 1, finding.advice
        assert "run_in_threadpool(" not in finding.advice  # one default form
    (cover,) = [f for f in findings if f.line == 80 and f.path.endswith("books.py")]
    assert cover.advice == (
        "`upload_book_cover` awaits nothing: make it a plain `def` and FastAPI runs it in its "
        "threadpool, or offload it with `await asyncio.to_thread(attach_cover, ...)` (the "
        "loop's default executor, `min(32, cpu + 4)` threads; `run_in_threadpool` uses the "
        "app's 40-thread AnyIO pool), or make `upload_cover` async and use `aioboto3` "
        "(`async with session.client(...) as client: await client.get_object(...)`) there"
    )


def test_plain_asyncio_code_gets_no_pool_note() -> None:
    for finding in run(FIXTURES / "rules" / "advice.py"):
        assert "AnyIO" not in finding.advice


# -- pure functions -------------------------------------------------------------------------

_SOURCE = """
import functools
from dataclasses import dataclass
from pydantic import BaseModel, field_validator

class Thing:
    def __init__(self): ...
    def __call__(self): ...
    @property
    def size(self): ...
    @functools.cached_property
    def body(self): ...
    @size.setter
    def size(self, value): ...
    async def already(self): ...
    def plain(self): ...

class Model(BaseModel):
    @field_validator("x")
    def check(cls, v): ...
    def model_post_init(self, context): ...

@functools.lru_cache(maxsize=8)
def settings(): ...
"""


@pytest.mark.parametrize(
    "qualname, why",
    [
        ("Thing.__init__", "a dunder"),
        ("Thing.__call__", ""),  # `async def __call__` is awaited by `await thing()`
        ("Thing.size", "a property"),
        ("Thing.body", "a property"),
        ("Thing.already", "already async"),
        ("Thing.plain", ""),
        ("Model.check", "a validator"),
        ("Model.model_post_init", "a hook"),
        ("settings", "cached"),
    ],
)
def test_what_can_become_async(qualname: str, why: str) -> None:
    functions = _functions(_SOURCE)
    function = functions.get(qualname) or next(
        f for q, f in functions.items() if q.startswith(qualname + "@")
    )
    assert advice.step(qualname, function).why_sync == why


def _facts(steps: list[advice.Step], **kwargs: object) -> advice.Facts:
    info = Info("http", "waits on the network", HTTPX, "http", "http.toml")
    function = _functions("async def handler():\n    await x()\n")["handler"]
    context = Context(ContextKind.ASYNC_FUNCTION, "`handler`", False)
    hops = [Hop(s.name, "m.py", 1, 1) for s in steps]
    return advice.Facts(
        Api("requests.get", info),
        function,
        context,
        hops,
        steps,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_property_on_the_chain_is_never_made_async() -> None:
    steps = [advice.Step("load"), advice.Step("Thing.data", "a property")]
    assert advice.remedy(_facts(steps, callee="load")) == (
        "offload it with `await asyncio.to_thread(load, ...)`"
    )
    plain = [advice.Step("load"), advice.Step("fetch")]
    assert "make `fetch` async" in advice.remedy(_facts(plain, callee="load"))


def test_a_callee_that_is_not_a_callable_expression_is_wrapped_in_a_function() -> None:
    steps = [advice.Step("make")]
    text = advice.remedy(_facts(steps, callee="make()"))
    assert text.startswith(
        "move the call into a new plain function `make_block` and offload it with "
        "`await asyncio.to_thread(make_block, ...)`"
    )


@pytest.mark.parametrize(
    "text, ok",
    [
        ("attach_cover", True),
        ("svc.create", True),
        ("UserService(db).lookup", True),
        ("handlers[kind]", True),
        ("Transaction()", False),
        ("rows(conn)", False),
        ("UserService(...).lookup", False),
        ("Session.__exit__", False),
        ("a +", False),
    ],
)
def test_callable_expression(text: str, ok: bool) -> None:
    assert advice.callable_expression(text) is ok


def test_every_message_and_advice_keeps_the_style() -> None:
    for finding in [*run(FIXTURES / "rules" / "advice.py"), *run(EXAMPLES)]:
        for text in (finding.message, finding.advice):
            assert not text.endswith("."), text
            assert text.count("`") % 2 == 0, text
            assert not re.search(r"\.\s+[A-Z]", text.replace("e.g. ", "")), text


def test_an_awaited_plain_def_is_never_made_async_nor_offloaded_as_is(tmp_path: Path) -> None:
    # `await fetch(url)`: a decorator makes `fetch` a coroutine function already, so
    # `to_thread(fetch, ...)` would return an un-awaited coroutine
    (tmp_path / "deco.py").write_text(
        dedent(
            """
            import asyncio
            import functools
            import requests

            def threaded(fn):
                @functools.wraps(fn)
                async def wrapper(*args, **kwargs):
                    return fn(*args, **kwargs)
                return wrapper

            @threaded
            def fetch(url):
                return requests.get(url)

            async def route(url):
                await fetch(url)
            """
        )
    )
    for finding in run(tmp_path):
        assert "make `fetch` async" not in finding.advice
        assert "to_thread(fetch" not in finding.advice
        assert finding.advice.startswith("`fetch` is awaited, so its decorator returns a coroutine")


def test_the_message_counts_the_other_blocking_apis() -> None:
    others = [("ASL501", "time.sleep"), ("ASL301", "os.stat"), ("ASL701", "bcrypt.hashpw")]
    chain = "`sync` blocks the event loop in route `GET /`: it reaches `requests.get`"
    assert (
        advice.with_others(chain, others[:1]) == f"{chain} and 1 other blocking API (`time.sleep`)"
    )
    assert advice.with_others(chain, others) == (
        f"{chain} and 3 other blocking APIs (`time.sleep`, `os.stat`, …)"
    )
    direct = "`threading.Lock.__enter__` blocks the event loop in route `GET /`"
    assert advice.with_others(direct, others[:1]) == (
        f"{direct}, and the call reaches 1 other blocking API (`time.sleep`)"
    )
    assert advice.with_others(direct, []) == direct
