"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding.

GitHub turns these lines in a job log into annotations on the pull request's diff. ``file`` is
relative to the repository root, which is what GitHub expects.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePath

from asynclint.findings import Finding
from asynclint.reporters.sarif import repo_relative

COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(value: str) -> str:
    """Escape a workflow command's message (after ``::``)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow command property value (``file=...``, ``title=...``)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _line(finding: Finding, root: Path) -> str:
    rule = finding.rule
    path = repo_relative(finding.path, root) or PurePath(finding.path).as_posix()
    properties = [
        ("file", path),
        ("line", str(finding.line)),
        ("endLine", str(max(finding.end_line, finding.line))),
        ("col", str(finding.column)),
        ("endColumn", str(finding.end_column)),
        ("title", f"asynclint {rule.code} ({rule.name}){_inferred(finding)}"),
    ]
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS.get(rule.level, 'error')} {joined}::{escape_data(finding.text)}"


def _inferred(finding: Finding) -> str:
    """Inferred from library source, not from the catalog: the title says so."""
    return f", inferred from {finding.inferred} source" if finding.inferred else ""


def render(findings: Sequence[Finding], *, root: Path) -> str:
    """One workflow command per finding, each ending in a newline; "" when there are none."""
    return "".join(_line(f, root) + "\n" for f in sorted(findings, key=Finding.sort_key))
