"""`.gitignore` files as git reads them, so discovery skips what the repository ignores (as
ruff does by default: generated code, vendored trees and virtual environments are rarely
listed in `exclude`, but nearly always in `.gitignore`).

Supported: comments and blank lines, `\\#` / `\\!` escapes, trailing spaces, `!` negation
(a file inside an ignored directory stays ignored, as in git), a trailing `/` for directories
only, patterns anchored by a leading or inner `/`, and `*`, `?`, `[...]` and `**`. Rules come
from every `.gitignore` from the repository's root (the directory holding `.git`) down to
each directory walked, and from `.git/info/exclude`; later and deeper rules win.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, Optional

from asynclint.filesystem import DISK

MAX_BYTES = 1024 * 1024  # a .gitignore larger than this is not one anybody wrote by hand


class Rule(NamedTuple):
    base: str  # the directory the pattern is relative to, absolute, native separators
    pattern: re.Pattern[str]  # matches a path relative to base (anchored) or a file name
    anchored: bool  # a `/` at the start or in the middle: relative to base, not any level
    negate: bool  # `!pattern`: re-include
    directory_only: bool  # `pattern/`


def _translate(glob: str) -> str:
    """A gitignore glob as a regular expression over `/`-separated relative paths."""
    out: list[str] = []
    index = 0
    while index < len(glob):
        if glob.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif glob.startswith("/**", index) and index + 3 == len(glob):
            out.append("/.*")
            index += 3
        elif glob.startswith("**", index):
            out.append(".*")
            index += 2
        else:
            char = glob[index]
            index += 1
            if char == "*":
                out.append("[^/]*")
            elif char == "?":
                out.append("[^/]")
            elif char == "\\" and index < len(glob):
                out.append(re.escape(glob[index]))
                index += 1
            elif char == "[":
                end = glob.find("]", index + 1 if glob[index : index + 1] in ("!", "^") else index)
                if end == -1:
                    out.append(re.escape(char))
                    continue
                body = glob[index:end]
                index = end + 1
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
            else:
                out.append(re.escape(char))
    return "".join(out)


def parse(text: str, base: Path) -> list[Rule]:
    """The rules of one `.gitignore` whose directory is ``base``."""
    rules = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        stripped = line.rstrip(" ")
        if line.endswith("\\ ") and not stripped.endswith("\\\\"):
            stripped += " "  # `foo\ `: an escaped trailing space stays
        line = stripped
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        if line.startswith(("\\#", "\\!")):
            line = line[1:]
        directory_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        try:
            pattern = re.compile(_translate(line) + r"\Z")
        except re.error:
            continue  # git ignores a pattern it cannot read; so do we
        rules.append(Rule(str(base), pattern, anchored, negate, directory_only))
    return rules


def read(directory: Path) -> list[Rule]:
    """The rules of ``directory/.gitignore``; none when it is missing or unreadable."""
    data = DISK.read_bytes(directory / ".gitignore")
    if data is None or len(data) > MAX_BYTES:
        return []
    return parse(data.decode("utf-8", "replace"), directory)


def ignored(path: Path, is_directory: bool, rules: Sequence[Rule]) -> bool:
    """Whether the last rule matching ``path`` ignores it (git's order: later wins)."""
    verdict = False
    name = path.name
    text = str(path)
    for rule in rules:
        if rule.directory_only and not is_directory:
            continue
        if not text.startswith(rule.base + os.sep):
            continue
        if rule.anchored:
            relative = text[len(rule.base) + 1 :].replace(os.sep, "/")
            matched = rule.pattern.match(relative) is not None
        else:
            matched = rule.pattern.match(name) is not None
        if matched:
            verdict = not rule.negate
    return verdict


def inherited(directory: Path) -> list[Rule]:
    """The rules that apply in ``directory`` from above it: every `.gitignore` from the
    repository's root down to its parent, and `.git/info/exclude`. None outside a repository."""
    directory = Path(os.path.abspath(directory))
    chain: list[Path] = []
    repository: Optional[Path] = None
    for candidate in (directory, *directory.parents):
        chain.append(candidate)
        if (candidate / ".git").exists():
            repository = candidate
            break
    if repository is None:
        return []
    rules: list[Rule] = []
    exclude = DISK.read_bytes(repository / ".git" / "info" / "exclude")
    if exclude is not None and len(exclude) <= MAX_BYTES:
        rules += parse(exclude.decode("utf-8", "replace"), repository)
    for above in reversed(chain[1:]):  # the root first; `directory`'s own is read by the walk
        rules += read(above)
    return rules
