"""The other frameworks' execution models: which handlers run on the loop, how findings name
them, and the framework's own remedy (docs/execution-model.md#other-frameworks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run
from test_flake8_plugin import cli_findings, flake8_findings

from asynclint.fastapi_model import can_reach_loop


def contexts(name: str) -> dict[int, str]:
    return {f.line: f.context for f in run(FIXTURES / "rules" / name)}


def test_each_framework_names_its_handlers() -> None:
    assert contexts("fw_starlette.py") == {
        22: "Starlette route `/`",
        38: "Starlette endpoint `Users.get`",
        48: "Starlette websocket endpoint `Echo.on_receive`",
        53: "middleware `Timing.dispatch`",
        59: "lifespan `lifespan`",
    }
    assert contexts("fw_litestar.py") == {
        17: "Litestar dependency `load_settings`",
        28: "Litestar route `GET /sync`",
        38: "Litestar route `POST /items`",
        53: "Litestar route `GET /users/{user_id:int}`",
        61: "startup handler `warm_up`",
    }
    assert contexts("fw_quart.py") == {
        20: "Quart route `GET,POST /`",
        35: "Quart route `GET /users/<int:user_id>`",
        41: "Quart before request hook `authenticate`",
        51: "Quart websocket `/ws`",
    }
    assert contexts("fw_aiohttp.py") == {
        19: "aiohttp route `GET /`",
        28: "aiohttp route `POST /sync`",
        33: "aiohttp route `health`",
        38: "aiohttp route `legacy`",
        49: "aiohttp view `Users.get`",
        55: "aiohttp middleware `timing`",
    }
    assert contexts("fw_faststream.py") == {20: "FastStream subscriber `handle_order` of `orders`"}
    found = contexts("fw_django.py")
    assert found[27] == "Django view `index`"
    assert found[53] == "Django view `ArticleView.get`"


def test_a_litestar_plain_def_handler_is_told_about_sync_to_thread() -> None:
    by_line = {f.line: f for f in run(FIXTURES / "rules" / "fw_litestar.py")}
    advice = by_line[28].advice
    assert advice.startswith(
        "`sync_handler` runs on the event loop: pass `sync_to_thread=True` to its registration "
        "so Litestar runs `sync_handler` in a worker thread, or make it an `async def` and "
    )
    # a fix that inserts `await` into a plain `def` would not compile
    assert by_line[17].fix is None and by_line[28].fix is None
    # an async handler gets the ordinary advice and fix
    assert by_line[38].advice == "use `await asyncio.sleep(...)`" and by_line[38].fix is not None


def test_an_aiohttp_plain_def_handler_is_told_to_become_async() -> None:
    by_line = {f.line: f for f in run(FIXTURES / "rules" / "fw_aiohttp.py")}
    expected = "`sync_index` runs on the event loop: make it an `async def`"
    assert by_line[28].advice.startswith(expected)


def test_django_orm_advice_names_the_async_twins() -> None:
    by_line = {f.line: f for f in run(FIXTURES / "rules" / "fw_django.py")}
    assert by_line[27].api == "django.db.models.Manager.get"
    assert "`await Model.objects.aget(...)`" in by_line[27].advice
    assert by_line[29].api == "django.db.models.QuerySet.__iter__"
    assert "`async for obj in qs`" in by_line[29].advice
    assert "`await obj.asave()`" in by_line[32].advice


def test_files_that_can_hold_a_sync_handler_on_the_loop_are_read() -> None:
    # no `async def`, no FastAPI: only the import says a plain `def` may run on the loop
    assert can_reach_loop(b"from litestar import get\n\n@get('/')\ndef index() -> str: ...\n")
    assert not can_reach_loop(b"# litestar and aiohttp are only words here\ndef f(): ...\n")
    assert not can_reach_loop(b"from quart import Quart\n\ndef index(): ...\n")
    # aiohttp's plain `def` handlers are deprecated: its files are read for their `async def`
    assert not can_reach_loop(b"from aiohttp import web\n\ndef index(request): ...\n")


def test_a_module_without_async_def_is_analysed_across_modules() -> None:
    found = sorted(
        (Path(f.path).name, f.line, f.context) for f in run(FIXTURES / "projects" / "litestar_app")
    )
    assert found == [
        ("app.py", 9, "Litestar dependency `default_price`"),
        ("handlers.py", 9, "Litestar route `GET /price/{sku:str}`"),
    ]


def test_flake8_sees_the_same_framework_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "litestar_app"
    shutil.copytree(FIXTURES / "projects" / "litestar_app", root)
    from_cli = cli_findings(root, monkeypatch)
    assert len(from_cli) == 2
    assert flake8_findings(root, monkeypatch) == from_cli


def test_an_offload_decorator_runs_the_body_in_a_thread(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text(
        "import time\nfrom asgiref.sync import sync_to_async\n\n\n"
        "@sync_to_async\ndef slow():\n    time.sleep(1)\n\n\n"
        "@sync_to_async(thread_sensitive=False)\ndef slower():\n    time.sleep(1)\n\n\n"
        "def plain():\n    time.sleep(1)\n\n\n"
        "async def view(request):\n    await slow()\n    await slower()\n    plain()\n"
    )
    assert [(f.line, f.code) for f in run(tmp_path)] == [(22, "ASL501")]
