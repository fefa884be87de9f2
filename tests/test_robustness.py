"""Bad input through the command line: every case ends in a clear error or an ASL001 finding.

Each test runs ``asynclint check --no-cache ...`` through typer's CliRunner (or, where the
case could hang the test run, in a subprocess with a timeout) and asserts the exit code and a
one-line ``asynclint: error: ...`` message or an ASL001 finding, never a traceback.
Known failures are ``xfail(strict=True)``: they flip to a failure once fixed, so the marker
can be removed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import cli_runner

import asynclint.cache
import asynclint.cli
import asynclint.safeio
from asynclint.cli import app
from asynclint.codes import BY_CODE

runner = cli_runner()

BLOCKING = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
# every bad file below holds an `async def`, so it is a file asynclint must parse
ASYNC_TAIL = b"\n\nasync def tail():\n    pass\n"
# a well-formed code that no rule has (ASL9xx are reserved for user rules)
UNKNOWN = next(c for c in ("ASL899", "ASL898", "ASL089") if c not in BY_CODE)
VERSION = f"Python {sys.version_info[0]}.{sys.version_info[1]}"


def invoke(*args: str, **kwargs: object):
    return runner.invoke(app, ["check", *args], **kwargs)


def no_traceback(result) -> None:
    """The run ended through the CLI's own exit, not an exception escaping it."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}\n{result.output}"
    )
    assert "Traceback" not in result.output


def one_line_error(result, *needles: str) -> str:
    """Exit 2 with exactly one `asynclint: error:` line on stderr naming every needle."""
    no_traceback(result)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("asynclint: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert result.stdout == ""
    return lines[0]


def json_findings(result) -> list[dict]:
    no_traceback(result)
    return json.loads(result.stdout)["findings"]


def codes_by_file(result) -> list[tuple[str, int, str]]:
    return sorted((Path(f["path"]).name, f["line"], f["code"]) for f in json_findings(result))


def asl001(result, name: str) -> dict:
    """The one ASL001 finding for file ``name`` (exit 1)."""
    assert result.exit_code == 1, result.output
    found = [f for f in json_findings(result) if Path(f["path"]).name == name]
    assert [f["code"] for f in found] == ["ASL001"], found
    return found[0]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (root / "ok.py").write_text(BLOCKING)
    return root


def asynclint_command() -> list[str]:
    script = Path(sys.executable).parent / "asynclint"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-I", "-c", "from asynclint.cli import main; main()"]


def run_subprocess(args: list[str], cwd: Path, timeout: float, **kwargs: object):
    """The CLI in a child process; a run that does not end in ``timeout`` seconds is a hang."""
    try:
        return subprocess.run(
            [*asynclint_command(), "check", "--no-cache", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            **kwargs,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"asynclint check {' '.join(args)} did not finish in {timeout} s (a hang)")


# ---------------------------------------------------------------------------------------------
# Paths


def test_nonexistent_path_exits_2(tmp_path: Path) -> None:
    one_line_error(invoke("--no-cache", str(tmp_path / "missing")), "missing", "no such file")


def test_one_nonexistent_path_among_good_ones_exits_2(project: Path) -> None:
    result = invoke("--no-cache", str(project / "ok.py"), str(project / "nope.py"))
    one_line_error(result, "nope.py")


def test_directory_without_python_files_is_one_warning_and_exit_0(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# nothing to see\n")
    (tmp_path / "data.pyi").write_text("def f() -> None: ...\n")
    result = invoke("--no-cache", str(tmp_path))
    no_traceback(result)
    assert result.exit_code == 0 and result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"asynclint: warning: no Python files found in {tmp_path}"]


def test_symlink_loop_in_a_directory_terminates(tmp_path: Path) -> None:
    package = tmp_path / "proj" / "pkg"
    package.mkdir(parents=True)
    (package / "mod.py").write_text(BLOCKING)
    (package / "self").symlink_to(".")
    (package / "up").symlink_to("..")
    (package / "abs").symlink_to(package)
    (package / "a.py").symlink_to("b.py")  # a file symlink loop: ELOOP on read
    (package / "b.py").symlink_to("a.py")
    (tmp_path / "proj" / "pyproject.toml").write_text("")
    result = run_subprocess(["--format", "json", "."], cwd=tmp_path / "proj", timeout=60)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    findings = json.loads(result.stdout)["findings"]
    blocking = [f for f in findings if f["code"] == "ASL501"]
    assert len(blocking) == 1, findings  # the module once, not once per path to it
    for name in ("a.py", "b.py"):
        assert [f["code"] for f in findings if Path(f["path"]).name == name] in (["ASL001"], [])


def test_file_deleted_between_discovery_and_reading(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "gone.py").write_text(BLOCKING)
    real = asynclint.cli.discover

    def discover_then_delete(*args: object, **kwargs: object):
        found = real(*args, **kwargs)
        (project / "gone.py").unlink()
        return found

    monkeypatch.setattr(asynclint.cli, "discover", discover_then_delete)
    result = invoke("--no-cache", "--format", "json", str(project))
    gone = asl001(result, "gone.py")
    assert "cannot be read" in gone["message"]
    assert ("ok.py", 5, "ASL501") in codes_by_file(result)  # the rest is still checked


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_in_the_tree_does_not_hang(project: Path) -> None:
    os.mkfifo(project / "pipe.py")
    result = run_subprocess(["--format", "json", "."], cwd=project, timeout=8)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "ok.py" in result.stdout


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_symlink_to_an_endless_device_does_not_exhaust_memory(project: Path) -> None:
    import resource

    (project / "zero.py").symlink_to("/dev/zero")

    def limit_memory() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    result = run_subprocess(
        ["--format", "json", "."], cwd=project, timeout=20, preexec_fn=limit_memory
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "ok.py" in result.stdout


# ---------------------------------------------------------------------------------------------
# Encodings and bytes


def test_file_that_is_not_utf8_is_asl001(project: Path) -> None:
    (project / "latin.py").write_bytes(b"x = 'caf\xe9'\n" + ASYNC_TAIL)
    result = invoke("--no-cache", "--format", "json", str(project))
    finding = asl001(result, "latin.py")
    assert "UTF-8" in finding["message"]
    assert ("ok.py", 5, "ASL501") in codes_by_file(result)


def test_wrong_coding_cookie_is_asl001(project: Path) -> None:
    # declares UTF-8, holds Latin-1
    (project / "liar.py").write_bytes(b"# -*- coding: utf-8 -*-\nx = 'caf\xe9'\n" + ASYNC_TAIL)
    asl001(invoke("--no-cache", "--format", "json", str(project / "liar.py")), "liar.py")


def test_unknown_coding_cookie_is_asl001(project: Path) -> None:
    (project / "bogus.py").write_bytes(b"# coding: no-such-codec\nx = 1\n" + ASYNC_TAIL)
    finding = asl001(
        invoke("--no-cache", "--format", "json", str(project / "bogus.py")), "bogus.py"
    )
    assert "no-such-codec" in finding["message"]


def test_valid_latin1_coding_cookie_is_analysed(project: Path) -> None:
    # valid Python: Python itself imports this file (the stdlib's test/encoded_modules does it)
    source = (
        b"# -*- coding: latin-1 -*-\nimport time\n\n\nasync def f():\n"
        b"    time.sleep(1)  # caf\xe9\n"
    )
    (project / "latin1.py").write_bytes(source)
    result = invoke("--no-cache", "--format", "json", str(project / "latin1.py"))
    assert codes_by_file(result) == [("latin1.py", 6, "ASL501")]


def test_nul_byte_is_asl001(project: Path) -> None:
    (project / "nul.py").write_bytes(b"x = 1\x00\n" + ASYNC_TAIL)
    finding = asl001(invoke("--no-cache", "--format", "json", str(project / "nul.py")), "nul.py")
    assert "null" in finding["message"].lower() or "nul" in finding["message"].lower()


def test_binary_garbage_is_asl001(project: Path) -> None:
    (project / "blob.py").write_bytes(bytes(range(256)) * 4 + ASYNC_TAIL)
    asl001(invoke("--no-cache", "--format", "json", str(project / "blob.py")), "blob.py")


@pytest.mark.parametrize(
    "source",
    [
        b"x = 1\x00\n" + ASYNC_TAIL,  # ASL001 shows line 1
        b"import time\n\n\nasync def f():\n    s = '\x1b]0;owned\x07\x1b[2J'; time.sleep(1)\n",
    ],
    ids=["nul", "terminal-escape"],
)
def test_text_output_carries_no_control_characters_from_the_file(
    project: Path, source: bytes
) -> None:
    (project / "ctl.py").write_bytes(source)
    result = invoke("--no-cache", "--no-color", str(project / "ctl.py"))
    no_traceback(result)
    assert result.exit_code == 1
    assert not [c for c in result.stdout if ord(c) < 32 and c not in "\n\t"], result.stdout


def test_utf8_bom_file_is_analysed_normally(project: Path) -> None:
    (project / "bom.py").write_bytes(b"\xef\xbb\xbf" + BLOCKING.encode())
    (project / "bom1.py").write_bytes(
        b"\xef\xbb\xbfimport time; time.sleep(0)\nasync def f(): time.sleep(1)\n"
    )
    result = invoke(
        "--no-cache", "--format", "json", str(project / "bom.py"), str(project / "bom1.py")
    )
    assert result.exit_code == 1
    found = {
        (Path(f["path"]).name, f["line"], f["column"], f["code"], f["snippet"])
        for f in json_findings(result)
    }
    assert found == {
        ("bom.py", 5, 5, "ASL501", "    time.sleep(1)"),
        ("bom1.py", 2, 16, "ASL501", "async def f(): time.sleep(1)"),
    }


def test_snippet_and_column_survive_unusual_line_separators(project: Path) -> None:
    source = (
        "import time\n"
        "x = 'a\u2028b'  # \x0c form feed\n"
        "async def f():\n"
        "    s = '\u00e9\u00e9'; time.sleep(1)\n"
    )
    (project / "seps.py").write_text(source, encoding="utf-8")
    result = invoke("--no-cache", "--format", "json", str(project / "seps.py"))
    [finding] = json_findings(result)
    assert (finding["line"], finding["column"]) == (4, 15)
    assert finding["snippet"] == "    s = '\u00e9\u00e9'; time.sleep(1)"


def test_noqa_after_a_unicode_line_separator_in_a_string(project: Path) -> None:
    source = "import time\nx = 'a\u2028b'\n\n\nasync def f():\n    time.sleep(1)  # noqa\n"
    (project / "noqa.py").write_text(source, encoding="utf-8")
    result = invoke("--no-cache", "--format", "json", str(project / "noqa.py"))
    assert json_findings(result) == []


@pytest.mark.skipif(sys.platform != "linux", reason="needs file names that are not UTF-8")
@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_file_name_that_is_not_utf8(project: Path, output_format: str) -> None:
    name = os.fsencode(project) + b"/caf\xe9.py"
    with open(name, "wb") as handle:
        handle.write(BLOCKING.encode())
    result = invoke("--no-cache", "--format", output_format, str(project))
    no_traceback(result)
    assert result.exit_code == 1
    assert "caf" in result.stdout


def test_non_ascii_columns_are_characters(project: Path) -> None:
    (project / "wide.py").write_text(
        "import time\n\n\nasync def f():\n    s = '\u00e9\U0001f600\u4e2d'; time.sleep(1)\n",
        encoding="utf-8",
    )
    [finding] = json_findings(invoke("--no-cache", "--format", "json", str(project / "wide.py")))
    assert (finding["line"], finding["column"], finding["end_column"]) == (5, 16, 26)
    assert finding["snippet"][finding["column"] - 1 :].startswith("time.sleep")


# ---------------------------------------------------------------------------------------------
# Size and depth


def test_fifty_thousand_line_file_finishes(project: Path) -> None:
    block = [
        "async def handler_{i}(x):",
        "    y = helper_{i}(x)",
        "    if y:",
        "        time.sleep(0.1)",
        "    return y",
        "",
        "def helper_{i}(x):",
        "    return requests.get(str(x))",
        "",
    ]
    lines = ["import time", "import requests", ""]
    count = 0
    while len(lines) + len(block) <= 50_000:
        lines += [line.format(i=count) for line in block]
        count += 1
    lines += ["# padding"] * (50_000 - len(lines))
    assert len(lines) == 50_000
    (project / "big.py").write_text("\n".join(lines) + "\n")
    started = time.perf_counter()
    # in a child process: a run that does not finish in time fails instead of stalling pytest
    result = run_subprocess(["--format", "json", "big.py"], cwd=project, timeout=30)
    elapsed = time.perf_counter() - started
    print(f"\n50,000-line file: {elapsed:.2f} s")
    assert result.returncode == 1, result.stderr
    codes = [f["code"] for f in json.loads(result.stdout)["findings"]]
    assert codes.count("ASL501") == count and codes.count("ASL101") == count


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ("-" * 200_000 + "1", "nested"),  # the parser's recursion: RecursionError in ast.parse
        ("(" * 300 + "1" + ")" * 300, "parse"),  # the tokenizer's limit on nested brackets
        ("1" + " + 1" * 200_000, "nested"),
    ],
    ids=["unary", "parentheses", "binop"],
)
def test_deeply_nested_expression_is_asl001(project: Path, expression: str, kind: str) -> None:
    (project / "deep.py").write_text(f"x = {expression}\n\n\nasync def f():\n    pass\n")
    result = invoke("--no-cache", "--format", "json", str(project))
    finding = asl001(result, "deep.py")
    assert "nested" in finding["message"] or "parse" in finding["message"]
    assert ("ok.py", 5, "ASL501") in codes_by_file(result)


def test_deep_attribute_chain_that_parses_is_analysed(project: Path) -> None:
    # 3,000 attributes deep: the analysis runs with room for it, so it is not given up on
    (project / "deep.py").write_text("x = x" + ".a" * 3_000 + "\n\n\nasync def f():\n    pass\n")
    result = invoke("--no-cache", "--format", "json", str(project))
    assert set(codes_by_file(result)) == {("ok.py", 5, "ASL501")}


def test_deep_but_parsable_expression_in_a_function_does_not_crash(project: Path) -> None:
    calls = "requests.get" + "()" * 900
    attrs = "requests" + ".b" * 900 + "()"
    concat = " + ".join(["requests.get()"] * 900)
    (project / "deep.py").write_text(
        f"import requests\n\n\nasync def f():\n    a = {calls}\n    b = {attrs}\n    c = {concat}\n"
    )
    result = invoke("--no-cache", "--format", "json", str(project))
    assert result.exit_code == 1
    no_traceback(result)


@pytest.mark.parametrize("scope", ["function", "module"])
def test_long_alias_chain_does_not_crash(project: Path, scope: str) -> None:
    n = 400
    indent = "    " if scope == "function" else ""
    body = [f"{indent}a0 = requests.Session()"]
    body += [f"{indent}a{i} = a{i - 1}" for i in range(1, n)]
    if scope == "function":
        source = ["import requests", "", "async def f():", *body, f"    a{n - 1}.get('u')"]
    else:
        source = ["import requests", *body, "", "async def f():", f"    a{n - 1}.get('u')"]
    (project / "alias.py").write_text("\n".join(source) + "\n")
    result = invoke("--no-cache", "--format", "json", str(project / "alias.py"))
    no_traceback(result)
    assert result.exit_code == 1


def test_long_reexport_chain_across_modules_does_not_crash(project: Path) -> None:
    n = 400
    for i in range(n):
        (project / f"m{i}.py").write_text(f"from m{i + 1} import client\n")
    (project / f"m{n}.py").write_text("import requests\nclient = requests.Session()\n")
    (project / "app.py").write_text(
        "from m0 import client\n\n\nasync def f():\n    client.get('u')\n"
    )
    result = invoke("--no-cache", "--format", "json", str(project / "app.py"))
    no_traceback(result)
    assert codes_by_file(result) == [("app.py", 5, "ASL101")]


def test_deep_call_chain_and_inheritance_cycles_terminate(project: Path) -> None:
    n = 1500
    lines = ["import requests"]
    lines += [f"def f{i}():\n    return f{i + 1}()" for i in range(n)]
    lines += [f"def f{n}():\n    return requests.get('u')"]
    lines += ["def r1():\n    return r2()", "def r2():\n    return r1()"]  # mutual recursion
    lines += ["class A(B):\n    pass", "class B(A):\n    pass"]  # an inheritance cycle
    lines += ["async def main():\n    f0()\n    r1()\n    A().get()\n    B.x.y()"]
    (project / "chain.py").write_text("\n".join(lines) + "\n")
    result = invoke("--no-cache", "--format", "json", str(project / "chain.py"))
    assert result.exit_code == 1
    [finding] = json_findings(result)
    assert finding["code"] == "ASL101" and finding["line"] == 2 * n + 13


# ---------------------------------------------------------------------------------------------
# Python-version syntax

SYNTAX = [
    pytest.param(
        (3, 10),
        "import time\n\n\nasync def f(x):\n    match x:\n        case [1, *rest]:\n"
        "            time.sleep(1)\n",
        7,
        id="match",
    ),
    pytest.param(
        (3, 11),
        "import time\n\n\nasync def f():\n    try:\n        pass\n    except* ValueError:\n"
        "        time.sleep(1)\n",
        8,
        id="except-star",
    ),
    pytest.param(
        (3, 12),
        "import time\n\ntype Alias[T] = list[T]\n\n\nasync def f[T](x: T) -> T:\n"
        "    time.sleep(1)\n    return x\n",
        7,
        id="pep695",
    ),
    pytest.param(
        (3, 12),
        'import time\n\n\nasync def f(d):\n    s = f"{d["k"]:{\'>\'}{10}}"\n    time.sleep(1)\n',
        6,
        id="pep701",
    ),
]


@pytest.mark.parametrize(("needs", "source", "line"), SYNTAX)
def test_version_specific_syntax(
    project: Path, needs: tuple[int, int], source: str, line: int
) -> None:
    (project / "new.py").write_text(source, encoding="utf-8")
    result = invoke("--no-cache", "--format", "json", str(project / "new.py"))
    assert result.exit_code == 1
    if sys.version_info >= needs:
        assert codes_by_file(result) == [("new.py", line, "ASL501")]
    else:
        finding = asl001(result, "new.py")
        assert VERSION in finding["message"], finding["message"]


# ---------------------------------------------------------------------------------------------
# The cache


def _run_json(*args: str) -> tuple[int, list[dict], str]:
    result = invoke("--format", "json", *args)
    no_traceback(result)
    return result.exit_code, json.loads(result.stdout)["findings"], result.stderr


def test_unusable_cache_directory_falls_back_with_a_warning(project: Path) -> None:
    (project / "blocker").write_text("a file where the cache directory should be\n")
    expected = _run_json("--no-cache", str(project))
    code, findings, stderr = _run_json("--cache-dir", str(project / "blocker" / "c"), str(project))
    assert (code, findings) == expected[:2]
    assert "asynclint: warning:" in stderr and "cache" in stderr


def test_unwritable_cache_falls_back_with_a_warning(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # root ignores file modes, so make the cache's writes fail the way a read-only disk does
    expected = _run_json("--no-cache", str(project))

    def read_only(*args: object, **kwargs: object):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(asynclint.cache.Summaries, "_temporary", staticmethod(read_only))
    code, findings, stderr = _run_json("--cache-dir", str(tmp_path / "cache"), str(project))
    assert (code, findings) == expected[:2]
    assert "asynclint: warning:" in stderr and "cache" in stderr
    assert stderr.count("warning") == 1  # once, not once per file


def _corrupt_every_entry(cache: Path) -> int:
    entries = list(cache.rglob("*.msgpack"))
    for entry in entries:
        entry.write_bytes(b"\x80\x05 not a pickle")
    return len(entries)


def test_corrupt_cache_entry_falls_back_with_identical_results(
    project: Path, tmp_path: Path
) -> None:
    (project / "broken.py").write_bytes(b"async def f(:\n")
    cache = tmp_path / "cache"
    cold = _run_json("--cache-dir", str(cache), str(project))
    assert _corrupt_every_entry(cache) >= 2
    corrupt = _run_json("--cache-dir", str(cache), str(project))
    assert corrupt[:2] == cold[:2] == _run_json("--no-cache", str(project))[:2]
    # the bad entries were replaced: a third run reads good ones
    assert not [e for e in cache.rglob("*.msgpack") if e.read_bytes().startswith(b"\x80\x05 not")]


def test_corrupt_cache_entry_is_reported_with_a_warning(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _run_json("--cache-dir", str(cache), str(project))
    assert _corrupt_every_entry(cache) >= 1
    _, _, stderr = _run_json("--cache-dir", str(cache), str(project))
    assert "warning" in stderr and "cache" in stderr


# ---------------------------------------------------------------------------------------------
# Configuration

CONFIG_ERRORS = [
    pytest.param("[tool.asynclint\n", ["not valid TOML"], id="toml-syntax"),
    pytest.param("[tool]\nasynclint = 3\n", ["[tool.asynclint]", "table"], id="not-a-table"),
    pytest.param("[tool.asynclint]\nselekt = ['ASL1']\n", ["selekt"], id="unknown-key"),
    pytest.param("[tool.asynclint]\nselect = 'ASL1,'\n", ["select"], id="select-empty-code"),
    pytest.param("[tool.asynclint]\nselect = 5\n", ["select"], id="select-type"),
    pytest.param("[tool.asynclint]\nignore = ['E501']\n", ["ignore", "E501"], id="ignore-code"),
    pytest.param(f"[tool.asynclint]\nselect = ['{UNKNOWN}']\n", [UNKNOWN], id="unknown-code"),
    pytest.param("[tool.asynclint]\nmax-chain = 0\n", ["max-chain"], id="max-chain"),
    pytest.param("[tool.asynclint]\nmax-chain = true\n", ["max-chain"], id="max-chain-bool"),
    pytest.param("[tool.asynclint]\nexclude = [1]\n", ["exclude"], id="exclude"),
    pytest.param("[tool.asynclint]\nallow = [{a = 1}]\n", ["allow"], id="allow"),
    pytest.param("[tool.asynclint]\nper-file-ignores = 3\n", ["per-file-ignores"], id="pfi"),
    pytest.param(
        "[tool.asynclint.per-file-ignores]\n'a.py' = 3\n", ["per-file-ignores"], id="pfi-value"
    ),
]


@pytest.mark.parametrize(("text", "needles"), CONFIG_ERRORS)
def test_malformed_config_exits_2_naming_file_and_key(
    project: Path, text: str, needles: list[str]
) -> None:
    (project / "pyproject.toml").write_text(text)
    one_line_error(invoke("--no-cache", str(project)), "pyproject.toml", *needles)


def test_empty_per_file_ignores_glob_exits_2(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.asynclint.per-file-ignores]\n'' = ['ASL1']\n")
    one_line_error(invoke("--no-cache", str(project)), "pyproject.toml", "per-file-ignores")


def test_flake8_plugin_with_malformed_config_gives_no_traceback(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.asynclint]\nselekt = 1\n")
    flake8 = Path(sys.executable).parent / "flake8"
    command = [str(flake8)] if flake8.is_file() else [sys.executable, "-I", "-m", "flake8"]
    result = subprocess.run(
        [*command, "--select", "ASL", "ok.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "selekt" in output


def test_config_that_is_not_utf8_exits_2(project: Path) -> None:
    (project / "pyproject.toml").write_bytes(b"[tool.asynclint]\n# caf\xe9\n")
    one_line_error(invoke("--no-cache", str(project)), "pyproject.toml")


def test_unreadable_config_exits_2(project: Path) -> None:
    (project / "pyproject.toml").unlink()
    (project / "pyproject.toml").mkdir()  # `--config` a directory
    one_line_error(
        invoke("--no-cache", "--config", str(project / "pyproject.toml"), str(project)),
        "pyproject.toml",
    )


CATALOG = "category = 'http'\nwhy = 'w'\nreplacement = 'r'\nanchor = 'a'\n"
CATALOG_ERRORS = [
    pytest.param("[[tool.asynclint.function]]\nname = 3\n", ["[[function]]", "`name`"], id="name"),
    pytest.param(
        "[[tool.asynclint.function]]\nname = 'a b'\n" + CATALOG, ["`name`", "a b"], id="dotted"
    ),
    pytest.param(
        "[[tool.asynclint.function]]\nname = 'a.b'\ncode = 'ASL101'\n" + CATALOG,
        ["a.b", "`code`"],
        id="unknown-field",
    ),
    pytest.param(
        "[[tool.asynclint.function]]\nname = 'a.b'\n", ["a.b", "`category`"], id="missing-info"
    ),
    pytest.param(
        "[[tool.asynclint.function]]\nname = 'a.b'\n" + CATALOG.replace("http", "web"),
        ["`category`", "web"],
        id="bad-category",
    ),
    pytest.param("[tool.asynclint]\nfunction = 'a.b'\n", ["`function`"], id="not-an-array"),
    pytest.param("[tool.asynclint]\nfunction = [3]\n", ["[[function]]"], id="entry-not-table"),
    pytest.param(
        "[[tool.asynclint.function]]\nname = 'a.b'\nblocking = 'yes'\n" + CATALOG,
        ["`blocking`"],
        id="blocking-type",
    ),
    pytest.param(
        "[[tool.asynclint.class]]\nname = 'a.B'\nblocking = 'get'\n" + CATALOG,
        ["[[class]]", "a.B", "`blocking`"],
        id="class-blocking",
    ),
    pytest.param(
        "[[tool.asynclint.class]]\nname = 'a.B'\nblocking = ['get']\nsafe = ['get']\n" + CATALOG,
        ["`safe`", "get"],
        id="class-safe-overlap",
    ),
    pytest.param(
        "[[tool.asynclint.class]]\nname = 'a.B'\nreturns = {get = 3}\n",
        ["`returns.get`"],
        id="class-returns",
    ),
    pytest.param("[tool.asynclint]\ndefaults = 3\n", ["`defaults`"], id="defaults"),
    pytest.param(
        "[[tool.asynclint.class]]\nname = 'a.B'\naliases = 3\nblocking = ['get']\n" + CATALOG,
        ["`aliases`"],
        id="aliases-not-a-list",
    ),
    pytest.param(
        "[[tool.asynclint.class]]\nname = 'a.B'\naliases = 'xyz'\nblocking = ['get']\n" + CATALOG,
        ["`aliases`"],
        id="aliases-a-string",
    ),
    pytest.param(
        "[[tool.asynclint.class]]\nname = 'a.B'\nexit_blocks = 'yes'\n" + CATALOG,
        ["`exit_blocks`", "true or false"],
        id="exit-blocks-not-bool",
    ),
    pytest.param(
        "[[tool.asynclint.class]]\nname = 'a.B'\nblocking = ['__iter__']\n" + CATALOG,
        ["`blocking`", "iter_blocks = true"],
        id="hook-listed-by-hand",
    ),
    pytest.param(
        "[[tool.asynclint.function]]\nname = 'a.b'\ntwin = 'a.{name}.{name}'\n" + CATALOG,
        ["`twin`"],
        id="twin-two-placeholders",
    ),
    pytest.param(
        "[[tool.asynclint.function]]\nname = 'a.b'\ntwin = 'a b'\n" + CATALOG,
        ["`twin`", "dotted name"],
        id="twin-not-a-name",
    ),
    pytest.param(
        "[[tool.asynclint.function]]\nname = 'a.b'\nsince = 'five'\n" + CATALOG,
        ["`since`", "redis 5.0"],
        id="since-not-a-release",
    ),
    pytest.param(
        "[[tool.asynclint.class]]\nname = 'a.B'\nblocking = ['get']\nsince = { put = 'a 1.0' }\n"
        + CATALOG,
        ["`since`", "'put'", "does not list"],
        id="since-unlisted-method",
    ),
    pytest.param(
        "[[tool.asynclint.class]]\nname = 'a.B'\nblocking = ['get']\n"
        "since = { get = 'a 2.0' }\nuntil = { get = 'a 1.0' }\n" + CATALOG,
        ["`until`", "later release"],
        id="until-before-since",
    ),
]


@pytest.mark.parametrize(("text", "needles"), CATALOG_ERRORS)
def test_malformed_catalog_entry_exits_2_naming_entry_and_field(
    project: Path, text: str, needles: list[str]
) -> None:
    (project / "pyproject.toml").write_text(text)
    one_line_error(invoke("--no-cache", str(project)), "pyproject.toml", *needles)


# ---------------------------------------------------------------------------------------------
# Flags


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--select", "XYZ"], "--select"),
        (["--select", UNKNOWN], UNKNOWN),
        (["--ignore", "E501"], "--ignore"),
        (["--select", "ASL1,,ASL2x"], "ASL2X"),
        (["--config", "/no/such/pyproject.toml"], "/no/such/pyproject.toml"),
    ],
    ids=["select-garbage", "select-unknown", "ignore-foreign", "select-list", "config-missing"],
)
def test_bad_flag_value_exits_2(project: Path, args: list[str], needle: str) -> None:
    one_line_error(invoke("--no-cache", *args, str(project)), needle)


@pytest.mark.parametrize(
    "args",
    [["--format", "yaml"], ["--frobnicate"], ["--output"], ["--color", "--format"]],
    ids=["format", "unknown-option", "missing-value", "option-as-value"],
)
def test_usage_error_exits_2_without_traceback(project: Path, args: list[str]) -> None:
    result = invoke("--no-cache", str(project), *args)
    no_traceback(result)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--fix", "--diff"], ["--fix", "--diff"]),
        (["--baseline", "b.json", "--write-baseline", "b.json"], ["--baseline"]),
        (["--baseline", "{tmp}/missing.json"], ["missing.json"]),
        (["--baseline", "{tmp}/garbage.json"], ["garbage.json"]),
        (["--baseline", "{tmp}/list.json"], ["list.json"]),
        (["--baseline", "{tmp}"], []),
        (["--write-baseline", "{tmp}/no/dir/b.json"], ["b.json"]),
    ],
    ids=[
        "fix-and-diff",
        "baseline-twice",
        "baseline-missing",
        "baseline-not-json",
        "baseline-wrong-shape",
        "baseline-directory",
        "write-baseline-no-dir",
    ],
)
def test_conflicting_or_bad_flags_exit_2(
    project: Path, tmp_path: Path, args: list[str], needles: list[str]
) -> None:
    (tmp_path / "garbage.json").write_text("{not json")
    (tmp_path / "list.json").write_text("[1, 2]")
    before = (project / "ok.py").read_text()
    args = [a.format(tmp=tmp_path) for a in args]
    one_line_error(invoke("--no-cache", *args, str(project)), *needles)
    assert (project / "ok.py").read_text() == before  # nothing was fixed


@pytest.mark.parametrize("value", ["", ","], ids=["empty", "comma"])
def test_empty_select_is_an_error_not_a_silent_pass(project: Path, value: str) -> None:
    one_line_error(invoke("--no-cache", "--select", value, str(project)), "--select")


# ---------------------------------------------------------------------------------------------
# --output


@pytest.mark.parametrize("target", ["missing-dir/out.json", "."], ids=["no-parent", "directory"])
def test_unwritable_output_exits_2(project: Path, tmp_path: Path, target: str) -> None:
    path = tmp_path / target
    one_line_error(invoke("--no-cache", "--output", str(path), str(project)), "cannot write")


def test_failed_run_leaves_no_output_file(project: Path, tmp_path: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.asynclint]\nselekt = 1\n")
    out = tmp_path / "report.json"
    one_line_error(invoke("--no-cache", "-f", "json", "-o", str(out), str(project)))
    assert not out.exists()
    out.write_text("previous report\n")
    one_line_error(invoke("--no-cache", "-f", "json", "-o", str(out), str(project)))
    assert out.read_text() == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj", "report.json"]


def test_failed_write_leaves_no_partial_file(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(asynclint.safeio, "write_all", disk_full)
    result = invoke("--no-cache", "-o", str(out_dir / "report.txt"), str(project))
    monkeypatch.undo()
    one_line_error(result, "cannot write", "No space left")
    assert list(out_dir.iterdir()) == []


def test_output_file_holds_the_whole_report(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = invoke("--no-cache", "-f", "json", "-o", str(out), str(project))
    assert result.exit_code == 1
    no_traceback(result)
    assert json.loads(out.read_text())["summary"]["count"] == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_project_tree_is_left_as_it_was(project: Path) -> None:
    """`--no-cache` writes nothing into the analysed tree."""
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    assert invoke("--no-cache", str(project)).exit_code == 1
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before
