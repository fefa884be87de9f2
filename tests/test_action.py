"""The composite GitHub Action (action.yml), run locally step by step as the runner would.

Each `run:` step is executed with bash, its `env:` expressions evaluated from the inputs and a
simulated `github` / `runner` context, with real GITHUB_OUTPUT and GITHUB_ENV files. Only the
network is replaced: the interpreter that builds the action's virtual environment is a stub
whose `pip` records what it was asked to install and whose `asynclint` is the one under test.
The `uses:` step (the SARIF upload) is not run; the test checks whether it would be and with
which file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")
PUSH = {"event_name": "push", "repository": "acme/shop", "actor": "alice"}


@dataclass
class Run:
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    log: str = ""
    uploaded: Optional[dict[str, str]] = None  # the upload step's `with:`, when it would run
    failed: Optional[str] = None  # the name of the step that failed
    installed: list[str] = field(default_factory=list)


def _asynclint() -> str:
    beside = Path(sys.executable).parent / "asynclint"
    if beside.exists():
        return str(beside)
    found = shutil.which("asynclint")
    assert found, "the asynclint command is not installed"
    return found


def _stub_python(directory: Path) -> Path:
    """A `python` for `-m venv DIR` only: DIR/bin gets a recording pip, the asynclint under
    test and this interpreter."""
    script = directory / "stub-python"
    script.write_text(
        f"""#!{sys.executable}
import os, sys
assert sys.argv[1:3] == ["-m", "venv"], sys.argv
bin = os.path.join(sys.argv[3], "bin")
os.makedirs(bin, exist_ok=True)
with open(os.path.join(bin, "pip"), "w") as pip:
    pip.write('#!/bin/sh\\necho "$@" >> {directory}/pip.log\\n')
os.chmod(os.path.join(bin, "pip"), 0o755)
for name, target in (("asynclint", {_asynclint()!r}), ("python", {sys.executable!r})):
    link = os.path.join(bin, name)
    if not os.path.lexists(link):
        os.symlink(target, link)
""",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def _evaluate(expression: str, context: dict[str, Any], outputs: dict[str, dict[str, str]]) -> str:
    parts = expression.split(".")
    if parts[0] == "inputs":
        return str(context["inputs"][parts[1]])
    if parts[0] == "steps":
        return outputs.get(parts[1], {}).get(parts[3], "")
    value: Any = context
    for part in parts:
        value = value.get(part, "") if isinstance(value, dict) else ""
    return str(value)


def _substitute(text: str, context: dict[str, Any], outputs: dict[str, dict[str, str]]) -> str:
    return EXPRESSION.sub(lambda m: _evaluate(m.group(1), context, outputs), text)


def _condition(text: str, context: dict[str, Any], outputs: dict[str, dict[str, str]]) -> bool:
    match = re.fullmatch(r"(\S+) == '([^']*)'", text.strip())
    assert match, f"the test cannot evaluate the condition {text!r}"
    return _evaluate(match.group(1), context, outputs) == match.group(2)


def _key_values(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines if "=" in line)


def run_action(
    workspace: Path, tmp: Path, inputs: Optional[dict[str, str]] = None, github: Any = None
) -> Run:
    declared = ACTION["inputs"]
    unknown = set(inputs or {}) - set(declared)
    assert not unknown, f"not inputs of action.yml: {unknown}"
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    values["python"] = str(_stub_python(tmp))
    values.update(inputs or {})
    temp = tmp / "runner-temp"
    temp.mkdir(exist_ok=True)
    context: dict[str, Any] = {
        "inputs": values,
        "github": {"action_path": str(ROOT), "action_repository": "", **(github or PUSH)},
        "runner": {"temp": str(temp)},
    }
    run = Run()
    job_env: dict[str, str] = {}
    for index, step in enumerate(ACTION["runs"]["steps"]):
        if "if" in step and not _condition(step["if"], context, run.outputs):
            continue
        if "uses" in step:
            run.uploaded = {
                k: _substitute(str(v), context, run.outputs) for k, v in step["with"].items()
            }
            continue
        output, env_file = tmp / f"output-{index}", tmp / f"env-{index}"
        env = {
            **os.environ,
            **job_env,
            "GITHUB_OUTPUT": str(output),
            "GITHUB_ENV": str(env_file),
            "RUNNER_TEMP": str(temp),
        }
        for name, value in step.get("env", {}).items():
            env[name] = _substitute(str(value), context, run.outputs)
        directory = workspace / _substitute(
            step.get("working-directory", "."), context, run.outputs
        )
        # how the runner runs `shell: bash`
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=directory,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        run.log += result.stdout + result.stderr
        run.outputs[step.get("id", str(index))] = _key_values(output)
        job_env.update(_key_values(env_file))
        if result.returncode != 0:
            run.failed = step["name"]
            break
    pip_log = tmp / "pip.log"
    run.installed = pip_log.read_text(encoding="utf-8").splitlines() if pip_log.exists() else []
    return run


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of examples/ as a repository checkout."""
    target = tmp_path / "checkout"
    shutil.copytree(ROOT / "examples", target)
    (target / ".git").mkdir()  # the repository root, which SARIF paths are relative to
    return target


def _results(sarif: Path) -> list[dict[str, Any]]:
    return [
        r for run in json.loads(sarif.read_text(encoding="utf-8"))["runs"] for r in run["results"]
    ]


def test_action_is_composite_and_declares_the_documented_inputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert {"paths", "version", "sarif", "baseline"} <= set(ACTION["inputs"])
    uses = [step["uses"] for step in ACTION["runs"]["steps"] if "uses" in step]
    assert uses == ["github/codeql-action/upload-sarif@v4"]


def test_no_expression_is_pasted_into_a_script() -> None:
    # `${{ inputs.x }}` inside `run:` would let an input (or a branch name) inject shell code
    for step in ACTION["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step["name"]


def test_push_writes_sarif_and_uploads_it(workspace: Path, tmp_path: Path) -> None:
    run = run_action(workspace, tmp_path)
    assert run.failed is None, run.log
    sarif = workspace / "asynclint.sarif"
    results = _results(sarif)
    assert results, "the example app has findings"
    assert run.outputs["check"]["findings"] == str(len(results))
    assert run.outputs["upload"]["upload"] == "true"
    assert run.uploaded == {"sarif_file": str(sarif), "category": "asynclint"}
    # relative to the checkout's root, where code scanning looks for the files
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert all(uri.startswith("bookstore/") for uri in uris), uris
    assert "::error file=" not in run.log  # annotations: `auto`, and the SARIF was uploaded
    assert run.installed == [f"install --quiet --disable-pip-version-check {ROOT}"]


def test_fork_pull_request_skips_the_upload_with_a_notice(workspace: Path, tmp_path: Path) -> None:
    github = {
        "event_name": "pull_request",
        "repository": "acme/shop",
        "actor": "mallory",
        "event": {"pull_request": {"head": {"repo": {"full_name": "mallory/shop"}}}},
    }
    run = run_action(workspace, tmp_path, github=github)
    assert run.failed is None, run.log
    assert run.outputs["upload"]["upload"] == "false"
    assert run.uploaded is None
    assert "::notice title=asynclint::SARIF upload skipped: a pull request from a fork" in run.log
    assert "::error file=bookstore/" in run.log  # the findings, as annotations instead
    assert (workspace / "asynclint.sarif").exists()


def test_same_repository_pull_request_uploads(workspace: Path, tmp_path: Path) -> None:
    github = {
        "event_name": "pull_request",
        "repository": "acme/shop",
        "actor": "alice",
        "event": {"pull_request": {"head": {"repo": {"full_name": "acme/shop"}}}},
    }
    run = run_action(workspace, tmp_path, github=github)
    assert run.failed is None, run.log
    assert run.uploaded is not None


def test_sarif_off_and_paths(workspace: Path, tmp_path: Path) -> None:
    inputs = {
        "sarif": "false",
        "paths": "bookstore/routers\nbookstore/main.py",
        "sarif-file": "out.sarif",
    }
    run = run_action(workspace, tmp_path, inputs)
    assert run.failed is None, run.log
    assert run.uploaded is None
    files = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in _results(workspace / "out.sarif")
    }
    assert files and all(f.startswith(("bookstore/routers/", "bookstore/main.py")) for f in files)


def test_baseline_leaves_only_new_findings(workspace: Path, tmp_path: Path) -> None:
    subprocess.run(
        [_asynclint(), "check", "--write-baseline", "baseline.json", "--no-cache", "."],
        cwd=workspace,
        check=True,
        capture_output=True,
    )
    run = run_action(workspace, tmp_path, {"baseline": "baseline.json", "fail-on-findings": "true"})
    assert run.failed is None, run.log
    assert run.outputs["check"]["findings"] == "0"


def test_fail_on_findings_fails_after_the_upload(workspace: Path, tmp_path: Path) -> None:
    run = run_action(workspace, tmp_path, {"fail-on-findings": "true"})
    assert run.uploaded is not None
    assert run.failed == "Annotations and result"
    assert "::error title=asynclint::" in run.log


def test_configuration_error_fails_the_run_step(workspace: Path, tmp_path: Path) -> None:
    (workspace / "pyproject.toml").write_text("[tool.asynclint]\nbogus = 1\n", encoding="utf-8")
    run = run_action(workspace, tmp_path)
    assert run.failed == "Run asynclint"
    assert "unknown key(s): bogus" in run.log
    assert run.uploaded is None


@pytest.mark.parametrize(
    ("version", "spec"),
    [
        ("", str(ROOT)),
        ("0.2.0", "asynclint==0.2.0"),
        ("asynclint>=0.2", "asynclint>=0.2"),
        ("git+https://github.com/acme/asynclint@fix", "git+https://github.com/acme/asynclint@fix"),
        ("v0.2.0", "git+https://github.com/asynclint/asynclint@v0.2.0"),
        ("main", "git+https://github.com/asynclint/asynclint@main"),
    ],
)
def test_version_input(version: str, spec: str, tmp_path: Path) -> None:
    step = ACTION["runs"]["steps"][0]
    assert step["id"] == "spec"
    output = tmp_path / "output"
    env = {
        **os.environ,
        "GITHUB_OUTPUT": str(output),
        "VERSION": version,
        "ACTION_PATH": str(ROOT),
        "ACTION_REPOSITORY": "",
    }
    subprocess.run(
        ["bash", "-eo", "pipefail", "-c", step["run"]], env=env, check=True, capture_output=True
    )
    assert _key_values(output) == {"spec": spec}
