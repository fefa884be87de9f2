"""Baselines: record today's findings, then report only new ones.

A finding is identified by what it is, not where it is: its code, file (relative to the project
root), the stripped source line, the enclosing function and the blocking API, plus an occurrence
counter for identical lines. Unrelated edits that shift lines keep it recognised; the same
fingerprints are SARIF's ``partialFingerprints``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path, PurePath

from asynclint import __version__, datafiles, safeio
from asynclint.findings import Finding
from asynclint.paths import repo_relative

FORMAT_VERSION = 1


class BaselineError(Exception):
    """The baseline file cannot be read or is not an asynclint baseline."""


def fingerprint_key(finding: Finding, root: Path) -> str:
    """What identifies a finding across commits: not its line number."""
    relative = repo_relative(finding.path, root) or PurePath(finding.path).as_posix()
    parts = (finding.code, relative, finding.snippet.strip(), finding.function, finding.api)
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def fingerprints(findings: Sequence[Finding], root: Path) -> list[tuple[Finding, str]]:
    """Each finding (in report order) with ``key:occurrence``, unique within the run."""
    seen: dict[str, int] = {}
    out = []
    for finding in sorted(findings, key=Finding.sort_key):
        key = fingerprint_key(finding, root)
        seen[key] = seen.get(key, 0) + 1
        out.append((finding, f"{key}:{seen[key]}"))
    return out


def render(findings: Sequence[Finding], root: Path) -> str:
    entries = [
        {
            "fingerprint": fingerprint,
            "code": finding.code,
            "path": repo_relative(finding.path, root) or finding.path,
            "line": finding.line,
            "message": finding.message,
        }
        for finding, fingerprint in fingerprints(findings, root)
    ]
    data = {"asynclint_baseline": FORMAT_VERSION, "version": __version__, "findings": entries}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> frozenset[str]:
    """The fingerprints recorded in ``path``. Only a regular file is read (a pipe or a device
    named by mistake must not hang the run), within size and nesting limits."""
    try:
        text = safeio.read_regular(path, datafiles.MAX_JSON_BYTES).decode("utf-8")
        data = datafiles.parse_json(text)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    except (datafiles.DataError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not a JSON baseline file: {exc}") from exc
    if not isinstance(data, dict) or data.get("asynclint_baseline") != FORMAT_VERSION:
        raise BaselineError(
            f"{path}: not an asynclint baseline (write one with `asynclint check --write-baseline`)"
        )
    entries = data.get("findings")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise BaselineError(f"{path}: `findings` must be a list of objects with a `fingerprint`")
    return frozenset(e["fingerprint"] for e in entries)


def new_findings(findings: Sequence[Finding], root: Path, known: frozenset[str]) -> list[Finding]:
    return [finding for finding, key in fingerprints(findings, root) if key not in known]
