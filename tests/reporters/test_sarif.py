from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from asynclint import __version__
from asynclint.codes import BY_CODE, RULES
from asynclint.findings import Finding, Hop
from asynclint.reporters import FORMATS, sarif

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "my project"


def direct(root: Path, **changes: Any) -> Finding:
    finding = Finding(
        code="ASL101",
        path=str(root / "app dir" / "café.py"),
        line=12,
        column=12,
        end_line=12,
        end_column=24,
        message="`requests.get` blocks the event loop in route `GET /users/{user_id}`",
        advice="use `httpx.AsyncClient` and `await` the request",
        api="requests.get",
        function="read_user",
        context="route `GET /users/{user_id}`",
        snippet="    return requests.get(url).json()",
    )
    return dataclasses.replace(finding, **changes)


def chained(root: Path, **changes: Any) -> Finding:
    finding = Finding(
        code="ASL301",
        path=str(root / "app" / "main.py"),
        line=5,
        column=11,
        end_line=5,
        end_column=26,
        message="`svc.create` reaches `open`, which blocks the event loop in route `POST /users`",
        advice="run it with `await asyncio.to_thread(...)`",
        api="open",
        function="create_user",
        context="route `POST /users`",
        chain=(
            Hop("UserService.create", str(root / "app" / "services.py"), 8, 9),
            Hop("Repo.save", str(root / "app" / "repo.py"), 20, 14),
        ),
        snippet="    await svc.create(user)",
    )
    return dataclasses.replace(finding, **changes)


def render(findings: list[Finding], root: Path) -> dict[str, Any]:
    text = sarif.render(findings, root=root)
    assert text.endswith("\n")
    result: dict[str, Any] = json.loads(text)
    return result


def fingerprint(finding: Finding, root: Path) -> str:
    value: str = render([finding], root)["runs"][0]["results"][0]["partialFingerprints"][
        "primaryLocationLineHash"
    ]
    return value


def test_registered_as_sarif() -> None:
    assert FORMATS["sarif"] is sarif.render


def test_validates_against_official_schema(
    validator: jsonschema.Draft4Validator, root: Path
) -> None:
    log = render([direct(root), chained(root), chained(root, chain_cut=3)], root)
    errors = sorted(validator.iter_errors(log), key=lambda error: list(error.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_empty_run_validates(validator: jsonschema.Draft4Validator, root: Path) -> None:
    log = render([], root)
    assert not list(validator.iter_errors(log))
    assert log["runs"][0]["results"] == []


def test_top_level_and_driver(root: Path) -> None:
    log = render([], root)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "asynclint"
    assert driver["version"] == driver["semanticVersion"] == __version__
    assert driver["informationUri"] == "https://github.com/asynclint/asynclint"
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in RULES]


def test_rule_descriptors(root: Path) -> None:
    descriptors = render([], root)["runs"][0]["tool"]["driver"]["rules"]
    for descriptor, rule in zip(descriptors, RULES):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"] == {"text": rule.summary}
        assert descriptor["fullDescription"] == {"text": rule.why}
        assert descriptor["helpUri"] == rule.help_uri
        assert descriptor["defaultConfiguration"] == {"level": rule.level}
        markdown = descriptor["help"]["markdown"]
        assert markdown.startswith(rule.why)
        assert f"```python\n{rule.bad}\n```" in markdown
        assert f"```python\n{rule.good}\n```" in markdown
        assert rule.why in descriptor["help"]["text"]
        properties = descriptor["properties"]
        assert properties["tags"][:3] == ["asyncio", "fastapi", "performance"]
        if rule.category:
            assert properties["tags"][3] == rule.category
        assert properties["precision"] == "high"
        assert properties["problem.severity"] == rule.severity


def test_result_fields(root: Path) -> None:
    finding = direct(root)
    run = render([finding], root)["runs"][0]
    [result] = run["results"]
    rules = run["tool"]["driver"]["rules"]
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == "ASL101"
    assert result["level"] == BY_CODE["ASL101"].level
    assert result["message"] == {"text": finding.text}
    location = result["locations"][0]["physicalLocation"]
    assert location["region"] == {
        "startLine": 12,
        "startColumn": 12,
        "endLine": 12,
        "endColumn": 24,
        "snippet": {"text": "    return requests.get(url).json()"},
    }
    assert "codeFlows" not in result
    assert "relatedLocations" not in result


def test_rule_index_for_every_code(root: Path) -> None:
    findings = [direct(root, code=rule.code, line=i + 1) for i, rule in enumerate(RULES)]
    run = render(findings, root)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == BY_CODE[result["ruleId"]].level


def test_uri_relative_to_root_with_forward_slashes_and_escaped(root: Path) -> None:
    run = render([direct(root)], root)["runs"][0]
    artifact = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    # A space and a non-ASCII letter are percent-encoded: GitHub rejects a `uri` that is not
    # a valid URI reference.
    assert artifact == {"uri": "app%20dir/caf%C3%A9.py", "uriBaseId": "%SRCROOT%"}
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == root.as_uri() + "/"
    assert "%20" in base


def test_path_relative_to_working_directory(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (root / "app").mkdir(parents=True)
    monkeypatch.chdir(root / "app")
    finding = direct(root, path="main.py")
    artifact = render([finding], root)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"
    ]
    assert artifact == {"uri": "app/main.py", "uriBaseId": "%SRCROOT%"}


def test_path_outside_root_is_absolute_file_uri(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "x.py"
    finding = direct(root, path=str(outside))
    artifact = render([finding], root)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"
    ]
    assert artifact == {"uri": outside.as_uri()}


def test_fingerprint_ignores_line_number(root: Path) -> None:
    before = direct(root)
    after = direct(root, line=40, end_line=40)
    assert fingerprint(before, root) == fingerprint(after, root)


def test_fingerprint_ignores_indentation(root: Path) -> None:
    before = direct(root)
    after = direct(root, snippet="        return requests.get(url).json()  ", column=16)
    assert fingerprint(before, root) == fingerprint(after, root)


@pytest.mark.parametrize(
    "change",
    [
        {"snippet": "    return requests.get(other_url).json()"},
        {"code": "ASL102"},
        {"function": "read_users"},
        {"api": "requests.post"},
    ],
)
def test_fingerprint_changes_with_what_the_finding_is(root: Path, change: dict[str, Any]) -> None:
    assert fingerprint(direct(root), root) != fingerprint(direct(root, **change), root)


def test_fingerprint_changes_with_file(root: Path) -> None:
    other = direct(root, path=str(root / "app dir" / "other.py"))
    assert fingerprint(direct(root), root) != fingerprint(other, root)


def test_fingerprint_independent_of_working_directory(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "app dir").mkdir(parents=True)
    absolute = fingerprint(direct(root), root)
    monkeypatch.chdir(root / "app dir")
    assert fingerprint(direct(root, path="café.py"), root) == absolute


def test_duplicate_fingerprints_get_occurrence_counter(root: Path) -> None:
    first = direct(root, line=3, end_line=3)
    second = direct(root, line=9, end_line=9)
    results = render([second, first], root)["runs"][0]["results"]
    hashes = [result["partialFingerprints"]["primaryLocationLineHash"] for result in results]
    assert [
        result["locations"][0]["physicalLocation"]["region"]["startLine"] for result in results
    ] == [3, 9]
    assert hashes[0].split(":")[0] == hashes[1].split(":")[0]
    assert [h.split(":")[1] for h in hashes] == ["1", "2"]
    # The counter survives both lines moving.
    moved = render([direct(root, line=30, end_line=30), direct(root, line=50, end_line=50)], root)
    assert [
        r["partialFingerprints"]["primaryLocationLineHash"] for r in moved["runs"][0]["results"]
    ] == hashes


def test_chain_becomes_code_flow(root: Path) -> None:
    finding = chained(root)
    [result] = render([finding], root)["runs"][0]["results"]
    assert result["message"] == {"text": finding.text}
    [flow] = result["codeFlows"]
    assert flow["message"]["text"] == finding.chain_text()
    [thread] = flow["threadFlows"]
    steps = [step["location"] for step in thread["locations"]]
    assert len(steps) == len(finding.chain) + 1
    assert steps[0]["physicalLocation"] == result["locations"][0]["physicalLocation"]
    places = [
        (
            step["physicalLocation"]["artifactLocation"]["uri"],
            step["physicalLocation"]["region"]["startLine"],
            step["physicalLocation"]["region"]["startColumn"],
        )
        for step in steps
    ]
    assert places == [("app/main.py", 5, 11), ("app/services.py", 8, 9), ("app/repo.py", 20, 14)]
    messages = [step["message"]["text"] for step in steps]
    assert messages == [
        "`create_user` (route `POST /users`) calls `UserService.create`",
        "`UserService.create` calls `Repo.save`",
        "`Repo.save` calls `open`, which blocks the event loop",
    ]


def test_chain_becomes_related_locations(root: Path) -> None:
    [result] = render([chained(root)], root)["runs"][0]["results"]
    related = result["relatedLocations"]
    assert [location["id"] for location in related] == [1, 2]
    assert [location["message"]["text"] for location in related] == [
        "`UserService.create`",
        "`Repo.save`",
    ]
    assert [location["physicalLocation"]["artifactLocation"]["uri"] for location in related] == [
        "app/services.py",
        "app/repo.py",
    ]


def test_cut_chain_names_the_blocking_api(root: Path) -> None:
    [result] = render([chained(root, chain_cut=3)], root)["runs"][0]["results"]
    steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert len(steps) == 3
    last = steps[-1]["location"]["message"]["text"]
    assert last == "`Repo.save` reaches `open` through 3 more call(s); `open` blocks the event loop"


def test_results_sorted_and_deterministic(root: Path) -> None:
    findings = [chained(root), direct(root)]
    assert sarif.render(findings, root=root) == sarif.render(findings[::-1], root=root)


def test_fix_becomes_sarif_fixes_and_still_validates(
    validator: jsonschema.Draft4Validator, root: Path
) -> None:
    from asynclint.findings import Edit, Fix

    fix = Fix(
        "replace with `await asyncio.sleep(1)`",
        "safe",
        (Edit(3, 5, 3, 18, "await asyncio.sleep(1)"), Edit(1, 1, 1, 1, "import asyncio\n")),
    )
    log = render([direct(root, fix=fix)], root)
    validator.validate(log)
    (result,) = log["runs"][0]["results"]
    (change,) = result["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "app%20dir/caf%C3%A9.py"
    assert change["replacements"][0] == {
        "deletedRegion": {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 18},
        "insertedContent": {"text": "await asyncio.sleep(1)"},
    }
    assert "(safe)" in result["fixes"][0]["description"]["text"]
