"""Score asynclint against hand-labelled public FastAPI apps: precision and recall.

    python benchmarks/precision/score.py --apps-dir /work/apps [--only owner__name]
        [--asynclint PATH] [--labels-dir DIR] [--fail-under-precision 0.9] [--json]
    python benchmarks/precision/score.py --checkout --mirrors DIR --apps-dir /work/apps

Each app is one TOML file in ``apps/`` (see README.md): the pinned repository and commit, the
paths to check, one ``[[finding]]`` per finding asynclint makes, judged TRUE or FALSE, and one
``[[missed]]`` per blocking line asynclint does not report. The checkout of ``owner/name``
lives in ``<apps-dir>/owner+name``.

Per app this runs ``asynclint check PATHS --format json --no-cache`` from the checkout root,
matches the findings to the labels by (path, line, code) and prints: findings, judged, TRUE,
FALSE, unjudged (reported now, not labelled: listed so someone can label them), stale labels
(labelled, no longer reported), missed, precision = TRUE / (TRUE + FALSE) over the judged
findings, and recall = distinct TRUE lines / (distinct TRUE lines + distinct missed lines),
lines counted by (path, line). The last rows are the mean over apps and the pooled figures.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
VERDICTS = ("TRUE", "FALSE")
CATEGORIES = (
    "http",
    "network",
    "database",
    "cache",
    "queue",
    "file",
    "subprocess",
    "sleep",
    "wait",
    "sdk",
    "cpu",
)
# `python -m asynclint` of the running interpreter (the package has no __main__ module)
DEFAULT_ASYNCLINT = (sys.executable, "-c", "from asynclint.cli import main; main()")

Key = tuple[str, int, str]  # (path, line, code)


class LabelError(Exception):
    """A label file that does not follow the format."""


@dataclass(frozen=True)
class Label:
    path: str
    line: int
    code: str
    api: str
    verdict: str
    reason: str
    # "library": a finding only library analysis makes (it needs the app's dependencies
    # installed); such labels count only in a run with `--python`
    environment: str = ""

    @property
    def key(self) -> Key:
        return (self.path, self.line, self.code)


@dataclass(frozen=True)
class Missed:
    path: str
    line: int
    api: str
    category: str
    reason: str


@dataclass
class App:
    name: str  # owner__name, the label file's stem
    repo: str
    commit: str
    paths: list[str]
    style: str
    labels: list[Label]
    missed: list[Missed]
    source: Path

    @property
    def checkout_name(self) -> str:
        return self.repo.replace("/", "+")


@dataclass(frozen=True)
class Reported:
    path: str
    line: int
    code: str
    api: str

    @property
    def key(self) -> Key:
        return (self.path, self.line, self.code)


@dataclass
class Score:
    app: str
    findings: int = 0
    true: int = 0
    false: int = 0
    unjudged: list[Reported] = field(default_factory=list)
    stale: list[Label] = field(default_factory=list)
    true_lines: int = 0
    missed_lines: int = 0
    seconds: float = 0.0
    error: str = ""

    @property
    def judged(self) -> int:
        return self.true + self.false

    @property
    def precision(self) -> Optional[float]:
        return ratio(self.true, self.judged)

    @property
    def recall(self) -> Optional[float]:
        return ratio(self.true_lines, self.true_lines + self.missed_lines)


def ratio(numerator: int, denominator: int) -> Optional[float]:
    return numerator / denominator if denominator else None


def _text(table: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = table.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise LabelError(f"{where}: `{key}` must be a non-empty string")
    return value


def _line(table: dict[str, Any], where: str) -> int:
    value = table.get("line")
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise LabelError(f"{where}: `line` must be a positive integer")
    return value


def load_app(path: Path) -> App:
    """Read and validate one label file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LabelError(f"{path}: {exc}") from exc
    repo = _text(data, "repo", str(path))
    if repo.count("/") != 1:
        raise LabelError(f"{path}: `repo` must be owner/name")
    commit = _text(data, "commit", str(path))
    if len(commit) != 40 or any(c not in "0123456789abcdef" for c in commit):
        raise LabelError(f"{path}: `commit` must be 40 lowercase hex digits")
    paths = data.get("paths")
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        raise LabelError(f"{path}: `paths` must be a non-empty list of strings")
    labels = []
    for index, table in enumerate(data.get("finding", [])):
        where = f"{path}: finding #{index + 1}"
        verdict = _text(table, "verdict", where)
        if verdict not in VERDICTS:
            raise LabelError(f"{where}: `verdict` must be TRUE or FALSE, not {verdict!r}")
        labels.append(
            Label(
                path=_text(table, "path", where),
                line=_line(table, where),
                code=_text(table, "code", where),
                api=_text(table, "api", where, required=False),
                verdict=verdict,
                reason=_text(table, "reason", where),
                environment=_environment(table, where),
            )
        )
    missed = []
    for index, table in enumerate(data.get("missed", [])):
        where = f"{path}: missed #{index + 1}"
        category = _text(table, "category", where)
        if category not in CATEGORIES:
            raise LabelError(f"{where}: `category` must be one of {', '.join(CATEGORIES)}")
        missed.append(
            Missed(
                path=_text(table, "path", where),
                line=_line(table, where),
                api=_text(table, "api", where),
                category=category,
                reason=_text(table, "reason", where),
            )
        )
    return App(
        name=path.stem,
        repo=repo,
        commit=commit,
        paths=list(paths),
        style=_text(data, "style", str(path), required=False),
        labels=labels,
        missed=missed,
        source=path,
    )


def _environment(table: dict[str, Any], where: str) -> str:
    value = _text(table, "environment", where, required=False)
    if value not in ("", "library"):
        raise LabelError(f'{where}: `environment` must be "library" when set, not {value!r}')
    return value


def without_library_labels(app: App) -> App:
    """The app's labels for a run without an environment: library-analysis findings dropped."""
    return replace(app, labels=[label for label in app.labels if not label.environment])


def load_apps(labels_dir: Path, only: Sequence[str] = ()) -> list[App]:
    files = sorted(labels_dir.glob("*.toml"))
    if only:
        wanted = set(only)
        files = [f for f in files if f.stem in wanted or f.stem.replace("__", "/") in wanted]
        unknown = wanted - {f.stem for f in files} - {f.stem.replace("__", "/") for f in files}
        if unknown:
            raise LabelError(f"no label file for {', '.join(sorted(unknown))} in {labels_dir}")
    return [load_app(f) for f in files]


def score(app: App, reported: Sequence[Reported]) -> Score:
    """Match ``reported`` to the app's labels and count.

    A label matches a finding with the same (path, line, code); when several findings share
    that key, labels naming the same ``api`` are paired first, the rest in order. A label
    matches at most one finding and the other way round.
    """
    result = Score(app=app.name, findings=len(reported))
    pending = list(app.labels)
    unmatched: list[Reported] = []
    matched: list[Label] = []
    # first pass: exact (path, line, code, api); second pass: (path, line, code)
    for finding in reported:
        for label in pending:
            if label.key == finding.key and label.api == finding.api:
                pending.remove(label)
                matched.append(label)
                break
        else:
            unmatched.append(finding)
    for finding in unmatched:
        for label in pending:
            if label.key == finding.key:
                pending.remove(label)
                matched.append(label)
                break
        else:
            result.unjudged.append(finding)
    result.stale = pending
    result.true = sum(1 for label in matched if label.verdict == "TRUE")
    result.false = sum(1 for label in matched if label.verdict == "FALSE")
    true_lines = {(label.path, label.line) for label in matched if label.verdict == "TRUE"}
    missed_lines = {(m.path, m.line) for m in app.missed} - true_lines
    result.true_lines = len(true_lines)
    result.missed_lines = len(missed_lines)
    return result


def parse_report(text: str) -> list[Reported]:
    """The findings of asynclint's ``--format json`` output. A finding's related locations
    (later calls on the handle it opened, shown with it) are claims of their own and are
    judged like findings: each is one more (path, line, code) of the same code."""
    document = json.loads(text)
    out = []
    for item in document["findings"]:
        path = item["path"].replace("\\", "/")
        out.append(Reported(path, int(item["line"]), item["code"], item.get("api", "")))
        for related in item.get("related", []):
            out.append(Reported(path, int(related["line"]), item["code"], related["api"]))
    return out


def run_asynclint(
    command: Sequence[str], checkout: Path, paths: Sequence[str], extra: Sequence[str] = ()
) -> list[Reported]:
    """Run asynclint on ``paths`` from the checkout root; exit status 0 and 1 are normal."""
    argv = [*command, "check", *paths, "--format", "json", "--no-cache", *extra]
    proc = subprocess.run(argv, cwd=checkout, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"asynclint exited {proc.returncode}: " + " | ".join(tail))
    return parse_report(proc.stdout)


def evaluate(app: App, apps_dir: Path, command: Sequence[str], extra: Sequence[str] = ()) -> Score:
    checkout = apps_dir / app.checkout_name
    if not checkout.is_dir():
        return Score(app=app.name, error=f"no checkout at {checkout} (see --checkout)")
    started = time.perf_counter()
    try:
        reported = run_asynclint(command, checkout, app.paths, extra)
    except (RuntimeError, OSError, ValueError, KeyError) as exc:
        return Score(app=app.name, error=str(exc))
    result = score(app, reported)
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class Totals:
    mean_precision: Optional[float]
    mean_recall: Optional[float]
    pooled_precision: Optional[float]
    pooled_recall: Optional[float]
    unjudged: int
    stale: int


def totals(scores: Sequence[Score]) -> Totals:
    ok = [s for s in scores if not s.error]
    precisions = [p for p in (s.precision for s in ok) if p is not None]
    recalls = [r for r in (s.recall for s in ok) if r is not None]
    true = sum(s.true for s in ok)
    true_lines = sum(s.true_lines for s in ok)
    return Totals(
        mean_precision=sum(precisions) / len(precisions) if precisions else None,
        mean_recall=sum(recalls) / len(recalls) if recalls else None,
        pooled_precision=ratio(true, sum(s.judged for s in ok)),
        pooled_recall=ratio(true_lines, true_lines + sum(s.missed_lines for s in ok)),
        unjudged=sum(len(s.unjudged) for s in ok),
        stale=sum(len(s.stale) for s in ok),
    )


def _pct(value: Optional[float]) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def render(scores: Sequence[Score]) -> str:
    header = ("app", "findings", "judged", "TRUE", "FALSE", "unjudged", "stale", "missed")
    header += ("precision", "recall", "seconds")
    rows: list[tuple[str, ...]] = [header]
    for s in scores:
        if s.error:
            rows.append((s.app, "error", *[""] * (len(header) - 2)))
            continue
        rows.append(
            (
                s.app,
                str(s.findings),
                str(s.judged),
                str(s.true),
                str(s.false),
                str(len(s.unjudged)),
                str(len(s.stale)),
                str(s.missed_lines),
                _pct(s.precision),
                _pct(s.recall),
                f"{s.seconds:.1f}",
            )
        )
    ok = [s for s in scores if not s.error]
    t = totals(scores)
    blank = ("",) * 6
    rows.append(("mean over apps", *blank, "", _pct(t.mean_precision), _pct(t.mean_recall), ""))
    sums = [sum(getattr(s, name) for s in ok) for name in ("findings", "judged", "true", "false")]
    rows.append(
        (
            "pooled",
            *(str(n) for n in sums),
            str(t.unjudged),
            str(t.stale),
            str(sum(s.missed_lines for s in ok)),
            _pct(t.pooled_precision),
            _pct(t.pooled_recall),
            f"{sum(s.seconds for s in ok):.1f}",
        )
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if index == 0 or index == len(rows) - 3:
            lines.append("  ".join("-" * w for w in widths))
    for s in scores:
        if s.error:
            lines.append(f"\n{s.app}: ERROR: {s.error}")
        if s.unjudged:
            lines.append(f"\n{s.app}: {len(s.unjudged)} unjudged finding(s), label them:")
            lines += [f"  {f.path}:{f.line}:{f.code}  {f.api}" for f in s.unjudged]
        if s.stale:
            lines.append(f"\n{s.app}: {len(s.stale)} stale label(s), no longer reported:")
            lines += [f"  {x.path}:{x.line}:{x.code}  {x.api}  ({x.verdict})" for x in s.stale]
    return "\n".join(lines) + "\n"


def as_json(scores: Sequence[Score]) -> str:
    t = totals(scores)
    apps = [
        {
            "app": s.app,
            "error": s.error or None,
            "findings": s.findings,
            "judged": s.judged,
            "true": s.true,
            "false": s.false,
            "unjudged": [f"{f.path}:{f.line}:{f.code}" for f in s.unjudged],
            "stale": [f"{x.path}:{x.line}:{x.code}" for x in s.stale],
            "missed": s.missed_lines,
            "precision": s.precision,
            "recall": s.recall,
            "seconds": round(s.seconds, 3),
        }
        for s in scores
    ]
    return json.dumps({"apps": apps, "totals": t.__dict__}, indent=2) + "\n"


def _mirror(mirrors: Path, name: str) -> Optional[Path]:
    for candidate in (mirrors / name / "repo", mirrors / f"{name}.git", mirrors / name):
        if (candidate / "HEAD").is_file() or (candidate / ".git").exists():
            return candidate
    return None


def checkout(app: App, mirrors: Optional[Path], apps_dir: Path, clone: bool) -> str:
    """Extract the pinned commit of ``app`` into ``apps_dir/owner+name``."""
    target = apps_dir / app.checkout_name
    if target.is_dir() and any(target.iterdir()):
        return f"{app.name}: {target} exists, left as it is"
    gitdir = _mirror(mirrors, app.checkout_name) if mirrors is not None else None
    if gitdir is None:
        if not clone:
            return f"{app.name}: no mirror of {app.repo} (pass --clone to clone from GitHub)"
        gitdir = apps_dir / ".mirrors" / f"{app.checkout_name}.git"
        if not gitdir.exists():
            url = f"https://github.com/{app.repo}.git"
            subprocess.run(["git", "clone", "--bare", "--quiet", url, str(gitdir)], check=True)
    git = ["git", f"--git-dir={gitdir}"]
    archive = subprocess.run([*git, "archive", "--format=tar", app.commit], capture_output=True)
    partial = ""
    if archive.returncode != 0:
        # a mirror can lack blobs (LFS, partial clones): fall back to the checked paths plus the
        # top-level files (pyproject.toml decides asynclint's project root)
        listing = subprocess.run([*git, "ls-tree", app.commit], capture_output=True, text=True)
        # "<mode> <type> <object>\t<name>" per entry; keep the top-level files (blobs)
        top = [line.split("\t", 1)[1] for line in listing.stdout.splitlines() if " blob " in line]
        wanted = sorted({*app.paths, *top}) if "." not in app.paths else []
        retry = [*git, "archive", "--format=tar", app.commit, "--", *wanted]
        archive = subprocess.run(retry, capture_output=True) if wanted else archive
        if archive.returncode != 0:
            why = archive.stderr.decode().strip()
            return f"{app.name}: git archive {app.commit} failed: {why}"
        partial = " (only the checked paths and top-level files: the full archive failed)"
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        # the "data" filter (3.12, backported to 3.9.17+) refuses links out of the target
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(target, **safe)
    return f"{app.name}: {app.repo}@{app.commit[:12]} -> {target}{partial}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps-dir", type=Path, default=Path("/work/apps"))
    parser.add_argument("--labels-dir", type=Path, default=HERE / "apps")
    parser.add_argument("--asynclint", help="asynclint executable (default: python -m asynclint)")
    parser.add_argument("--only", action="append", default=[], help="owner__name (repeatable)")
    parser.add_argument("--fail-under-precision", type=float, metavar="X")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--checkout", action="store_true", help="extract the pinned commits")
    parser.add_argument("--mirrors", type=Path, help="bare mirrors: DIR/owner+name[/repo|.git]")
    parser.add_argument("--clone", action="store_true", help="with --checkout: clone if no mirror")
    parser.add_argument(
        "--python",
        metavar="ENV",
        help='run with library analysis in this environment; labels with environment = "library" '
        "count only then",
    )
    args = parser.parse_args(argv)
    try:
        apps = load_apps(args.labels_dir, args.only)
    except LabelError as exc:
        print(f"score: {exc}", file=sys.stderr)
        return 2
    if args.checkout:
        for app in apps:
            print(checkout(app, args.mirrors, args.apps_dir, args.clone))
        return 0
    command = [args.asynclint] if args.asynclint else list(DEFAULT_ASYNCLINT)
    extra = ["--python", args.python] if args.python else []
    if not args.python:
        apps = [without_library_labels(app) for app in apps]
    scores = [evaluate(app, args.apps_dir, command, extra) for app in apps]
    print(as_json(scores) if args.json else render(scores), end="")
    if any(s.error for s in scores):
        return 2
    if args.fail_under_precision is not None:
        t = totals(scores)
        precision = t.pooled_precision if t.pooled_precision is not None else 0.0
        if precision < args.fail_under_precision or t.unjudged:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
