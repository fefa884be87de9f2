"""The garbage collector runs less often while asynclint works, and is as it was after."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from asynclint import engine
from asynclint.collector import THRESHOLDS, fewer_collections
from asynclint.config import Settings


@pytest.fixture(autouse=True)
def default_thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_thresholds_are_raised_inside_and_restored_after() -> None:
    with fewer_collections():
        assert gc.get_threshold() == THRESHOLDS
    assert gc.get_threshold() == (700, 10, 10)


def test_nested_blocks_restore_only_when_the_outermost_ends() -> None:
    with fewer_collections():
        with fewer_collections():
            pass
        assert gc.get_threshold() == THRESHOLDS
    assert gc.get_threshold() == (700, 10, 10)


def test_restored_when_the_work_fails() -> None:
    with pytest.raises(ValueError), fewer_collections():
        raise ValueError
    assert gc.get_threshold() == (700, 10, 10)


def test_a_collector_turned_off_stays_off() -> None:
    gc.set_threshold(0)
    with fewer_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0


def test_higher_thresholds_chosen_by_the_user_are_kept() -> None:
    gc.set_threshold(500_000, 50, 50)
    with fewer_collections():
        assert gc.get_threshold() == (500_000, 50, 50)


def test_a_check_leaves_the_process_as_it_found_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app.py").write_text("import time\n\nasync def f():\n    time.sleep(1)\n")
    seen: list[tuple[int, ...]] = []
    original = engine._analyse

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_threshold())
        return original(*args, **kwargs)

    monkeypatch.setattr(engine, "_analyse", spy)
    report = engine.check([tmp_path / "app.py"], tmp_path, Settings())
    assert [f.code for f in report.findings] == ["ASL501"]
    assert seen == [THRESHOLDS]
    assert gc.get_threshold() == (700, 10, 10)
