"""flake8 adapter: the same engine and findings as the CLI, shown per file.

flake8 hands a plugin one file at a time, in worker processes. A blocking call in a route may
be proven by a helper in another module, so the plugin analyses the file's whole project (the
files under the nearest pyproject.toml, as ``asynclint check`` on that directory would), once
per process, with the on-disk summary cache, and reports the findings that fall in this file.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

from asynclint import __version__, engine
from asynclint.cache import Summaries, resolve_cache_dir
from asynclint.config import Settings, find_pyproject, load
from asynclint.discover import discover, find_root
from asynclint.findings import Finding

# root -> findings by resolved path; one whole-project run per flake8 worker process
_RUNS: dict[tuple[str, str], dict[str, list[Finding]]] = {}


def project_findings(
    path: Path, config: Optional[Path] = None, use_cache: bool = True
) -> list[Finding]:
    """The findings ``asynclint check <project root>`` reports for ``path``."""
    path = path.resolve()
    pyproject = config or find_pyproject(path)
    settings = load(pyproject)
    root = pyproject.parent if pyproject is not None else find_root(path)
    key = (str(root), settings.fingerprint() + repr(settings.exclude))
    run = _RUNS.get(key)
    if run is None:
        found = discover([str(root)], settings.exclude, root=root)
        files = list(found.files)
        if path not in files:
            files.append(path)
        summaries = Summaries(
            resolve_cache_dir(None, root, not use_cache), salt=settings.fingerprint()
        )
        # select/ignore is flake8's job here: report every code and let it filter
        everything = Settings(
            **{
                **settings.__dict__,
                "select": ("ASL",),
                "ignore": (),
                "per_file_ignores": (),
                "catalog_cache": {},
            }
        )
        report = engine.check(files, root, everything, summaries)
        run = {}
        for finding in report.findings:
            run.setdefault(str(Path(finding.path).resolve()), []).append(finding)
        _RUNS[key] = run
    return run.get(str(path), [])


class AsyncLintChecker:
    name = "asynclint"
    version = __version__
    config: Optional[Path] = None
    use_cache = True

    def __init__(self, tree: ast.AST, filename: str) -> None:
        self.filename = filename

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        option_manager.add_option(
            "--asynclint-config",
            default=None,
            parse_from_config=True,
            help="pyproject.toml with the [tool.asynclint] table (default: the nearest one)",
        )
        option_manager.add_option(
            "--asynclint-no-cache",
            default=False,
            action="store_true",
            parse_from_config=True,
            help="do not use asynclint's summary cache",
        )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        config = getattr(options, "asynclint_config", None)
        cls.config = Path(config) if config else None
        cls.use_cache = not getattr(options, "asynclint_no_cache", False)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        if self.filename in ("stdin", "-", None):
            return
        for finding in project_findings(Path(self.filename), self.config, self.use_cache):
            yield finding.line, finding.column - 1, f"{finding.code} {finding.text}", type(self)
