"""The CPU side of an I/O class in the catalog: `cpu = { methods, in_memory, why, replacement }`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from asynclint.catalog import CatalogError, ClassEntry, build, load_builtin, parse_table
from asynclint.cli import app

BASE = {
    "name": "imaging.Image",
    "blocking": ["save"],
    "category": "file",
    "why": "writes the file",
    "replacement": "offload it",
    "anchor": "imaging",
}
CPU = {"methods": ["resize"], "in_memory": ["save"], "why": "resamples", "replacement": "offload"}


def _entry(**cpu: object) -> ClassEntry:
    (entry,) = parse_table({"class": [{**BASE, "cpu": {**CPU, **cpu}}]}, "test")
    assert isinstance(entry, ClassEntry)
    return entry


def test_the_cpu_table_gives_methods_their_own_category() -> None:
    cpu = _entry().cpu
    assert cpu is not None
    assert cpu.methods == {"resize"} and cpu.in_memory == {"save"}
    assert (cpu.info.category, cpu.info.code, cpu.info.anchor) == ("cpu", "ASL701", "imaging")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"methods": ["save"]}, "`methods` repeats blocking or safe method"),
        ({"in_memory": ["resize"]}, "`in_memory` names method(s) that are not blocking"),
        ({"why": ""}, "needs `why`"),
        ({"colour": 1}, "unknown key(s) colour"),
        ({"methods": [], "in_memory": []}, "names no method"),
    ],
)
def test_a_malformed_cpu_table_names_the_problem(change: dict[str, object], message: str) -> None:
    with pytest.raises(CatalogError, match=r"field `cpu`") as raised:
        _entry(**change)
    assert message in str(raised.value)


def test_allow_listing_a_cpu_method_removes_it() -> None:
    catalog = build([[_entry()]]).without(["imaging.Image.resize"])
    entry = catalog.cls("imaging.Image")
    assert entry is not None and entry.cpu is not None and entry.cpu.methods == frozenset()
    assert entry.cpu.in_memory == {"save"}


def test_the_listing_shows_the_cpu_side_of_pillow() -> None:
    runner = CliRunner()
    text = runner.invoke(app, ["catalog"]).output
    assert "ASL701  PIL.Image.Image (convert, filter," in text
    assert "save in memory)" in text
    rows = json.loads(runner.invoke(app, ["catalog", "--format", "json"]).output)
    pil = next(row for row in rows if row["name"] == "PIL.Image.Image")
    assert pil["cpu"]["code"] == "ASL701" and "thumbnail" in pil["cpu"]["methods"]


def test_the_builtin_pillow_entry_has_its_cpu_side() -> None:
    entry = load_builtin().cls("PIL.Image.Image")
    assert entry is not None and entry.cpu is not None
    assert {"thumbnail", "resize"} <= entry.cpu.methods and "save" in entry.cpu.in_memory
