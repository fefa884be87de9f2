"""`--fix` and `--diff`: plan the fixes of a report, prove them, then write them."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from asynclint import engine
from asynclint.cache import Summaries
from asynclint.config import Settings
from asynclint.filesystem import DISK
from asynclint.findings import Finding
from asynclint.fixes import Change, plan, verify, write


@dataclass(frozen=True)
class Outcome:
    applied: tuple[Change, ...]  # proven (and written, unless it was a dry run)
    rejected: tuple[tuple[str, str], ...]  # (path, why it was left alone)

    @property
    def fixed(self) -> int:
        return sum(len(change.fixed) for change in self.applied)


def _identity(finding: Finding) -> tuple[str, str, str, str]:
    return (os.path.abspath(finding.path), finding.function, finding.api, finding.code)


def fix(
    findings: Sequence[Finding],
    files: Sequence[Path],
    root: Path,
    settings: Settings,
    explicit: Collection[Path] = (),
    unsafe: bool = False,
    dry_run: bool = False,
    checked: Sequence[Path] = (),
) -> Outcome:
    """Plan, prove and (unless ``dry_run``) write the fixes of ``findings``; only files inside
    ``checked`` (the paths the user named), reached without a symbolic link, are written."""
    rejected: list[tuple[str, str]] = []
    changes = plan(findings, unsafe, DISK.read_bytes, rejected)
    parsed = []
    for change in changes:
        problem = verify(change)
        if problem is None:
            parsed.append(change)
        else:
            rejected.append((change.path, problem))
    # run the analysis again on the fixed contents: every fixed finding must be gone
    proposed = DISK.overlaid({change.path: change.after for change in parsed})
    again = engine.check(files, root, settings, Summaries(None, files=proposed), explicit)
    before = Counter(_identity(f) for f in findings)
    after = Counter(_identity(f) for f in again.findings)
    applied = []
    for change in parsed:
        fixed = Counter(_identity(f) for f in change.fixed)
        if any(after[key] > before[key] - count for key, count in fixed.items()):
            rejected.append((change.path, "a fixed call would still be reported"))
            continue
        if not dry_run:
            problem = write(change, checked)
            if problem is not None:
                rejected.append((change.path, problem))
                continue
        applied.append(change)
    return Outcome(tuple(applied), tuple(rejected))
