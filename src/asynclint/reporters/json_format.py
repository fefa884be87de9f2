"""JSON output: a stable, documented shape for scripts and other tools.

``version`` is the version of this shape; it changes only when a field is removed or changes
meaning (new fields may be added without a bump)::

    {
      "version": 1,
      "tool": {"name": "asynclint", "version": "0.1.0"},
      "findings": [
        {
          "code": "ASL101",               # rule code
          "name": "blocking-http-call",   # rule name
          "severity": "error",            # rule level: error | warning | note
          "path": "app/main.py",          # display path, as in the text output
          "line": 12, "column": 12,       # 1-based
          "end_line": 12, "end_column": 24,   # 1-based, end_column exclusive
          "message": "...",               # the problem, identifiers in backticks
          "advice": "...",                # the remedy
          "api": "requests.get",          # the blocking API reached ("" for ASL001)
          "function": "read_user",        # the function the call is in
          "context": "route `GET /users/{user_id}`",   # where it runs on the loop
          "chain": [                      # project functions between the call and `api`
            {"function": "UserService.get", "path": "app/services.py", "line": 8, "column": 16}
          ],
          "chain_cut": 0,                 # hops left out of `chain` (it was too long)
          "also": [{"code": "ASL301", "api": "builtins.open"}],   # other APIs the call reaches
          "inferred": "",                 # "fakesdk 1.0" when inferred from library source
          "cost": "wait",                 # cost class: wait | database | subprocess | cpu |
                                          # file | metadata ("" for ASL001, ASL803)
          "snippet": "    return ...",    # the source line of the call
          "fix": {                        # null when asynclint has no fix for it
            "description": "...", "safety": "safe",   # or "unsafe": needs review
            "edits": [{"line": 12, "column": 5, "end_line": 12, "end_column": 18,
                       "content": "await asyncio.sleep(1)"}]
          },
          "docs": "https://..."           # the rule's documentation page
        }
      ],
      "summary": {"count": 1, "files": 1, "by_code": {"ASL101": 1}, "by_cost": {"wait": 1}}
    }

Findings are sorted by path, line, column and code (costliest first with ``--sort cost``);
``by_code`` is sorted by code, ``by_cost`` costliest first.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from asynclint import __version__
from asynclint.codes import COST_CLASSES
from asynclint.findings import Finding, ordered
from asynclint.paths import display

SHAPE_VERSION = 1


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    rule = finding.rule
    return {
        "code": finding.code,
        "name": rule.name,
        "severity": rule.level,
        "path": display(finding.path),
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "message": finding.message,
        "advice": finding.advice,
        "api": finding.api,
        "function": finding.function,
        "context": finding.context,
        "chain": [
            {
                "function": hop.function,
                "path": display(hop.path),
                "line": hop.line,
                "column": hop.column,
            }
            for hop in finding.chain
        ],
        "chain_cut": finding.chain_cut,
        "also": [{"code": code, "api": api} for code, api in finding.also],
        "related": [{"line": r.line, "column": r.column, "api": r.api} for r in finding.related],
        "inferred": finding.inferred,
        "cost": finding.cost,
        "snippet": finding.snippet,
        "fix": None
        if finding.fix is None
        else {
            "description": finding.fix.description,
            "safety": finding.fix.safety,
            "edits": [
                {
                    "line": e.line,
                    "column": e.column,
                    "end_line": e.end_line,
                    "end_column": e.end_column,
                    "content": e.content,
                }
                for e in finding.fix.edits
            ],
        },
        "docs": rule.help_uri,
    }


def build(findings: Sequence[Finding], *, root: Path, sort: str = "path") -> dict[str, Any]:
    """The JSON document as a dict (``render`` serialises it)."""
    listed = ordered(findings, sort)
    by_code = Counter(finding.code for finding in listed)
    by_cost = Counter(finding.cost for finding in listed if finding.cost)
    return {
        "version": SHAPE_VERSION,
        "tool": {"name": "asynclint", "version": __version__},
        "findings": [finding_to_dict(finding) for finding in listed],
        "summary": {
            "count": len(listed),
            "files": len({finding.path for finding in listed}),
            "by_code": {code: by_code[code] for code in sorted(by_code)},
            "by_cost": {cost: by_cost[cost] for cost in COST_CLASSES if cost in by_cost},
        },
    }


def render(findings: Sequence[Finding], *, root: Path, sort: str = "path") -> str:
    """The JSON document, indented, ASCII-only, ending in a newline."""
    return json.dumps(build(findings, root=root, sort=sort), indent=2) + "\n"
