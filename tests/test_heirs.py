"""The byte search that finds the project files which may subclass a class."""

from __future__ import annotations

from asynclint.heirs import base_words, index


def test_bases_over_several_lines_and_with_keywords_are_found() -> None:
    source = b"class A(\n    models.Base,\n    Generic[T],\n    metaclass=Meta,\n):\n    pass\n"
    assert {"models", "Base", "Generic", "T", "metaclass", "Meta"} <= base_words(source)


def test_a_class_without_bases_or_no_class_gives_nothing() -> None:
    assert base_words(b"class A:\n    pass\n") == frozenset()
    assert base_words(b"x = 1\n") == frozenset()


def test_index_keeps_the_order_of_the_paths_and_skips_unreadable_ones() -> None:
    files = {"b.py": b"class B(Engine): ...\n", "a.py": b"class A(Engine, Mixin): ...\n"}
    found = index(["b.py", "gone.py", "a.py"], files.get)
    assert found["Engine"] == ["b.py", "a.py"] and found["Mixin"] == ["a.py"]
