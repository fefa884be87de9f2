"""The message names where the call runs: route, dependency, middleware, lifespan …"""

from __future__ import annotations

from conftest import FIXTURES, run


def labels(name: str) -> dict[int, str]:
    return {f.line: f.context for f in run(FIXTURES / "rules" / name)}


def test_each_kind_of_loop_function_is_named() -> None:
    assert labels("labels.py") == {
        11: "lifespan `lifespan`",
        20: "dependency `current_user`",
        25: "route `GET,POST /v1/things`",
        30: "websocket `/ws`",
        36: "middleware `Timing.dispatch`",
        41: "route `PUT /added`",
    }


def test_route_prefix_event_handlers_and_plain_functions() -> None:
    found = labels("contexts.py")
    assert found[20] == "route `GET /items/slow/{item_id}`"
    assert found[26] == "startup handler `warm_up`"
    assert found[31] == "shutdown handler `close`"
    assert found[51] == "middleware `log_requests`"
    assert found[57] == "exception handler `on_value_error`"
    assert found[61] == "`startup_task`"
    assert found[65] == "startup handler `lifespan_sync_helper`"


def test_message_says_where_and_advice_fits() -> None:
    (finding,) = [f for f in run(FIXTURES / "rules" / "labels.py") if f.line == 20]
    assert finding.message == ("`time.sleep` blocks the event loop in dependency `current_user`")
    # it awaits nothing and FastAPI calls it: a plain def would run in the threadpool
    assert finding.advice.startswith("`current_user` awaits nothing: make it a plain `def`")


def test_include_router_prefixes_are_part_of_the_route() -> None:
    found = {
        (f.path.rsplit("/", 1)[-1], f.line): f.context
        for f in run(FIXTURES / "projects" / "layered")
    }
    assert found[("users.py", 17)] == "route `POST /api/v1/users`"
    assert found[("users.py", 30)] == "route `GET /api/v1/users/{user_id}/profile`"


def test_registered_exception_handler_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "main.py").write_text(
        "import time\nfrom fastapi import FastAPI\n\n\nasync def boom(request, exc):\n"
        "    time.sleep(1)\n\n\nasync def other(request, exc):\n    time.sleep(1)\n\n\n"
        "app = FastAPI(exception_handlers={KeyError: boom})\n"
        "app.add_exception_handler(ValueError, other)\n"
    )
    assert {f.line: f.context for f in run(tmp_path)} == {
        6: "exception handler `boom`",
        10: "exception handler `other`",
    }
