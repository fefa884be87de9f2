"""Output formats. Each is a module with ``render(findings, *, root) -> str`` over one Finding type.

``root`` is the absolute project (repository) root; ``Finding.path`` is absolute, and each
format shows it as its readers expect (``paths.display``, ``paths.repo_relative``). Every
renderer returns text ending in a newline (``github`` returns "" when there is nothing to report),
so write it out as is, without adding another line break.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from asynclint.findings import Finding
from asynclint.reporters import github, json_format, sarif, text


class Renderer(Protocol):
    def __call__(self, findings: Sequence[Finding], *, root: Path) -> str: ...


FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
}

__all__ = ["FORMATS", "Renderer"]
