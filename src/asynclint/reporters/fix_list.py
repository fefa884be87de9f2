"""``--show-fixes``: after the text report, the fixes the run applied and those still on offer,
per file and code, as ruff lists the fixes it applied: a heading (``Fixed 2 findings:``,
``Fixable with `--fix --unsafe-fixes`: 1 finding``), then ``- app/main.py:`` and one line per
code, ``    1 \u00d7 ASL102 (blocking-sleep)``. docs/cli.md shows one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from asynclint.findings import Finding
from asynclint.paths import display

TIMES = "\u00d7"  # the multiplication sign ruff counts with


def _count(number: int) -> str:
    return f"{number} finding" if number == 1 else f"{number} findings"


def _by_file(findings: Sequence[Finding]) -> list[str]:
    """``- path:`` then one ``N times CODE (name)`` line per code, files and codes in order."""
    counts: Counter[tuple[str, str]] = Counter((f.path, f.code) for f in findings)
    names = {f.code: f.rule.name for f in findings}
    lines: list[str] = []
    current = None
    for path, code in sorted(counts):
        if path != current:
            lines.append(f"- {display(path)}:")
            current = path
        lines.append(f"    {counts[path, code]} {TIMES} {code} ({names[code]})")
    return lines


def render(applied: Sequence[Finding], remaining: Sequence[Finding]) -> str:
    """The listing for the findings ``applied`` fixes removed and the ``remaining`` findings
    (those with a fix are on offer); starts with a blank line, ends in a newline."""
    sections: list[list[str]] = []
    if applied:
        sections.append([f"Fixed {_count(len(applied))}:", *_by_file(applied)])
    for safety, flag in (("safe", "--fix"), ("unsafe", "--fix --unsafe-fixes")):
        offered = [f for f in remaining if f.fix is not None and f.fix.safety == safety]
        if offered:
            sections.append([f"Fixable with `{flag}`: {_count(len(offered))}", *_by_file(offered)])
    if not sections:
        sections.append(["No fixes applied or available."])
    return "".join("\n" + "\n".join(section) + "\n" for section in sections)
