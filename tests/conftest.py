"""Shared helpers: run the engine on fixtures and read their expectation comments."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

import pytest
from typer.testing import CliRunner

from asynclint import engine
from asynclint.cache import Summaries
from asynclint.config import Settings
from asynclint.discover import discover
from asynclint.findings import Finding

FIXTURES = Path(__file__).parent / "fixtures"
# `call()  # error: ASL101` or `# error: ASL101, ASL201`; `# ok: why it is clean` documents.
# One code may also state the column and the API reached:
# `# error: ASL101 col=5 api=requests.get` (either attribute may be left out).
_CODE = r"ASL[0-9]{3}"
_DETAIL = re.compile(rf"(?P<code>{_CODE})(?:\s+col=(?P<col>[0-9]+))?(?:\s+api=(?P<api>[\w.]+))?")
_EXPECT = re.compile(
    rf"#\s*error:\s*(?P<codes>{_CODE}(?:\s*,\s*{_CODE})*"
    rf"|{_CODE}(?:\s+col=[0-9]+)?(?:\s+api=[\w.]+)?)\s*$"
)
_LOOSE = re.compile(r"#\s*error\b")


def _expectations(root: Path) -> list[tuple[str, int, str, str]]:
    """(relative path, line, code, detail text) for every `# error:` comment below ``root``."""
    files = [root] if root.is_file() else sorted(root.rglob("*.py"))
    out = []
    for path in files:
        relative = path.name if root.is_file() else path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = _EXPECT.search(line)
            if match is None:
                if _LOOSE.search(line):
                    raise AssertionError(f"{relative}:{number}: malformed expectation: {line!r}")
                continue
            for part in re.split(r"\s*,\s*", match.group("codes")):
                out.append((relative, number, part[:6], part))
    return sorted(out)


def expected_findings(root: Path) -> list[tuple[str, int, str]]:
    """(relative path, line, code) for every `# error:` comment below ``root``."""
    return [(path, line, code) for path, line, code, _ in _expectations(root)]


def expected_details(root: Path) -> dict[tuple[str, int, str], tuple[Optional[int], str]]:
    """(path, line, code) -> (column or None, API or "") where an expectation states them."""
    out: dict[tuple[str, int, str], tuple[Optional[int], str]] = {}
    for path, line, code, text in _expectations(root):
        detail = _DETAIL.fullmatch(text)
        assert detail is not None, text
        if detail.group("col") or detail.group("api"):
            column = int(detail.group("col")) if detail.group("col") else None
            out[(path, line, code)] = (column, detail.group("api") or "")
    return out


def run(root: Path, settings: Settings | None = None) -> list[Finding]:
    found = discover([str(root)], root=root if root.is_dir() else root.parent)
    base = root if root.is_dir() else root.parent
    report = engine.check(found.files, base, settings or Settings(), Summaries(None))
    return list(report.findings)


def actual_findings(root: Path, settings: Settings | None = None) -> list[tuple[str, int, str]]:
    base = root if root.is_dir() else root.parent
    out = []
    for finding in run(root, settings):
        path = Path(finding.path).resolve()
        out.append((path.relative_to(base.resolve()).as_posix(), finding.line, finding.code))
    return sorted(out)


@pytest.fixture()
def fixtures() -> Path:
    return FIXTURES


class _Separated:
    """click >= 8.2's result shape on older click: `output` is stdout then stderr, `stdout`
    is only what went there (so JSON can be parsed), whichever click is installed."""

    def __init__(self, result: Any) -> None:
        self._result = result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._result, name)

    @property
    def output(self) -> str:
        return str(self._result.stdout) + str(self._result.stderr)


class _OldClickRunner(CliRunner):
    def invoke(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return _Separated(super().invoke(*args, **kwargs))


def cli_runner() -> CliRunner:
    """A runner whose `stdout` holds only what the command printed there and whose `output`
    holds everything, on every click version (before 8.2, stderr was mixed into stdout)."""
    try:
        return _OldClickRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()
