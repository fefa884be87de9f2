"""benchmarks/precision/score.py: matching findings to labels, the arithmetic, unjudged/stale."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

SCORE_PY = Path(__file__).resolve().parents[1] / "benchmarks" / "precision" / "score.py"


@pytest.fixture(scope="module")
def score() -> ModuleType:
    spec = importlib.util.spec_from_file_location("precision_score", SCORE_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


LABELS = """\
repo = "acme/shop"
commit = "0123456789abcdef0123456789abcdef01234567"
paths = ["app"]
style = "fake"

[[finding]]
path = "app/a.py"
line = 10
code = "ASL201"
api = "sqlalchemy.orm.Session.commit"
verdict = "TRUE"
reason = "sync session in async route"

[[finding]]              # same line, another code: a separate finding, same recall line
path = "app/a.py"
line = 10
code = "ASL101"
api = "requests.get"
verdict = "TRUE"
reason = "requests in async route"

[[finding]]
path = "app/b.py"
line = 3
code = "ASL301"
api = "builtins.open"
verdict = "TRUE"
reason = "file read"

[[finding]]
path = "app/b.py"
line = 7
code = "ASL301"
api = "PIL.Image.open"
verdict = "FALSE"
reason = "BytesIO"

[[finding]]              # no longer reported: stale
path = "app/c.py"
line = 1
code = "ASL201"
api = "x"
verdict = "TRUE"
reason = "gone"

[[missed]]
path = "app/d.py"
line = 5
api = "boto3 put_object"
category = "sdk"
reason = "missed"

[[missed]]               # the same line as a TRUE finding: must not count twice
path = "app/b.py"
line = 3
api = "open"
category = "file"
reason = "duplicate of a TRUE line"
"""

REPORTED = [
    {"path": "app/a.py", "line": 10, "code": "ASL201", "api": "sqlalchemy.orm.Session.commit"},
    {"path": "app/a.py", "line": 10, "code": "ASL101", "api": "requests.get"},
    {"path": "app/b.py", "line": 3, "code": "ASL301", "api": "builtins.open"},
    {"path": "app/b.py", "line": 7, "code": "ASL301", "api": "PIL.Image.open"},
    {"path": "app/e.py", "line": 9, "code": "ASL501", "api": "time.sleep"},  # unjudged
]


def write_app(tmp_path: Path, labels: str = LABELS) -> tuple[Path, Path]:
    labels_dir = tmp_path / "labels"
    labels_dir.mkdir()
    (labels_dir / "acme__shop.toml").write_text(labels, encoding="utf-8")
    apps_dir = tmp_path / "apps"
    (apps_dir / "acme+shop" / "app").mkdir(parents=True)
    return labels_dir, apps_dir


def fake_asynclint(tmp_path: Path, findings: list[dict[str, object]], name: str = "fake") -> Path:
    """An executable that checks how it was called and prints ``findings`` as asynclint JSON."""
    script = tmp_path / f"{name}_asynclint.py"
    document = {"version": 1, "findings": findings, "summary": {"count": len(findings)}}
    script.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import os, sys
            argv = sys.argv[1:]
            expected = ["check", "app", "--format", "json", "--no-cache"]
            if argv != expected or os.path.basename(os.getcwd()) != "acme+shop":
                sys.exit(f"called wrongly: {{argv}} in {{os.getcwd()}}")
            print({json.dumps(json.dumps(document))})
            sys.exit(1 if {len(findings)} else 0)
            """
        ),
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def reported(score: ModuleType, items: list[dict[str, object]]) -> list[object]:
    return [score.Reported(**item) for item in items]


def test_matching_and_arithmetic(score: ModuleType, tmp_path: Path) -> None:
    labels_dir, _ = write_app(tmp_path)
    app = score.load_app(labels_dir / "acme__shop.toml")
    result = score.score(app, reported(score, REPORTED))
    assert (result.findings, result.true, result.false) == (5, 3, 1)
    assert [(f.path, f.line, f.code) for f in result.unjudged] == [("app/e.py", 9, "ASL501")]
    assert [(x.path, x.line) for x in result.stale] == [("app/c.py", 1)]
    assert result.precision == pytest.approx(3 / 4)
    # TRUE lines: a.py:10 (two findings, one line) and b.py:3;
    # missed: d.py:5 only (b.py:3 is already a TRUE line)
    assert (result.true_lines, result.missed_lines) == (2, 1)
    assert result.recall == pytest.approx(2 / 3)


def test_same_key_pairs_by_api(score: ModuleType, tmp_path: Path) -> None:
    labels = LABELS.replace('code = "ASL101"', 'code = "ASL201"')  # two labels share a key
    labels_dir, _ = write_app(tmp_path, labels)
    app = score.load_app(labels_dir / "acme__shop.toml")
    # reported in the opposite order to the labels: the api decides the pairing
    items = [dict(REPORTED[1], code="ASL201"), REPORTED[0]]
    result = score.score(app, reported(score, items))
    assert (result.true, result.false, len(result.unjudged)) == (2, 0, 0)
    # a third finding with the same key has no label left: unjudged
    result = score.score(app, reported(score, [*items, dict(REPORTED[0], api="other")]))
    assert len(result.unjudged) == 1


def test_totals_mean_and_pooled(score: ModuleType) -> None:
    a = score.Score(app="a", true=3, false=1, true_lines=2, missed_lines=2)
    b = score.Score(app="b", true=1, false=0, true_lines=1, missed_lines=0)
    empty = score.Score(app="c")  # no findings, nothing missed: left out of the means
    t = score.totals([a, b, empty])
    assert t.mean_precision == pytest.approx((3 / 4 + 1) / 2)
    assert t.mean_recall == pytest.approx((2 / 4 + 1) / 2)
    assert t.pooled_precision == pytest.approx(4 / 5)
    assert t.pooled_recall == pytest.approx(3 / 5)


def test_main_runs_asynclint_and_gates(
    score: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels_dir, apps_dir = write_app(tmp_path)
    fake = fake_asynclint(tmp_path, REPORTED)
    common = ["--labels-dir", str(labels_dir), "--apps-dir", str(apps_dir)]
    common += ["--asynclint", str(fake)]
    assert score.main(common) == 0
    out = capsys.readouterr().out
    assert "app/e.py:9:ASL501" in out  # unjudged findings are listed for labelling
    assert "app/c.py:1:ASL201" in out  # and stale labels
    assert "75.0%" in out and "66.7%" in out
    # an unjudged finding fails the gate whatever the precision
    assert score.main([*common, "--fail-under-precision", "0.5"]) == 1
    # all judged: the gate is the pooled precision (3/4)
    clean = fake_asynclint(tmp_path, REPORTED[:4], "clean")
    gated = [*common[:-1], str(clean), "--fail-under-precision"]
    assert score.main([*gated, "0.75"]) == 0
    assert score.main([*gated, "0.8"]) == 1
    document = json.loads(_json_output(score, [*common[:-1], str(clean), "--json"], capsys))
    assert document["apps"][0]["precision"] == pytest.approx(0.75)
    assert document["totals"]["unjudged"] == 0


def _json_output(score: ModuleType, argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert score.main(argv) == 0
    return capsys.readouterr().out


def test_bad_labels_are_rejected(score: ModuleType, tmp_path: Path) -> None:
    labels_dir, apps_dir = write_app(tmp_path, LABELS.replace('"FALSE"', '"MAYBE"'))
    with pytest.raises(score.LabelError, match="verdict"):
        score.load_app(labels_dir / "acme__shop.toml")
    assert score.main(["--labels-dir", str(labels_dir), "--apps-dir", str(apps_dir)]) == 2


def test_checked_in_labels_are_valid(score: ModuleType) -> None:
    apps = score.load_apps(SCORE_PY.parent / "apps")
    assert apps, "no labelled apps"
    for app in apps:
        assert app.name == app.repo.replace("/", "__")
        keys = [(x.path, x.line, x.code, x.api) for x in app.labels]
        assert len(keys) == len(set(keys)), f"{app.name}: a finding is labelled twice"


def test_related_locations_are_judged_like_findings(score: ModuleType) -> None:
    report = json.dumps(
        {
            "findings": [
                {
                    "path": "app/a.py",
                    "line": 5,
                    "code": "ASL301",
                    "api": "builtins.open",
                    "related": [{"line": 6, "column": 9, "api": "io.TextIOWrapper.write"}],
                }
            ]
        }
    )
    reported = score.parse_report(report)
    assert [(r.path, r.line, r.code, r.api) for r in reported] == [
        ("app/a.py", 5, "ASL301", "builtins.open"),
        ("app/a.py", 6, "ASL301", "io.TextIOWrapper.write"),
    ]


def test_library_labels_count_only_with_an_environment(score: ModuleType, tmp_path: Path) -> None:
    extra = textwrap.dedent(
        """
        [[finding]]
        path = "app/lib.py"
        line = 3
        code = "ASL401"
        verdict = "TRUE"
        environment = "library"
        reason = "only library analysis follows pdf2image"
        """
    )
    path = tmp_path / "acme__shop.toml"
    path.write_text(LABELS + extra)
    app = score.load_app(path)
    assert [label.environment for label in app.labels][-1] == "library"
    plain = score.without_library_labels(app)
    assert len(plain.labels) == len(app.labels) - 1
    path.write_text(LABELS + extra.replace('"library"', '"venv"'))
    with pytest.raises(score.LabelError, match="environment"):
        score.load_app(path)
