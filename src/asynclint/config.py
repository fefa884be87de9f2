"""``[tool.asynclint]`` in pyproject.toml (or asynclint.toml) + command-line flags -> one
``Settings`` object."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

from asynclint import catalog as catalog_module
from asynclint import datafiles, structural
from asynclint.catalog import Catalog, CatalogError
from asynclint.codes import BY_CODE
from asynclint.discover import DEFAULT_EXCLUDE, excluded


class ConfigError(Exception):
    """The configuration is malformed; the message names the file and the key."""


_CODE_PREFIX = re.compile(r"ASL[0-9]{0,3}")  # fullmatch: `$` would allow a final newline
DEFAULT_MAX_CHAIN = 8
# library analysis is opt-in in this first version: `--library-analysis`, `--python PATH` or
# `library-analysis = true` turn it on
DEFAULT_LIBRARY_ANALYSIS = False
DEFAULT_LIBRARY_MAX_FILES = 600
DEFAULT_LIBRARY_MAX_SECONDS = 15.0
OFFLOADS = ("to_thread", "threadpool")


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ("ASL",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    allow: tuple[str, ...] = ()
    max_chain: int = DEFAULT_MAX_CHAIN  # hops shown in a chain before it is cut (and said so)
    extra_entries: tuple[Any, ...] = ()  # parsed catalog entries from [tool.asynclint]
    custom_rules: tuple[Any, ...] = ()  # structural.CustomRule from [[tool.asynclint.rule]]
    source: Optional[str] = None  # the pyproject.toml the settings came from
    # library source analysis (docs/library-analysis.md): None = the default (off for now)
    library_analysis: Optional[bool] = None
    python: Optional[str] = None  # the analysed project's interpreter or environment
    library_max_files: int = DEFAULT_LIBRARY_MAX_FILES
    library_max_seconds: float = DEFAULT_LIBRARY_MAX_SECONDS
    # the offload FastAPI code is told to use: "to_thread" (`asyncio.to_thread`, the loop's
    # default executor) or "threadpool" (`run_in_threadpool`, AnyIO's 40-token pool)
    offload: str = "to_thread"
    # import roots for every file of the run (`src`, like ruff's): absolute paths
    src: tuple[str, ...] = ()
    respect_gitignore: bool = True  # discovery skips what `.gitignore` files ignore
    catalog_cache: dict[str, Catalog] = field(default_factory=dict, compare=False, repr=False)

    def selects(self, code: str, path: Optional[Path] = None, root: Optional[Path] = None) -> bool:
        """flake8's rule: the longest matching prefix of select vs ignore wins."""
        chosen = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        ignored = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        if path is not None and root is not None:
            for pattern, codes in self.per_file_ignores:
                if excluded(path, root, [pattern]) or Path(path).match(pattern):
                    ignored = max([ignored, *(len(p) for p in codes if code.startswith(p))])
        return chosen >= 0 and chosen > ignored

    def catalog(self) -> Catalog:
        cached = self.catalog_cache.get("catalog")
        if cached is None:
            base = catalog_module.load_builtin()
            if self.extra_entries:
                base = catalog_module.build(
                    [[*base.functions.values(), *base.classes.values()], list(self.extra_entries)]
                )
            cached = base.without(self.allow)
            self.catalog_cache["catalog"] = cached
        return cached

    @property
    def analyses_libraries(self) -> bool:
        if self.library_analysis is not None:
            return self.library_analysis
        return DEFAULT_LIBRARY_ANALYSIS or self.python is not None

    def fingerprint(self) -> str:
        """What changes the analysis (for cache invalidation)."""
        library = (
            (self.python, self.library_max_files, self.library_max_seconds)
            if self.analyses_libraries
            else None
        )
        return repr(
            (
                self.allow,
                self.extra_entries,
                self.max_chain,
                self.custom_rules,
                library,
                self.src,
                self.offload,
            )
        )


_KEYS = {
    "rule",
    "custom-rules",
    "select",
    "ignore",
    "extend-ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "allow",
    "max-chain",
    "library-analysis",
    "python",
    "library-max-files",
    "library-max-seconds",
    "offload",
    "src",
    "respect-gitignore",
    "function",
    "class",
    "defaults",
}


# in one directory, the first of these that exists is the configuration (ruff's order); the
# two own files hold the settings at their top level, pyproject.toml in [tool.asynclint]
CONFIG_FILES = (".asynclint.toml", "asynclint.toml", "pyproject.toml")


def find_pyproject(start: Path) -> Optional[Path]:
    """The nearest configuration file at or above ``start`` (see ``CONFIG_FILES``); its
    directory is the project root."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for candidate in (directory, *directory.parents):
        for name in CONFIG_FILES:
            found = candidate / name
            if found.is_file():
                return found
    return None


def _own_file(path: Path) -> bool:
    return path.name in CONFIG_FILES[:2]


def _at(source: str) -> str:
    return source if _own_file(Path(source)) else f"{source} [tool.asynclint]"


def _in(source: str) -> str:
    """Where a key is, for messages: `FILE: [tool.asynclint] `, or `FILE: ` in asynclint.toml."""
    return f"{source}: " if _own_file(Path(source)) else f"{source}: [tool.asynclint] "


def load(pyproject: Optional[Path]) -> Settings:
    """Settings from ``pyproject``; ConfigError (one line, naming the file) for anything wrong
    in it, whatever other tools' tables hold: it is read within size and nesting limits."""
    if pyproject is None:
        return Settings()
    try:
        data = datafiles.load_toml(pyproject)
    except datafiles.DataError as exc:
        raise ConfigError(f"{pyproject}: {exc}") from exc
    if _own_file(pyproject):  # asynclint.toml: the settings themselves, no [tool.asynclint]
        return from_table(data, str(pyproject))
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{pyproject}: `tool` must be a table ([tool.asynclint])")
    table = tool.get("asynclint")
    if table is None:
        return Settings(source=str(pyproject))
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.asynclint] must be a table")
    return from_table(table, str(pyproject))


def from_table(table: Mapping[str, Any], source: str) -> Settings:
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{_in(source)}has unknown key(s): {', '.join(unknown)}; "
            f"known keys: {', '.join(sorted(_KEYS))}"
        )
    settings = Settings(source=source)
    if "select" in table:
        settings = replace(settings, select=tuple(_codes(table, "select", source)))
    ignore = _codes(table, "ignore", source) + _codes(table, "extend-ignore", source)
    if ignore:
        settings = replace(settings, ignore=tuple(ignore))
    if "per-file-ignores" in table:
        raw = table["per-file-ignores"]
        if not isinstance(raw, dict):
            raise ConfigError(
                f'{_in(source)}`per-file-ignores` must be a table of "glob" = [codes]'
            )
        pairs = []
        for pattern, codes in raw.items():
            if not pattern.strip():
                raise ConfigError(f"{_in(source)}`per-file-ignores` has an empty file pattern")
            pairs.append(
                (pattern, tuple(_codes({pattern: codes}, pattern, source, "per-file-ignores.")))
            )
        settings = replace(settings, per_file_ignores=tuple(pairs))
    if "exclude" in table:
        settings = replace(settings, exclude=tuple(_strings(table, "exclude", source)))
    if "extend-exclude" in table:
        settings = replace(
            settings, exclude=settings.exclude + tuple(_strings(table, "extend-exclude", source))
        )
    if "allow" in table:
        settings = replace(settings, allow=tuple(_strings(table, "allow", source)))
    if "max-chain" in table:
        value = table["max-chain"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(
                f"{_in(source)}`max-chain` must be a whole number of at least 1, got {value!r}"
            )
        settings = replace(settings, max_chain=value)
    if "library-analysis" in table:
        value = table["library-analysis"]
        if not isinstance(value, bool):
            raise ConfigError(
                f"{_in(source)}`library-analysis` must be true or false, got {value!r}"
            )
        settings = replace(settings, library_analysis=value)
    if "python" in table:
        value = table["python"]
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(
                f"{_in(source)}`python` must be the path of an interpreter or a virtual environment"
            )
        # relative to the pyproject.toml that names it
        settings = replace(settings, python=str(Path(source).parent / value))
    if "respect-gitignore" in table:
        value = table["respect-gitignore"]
        if not isinstance(value, bool):
            raise ConfigError(f"{_in(source)}`respect-gitignore` must be true or false")
        settings = replace(settings, respect_gitignore=value)
    if "offload" in table:
        value = table["offload"]
        if value not in OFFLOADS:
            raise ConfigError(
                f"{_in(source)}`offload` must be one of "
                f"{', '.join(repr(o) for o in OFFLOADS)}, got {value!r}"
            )
        settings = replace(settings, offload=value)
    if "src" in table:
        # relative to the pyproject.toml that names them
        directory = Path(source).parent
        roots = [str(directory / root) for root in _strings(table, "src", source) if root.strip()]
        settings = replace(settings, src=tuple(roots))
    if "library-max-files" in table:
        files = _positive(table, "library-max-files", source)
        settings = replace(settings, library_max_files=max(int(files), 1))
    if "library-max-seconds" in table:
        seconds = _positive(table, "library-max-seconds", source)
        settings = replace(settings, library_max_seconds=float(seconds))
    try:
        custom = structural.parse(table.get("rule", []), _at(source))
        custom += structural.load_files(
            _strings(table, "custom-rules", source), Path(source).parent, source
        )
    except structural.RuleError as exc:
        raise ConfigError(str(exc)) from exc
    codes = [rule.rule.code for rule in custom]
    duplicated = sorted({code for code in codes if codes.count(code) > 1})
    if duplicated:
        raise ConfigError(f"{source}: custom rule code(s) used twice: {', '.join(duplicated)}")
    settings = replace(settings, custom_rules=tuple(custom))
    entries = {k: table[k] for k in ("function", "class", "defaults") if k in table}
    if entries:
        try:
            parsed = catalog_module.parse_table(entries, _at(source))
        except CatalogError as exc:
            raise ConfigError(str(exc)) from exc
        settings = replace(settings, extra_entries=tuple(parsed))
    return settings


def _positive(table: Mapping[str, Any], key: str, source: str) -> float:
    value = table[key]
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{_in(source)}`{key}` must be a positive number, got {value!r}")
    return value


def _strings(table: Mapping[str, Any], key: str, source: str, prefix: str = "") -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{_in(source)}`{prefix}{key}` must be a list of strings")
    return value


def _codes(table: Mapping[str, Any], key: str, source: str, prefix: str = "") -> list[str]:
    return [
        check_code(code, f"{_in(source)}`{prefix}{key}`")
        for code in _strings(table, key, source, prefix)
    ]


def check_code(code: str, where: str) -> str:
    code = code.strip().upper()
    if not _CODE_PREFIX.fullmatch(code):
        raise ConfigError(
            f"{where}: {code!r} is not an asynclint code or prefix (e.g. ASL101, ASL1)"
        )
    if len(code) == 6 and code not in BY_CODE and not structural.USER_CODE.fullmatch(code):
        raise ConfigError(f"{where}: unknown code {code}; `asynclint rules` lists them")
    return code


def parse_codes(values: Sequence[str], where: str) -> tuple[str, ...]:
    """Codes from the command line: repeated flags and comma-separated lists both work."""
    out: list[str] = []
    for value in values:
        out += [check_code(c, where) for c in value.split(",") if c.strip()]
    if not out:
        raise ConfigError(f"{where}: needs at least one code or prefix (e.g. ASL1)")
    return tuple(out)
