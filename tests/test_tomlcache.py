"""The parsed-TOML cache: the built-in catalog's documents come back from JSON when the same
bytes were parsed before, and anything wrong with the cache only means parsing again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from asynclint import tomlcache
from asynclint.catalog import CatalogError, _parse_toml, builtin_rules_dir, load_builtin


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))
    return tmp_path / "home" / "asynclint" / "toml"


class Counting:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, path: Path, data: bytes) -> dict[str, Any]:
        self.calls.append(path.name)
        return _parse_toml(path, data)


def sources(*texts: str) -> list[tuple[Path, bytes]]:
    return [(Path(f"f{i}.toml"), text.encode()) for i, text in enumerate(texts)]


def test_the_same_bytes_are_parsed_once() -> None:
    parse = Counting()
    first = tomlcache.parsed(sources("a = 1", "[b]\nc = [1.5, 'x']"), parse)
    second = tomlcache.parsed(sources("a = 1", "[b]\nc = [1.5, 'x']"), parse)
    assert first == second == [{"a": 1}, {"b": {"c": [1.5, "x"]}}]
    assert parse.calls == ["f0.toml", "f1.toml"]


def test_changed_bytes_are_parsed_again() -> None:
    parse = Counting()
    tomlcache.parsed(sources("a = 1"), parse)
    assert tomlcache.parsed(sources("a = 2"), parse) == [{"a": 2}]
    assert parse.calls == ["f0.toml", "f0.toml"]


def test_a_corrupt_entry_is_parsed_again_and_replaced(cache_home: Path) -> None:
    parse = Counting()
    tomlcache.parsed(sources("a = 1"), parse)
    (entry,) = cache_home.glob("*.json")
    entry.write_text("{not json", encoding="utf-8")
    assert tomlcache.parsed(sources("a = 1"), parse) == [{"a": 1}]
    assert tomlcache.parsed(sources("a = 1"), parse) == [{"a": 1}]
    assert parse.calls == ["f0.toml", "f0.toml"]


def test_a_document_json_cannot_hold_is_not_cached(cache_home: Path) -> None:
    parse = Counting()
    assert tomlcache.parsed(sources("when = 2024-01-02"), parse)[0]["when"].year == 2024
    assert not list(cache_home.glob("*.json"))


def test_a_cache_home_that_cannot_hold_entries_still_parses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    parse = Counting()
    assert tomlcache.parsed(sources("a = 1"), parse) == [{"a": 1}]
    assert tomlcache.parsed(sources("a = 1"), parse) == [{"a": 1}]
    assert parse.calls == ["f0.toml", "f0.toml"]


def test_a_file_that_does_not_parse_is_an_error_and_caches_nothing(cache_home: Path) -> None:
    with pytest.raises(CatalogError, match=r"f0\.toml: not valid TOML"):
        tomlcache.parsed(sources("a = "), Counting())
    assert not cache_home.exists() or not list(cache_home.glob("*.json"))


def test_old_entries_are_pruned(cache_home: Path) -> None:
    for value in range(tomlcache.KEEP + 3):
        tomlcache.parsed(sources(f"a = {value}"), Counting())
    assert len(list(cache_home.glob("*.json"))) == tomlcache.KEEP


def test_the_builtin_catalog_from_the_cache_is_the_catalog_from_toml(cache_home: Path) -> None:
    parsed = load_builtin()
    assert len(list(cache_home.glob("*.json"))) == 1
    cached = load_builtin()
    assert cached.functions == parsed.functions
    assert cached.classes == parsed.classes
    assert len(list(builtin_rules_dir().glob("*.toml"))) > 1
