"""The ``asynclint`` command line: parses flags, runs the engine, renders, sets the exit code.

Exit codes: 0 no findings, 1 findings, 2 usage or configuration error.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace as dataclass_replace
from enum import Enum
from pathlib import Path
from typing import Any, List, Optional

import typer

from asynclint import __version__, addnoqa, autofix, engine, safeio
from asynclint import baseline as baseline_module
from asynclint.cache import ENV_VAR as CACHE_ENV_VAR
from asynclint.cache import Summaries, resolve_cache_dir
from asynclint.catalog import CatalogError, ClassEntry
from asynclint.cli_usage import UsageErrors
from asynclint.codes import (
    COST_CLASSES,
    COST_LABELS,
    PARSE_ERROR,
    RULES,
    UNUSED_SUPPRESSION,
    Rule,
    class_rank,
    code_cost,
)
from asynclint.config import ConfigError, Settings, find_pyproject, load, parse_codes
from asynclint.discover import (
    Discovered,
    DiscoveryError,
    discover,
    find_marked_root,
    find_root,
    siblings,
)
from asynclint.docsgen import render_page
from asynclint.filesystem import DISK
from asynclint.findings import Finding
from asynclint.fixes import verify, write
from asynclint.paths import display, repo_relative, repository_root
from asynclint.reporters import FORMATS, fix_list, json_format
from asynclint.reporters import text as text_reporter

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

app = typer.Typer(
    name="asynclint",
    cls=UsageErrors,  # usage errors as `asynclint: error: ...`, exit 2
    help="Find calls that block the event loop in asyncio and FastAPI applications.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts mention `[tool.asynclint]`: not markup
    context_settings={"help_option_names": ["-h", "--help"]},
)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


class SortOrder(str, Enum):
    path = "path"
    cost = "cost"


class CostClass(str, Enum):
    wait = "wait"
    database = "database"
    subprocess = "subprocess"
    cpu = "cpu"
    file = "file"
    metadata = "metadata"


class ListFormat(str, Enum):
    text = "text"
    json = "json"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"asynclint: error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"asynclint {__version__}")
        raise typer.Exit(EXIT_CLEAN)


@app.callback()
def main_callback(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Find calls that block the event loop in asyncio and FastAPI applications."""


def write_output(text: str, output: Optional[Path]) -> None:
    """Print, or write into ``output``: a new file, or an existing regular file (through a
    symlink the user named) whose mode, owner and links are kept. Never a device or a pipe:
    replacing ``/dev/null`` as root, or blocking on a pipe, is worse than an error."""
    # a file name that is not UTF-8 reaches here as lone surrogates: show them as U+FFFD
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        safeio.write_into(output, text.encode("utf-8"))
    except OSError as exc:
        raise _fail(f"cannot write {output}: {exc.strerror or exc}") from exc


def _check_writable(output: Optional[Path]) -> None:
    """Refuse an output that exists and is not a regular file before the analysis, not after."""
    if output is None:
        return
    try:
        info = os.stat(output)
    except OSError:
        return  # a new file (or an error the write itself reports)
    if not stat.S_ISREG(info.st_mode):
        raise _fail(f"cannot write {output}: not a regular file")


@app.command()
def check(
    paths: List[str] = typer.Argument(None, help="Files or directories to check [default: .]"),
    output_format: OutputFormat = typer.Option(
        OutputFormat.text,
        "--format",
        "--output-format",
        "-f",
        help="Output format.",
        case_sensitive=False,
    ),
    output: Optional[Path] = typer.Option(
        None,
        "--output",
        "--output-file",
        "-o",
        help="Write the report to this file instead of stdout.",
    ),
    select: List[str] = typer.Option(
        [], "--select", help="Codes or prefixes to report (comma-separated or repeated)."
    ),
    extend_select: List[str] = typer.Option(
        [], "--extend-select", help="Codes or prefixes to report besides the selected ones."
    ),
    ignore: List[str] = typer.Option(
        [], "--ignore", help="Codes or prefixes to leave out (comma-separated or repeated)."
    ),
    config: Optional[Path] = typer.Option(
        None,
        "--config",
        help="pyproject.toml to read [tool.asynclint] from "
        "[default: the nearest one above the first path].",
    ),
    cache_dir: Optional[Path] = typer.Option(
        None,
        "--cache-dir",
        envvar="ASYNCLINT_CACHE_DIR",
        help="Where to keep the summary cache [default: .asynclint_cache in the project root].",
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the cache."),
    exit_zero: bool = typer.Option(
        False, "--exit-zero", help="Exit 0 even when there are findings."
    ),
    statistics: bool = typer.Option(
        False,
        "--statistics",
        help="Print the number of findings per code and per cost class after the report.",
    ),
    sort: SortOrder = typer.Option(
        SortOrder.path,
        "--sort",
        help="Order of the findings (text and json): by place, or costliest first.",
        case_sensitive=False,
    ),
    min_cost: Optional[CostClass] = typer.Option(
        None,
        "--min-cost",
        help="Report only findings at least this costly: wait > database > subprocess > cpu "
        "> file > metadata (ASL001 is always kept).",
        case_sensitive=False,
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the findings."),
    verbose: bool = typer.Option(
        False,
        "--verbose",
        "-v",
        help="Also say which imports found no module although a project file of that name "
        "exists (an import root is probably missing: see `src` in the configuration).",
    ),
    color: Optional[bool] = typer.Option(
        None, "--color/--no-color", help="Color the text output [default: when a terminal]."
    ),
    baseline: Optional[Path] = typer.Option(
        None, "--baseline", help="Report only findings that are not in this baseline file."
    ),
    write_baseline: Optional[Path] = typer.Option(
        None, "--write-baseline", help="Record the current findings in this file and exit 0."
    ),
    apply_fixes: bool = typer.Option(
        False, "--fix", help="Apply safe fixes, then report what is left."
    ),
    unsafe_fixes: bool = typer.Option(
        False, "--unsafe-fixes", help="With --fix or --diff: also apply fixes that need review."
    ),
    show_fixes: bool = typer.Option(
        False,
        "--show-fixes/--no-show-fixes",
        help="After the text report, list the fixes applied (--fix) and those available, "
        "per file and code.",
    ),
    python: Optional[str] = typer.Option(
        None,
        "--python",
        help="The analysed project's interpreter or virtual environment: calls into its "
        "installed libraries are followed into their source (turns on library analysis).",
    ),
    library_analysis: Optional[bool] = typer.Option(
        None,
        "--library-analysis/--no-library-analysis",
        help="Follow calls into installed libraries the catalog does not describe "
        "[default: off, or `library-analysis` in pyproject.toml].",
    ),
    diff: bool = typer.Option(
        False,
        "--diff",
        help="Print the fixes as a unified diff and write nothing "
        "(exit 1 if anything would change).",
    ),
    respect_gitignore: Optional[bool] = typer.Option(
        None,
        "--respect-gitignore/--no-respect-gitignore",
        help="Skip the files `.gitignore` ignores [default: on, or `respect-gitignore`].",
    ),
    add_noqa: bool = typer.Option(
        False,
        "--add-noqa",
        help="Silence every finding with a `# noqa: CODE` comment on its line, and report "
        "nothing (to adopt asynclint now and fix the list later).",
    ),
    stdin_filename: Optional[Path] = typer.Option(
        None,
        "--stdin-filename",
        help="Read the source from stdin and check it as this file (an editor's unsaved "
        "buffer); the rest of its project is read from disk.",
    ),
) -> None:
    """Check Python files for calls that block the event loop."""
    buffer: Optional[bytes] = None
    if stdin_filename is not None:
        if paths and paths != ["-"]:
            raise _fail("--stdin-filename checks the buffer read from stdin: name no paths")
        if apply_fixes or diff:
            raise _fail("--fix and --diff write files: they cannot take a buffer from stdin")
        buffer = sys.stdin.buffer.read()
        paths = [str(stdin_filename)]
    paths = paths or ["."]
    try:
        pyproject = config if config is not None else find_pyproject(Path(paths[0]))
        if config is not None and not config.is_file():
            raise ConfigError(f"{config}: no such file")
        settings = load(pyproject)
        if select:
            settings = _replace(settings, select=parse_codes(select, "--select"))
        if respect_gitignore is not None:
            settings = _replace(settings, respect_gitignore=respect_gitignore)
        if extend_select:
            more = parse_codes(extend_select, "--extend-select")
            settings = _replace(settings, select=settings.select + more)
        if ignore:
            settings = _replace(settings, ignore=parse_codes(ignore, "--ignore"))
        if python is not None:
            settings = _replace(settings, python=python)
        if library_analysis is not None:
            settings = _replace(settings, library_analysis=library_analysis)
        if baseline is not None and write_baseline is not None:
            raise ConfigError("--baseline and --write-baseline cannot be used together")
        if apply_fixes and diff:
            raise ConfigError("--fix and --diff cannot be used together (--diff writes nothing)")
        if add_noqa and (apply_fixes or diff or stdin_filename is not None):
            raise ConfigError("--add-noqa writes files: use it without --fix, --diff and stdin")
        known = baseline_module.load(baseline) if baseline is not None else None
        if stdin_filename is not None:
            target = Path(os.path.abspath(stdin_filename))  # need not exist on disk
            found = Discovered((target,), find_root(target), frozenset({target}))
        else:
            found = discover(paths, settings.exclude, None, settings.respect_gitignore)
        settings.catalog()  # load and validate the catalog before any work
    except (ConfigError, CatalogError, DiscoveryError, baseline_module.BaselineError) as exc:
        raise _fail(str(exc)) from exc
    if not found.files:  # as ruff: a warning, not a failure (a missing path is one)
        typer.echo(f"asynclint: warning: no Python files found in {', '.join(paths)}", err=True)
        raise typer.Exit(EXIT_CLEAN)
    _check_writable(output)
    _check_writable(write_baseline)
    root = pyproject.parent if pyproject is not None else found.root
    # files in no project (no pyproject.toml or .git above them) are analysed with the files
    # beside them only, and no cache is written next to them, as in the flake8 plugin: not
    # the whole containing folder (a home directory, /tmp)
    alone = pyproject is None and _in_no_project(found)
    default_cache = cache_dir is None and not os.environ.get(CACHE_ENV_VAR)
    summaries = Summaries(
        resolve_cache_dir(cache_dir, root, no_cache or (alone and default_cache)),
        salt=settings.fingerprint(),
        files=DISK if buffer is None else DISK.overlaid({str(found.files[0]): buffer}),
        project_root=root,
    )
    project: Optional[Sequence[Path]] = None
    if alone:
        project = sorted({*found.files, *(p for f in found.files for p in siblings(f.parent))})
    elif _whole_project(paths, found, root):
        # checking the project's root walked the whole project already: the analysis's index
        # of the project (engine.project_files) is that same walk
        project = found.files
    if _ENDS_PROCESS:
        engine.leave_lingering()
    report = _with_unreadable(
        engine.check(found.files, root, settings, summaries, found.explicit, project),
        found,
        settings,
    )
    # the findings (tens of thousands in a large project, read back from the run cache) stay
    # until the process ends: out of the collector's sight while the output is written
    engine.linger("report", report)
    # paths in SARIF, annotations and baselines are relative to the repository, where GitHub
    # looks for them, even when pyproject.toml sits in a subdirectory (a monorepo)
    repo = repository_root(root)
    for warning in report.warnings:
        typer.echo(f"asynclint: warning: {warning}", err=True)
    if verbose:
        for detail in report.details:
            typer.echo(f"asynclint: note: {detail}", err=True)
        typer.echo(f"asynclint: note: analysis: {report.analysis}", err=True)
    if add_noqa:
        _add_noqa(report, found, root, settings, summaries, [Path(p) for p in paths])
        return
    applied: list[Finding] = []  # findings the fixes removed, for --show-fixes
    if diff or apply_fixes:
        outcome = autofix.fix(
            [*report.findings, *_stale_baseline(baseline, report, repo, found, settings)],
            found.files,
            root,
            settings,
            found.explicit,
            unsafe=unsafe_fixes,
            dry_run=diff,
            checked=[Path(p) for p in paths] + ([baseline] if baseline is not None else []),
        )
        for path, why in outcome.rejected:
            typer.echo(f"asynclint: warning: {display(path)}: not fixed: {why}", err=True)
        if diff:
            patch = "".join(c.diff(repo_relative(c.path, repo) or c.path) for c in outcome.applied)
            write_output(patch, output)
            typer.echo(
                f"asynclint: {outcome.fixed} fix(es) would be applied to "
                f"{len(outcome.applied)} file(s)",
                err=True,
            )
            raise typer.Exit(EXIT_FINDINGS if outcome.applied else EXIT_CLEAN)
        typer.echo(
            f"asynclint: fixed {outcome.fixed} finding(s) in {len(outcome.applied)} file(s)",
            err=True,
        )
        applied = [finding for change in outcome.applied for finding in change.fixed]
        if outcome.applied:
            report = _with_unreadable(
                engine.check(found.files, root, settings, summaries, found.explicit, project),
                found,
                settings,
            )
    if write_baseline is not None:
        write_output(baseline_module.render(report.findings, repo), write_baseline)
        typer.echo(
            f"asynclint: recorded {len(report.findings)} finding(s) in {write_baseline}", err=True
        )
        return
    findings = list(report.findings)
    if known is not None:
        findings = baseline_module.new_findings(findings, repo, known)
        findings += _stale_baseline(baseline, report, repo, found, settings)
        if not quiet:
            typer.echo(
                f"asynclint: {len(report.findings) - len(findings)} finding(s) already in "
                f"{baseline}, {len(findings)} new",
                err=True,
            )
    if min_cost is not None:
        findings = [f for f in findings if _costly_enough(f, min_cost.value)]
    renderer = FORMATS[output_format.value]
    if output_format is OutputFormat.text:
        use_color = color if color is not None else _color_by_default(output)
        text = text_reporter.render(findings, root=repo, color=use_color, sort=sort.value)
        if quiet:
            text = "".join(
                line + "\n"
                for line in text.splitlines()
                if line and not line.startswith(("Found ", "No blocking"))
            )
    elif output_format is OutputFormat.json:
        text = json_format.render(findings, root=repo, sort=sort.value)
    else:
        text = renderer(findings, root=repo)
    if statistics and output_format is OutputFormat.text:
        text += _statistics(findings)
    if show_fixes and output_format is OutputFormat.text:
        text += fix_list.render(applied, findings)
    write_output(text, output)
    if output is not None and not quiet:
        typer.echo(f"asynclint: wrote {len(findings)} finding(s) to {output}", err=True)
    if findings and not exit_zero:
        raise typer.Exit(EXIT_FINDINGS)


class MigrateFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command()
def migrate(
    paths: List[str] = typer.Argument(
        None, help="The Flask app's files or directories [default: .]"
    ),
    output_format: MigrateFormat = typer.Option(
        MigrateFormat.text, "--format", "-f", help="Output format.", case_sensitive=False
    ),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="Write the report to this file instead of stdout."
    ),
    config: Optional[Path] = typer.Option(
        None, "--config", help="pyproject.toml to read [tool.asynclint] from."
    ),
    cache_dir: Optional[Path] = typer.Option(
        None, "--cache-dir", envvar="ASYNCLINT_CACHE_DIR", help="Where to keep the summary cache."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the cache."),
    python: Optional[str] = typer.Option(
        None,
        "--python",
        help="The app's interpreter or virtual environment (turns on library analysis).",
    ),
    fail_on_blocking: bool = typer.Option(
        False, "--fail-on-blocking", help="Exit 1 when a route would block the loop as `async def`."
    ),
) -> None:
    """Report what blocks before a Flask app moves to FastAPI: every Flask view, view-class
    method, request hook and error handler is treated as an `async def` handler."""
    from asynclint.migrate import migrate as run_migration
    from asynclint.reporters.migration import MIGRATION_FORMATS

    paths = paths or ["."]
    try:
        pyproject = config if config is not None else find_pyproject(Path(paths[0]))
        if config is not None and not config.is_file():
            raise ConfigError(f"{config}: no such file")
        settings = load(pyproject)
        if python is not None:
            settings = _replace(settings, python=python, library_analysis=True)
        found = discover(paths, settings.exclude)
        settings.catalog()
    except (ConfigError, CatalogError, DiscoveryError) as exc:
        raise _fail(str(exc)) from exc
    if not found.files:
        typer.echo(f"asynclint: warning: no Python files found in {', '.join(paths)}", err=True)
        raise typer.Exit(EXIT_CLEAN)
    _check_writable(output)
    root = pyproject.parent if pyproject is not None else found.root
    summaries = Summaries(
        resolve_cache_dir(cache_dir, root, no_cache),
        salt=settings.fingerprint(),
        project_root=root,
    )
    report = run_migration(found.files, root, settings, summaries)
    for warning in (*summaries.warnings, *report.warnings):
        typer.echo(f"asynclint: warning: {warning}", err=True)
    if not report.routes:
        typer.echo("asynclint: warning: no Flask view or request hook found", err=True)
    write_output(MIGRATION_FORMATS[output_format.value](report), output)
    if fail_on_blocking and report.blocking:
        raise typer.Exit(EXIT_FINDINGS)


def _in_no_project(found: Discovered) -> bool:
    """Only files were named, and no pyproject.toml or .git is above them."""
    return (
        bool(found.explicit)
        and set(found.files) == set(found.explicit)
        and find_marked_root(found.root) is None
    )


def _whole_project(paths: Sequence[str], found: Discovered, root: Path) -> bool:
    """The one path checked is the project's root, walked with the project's own settings."""
    return (
        len(paths) == 1
        and not found.explicit
        and found.root == root
        and Path(os.path.abspath(paths[0])) == root
    )


def _add_noqa(
    report: engine.Report,
    found: Discovered,
    root: Path,
    settings: Settings,
    summaries: Summaries,
    checked: list[Path],
) -> None:
    """Write a `# noqa` for every finding, once each file's new text is proven: it compiles,
    and analysing it again reports none of the silenced findings."""
    # an unparsable file takes no directive; an unused suppression is removed (`--fix`), not
    # silenced by another one
    findings = [f for f in report.findings if f.code not in (PARSE_ERROR, UNUSED_SUPPRESSION)]
    sources = addnoqa.sources_of(findings, summaries.hashes)
    for path in sorted({f.path for f in findings} - set(sources)):
        typer.echo(
            f"asynclint: warning: {display(path)}: changed since it was read; left alone", err=True
        )
    planned = addnoqa.plan([f for f in findings if f.path in sources], sources)
    for path, line, why in planned.skipped:
        typer.echo(f"asynclint: warning: {display(path)}:{line}: no noqa added: {why}", err=True)
    changes = [c for c in planned.changes if verify(c) is None]
    proposed = DISK.overlaid({c.path: c.after for c in changes})
    again = engine.check(
        found.files, root, settings, Summaries(None, files=proposed), found.explicit
    )
    left = {(f.path, f.line, f.code) for f in again.findings}
    added = written = 0
    for change in changes:
        silenced = {(f.path, f.line, f.code) for f in findings if f.path == change.path}
        if silenced & left:
            why = "a noqa would not silence every finding; left alone"
            typer.echo(f"asynclint: warning: {display(change.path)}: {why}", err=True)
            continue
        problem = write(change, checked)
        if problem is not None:
            typer.echo(
                f"asynclint: warning: {display(change.path)}: not written: {problem}", err=True
            )
            continue
        added += len({line for _, line, _ in silenced})
        written += 1
    typer.echo(f"asynclint: added noqa to {added} line(s) in {written} file(s)", err=True)


def _color_by_default(output: Optional[Path]) -> bool:
    """FORCE_COLOR and NO_COLOR (https://no-color.org), set and not empty, win in that
    order; else color when the report goes to a terminal."""
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR"):
        return False
    return output is None and sys.stdout.isatty()


def _stale_baseline(
    baseline: Optional[Path],
    report: engine.Report,
    repo: Path,
    found: Discovered,
    settings: Settings,
) -> list[Finding]:
    """ASL002 for the baseline's entries that silence nothing (see ``baseline.stale``)."""
    if baseline is None:
        return []
    try:
        return baseline_module.stale(
            baseline,
            report.findings,
            repo,
            found.files,
            lambda code, path: settings.selects(code, path, report.root),
        )
    except baseline_module.BaselineError as exc:
        raise _fail(str(exc)) from exc


def _costly_enough(finding: Finding, least: str) -> bool:
    """`--min-cost`: the finding's cost class is ``least`` or costlier. ASL001 (a file that
    was not analysed) is always kept; other findings without a cost class are not."""
    if finding.code == PARSE_ERROR:
        return True
    return bool(finding.cost) and class_rank(finding.cost) <= class_rank(least)


def _statistics(findings: List[Finding]) -> str:
    """Findings per code (with the code's cost class), then per cost class, costliest first."""
    counts = Counter(f.code for f in findings)
    lines = [
        f"{count:>5}  {code}  {code_cost(code) or '-'}" for code, count in sorted(counts.items())
    ]
    costs = Counter(f.cost for f in findings if f.cost)
    lines += [
        f"{costs[cost]:>5}  cost {cost} ({COST_LABELS[cost]})"
        for cost in COST_CLASSES
        if cost in costs
    ]
    return "".join(line + "\n" for line in lines)


def _with_unreadable(report: engine.Report, found: Discovered, settings: Settings) -> engine.Report:
    """The report plus one ASL001 per directory that could not be listed: the files in it
    were never checked, so the run must not look clean (flake8 and ruff report E902)."""
    extra = []
    for directory, reason in found.unreadable:
        if not settings.selects(PARSE_ERROR, directory, report.root):
            continue
        extra.append(
            Finding(
                code=PARSE_ERROR,
                path=os.path.abspath(directory),
                line=1,
                column=1,
                end_line=1,
                end_column=1,
                message=f"directory cannot be read: {reason}",
                advice="check that the directory exists and is readable (and its path is not "
                "too long); nothing in it was checked",
            )
        )
    if not extra:
        return report
    return dataclass_replace(
        report, findings=tuple(sorted([*report.findings, *extra], key=Finding.sort_key))
    )


def _replace(settings: Settings, **changes: object) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)  # type: ignore[arg-type]


def _listing_settings(config: Optional[Path]) -> Settings:
    """Settings of the project in the working directory (or `--config`), for listings."""
    try:
        return load(config if config is not None else find_pyproject(Path.cwd()))
    except ConfigError as exc:
        raise _fail(str(exc)) from exc


@app.command()
def rules(
    code: Optional[str] = typer.Argument(
        None, help="A rule's code: print its page (what it finds, why, what to do) instead."
    ),
    output_format: ListFormat = typer.Option(
        ListFormat.text, "--format", "-f", case_sensitive=False
    ),
    config: Optional[Path] = typer.Option(
        None, "--config", help="pyproject.toml whose custom rules (ASL9xx) to list too."
    ),
) -> None:
    """List the rule codes with a one-line description, the project's own rules included."""
    settings = _listing_settings(config)
    every = [*RULES, *(custom.rule for custom in settings.custom_rules)]
    if code is not None:
        wanted = [r for r in every if r.code == code.strip().upper()]
        if not wanted:
            raise _fail(f"unknown code {code}; `asynclint rules` lists them")
        (rule,) = wanted
        if output_format is ListFormat.json:
            typer.echo(json.dumps(_rule_json(rule), indent=2))
        else:
            typer.echo(render_page(rule), nl=False)
        return
    if output_format is ListFormat.json:
        typer.echo(json.dumps([_rule_json(r) for r in every], indent=2))
        return
    width = max(len(r.name) for r in every)
    for r in every:
        typer.echo(f"{r.code}  {r.name:<{width}}  {r.level:<7}  {r.summary}")


def _rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "category": rule.category,
        "level": rule.level,
        "summary": rule.summary,
        "cost": code_cost(rule.code),
        "docs": rule.help_uri if rule.category != "custom" else None,
    }


catalog_app = typer.Typer(
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(catalog_app, name="catalog")


@catalog_app.callback(invoke_without_command=True)
def catalog(
    ctx: typer.Context,
    output_format: ListFormat = typer.Option(
        ListFormat.text, "--format", "-f", case_sensitive=False
    ),
    config: Optional[Path] = typer.Option(
        None, "--config", help="pyproject.toml with extra [tool.asynclint] entries."
    ),
) -> None:
    """List the blocking APIs asynclint knows, with their async replacements
    (`asynclint catalog infer DIST` drafts entries for an installed library)."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        entries = _listing_settings(config).catalog().entries()
    except CatalogError as exc:
        raise _fail(str(exc)) from exc
    rows: list[dict[str, Any]] = []
    for entry in entries:
        info = entry.info
        if isinstance(entry, ClassEntry):
            blocking = sorted(entry.blocking) + (["(constructor)"] if entry.constructor else [])
            rows.append(
                {
                    "name": entry.name,
                    "kind": "class",
                    "blocking": blocking,
                    "safe": sorted(entry.safe),
                    "returns": dict(entry.returns),
                    "versions": {key: str(value) for key, value in entry.versions.items()},
                    "code": info.code if info else None,
                    "category": info.category if info else None,
                    "replacement": info.replacement if info else None,
                    "cpu": _cpu_row(entry),
                }
            )
        else:
            rows.append(
                {
                    "name": entry.name,
                    "kind": "function",
                    "blocking": entry.blocking,
                    "returns": entry.returns,
                    "twin": entry.twin,
                    "versions": str(entry.versions) or None,
                    "code": info.code if info else None,
                    "category": info.category if info else None,
                    "replacement": info.replacement if info else None,
                }
            )
    if output_format is ListFormat.json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        cpu = row.get("cpu")
        if row["code"] is not None:
            detail = ""
            if row["kind"] == "class":
                detail = " (" + ", ".join(row["blocking"]) + ")"
            typer.echo(f"{row['code']}  {row['name']}{detail}  ->  {row['replacement']}")
        if cpu:
            methods = [*cpu["methods"], *(f"{m} in memory" for m in cpu["in_memory"])]
            detail = " (" + ", ".join(methods) + ")"
            typer.echo(f"{cpu['code']}  {row['name']}{detail}  ->  {cpu['replacement']}")


def _cpu_row(entry: ClassEntry) -> Optional[dict[str, Any]]:
    """The CPU side of an I/O class (`cpu = {...}` in the catalog), or None."""
    cpu = entry.cpu
    if cpu is None:
        return None
    return {
        "methods": sorted(cpu.methods),
        "in_memory": sorted(cpu.in_memory),
        "code": cpu.info.code,
        "replacement": cpu.info.replacement,
    }


@catalog_app.command("infer")
def catalog_infer(
    distributions: List[str] = typer.Argument(
        ..., help="Installed distributions to infer entries for (as pip names them)."
    ),
    python: Optional[str] = typer.Option(
        None,
        "--python",
        help="The interpreter, virtual environment or site-packages the distributions are "
        "installed in [default: VIRTUAL_ENV, ./.venv, else the running interpreter].",
    ),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="Write the entries into this file instead of stdout."
    ),
    config: Optional[Path] = typer.Option(
        None, "--config", help="pyproject.toml whose own catalog entries count as known."
    ),
) -> None:
    """Draft catalog entries (TOML) for installed libraries from their source, each with the
    chain that proves it blocks and the library's async twin, for review."""
    from asynclint.infer import InferError, infer, render
    from asynclint.library import find_environment

    settings = _listing_settings(config)
    try:
        catalog_data = settings.catalog()
    except CatalogError as exc:
        raise _fail(str(exc)) from exc
    root = Path.cwd()
    environment = find_environment(python, root)
    if environment is None:
        where = f"--python {python}" if python else "this interpreter"
        raise _fail(f"no site-packages directory found for {where}")
    _check_writable(output)
    try:
        results = infer(distributions, environment, catalog_data, root)
    except InferError as exc:
        raise _fail(str(exc)) from exc
    for result in results:
        for note in result.notes:
            if note.startswith("library analysis stopped"):
                typer.echo(f"asynclint: warning: {note}", err=True)
    write_output(render(results), output)


@app.command()
def server(
    debounce_ms: int = typer.Option(
        150, "--debounce-ms", help="Wait this long after the last edit before analysing."
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Do not read or write the on-disk summary cache."
    ),
) -> None:
    """Run the language server over stdin/stdout (for editors: see docs/editors.md)."""
    from asynclint.server import serve  # pygls loads only for the server

    serve(max(debounce_ms, 0) / 1000, use_cache=not no_cache)


# set by the console script: the process ends with the command (not so under CliRunner)
_ENDS_PROCESS = False


def main() -> None:
    """The console script. Once the command is done, the process ends without freeing what
    the analysis of `check` built, object by object (as mypy's ``hard_exit`` does): the
    output is flushed first, and the exit code is the command's."""
    global _ENDS_PROCESS
    _ENDS_PROCESS = True
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        typer.echo("asynclint: interrupted", err=True)
        code: object = 130
    except SystemExit as exit_:
        code = exit_.code
    else:
        code = 0
    _hard_exit(code)


def _hard_exit(code: object) -> None:
    """``sys.exit(code)``'s exit status, without the interpreter's teardown."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`), a closed stream
            status = status or 1
    os._exit(status)


__all__ = ["app", "find_root", "main"]
