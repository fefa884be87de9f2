"""Terminal output, in the style of ruff and flake8::

app/main.py:12:12: ASL101 `requests.get` blocks the event loop in route `GET /users/{id}`
   |
12 |     return requests.get(url).json()
   |            ^^^^^^^^^^^^
  = help: use `httpx.AsyncClient` and `await` the request

Found 1 problem in 1 file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from asynclint.codes import COST_LABELS
from asynclint.findings import Finding, ordered
from asynclint.paths import display

BOLD = "\x1b[1m"
RED = "\x1b[31m"
RESET = "\x1b[0m"


def _width(char: str) -> int:
    """Terminal columns taken by one character."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _underline(snippet: str, finding: Finding) -> tuple[str, str]:
    """The padding before the caret run and the caret run, for ``snippet``."""
    start = min(max(finding.column - 1, 0), len(snippet))
    if finding.end_line > finding.line:
        end = len(snippet.rstrip())
    else:
        end = min(finding.end_column - 1, len(snippet))
    if snippet.isascii():  # one column each (control characters were made symbols)
        return _NOT_TAB.sub(" ", snippet[:start]), "^" * max(end - start, 1)
    pad = "".join("\t" if char == "\t" else " " * _width(char) for char in snippet[:start])
    carets = "^" * max(sum(_width(char) for char in snippet[start:end]), 1)
    return pad, carets


_NOT_TAB = re.compile(r"[^\t]")


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{RESET}" if color else text


# control characters (but the tab) as visible symbols: ␀ … ␟, ␡, and � for C1 controls
_CONTROLS = {
    **{code: chr(0x2400 + code) for code in range(0x20) if code != 0x09},
    0x7F: "\u2421",
    **{code: "\ufffd" for code in range(0x80, 0xA0)},
}


def _printable(text: str) -> str:
    """Control characters from the checked file (a NUL, a terminal escape) as visible symbols,
    one column each, so they can neither drive the terminal nor shift the carets."""
    return text.translate(_CONTROLS)


def _finding(finding: Finding, color: bool) -> list[str]:
    path = _printable(display(finding.path))
    location = _paint(f"{path}:{finding.line}:{finding.column}:", BOLD, color)
    code = _paint(finding.code, BOLD + RED, color)
    lines = [f"{location} {code} {_printable(finding.message)}"]
    snippet = _printable(finding.snippet.rstrip())
    if snippet:
        number = str(finding.line)
        gutter = " " * len(number)
        pad, carets = _underline(snippet, finding)
        lines += [
            f"{gutter} |",
            f"{number} | {snippet}",
            f"{gutter} | {pad}{_paint(carets, BOLD + RED, color)}",
        ]
    if finding.advice:
        lines.append(f"  = {_paint('help', BOLD, color)}: {finding.advice}")
    if finding.chain:
        lines.append(f"  = chain: {finding.chain_text()}")
        if finding.context:
            lines.append(f"  = runs in: {finding.context}")
    if finding.related:
        calls = ", ".join(f"line {r.line} `{r.api}`" for r in finding.related)
        lines.append(f"  = same handle: {calls}")
    if finding.also:
        others = ", ".join(f"`{api}` ({code})" for code, api in finding.also)
        lines.append(f"  = also reaches: {others}")
    if finding.cost:
        lines.append(f"  = cost: {finding.cost} ({COST_LABELS[finding.cost]})")
    if finding.inferred:
        lines.append(f"  = inferred from library source ({finding.inferred}), not from the catalog")
    if finding.fix is not None:
        flag = "--fix" if finding.fix.safety == "safe" else "--fix --unsafe-fixes"
        lines.append(f"  = fix ({finding.fix.safety}, {flag}): {finding.fix.description}")
    return lines


def summary(findings: Sequence[Finding]) -> str:
    if not findings:
        return "No blocking calls found."
    count = len(findings)
    files = len({finding.path for finding in findings})
    problems = "problem" if count == 1 else "problems"
    file_word = "file" if files == 1 else "files"
    return f"Found {count} {problems} in {files} {file_word}."


def render(
    findings: Sequence[Finding], *, root: Path, color: bool = False, sort: str = "path"
) -> str:
    """Every finding with its source line, then a summary line; ends in a newline.

    ``root`` is unused: paths are shown as given, relative to the working directory.
    ``sort`` is ``path`` (by place) or ``cost`` (costliest first, see ``--sort``).
    """
    blocks = ["\n".join(_finding(f, color)) for f in ordered(findings, sort)]
    blocks.append(_paint(summary(findings), BOLD, color))
    return "\n\n".join(blocks) + "\n"
