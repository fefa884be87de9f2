from __future__ import annotations

import dataclasses
import json
from typing import Any

import reporter_samples as samples
from reporter_samples import DIRECT, ROOT

from asynclint import __version__
from asynclint.findings import Finding
from asynclint.reporters import FORMATS, json_format

# the same chained finding, with one more hop cut from its chain
CHAINED = dataclasses.replace(samples.CHAINED, chain_cut=1)


def load(findings: list[Finding]) -> dict[str, Any]:
    text = json_format.render(findings, root=ROOT)
    assert text.endswith("\n")
    data: dict[str, Any] = json.loads(text)
    return data


def test_registered_as_json() -> None:
    assert FORMATS["json"] is json_format.render


def test_shape() -> None:
    data = load([CHAINED, DIRECT])
    assert list(data) == ["version", "tool", "findings", "summary"]
    assert data["version"] == 1
    assert data["tool"] == {"name": "asynclint", "version": __version__}
    assert data["summary"] == {
        "count": 2,
        "files": 2,
        "by_code": {"ASL101": 1, "ASL301": 1},
        "by_cost": {},
    }
    # sorted by path: "app dir/..." < "app/..."
    assert [finding["code"] for finding in data["findings"]] == ["ASL101", "ASL301"]


def test_direct_finding() -> None:
    [finding] = load([DIRECT])["findings"]
    assert finding == {
        "code": "ASL101",
        "name": "blocking-http-call",
        "severity": "error",
        "path": "app dir/café.py",
        "line": 12,
        "column": 12,
        "end_line": 12,
        "end_column": 24,
        "message": "`requests.get` blocks the event loop in route `GET /users/{user_id}`",
        "advice": "use `httpx.AsyncClient` and `await` the request",
        "api": "requests.get",
        "function": "read_user",
        "context": "route `GET /users/{user_id}`",
        "chain": [],
        "chain_cut": 0,
        "also": [],
        "related": [],
        "inferred": "",
        "cost": "",
        "snippet": "    return requests.get(url).json()",
        "fix": None,
        "docs": "https://github.com/asynclint/asynclint/blob/main/docs/rules/ASL101.md",
    }


def test_chained_finding() -> None:
    [finding] = load([CHAINED])["findings"]
    assert finding["severity"] == "warning"
    assert finding["chain"] == [
        {"function": "UserService.create", "path": "app/services.py", "line": 8, "column": 9},
        {"function": "Repo.save", "path": "app/repo.py", "line": 20, "column": 14},
    ]
    assert finding["chain_cut"] == 1


def test_empty() -> None:
    data = load([])
    assert data["findings"] == []
    assert data["summary"] == {"count": 0, "files": 0, "by_code": {}, "by_cost": {}}


def test_files_counts_distinct_paths() -> None:
    second = dataclasses.replace(DIRECT, line=30, end_line=30)
    assert load([DIRECT, second])["summary"] == {
        "count": 2,
        "files": 1,
        "by_code": {"ASL101": 2},
        "by_cost": {},
    }


def test_output_is_ascii_and_deterministic() -> None:
    text = json_format.render([DIRECT, CHAINED], root=ROOT)
    assert text.isascii()
    assert text == json_format.render([CHAINED, DIRECT], root=ROOT)


def test_fix_is_carried_with_its_edits() -> None:
    from dataclasses import replace

    from asynclint.findings import Edit, Fix

    fix = Fix(
        "replace with `await asyncio.sleep(1)`",
        "safe",
        (Edit(3, 5, 3, 18, "await asyncio.sleep(1)"), Edit(1, 1, 1, 1, "import asyncio\n")),
    )
    data = json.loads(json_format.render([replace(DIRECT, fix=fix)], root=ROOT))
    assert data["findings"][0]["fix"] == {
        "description": "replace with `await asyncio.sleep(1)`",
        "safety": "safe",
        "edits": [
            {
                "line": 3,
                "column": 5,
                "end_line": 3,
                "end_column": 18,
                "content": "await asyncio.sleep(1)",
            },
            {"line": 1, "column": 1, "end_line": 1, "end_column": 1, "content": "import asyncio\n"},
        ],
    }


def test_cost_and_sort_by_cost() -> None:
    cheap = dataclasses.replace(DIRECT, path="a.py", cost="metadata")
    costly = dataclasses.replace(DIRECT, path="z.py", cost="wait")
    data = json_format.build([cheap, costly], root=ROOT, sort="cost")
    assert [f["path"] for f in data["findings"]] == ["z.py", "a.py"]
    assert [f["cost"] for f in data["findings"]] == ["wait", "metadata"]
    assert data["summary"]["by_cost"] == {"wait": 1, "metadata": 1}
    by_path = json_format.build([costly, cheap], root=ROOT)
    assert [f["path"] for f in by_path["findings"]] == ["a.py", "z.py"]
