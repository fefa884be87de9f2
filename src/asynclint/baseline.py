"""Baselines: record today's findings, then report only new ones.

A finding is identified by what it is, not where it is: its code, file (relative to the project
root), the stripped source line, the enclosing function and the blocking API, plus an occurrence
counter for identical lines. Unrelated edits that shift lines keep it recognised; the same
fingerprints are SARIF's ``partialFingerprints``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Sequence
from pathlib import Path, PurePath
from typing import Any, Callable

from asynclint import __version__, datafiles, safeio
from asynclint.codes import UNUSED_SUPPRESSION
from asynclint.findings import Edit, Finding, Fix
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
    _, data = _read(path)
    return frozenset(e["fingerprint"] for e in data["findings"])


def _read(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The baseline's bytes and its checked JSON document."""
    try:
        raw = safeio.read_regular(path, datafiles.MAX_JSON_BYTES)
        data = datafiles.parse_json(raw.decode("utf-8"))
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
    return raw, data


def stale(
    path: Path,
    findings: Sequence[Finding],
    root: Path,
    checked: Collection[Path],
    selects: Callable[[str, Path], bool],
) -> list[Finding]:
    """ASL002 findings for the entries of the baseline at ``path`` that silence nothing: the
    entry's file was checked (one of ``checked``, absolute paths), its code is selected there
    (``selects(code, file)``), and no finding of the run has its fingerprint. Each carries the
    same safe fix: the baseline rewritten without every such entry."""
    raw, data = _read(path)
    current = {key for _, key in fingerprints(findings, root)}
    files = {Path(os.path.abspath(f)) for f in checked}
    unused = []
    for entry in data["findings"]:
        relative, code = entry.get("path"), entry.get("code")
        if not isinstance(relative, str) or not isinstance(code, str):
            continue
        file = Path(os.path.abspath(root / relative))
        if file not in files or entry["fingerprint"] in current:
            continue
        if selects(code, file) and selects(UNUSED_SUPPRESSION, file):
            unused.append(entry)
    if not unused:
        return []
    gone = {id(entry) for entry in unused}
    kept = {**data, "findings": [e for e in data["findings"] if id(e) not in gone]}
    text = raw.decode("utf-8")
    lines = text.split("\n")
    rewritten = json.dumps(kept, indent=2, ensure_ascii=False) + "\n"
    whole = Edit(1, 1, len(lines), len(lines[-1]) + 1, rewritten)
    fix = Fix(
        f"remove the {len(unused)} baseline "
        + ("entry that matches" if len(unused) == 1 else "entries that match")
        + " no finding",
        "safe",
        (whole,),
        hashlib.sha256(raw).hexdigest(),
    )
    out = []
    for entry in unused:
        marker = f'"{entry["fingerprint"]}"'
        number = next((i for i, line in enumerate(lines, 1) if marker in line), 1)
        column = lines[number - 1].find(marker) + 1 if number <= len(lines) else 1
        where = f"{entry['path']}:{entry.get('line', '?')}"
        out.append(
            Finding(
                code=UNUSED_SUPPRESSION,
                path=os.path.abspath(path),
                line=number,
                column=max(column, 1),
                end_line=number,
                end_column=max(column, 1) + len(marker),
                message=(
                    f"baseline entry `{entry['fingerprint']}` ({entry['code']} at {where}) "
                    "matches no finding"
                ),
                advice="remove it: its finding is gone (`--fix` drops every such entry)",
                snippet=lines[number - 1] if number <= len(lines) else "",
                fix=fix,
            )
        )
    return out


def new_findings(findings: Sequence[Finding], root: Path, known: frozenset[str]) -> list[Finding]:
    return [finding for finding, key in fingerprints(findings, root) if key not in known]
