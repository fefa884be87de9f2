"""Suppression comments that silence nothing (ASL002, like ruff's RUF100).

The analysis records every fact and finding a `# noqa: ASL...` / `# asynclint: ignore[...]`
comment silences (``CallGraph.silenced``, and the custom rules' matches). ``comments`` reads an
analysed file's suppression comments (real comment tokens only, never text inside a string) and
keeps those with codes that silenced nothing; ``findings`` turns them into ASL002 findings once
the selection is known, since a comment is reported only for codes that ran and are selected.
A bare `# noqa` belongs to flake8 and every other tool, and codes that are not asynclint's
(`E501`) are other tools' business: both are left alone.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Callable, Optional

from asynclint.codes import UNUSED_SUPPRESSION
from asynclint.findings import Edit, Finding, Fix
from asynclint.summary import source_lines

_NOQA = re.compile(r"#\s*noqa:\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)", re.I)
_IGNORE = re.compile(r"#\s*asynclint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.I)
_CODE = re.compile(r"ASL[0-9]{3}")
_OURS = re.compile(r"#\s*(?:noqa:.*ASL[0-9]{3}|asynclint:\s*ignore)", re.I)


@dataclass(frozen=True)
class Comment:
    """One suppression comment with codes that silenced nothing in the run."""

    path: str  # the file, as the analysis names it (absolute, as findings carry it)
    line: int  # 1-based
    start: int  # 1-based character column where the suppression starts (its `#`)
    end: int  # exclusive; the end of the suppression's text
    codes_start: int  # the span of the code list inside the line (0, 0 for a bare ignore)
    codes_end: int
    written: tuple[str, ...]  # every code the comment lists, as written
    unused: tuple[str, ...]  # asynclint codes among them that silenced nothing ("*": bare)
    kind: str  # "noqa" | "ignore"
    text: str  # the source line
    source: str  # digest of the file's bytes (see ``Fix.source``)


def comments(
    path: str,
    text: str,
    lines: Collection[int],
    silenced: Callable[[int, str], bool],
    tracked: Callable[[str], bool],
    source: str,
) -> list[Comment]:
    """The suppression comments on ``lines`` of ``text`` with tracked codes that silenced
    nothing: ``silenced(line, code)`` says whether the code silenced something there (the code
    "" asks whether anything was), ``tracked(code)`` whether the analysis records the code's
    suppressions at all (a code it never checks is never called unused)."""
    out: list[Comment] = []
    numbered = source_lines(text)
    # most suppressions name other tools' codes (F401): tokenize only a file that has ours
    if not any(0 < line <= len(numbered) and _OURS.search(numbered[line - 1]) for line in lines):
        return out
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return out
    for token in tokens:
        if token.type != tokenize.COMMENT or token.start[0] not in lines:
            continue
        number, column = token.start
        if number > len(numbered):
            continue
        line = numbered[number - 1]
        if _silences_itself(token.string):
            continue  # the line silences ASL002 itself (a code list naming it, or a bare noqa)
        for kind, pattern in (("noqa", _NOQA), ("ignore", _IGNORE)):
            match = pattern.search(token.string)
            if match is None:
                continue
            raw = match.group("codes")
            if kind == "ignore" and raw is None:
                if not silenced(number, ""):
                    offset = column + match.start()
                    out.append(
                        Comment(
                            path,
                            number,
                            offset + 1,
                            column + match.end() + 1,
                            0,
                            0,
                            (),
                            ("*",),
                            kind,
                            line,
                            source,
                        )
                    )
                continue
            written = tuple(c for c in re.split(r"[,\s]+", raw or "") if c)
            unused = tuple(
                code
                for code in written
                if _CODE.fullmatch(code.upper())
                and tracked(code.upper())
                and not silenced(number, code.upper())
            )
            if unused:
                codes_start = column + match.start("codes")
                out.append(
                    Comment(
                        path,
                        number,
                        column + match.start() + 1,
                        column + match.end() + 1,
                        codes_start + 1,
                        column + match.end("codes") + 1,
                        written,
                        unused,
                        kind,
                        line,
                        source,
                    )
                )
    return out


def findings(
    found: Sequence[Comment],
    selects: Callable[[str, str], bool],
) -> list[Finding]:
    """ASL002 findings of ``found``, for the codes ``selects(code, path)`` says are selected
    (ASL002 itself must be too): one per comment, with a safe fix."""
    out: list[Finding] = []
    for comment in found:
        if not selects(UNUSED_SUPPRESSION, comment.path):
            continue
        if comment.unused == ("*",):
            unused: tuple[str, ...] = ("*",)
        else:
            unused = tuple(c for c in comment.unused if selects(c.upper(), comment.path))
        if not unused:
            continue
        finding = _finding(comment, unused)
        if finding is not None:
            out.append(finding)
    return out


_BARE_NOQA = re.compile(r"#\s*noqa(?!\s*:)", re.I)


def _silences_itself(comment: str) -> bool:
    """The comment silences ASL002 on its line: a bare `# noqa`, or a code list naming ASL002
    (or a prefix of it)."""
    if _BARE_NOQA.search(comment):
        return True
    for pattern in (_NOQA, _IGNORE):
        for match in pattern.finditer(comment):
            raw = match.group("codes") or ""
            if any(UNUSED_SUPPRESSION.startswith(c.upper()) for c in re.split(r"[,\s]+", raw) if c):
                return True
    return False


def _finding(comment: Comment, unused: tuple[str, ...]) -> Optional[Finding]:
    kept = [c for c in comment.written if c not in unused]
    line = comment.text
    spelled = line[comment.start - 1 : comment.end - 1]
    if unused == ("*",):
        what = "`# asynclint: ignore` silences nothing on this line"
    else:
        names = ", ".join(f"`{c.upper()}`" for c in unused)
        what = f"{'code' if len(unused) == 1 else 'codes'} {names} in `{spelled}` silence nothing"
        if len(unused) == 1:
            what = what.replace(" silence nothing", " silences nothing")
    if kept:
        separator = ", " if "," in line[comment.codes_start - 1 : comment.codes_end - 1] else " "
        edit = Edit(
            comment.line,
            comment.codes_start,
            comment.line,
            comment.codes_end,
            separator.join(kept),
        )
        description = f"remove {', '.join(f'`{c.upper()}`' for c in unused)} from the comment"
    else:
        edit = _remove_comment(comment)
        description = f"remove `{spelled}`"
    return Finding(
        code=UNUSED_SUPPRESSION,
        path=comment.path,
        line=comment.line,
        column=comment.start,
        end_line=comment.line,
        end_column=comment.end,
        message=what,
        advice="remove it: nothing on this line is reported under it any more",
        snippet=line,
        fix=Fix(description, "safe", (edit,), comment.source),
    )


def _remove_comment(comment: Comment) -> Edit:
    """The edit that deletes the whole suppression: up to the next comment on the line (`# noqa:
    ASL101  # type: ignore` keeps `# type: ignore`), or to the end of the line with the blanks
    before it. Text after the codes (a reason) goes with them."""
    line = comment.text
    start, end = comment.start - 1, comment.end - 1
    following = line.find("#", end)
    if following >= 0:
        return Edit(comment.line, start + 1, comment.line, following + 1, "")
    while start > 0 and line[start - 1] in " \t":
        start -= 1
    return Edit(comment.line, start + 1, comment.line, len(line) + 1, "")


def tracked_codes(catalog_codes: Collection[str], custom: Collection[str]) -> frozenset[str]:
    """The codes whose suppressions the analysis records: the catalog codes (the call graph and
    the findings builder ask about every suppression of theirs) and the project's own rules."""
    return frozenset(catalog_codes) | frozenset(custom)
