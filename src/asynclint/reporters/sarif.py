"""SARIF 2.1.0 output, shaped for GitHub code scanning.

One run; ``tool.driver.rules`` lists every rule in :data:`asynclint.codes.RULES` in order, so a
result's ``ruleIndex`` is the rule's position there. Locations are relative to ``%SRCROOT%``
(the project root, declared in ``run.originalUriBaseIds``). ``partialFingerprints`` hash what the
finding *is* (code, file, stripped source line, enclosing function, API) rather than where it is,
so an alert survives edits elsewhere in the file. A finding reached through project functions
carries a ``codeFlow`` (call site, then one step per hop) and ``relatedLocations`` for the hops.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from asynclint import __version__
from asynclint.baseline import fingerprints
from asynclint.codes import RULES, Rule, code_cost, sarif_rank
from asynclint.findings import Finding, Hop
from asynclint.paths import repo_relative

__all__ = ["build", "render", "repo_relative", "root_uri"]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/asynclint/asynclint"
SRCROOT = "%SRCROOT%"
TAGS = ("asyncio", "fastapi", "performance")


JSONDict = dict[str, Any]


def root_uri(root: Path) -> str:
    """``root`` as a ``file://`` URI ending in ``/``, as ``originalUriBaseIds`` requires."""
    uri = (root if root.is_absolute() else Path.cwd() / root).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _artifact_location(path: str, root: Path) -> JSONDict:
    relative = repo_relative(path, root)
    if relative is None:
        absolute = Path(path) if Path(path).is_absolute() else Path.cwd() / path
        return {"uri": Path(os.path.normpath(absolute)).as_uri()}
    return {"uri": quote(relative, safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def _region(finding: Finding) -> JSONDict:
    region: JSONDict = {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)}
    end_line = max(finding.end_line, region["startLine"])
    end_column = max(finding.end_column, 1)
    if end_line == region["startLine"]:
        end_column = max(end_column, region["startColumn"])
    region["endLine"] = end_line
    region["endColumn"] = end_column
    if finding.snippet:
        region["snippet"] = {"text": finding.snippet}
    return region


def _hop_location(hop: Hop, root: Path) -> JSONDict:
    return {
        "physicalLocation": {
            "artifactLocation": _artifact_location(hop.path, root),
            "region": {"startLine": max(hop.line, 1), "startColumn": max(hop.column, 1)},
        }
    }


def _step_messages(finding: Finding) -> list[str]:
    """One message per codeFlow step: the call site, then each hop."""
    api = f"`{finding.api}`" if finding.api else "a blocking call"
    caller = f"`{finding.function or '<module>'}`"
    if finding.context:
        caller += f" ({finding.context})"
    names = [hop.function for hop in finding.chain]
    messages = [f"{caller} calls `{names[0]}`"]
    for current, following in zip(names, names[1:]):
        messages.append(f"`{current}` calls `{following}`")
    if finding.chain_cut:
        messages.append(
            f"`{names[-1]}` reaches {api} through {finding.chain_cut} more call(s); "
            f"{api} blocks the event loop"
        )
    else:
        messages.append(f"`{names[-1]}` calls {api}, which blocks the event loop")
    return messages


def _rule_descriptor(rule: Rule) -> JSONDict:
    if not rule.bad:  # a project's own structural rule: its description is all there is
        descriptor = {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.why},
            "help": {"text": rule.why, "markdown": rule.why},
            "defaultConfiguration": {"level": rule.level},
            "properties": {
                "tags": [*TAGS, "custom"],
                "precision": "high",
                "problem.severity": rule.severity,
            },
        }
        return descriptor
    text = f"{rule.why}\n\nExample:\n\n{_indent(rule.bad)}\n\nUse instead:\n\n{_indent(rule.good)}"
    markdown = (
        f"{rule.why}\n\n## Example\n\n```python\n{rule.bad}\n```\n\n"
        f"Use instead:\n\n```python\n{rule.good}\n```\n\n"
        f"[Documentation for {rule.code}]({rule.help_uri})"
    )
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": text, "markdown": markdown},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": rule.level},
        "properties": {
            "tags": [*TAGS, rule.category] if rule.category else list(TAGS),
            "precision": "high",
            "problem.severity": rule.severity,
            **({"cost": code_cost(rule.code)} if code_cost(rule.code) else {}),
        },
    }


def _indent(code: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in code.splitlines())


def _result(finding: Finding, root: Path, fingerprint: str, index: dict[str, int]) -> JSONDict:
    rule = finding.rule
    call_site: JSONDict = {
        "physicalLocation": {
            "artifactLocation": _artifact_location(finding.path, root),
            "region": _region(finding),
        }
    }
    result: JSONDict = {
        "ruleId": rule.code,
        "ruleIndex": index[rule.code],
        "level": rule.level,
        "message": {"text": finding.text},
        "locations": [call_site],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint},
        # GitHub and SARIF viewers order by rank (0-100): the costliest wait first
        "rank": sarif_rank(finding.cost),
    }
    if finding.chain:
        messages = _step_messages(finding)
        steps = [call_site] + [_hop_location(hop, root) for hop in finding.chain]
        result["codeFlows"] = [
            {
                "message": {"text": finding.chain_text()},
                "threadFlows": [
                    {
                        "locations": [
                            {"location": {**step, "message": {"text": message}}}
                            for step, message in zip(steps, messages)
                        ]
                    }
                ],
            }
        ]
        result["relatedLocations"] = [
            {**_hop_location(hop, root), "id": index, "message": {"text": f"`{hop.function}`"}}
            for index, hop in enumerate(finding.chain, start=1)
        ]
    properties: JSONDict = {}
    if finding.related:
        # later calls of the same operation (the handle the reported call opened)
        first = len(finding.chain) + 1
        result.setdefault("relatedLocations", []).extend(
            {
                "physicalLocation": {
                    "artifactLocation": _artifact_location(finding.path, root),
                    "region": {"startLine": max(r.line, 1), "startColumn": max(r.column, 1)},
                },
                "id": first + offset,
                "message": {"text": f"`{r.api}` on the same handle"},
            }
            for offset, r in enumerate(finding.related)
        )
    if finding.also:
        properties["alsoReaches"] = [f"{api} ({code})" for code, api in finding.also]
    if finding.cost:
        properties["cost"] = finding.cost
    if finding.inferred:
        # inferred from library source: users and dashboards can tell it from a catalogued one
        properties["inferred"] = True
        properties["inferredFrom"] = finding.inferred
    if properties:
        result["properties"] = properties
    if finding.fix is not None:
        result["fixes"] = [
            {
                "description": {"text": f"{finding.fix.description} ({finding.fix.safety})"},
                "artifactChanges": [
                    {
                        "artifactLocation": _artifact_location(finding.path, root),
                        "replacements": [
                            {
                                "deletedRegion": {
                                    "startLine": e.line,
                                    "startColumn": e.column,
                                    "endLine": e.end_line,
                                    "endColumn": e.end_column,
                                },
                                "insertedContent": {"text": e.content},
                            }
                            for e in finding.fix.edits
                        ],
                    }
                ],
            }
        ]
    return result


def build(findings: Sequence[Finding], *, root: Path) -> JSONDict:
    """The SARIF log as a dict (``render`` serialises it)."""
    # built-in rules first, in code order, then any project rules (ASL9xx) the findings use
    rules = list(RULES)
    for finding in sorted(findings, key=Finding.sort_key):
        if finding.custom is not None and finding.custom not in rules:
            rules.append(finding.custom)
    index = {rule.code: position for position, rule in enumerate(rules)}
    results = [_result(finding, root, key, index) for finding, key in fingerprints(findings, root)]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "asynclint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule_descriptor(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": root_uri(root)}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(findings: Sequence[Finding], *, root: Path) -> str:
    """SARIF 2.1.0 JSON, ending in a newline."""
    return json.dumps(build(findings, root=root), indent=2) + "\n"
