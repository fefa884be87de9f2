"""The summariser: what a file becomes, checked node by node (no other stage involved)."""

from __future__ import annotations

import pickle

import pytest

from asynclint.expr import (
    NONE,
    Attr,
    Await,
    BinOp,
    Call,
    Const,
    DictDisplay,
    Enter,
    IfElse,
    Iterate,
    Keyword,
    ListDisplay,
    Name,
    Or,
    Subscript,
    TypeUnion,
    source_text,
    walk,
)
from asynclint.summary import Binding, Import, SiteKind, StarImport, summarise


def value_of(source: str) -> object:
    (binding,) = summarise(f"x = {source}\n", "m.py").globals
    return binding.value


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a", Name("a")),
        ("a.b.c", Attr(Attr(Name("a"), "b"), "c")),
        ("f(1, k=v)", Call(Name("f"), (Const(1),), (Keyword("k", Name("v")),))),
        ("f(*a, **kw)", Call(Name("f"), (Name("a"),), (Keyword("**", Name("kw")),))),
        ("d[a, b]", Subscript(Name("d"), (Name("a"), Name("b")))),
        ("None", NONE),
        ("A | B", TypeUnion((Name("A"), Name("B")))),
        ("[a, (b)]", ListDisplay((Name("a"), Name("b")))),
        ("{k: v}", DictDisplay((Name("v"),))),
        # the encoder says what the source says; the resolver decides what it means
        ("a or b", Or((Name("a"), Name("b")))),
        ("a if c else None", IfElse(Name("a"), NONE)),
        ("root / 'x'", BinOp(Name("root"), "__truediv__", Const("x"))),
        ("a + b", None),
        ("lambda: 1", None),
    ],
)
def test_expressions_are_encoded_as_nodes(source: str, expected: object) -> None:
    assert value_of(source) == expected


def test_string_annotations_are_parsed() -> None:
    summary = summarise("def f(s: 'Optional[Session]'): ...\n", "m.py")
    (param,) = summary.functions["f"].params
    assert param.annotation == Subscript(Name("Optional"), (Name("Session"),))


def test_bindings_and_imports_carry_their_lines() -> None:
    summary = summarise(
        "import os.path\nimport a.b as c\nfrom .x import y as z\nfrom time import *\n"
        "v = 1\nv = w\n",
        "m.py",
    )
    assert summary.imports == (
        Import("os", 0, "os", None, 1),
        Import("c", 0, "a.b", None, 2),
        Import("z", 1, "x", "y", 3),
    )
    assert summary.star_imports == (StarImport(0, "time", 4),)
    assert summary.globals == (Binding("v", Const(1), 5), Binding("v", Name("w"), 6))
    assert summary.assigned == {"v": (Const(1), Name("w"))}


def test_with_and_for_bind_what_they_enter_and_iterate() -> None:
    summary = summarise(
        "def f():\n    with open(p) as fh:\n        pass\n    for row in rows():\n        pass\n",
        "m.py",
    )
    function = summary.functions["f"]
    assert function.assigned["fh"] == (Enter(Call(Name("open"), (Name("p"),), ())),)
    assert function.assigned["row"] == (Iterate(Call(Name("rows"), (), ())),)
    kinds = [(site.kind, site.line) for site in function.calls]
    assert (SiteKind.WITH, 2) in kinds and (SiteKind.ITER, 4) in kinds


def test_awaited_calls_are_marked() -> None:
    summary = summarise("async def f():\n    await g()\n    h()\n", "m.py")
    sites = {site.func: site.awaited for site in summary.functions["f"].calls}
    assert sites == {Name("g"): True, Name("h"): False}
    assert summary.functions["f"].awaits


def test_walk_visits_every_node_once_parent_first() -> None:
    value = Call(Attr(Name("a"), "b"), (Await(Name("c")),), (Keyword("k", Name("d")),))
    assert list(walk(value)) == [
        value,
        Attr(Name("a"), "b"),
        Name("a"),
        Await(Name("c")),
        Name("c"),
        Name("d"),
    ]


def test_summaries_survive_pickling_unchanged() -> None:
    source = (
        "from fastapi import Depends\nimport requests\n\n"
        "class Repo:\n    url: 'str' = 'x'\n    def get(self):\n"
        "        self.s = requests.Session()\n"
        "        return self.s.get(self.url, timeout=(1, 2))\n\n"
        "async def route(repo: Repo = Depends(Repo)):\n"
        "    return repo.get() or (await other()) if flag else None\n"
    )
    summary = summarise(source, "m.py")
    again = pickle.loads(pickle.dumps(summary))
    assert again == summary
    assert again.functions["route"].params == summary.functions["route"].params


def test_attribute_reads_are_recorded_once_per_chain_and_not_for_callees() -> None:
    summary = summarise(
        "import os\n"
        "def f(job, result):\n"
        "    job.result.get()\n"
        "    x = result.state\n"
        "    y = order.customer.address.city\n"
        "    z = os.environ\n"
        "    result.info = 1\n"
        "    return items[0].owner\n",
        "m.py",
    )
    reads = summary.functions["f"].read_sites
    spelled = [(site.line, source_text(site.func)) for site in reads]
    # `job.result` is the receiver of a call; `os.environ` is a module's attribute; the store
    # of `result.info` reads nothing
    assert spelled == [
        (3, "job.result"),
        (4, "result.state"),
        (5, "order.customer.address.city"),
        (8, "....owner"),
    ]
    assert {site.kind for site in reads} == {SiteKind.READ}
    assert reads[1].column == 9 and reads[1].end_column == 21


def test_a_module_that_never_spells_depends_says_so() -> None:
    # the contexts look for FastAPI dependencies only in modules whose text spells one
    plain = summarise("def f(x: int = 1):\n    return x\n", "/p/a.py")
    assert plain.depends is False
    for spelled in ("Depends(get_db)", "fastapi.Depends(get_db)", "Security(scheme)"):
        source = f"import fastapi\n\n\nasync def f(x={spelled}):\n    return x\n"
        assert summarise(source, "/p/b.py").depends is True, spelled
