"""The resolver, by table: a project's source, an expression in a scope -> what it refers to.

Each row is a small project (files by module path) and a question; the answer is a value of
`asynclint.resolve` or None (unknown, never guessed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from asynclint.cache import Summaries
from asynclint.config import Settings
from asynclint.expr import Node
from asynclint.project import Project
from asynclint.resolve import (
    ClassKey,
    Ext,
    FuncKey,
    Gen,
    Inst,
    PClass,
    PFunc,
    Resolver,
    Scope,
    Value,
)
from asynclint.summary import summarise


def resolver(tmp_path: Path, files: dict[str, str]) -> Resolver:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    paths = [tmp_path / name for name in files]
    load = Summaries(None).load
    project = Project(tmp_path, paths, load)
    for path in paths:  # the analysed files, as the engine adds them
        project.add(load(path))
    return Resolver(project, Settings().catalog())


def value_at(
    tmp_path: Path, files: dict[str, str], expression: str, function: Optional[str] = None
) -> Value:
    """``expression`` as seen at the end of ``function`` (or at module level) in main.py."""
    r = resolver(tmp_path, files)
    path = str(tmp_path / "main.py")
    node = _node(expression)
    return r.value(node, Scope(path, function))


def _node(expression: str) -> Node:
    (binding,) = summarise(f"_ = {expression}\n", "q.py").globals
    assert binding.value is not None, expression
    return binding.value


def here(tmp_path: Path, name: str = "main.py") -> str:
    return str(tmp_path / name)


CASES = [
    # imports and aliases
    ({"main.py": "import requests as r\n"}, "r.get", None, lambda t: Ext("requests.get")),
    ({"main.py": "from time import sleep as pause\n"}, "pause", None, lambda t: Ext("time.sleep")),
    # a local shadows the library
    (
        {"main.py": "import requests\ndef f():\n    requests = []\n"},
        "requests.get",
        "f",
        lambda t: None,
    ),
    # constructors and factories give instances
    (
        {"main.py": "import requests\ns = requests.Session()\n"},
        "s.get",
        None,
        lambda t: Inst("requests.Session", "get"),
    ),
    (
        {"main.py": "import psycopg2\nconn = psycopg2.connect('')\ncur = conn.cursor()\n"},
        "cur",
        None,
        lambda t: Inst("psycopg2.extensions.cursor"),
    ),
    # a project class and its method
    (
        {"main.py": "class Repo:\n    def get(self): ...\nrepo = Repo()\n"},
        "repo.get",
        None,
        lambda t: PFunc(FuncKey(here(t), "Repo.get")),
    ),
    ({"main.py": "class Repo: ...\n"}, "Repo", None, lambda t: PClass(ClassKey(here(t), "Repo"))),
    # `x = x.filter(...)` keeps the type; `x = x or Default()` takes the fallback's
    (
        {
            "main.py": "from sqlalchemy.orm import Session\n"
            "def f(s: Session):\n    q = s.query(A)\n    q = q.filter(b)\n"
        },
        "q",
        "f",
        lambda t: Inst("sqlalchemy.orm.Query"),
    ),
    (
        {"main.py": "import requests\ndef f(c=None):\n    c = c or requests.Session()\n"},
        "c",
        "f",
        lambda t: Inst("requests.Session"),
    ),
    # two different assignments: unknown, never guessed
    (
        {"main.py": "import requests, httpx\nc = requests.Session()\nc = httpx.Client()\n"},
        "c",
        None,
        lambda t: None,
    ),
    # the Depends provider beats a contradicting annotation, the annotation a vaguer provider
    (
        {
            "main.py": "from fastapi import Depends\nfrom sqlalchemy.orm import Session\n"
            "from sqlalchemy.ext.asyncio import AsyncSession\n"
            "async def get_s() -> AsyncSession: ...\n"
            "async def route(s: Session = Depends(get_s)): ...\n"
        },
        "s",
        "route",
        lambda t: Inst("sqlalchemy.ext.asyncio.AsyncSession"),
    ),
    (
        {
            "main.py": "from fastapi import Depends\n"
            "class Base: ...\nclass Users(Base): ...\n"
            "def provide() -> Base: ...\n"
            "async def route(u: Users = Depends(provide)): ...\n"
        },
        "u",
        "route",
        lambda t: Inst(ClassKey(here(t), "Users")),
    ),
    # `class_=` tells a factory what to build: not its default product
    (
        {
            "main.py": "from sqlalchemy.orm import sessionmaker\n"
            "from sqlalchemy.ext.asyncio import AsyncSession\n"
            "Maker = sessionmaker(class_=AsyncSession)\ns = Maker()\n"
        },
        "s",
        None,
        lambda t: None,
    ),
    # `Path / name` is a Path (the catalog's `__truediv__`)
    (
        {"main.py": "from pathlib import Path\nBASE = Path('/srv')\n"},
        "BASE / 'a' / 'b'",
        None,
        lambda t: Inst("pathlib.Path"),
    ),
    # star imports of a library resolve through the catalog
    ({"main.py": "from time import *\n"}, "sleep", None, lambda t: Ext("time.sleep")),
    # attributes a catalog class describes: a property, and any other name via `__getattr__`
    (
        {"main.py": "from pathlib import Path\nHERE = Path(__file__).resolve().parent\n"},
        "HERE.parents[1] / 'data'",
        None,
        lambda t: Inst("pathlib.Path"),
    ),
    (
        {"main.py": "from pymongo import MongoClient\nclient = MongoClient()\n"},
        "client.app.users",
        None,
        lambda t: Inst("pymongo.collection.Collection"),
    ),
    (
        {"main.py": "from pymongo import MongoClient\nclient = MongoClient()\n"},
        "client['app'].users.find_one",
        None,
        lambda t: Inst("pymongo.collection.Collection", "find_one"),
    ),
    # a listed method is not an attribute `__getattr__` answers; a private name is refused
    (
        {"main.py": "from pymongo import MongoClient\nclient = MongoClient()\n"},
        "client.close",
        None,
        lambda t: Inst("pymongo.MongoClient", "close"),
    ),
    (
        {"main.py": "from pymongo import MongoClient\nclient = MongoClient()\n"},
        "client._topology",
        None,
        lambda t: Inst("pymongo.MongoClient", "_topology"),
    ),
    # tuples: returned, unpacked, indexed
    (
        {
            "main.py": "import requests\n"
            "def make():\n    return requests.Session(), 'name'\n"
            "def f():\n    session, name = make()\n"
        },
        "session",
        "f",
        lambda t: Inst("requests.Session"),
    ),
    (
        {
            "main.py": "import requests\n"
            "def make():\n    return requests.Session(), 'name'\n"
            "def f():\n    session, name = make()\n"
        },
        "name",
        "f",
        lambda t: None,
    ),
    (
        {"main.py": "import requests\npair = (1, requests.Session())\n"},
        "pair[1]",
        None,
        lambda t: Inst("requests.Session"),
    ),
    (
        {"main.py": "import requests\ndef f():\n    head, *rest = [requests.Session(), 1, 2]\n"},
        "rest",
        "f",
        lambda t: None,
    ),
    # a sync generator's call is a generator, not what it yields
    (
        {"main.py": "def rows():\n    yield 1\ng = rows()\n"},
        "g",
        None,
        lambda t: Gen(FuncKey(here(t), "rows")),
    ),
    # `state` values: typed where they are set, on an app or a request
    (
        {
            "main.py": "import redis\nfrom fastapi import FastAPI, Request\napp = FastAPI()\n"
            "async def startup():\n    app.state.cache = redis.Redis()\n"
            "async def route(request: Request): ...\n"
        },
        "request.app.state.cache",
        "route",
        lambda t: Inst("redis.Redis"),
    ),
    # ... but not on an object of the project's own that happens to have a `state`
    (
        {
            "main.py": "import redis\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "app.state.cache = redis.Redis()\n"
            "class Game:\n    def __init__(self):\n        self.state = None\n"
            "game = Game()\n"
        },
        "game.state.cache",
        None,
        lambda t: None,
    ),
]


# (source of main.py, expression, function, line it is read at, expected)
FLOW = (
    "import requests\n"  # 1
    "class Memory: ...\n"  # 2
    "def f(flag):\n"  # 3
    "    c = requests.Session()\n"  # 4
    "    x = 1\n"  # 5
    "    c = Memory()\n"  # 6
    "    x = 2\n"  # 7
    "    if flag:\n"  # 8
    "        c = requests.Session()\n"  # 9
    "        x = 3\n"  # 10
    "    else:\n"  # 11
    "        x = 4\n"  # 12
    "        c = requests.Session()\n"  # 13
    "    x = 5\n"  # 14
    "    for i in flag:\n"  # 15
    "        c = Memory()\n"  # 16
    "    x = 6\n"  # 17
)
FLOW_CASES = [
    (5, lambda t: Inst("requests.Session")),  # the first binding only
    (7, lambda t: Inst(ClassKey(here(t), "Memory"))),  # replaced on line 6
    (10, lambda t: Inst("requests.Session")),  # inside the `if` arm
    (12, lambda t: Inst(ClassKey(here(t), "Memory"))),  # the `else` arm: line 9 excluded
    (14, lambda t: Inst("requests.Session")),  # both arms agree
    (17, lambda t: None),  # the loop may or may not have replaced it: no agreement
    (0, lambda t: None),  # anywhere in the function: the bindings disagree
]


@pytest.mark.parametrize("case", FLOW_CASES, ids=lambda c: str(c[0]))
def test_flow_sensitive_locals(tmp_path: Path, case: tuple) -> None:  # type: ignore[type-arg]
    line, expected = case
    r = resolver(tmp_path, {"main.py": FLOW})
    assert r.value(_node("c"), Scope(here(tmp_path), "f", line)) == expected(tmp_path)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[1])
def test_resolution_table(tmp_path: Path, case: tuple) -> None:  # type: ignore[type-arg]
    files, expression, function, expected = case
    assert value_at(tmp_path, files, expression, function) == expected(tmp_path)


def test_relative_import_of_a_project_function(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/db.py": "def get_db(): ...\n",
        "pkg/main.py": "from .db import get_db\n",
    }
    r = resolver(tmp_path, files)
    found = r.value(_node("get_db"), Scope(str(tmp_path / "pkg" / "main.py"), None))
    assert found == PFunc(FuncKey(str(tmp_path / "pkg" / "db.py"), "get_db"))


def test_memo_is_not_poisoned_by_a_cut_cycle(tmp_path: Path) -> None:
    # `a` and `b` refer to each other, then `c` is asked directly: the answer for `c` must not
    # depend on whether a cycle through it was cut earlier
    files = {"main.py": "import requests\na = b\nb = a\nc = requests.Session()\nd = c\n"}
    r = resolver(tmp_path, files)
    scope = Scope(str(tmp_path / "main.py"), None)
    assert r.value(_node("a"), scope) is None
    assert r.value(_node("d"), scope) == Inst("requests.Session")
