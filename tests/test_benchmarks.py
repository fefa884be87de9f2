"""The synthetic monorepo the scale benchmark runs on is what it says it is."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from conftest import run

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))

from monorepo import FILES_PER_SERVICE, generate


def test_generates_the_asked_size_deterministically(tmp_path: Path) -> None:
    count = generate(tmp_path / "a", 2 * FILES_PER_SERVICE)
    generate(tmp_path / "b", 2 * FILES_PER_SERVICE)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.py"))
    assert count == len(files) == 2 * FILES_PER_SERVICE
    a, b = tmp_path / "a", tmp_path / "b"
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    texts = [(tmp_path / "a" / f).read_bytes() for f in files if f.name != "__init__.py"]
    assert len(set(texts)) == len(texts)  # no two files share a summary


def test_every_service_blocks_where_its_routes_reach_sync_drivers(tmp_path: Path) -> None:
    generate(tmp_path, 2 * FILES_PER_SERVICE)
    findings = run(tmp_path)
    # per router: show, catalogue and create reach the sync Session, quote reaches requests;
    # the `def` export route runs in the threadpool and the normalise route blocks on nothing
    assert Counter(f.code for f in findings) == {"ASL201": 2 * 10 * 3, "ASL101": 2 * 10}
    quote = next(f for f in findings if f.code == "ASL101")
    assert [hop.function for hop in quote.chain] == [
        "Service0x0.quote",
        "Repository0x0.fetch_price",
    ]
