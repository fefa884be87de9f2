"""`--add-noqa`: silence every current finding with a `# noqa: CODE` on its line (ruff's
`--add-noqa`), so a team can adopt asynclint today and burn the list down later.

A directive goes where asynclint reads it: at the end of the finding's own line. A line whose
end is inside a multi-line string, or continued with a backslash, cannot take a comment there;
it is left alone and said so. An existing `# noqa: CODES` on the line gets the new codes
added. Each file is written only if it still holds the bytes that were analysed, the new text
compiles, and a second analysis of it shows the silenced findings gone.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from asynclint.findings import Finding
from asynclint.fixes import Change, digest
from asynclint.summary import decode_source

_NOQA_CODES = re.compile(
    r"#\s*noqa:\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)", re.IGNORECASE
)
_BARE_NOQA = re.compile(r"#\s*noqa(?!:)", re.IGNORECASE)


@dataclass(frozen=True)
class Planned:
    changes: tuple[Change, ...]
    skipped: tuple[tuple[str, int, str], ...]  # (path, line, why)


def _closed_lines(text: str) -> set[int]:
    """Lines (1-based) whose end is not inside a string or continued by a backslash: where
    a comment can end the line."""
    lines = text.splitlines()
    closed = set(range(1, len(lines) + 1))
    # f-strings are one STRING token before Python 3.12, START ... END tokens since
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    opened: list[int] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == fstring_start:
                opened.append(token.start[0])
                continue
            if token.type == tokenize.STRING:
                first = token.start[0]
            elif token.type == fstring_end and opened:
                first = opened.pop()
            else:
                continue
            closed -= set(range(first, token.end[0]))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return set()  # not a file we can edit with confidence
    for number, line in enumerate(lines, 1):
        if line.rstrip().endswith("\\"):
            closed.discard(number)
    return closed


def _with_codes(line: str, codes: Sequence[str]) -> str:
    """``line`` (no line break) silenced for ``codes`` too."""
    existing = _NOQA_CODES.search(line)
    if existing is not None:
        present = [c.upper() for c in re.split(r"[,\s]+", existing.group("codes")) if c]
        merged = ", ".join([*present, *(c for c in codes if c not in present)])
        start, end = existing.span("codes")
        return line[:start] + merged + line[end:]
    return f"{line.rstrip()}  # noqa: {', '.join(codes)}"


def plan(findings: Sequence[Finding], sources: Mapping[str, bytes]) -> Planned:
    """The new content of each file with findings (``sources``: the bytes analysed)."""
    by_path: dict[str, dict[int, list[str]]] = {}
    for finding in findings:
        codes = by_path.setdefault(finding.path, {}).setdefault(finding.line, [])
        if finding.code not in codes:
            codes.append(finding.code)
    changes: list[Change] = []
    skipped: list[tuple[str, int, str]] = []
    for path, lines in sorted(by_path.items()):
        raw = sources.get(path)
        if raw is None:
            skipped += [(path, n, "the file could not be read") for n in sorted(lines)]
            continue
        try:
            text = decode_source(raw)
        except (LookupError, UnicodeDecodeError):
            skipped += [(path, n, "the file could not be decoded") for n in sorted(lines)]
            continue
        closed = _closed_lines(text)
        physical = text.splitlines(keepends=True)
        for number, codes in sorted(lines.items()):
            if number not in closed or number > len(physical):
                why = "the line ends inside a string or a continuation"
                skipped.append((path, number, why))
                continue
            line = physical[number - 1]
            body = line.rstrip("\r\n")
            if _BARE_NOQA.search(body) and not _NOQA_CODES.search(body):
                continue  # a bare `# noqa` silences everything already
            physical[number - 1] = _with_codes(body, codes) + line[len(body) :]
        new = "".join(physical)
        if new != text:
            changes.append(Change(path, raw, _encoded(new, raw), ()))
    return Planned(tuple(changes), tuple(skipped))


def _encoded(text: str, raw: bytes) -> bytes:
    """``text`` in the file's own encoding (its BOM kept)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


def sources_of(findings: Sequence[Finding], hashes: Mapping[str, str]) -> dict[str, bytes]:
    """The bytes of each finding's file, when they are still those the analysis read."""
    from asynclint.filesystem import DISK

    out: dict[str, bytes] = {}
    for path in {finding.path for finding in findings}:
        raw = DISK.read_bytes(Path(path))
        if raw is not None and hashes.get(path) == digest(raw):
            out[path] = raw
    return out
