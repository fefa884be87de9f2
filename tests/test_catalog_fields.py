"""The catalog fields `properties`, `decorators`, `decorator` and `callbacks`: validated by
the loader, and general (an in-house task library described in pyproject.toml works like Celery)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run

from asynclint.catalog import CatalogError, ClassEntry, FunctionEntry, parse_table
from asynclint.config import load

INFO = {"category": "queue", "why": "w", "replacement": "r", "anchor": "a"}


def test_fields_are_read() -> None:
    (cls, function) = parse_table(
        {
            "class": [
                {
                    "name": "jobs.Client",
                    "blocking": ["submit"],
                    "properties": ["status"],
                    "decorators": {"job": "jobs.Job"},
                    "callbacks": {"run": ["before_run", "check_*"]},
                    **INFO,
                }
            ],
            "function": [{"name": "jobs.job", "blocking": False, "decorator": "jobs.Job"}],
        },
        "test",
    )[::-1]
    assert isinstance(cls, ClassEntry) and cls.properties == {"status"}
    assert cls.decorators == {"job": "jobs.Job"}
    assert cls.callbacks == {"run": ("before_run", "check_*")}
    assert isinstance(function, FunctionEntry) and function.decorator == "jobs.Job"
    assert function.info is None


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        ({"name": "a.B", "blocking": ["x"], "properties": ["x"], **INFO}, "properties"),
        ({"name": "a.B", "properties": ["x.y"], **INFO}, "dotted"),
        ({"name": "a.B", "decorators": ["task"]}, "decorators"),
        ({"name": "a.B", "decorators": {"task": "not a name"}}, "decorators.task"),
        ({"name": "a.B", "callbacks": ["validate"]}, "callbacks"),
        ({"name": "a.B", "callbacks": {"validate": []}}, "callbacks.validate"),
        ({"name": "a.B", "callbacks": {"validate": ["not a name*"]}}, "callbacks.validate"),
        ({"name": "a.B", "properties": ["state"]}, "category"),  # a blocking read needs its info
    ],
)
def test_bad_class_fields(entry: dict[str, object], needle: str) -> None:
    with pytest.raises(CatalogError, match=needle):
        parse_table({"class": [entry]}, "test")


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        ({"name": "a.task", "decorator": "a.Task", **INFO}, "only for a function that does not"),
        ({"name": "a.task", "blocking": False}, "returns"),
        ({"name": "a.task", "blocking": False, "decorator": "1x"}, "decorator"),
    ],
)
def test_bad_function_fields(entry: dict[str, object], needle: str) -> None:
    with pytest.raises(CatalogError, match=needle):
        parse_table({"function": [entry]}, "test")


PYPROJECT = """\
[tool.asynclint]

[[tool.asynclint.class]]
name = "jobs.Client"
decorators = { job = "jobs.Job" }
properties = ["backlog"]
category = "queue"
why = "asks the job server"
replacement = "`await asyncio.to_thread(client.submit, job)`"
anchor = "jobs"

[[tool.asynclint.class]]
name = "jobs.Job"
blocking = ["submit"]
properties = ["status"]
safe = ["describe"]
category = "queue"
why = "sends the job to the job server and waits for it"
replacement = "`await asyncio.to_thread(job.submit)`"
anchor = "jobs"
returns = { submit = "jobs.Job" }

[[tool.asynclint.function]]
name = "jobs.job"
blocking = false
decorator = "jobs.Job"
"""

APP = """\
import jobs

client = jobs.Client()


@client.job(retries=3)
def resize(path: str) -> None:
    return None


@jobs.job
def thumbnail(path: str) -> None:
    return None


async def route(path: str) -> str:
    resize.submit(path)
    handle = thumbnail.submit(path)
    thumbnail.describe()
    resize(path)
    print(client.backlog)
    return handle.status
"""


def test_an_in_house_task_library_is_data(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "app.py").write_text(APP)
    found = run(tmp_path, load(tmp_path / "pyproject.toml"))
    assert [(f.line, f.api) for f in found] == [
        (17, "jobs.Job.submit"),
        (18, "jobs.Job.submit"),
        (21, "jobs.Client.backlog"),
        (22, "jobs.Job.status"),
    ]
    assert found[-1].message.startswith("reading `jobs.Job.status` blocks the event loop")
    assert 'asyncio.to_thread(getattr, handle, "status")' in found[-1].advice
