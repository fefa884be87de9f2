"""Every command the docs show being run (`$ ...` in a fenced block of README.md or docs/*.md)
runs as written, exits as documented and prints what the docs show.

A page runs in a temporary directory of its own holding a copy of `examples/`, its commands in
page order. Where a command needs files the page shows, HTML comments (invisible when
rendered) say how to lay them out:

    <!-- docs-test: cd demo -->               later commands run in demo/ (created)
    <!-- docs-test: touch a.py b/c.py -->     empty files, relative to that directory
    <!-- docs-test: write app/main.py -->     the next fenced block becomes that file (less a
                                              first line `# app/main.py...` that names it)
    <!-- docs-test: append app/main.py -->    the same, added at the end of the file
    <!-- docs-test: like getting-started.md --> replay that page's layout up to the first
                                                command it runs

Checks: a `$ echo $?` after a command gives its exit code; without one, a command whose shown
output starts with `asynclint: error:` must exit 2, one that shows `No blocking calls found.`
0, one that shows `Found N problems in ...` 1, and any other 0 or 1. The first lines of
the output (stdout and stderr, as a terminal shows them) must match the shown ones, where
`...` in a line stands for any text, and a line that is only `...` for any number of lines.
A command that cannot run here is in NOT_RUN with the reason; nothing is skipped silently.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FIRST_LINES = 3  # output lines compared with the page

# (page, command) -> why it is not run here
NOT_RUN = {
    ("getting-started.md", 'pip install "git+https://github.com/asynclint/asynclint@main"'): (
        "needs the network and GitHub; the same package, installed from this checkout, is what"
        " every other command here runs"
    ),
    ("library-analysis.md", "asynclint check app --python .venv"): (
        "needs a .venv beside the app with PyJWT installed; tests/test_library.py"
        " (test_a_real_sdk_pyjwt_fetches_its_key_set_over_http) checks the page's app against"
        " the PyJWT installed with the test dependencies"
    ),
    ("adding-a-library.md", ".venv/bin/python -m asynclint.docsgen"): (
        "rewrites docs/catalog.md of the checkout it runs in, after the page's hvac entry has"
        " been added to rules/; the unchanged generator is run by `make lint` (--check)"
    ),
}

DIRECTIVE = re.compile(r"<!--\s*docs-test:\s*(\S+)\s*(.*?)\s*-->")
FENCE = re.compile(r"^\s*```")


@dataclass
class Command:
    page: str
    line: int
    text: str
    output: list[str] = field(default_factory=list)
    exit_code: Optional[int] = None  # from a following `$ echo $?`


@dataclass
class Step:
    """A layout action (cd, touch, write) or a command, in page order."""

    kind: str
    argument: str = ""
    content: str = ""
    command: Optional[Command] = None


def parse(page: Path) -> list[Step]:
    steps: list[Step] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    pending_write: Optional[str] = None
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = DIRECTIVE.search(line)
        if directive and not FENCE.match(line):
            kind, argument = directive.group(1), directive.group(2)
            if kind in ("write", "append"):
                pending_write = f"{kind} {argument}"
            else:
                steps.append(Step(kind, argument))
            index += 1
            continue
        if not FENCE.match(line):
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not FENCE.match(lines[end]):
            end += 1
        # a block inside a list item is indented like its fence
        indent = len(line) - len(line.lstrip())
        body = [
            text[indent:] if text[:indent].isspace() else text for text in lines[index + 1 : end]
        ]
        if pending_write is not None:
            kind, path = pending_write.split(" ", 1)
            if body and body[0].startswith(f"# {path}"):
                body = body[1:]  # the comment that tells the reader which file it is
            steps.append(Step(kind, path, "\n".join(body) + "\n"))
            pending_write = None
        else:
            steps.extend(_commands(page.name, index + 2, body))
        index = end + 1
    return steps


def _commands(page: str, first: int, body: list[str]) -> list[Step]:
    steps: list[Step] = []
    current: Optional[Command] = None
    for offset, line in enumerate(body):
        if line.startswith("$ "):
            text = line[2:].strip()
            if text == "echo $?" and current is not None:
                current.exit_code = None  # filled from the next output line
                current.output.append("\0exit")
                continue
            current = Command(page, first + offset, text)
            steps.append(Step("run", command=current))
        elif current is not None:
            if current.output and current.output[-1] == "\0exit":
                current.output.pop()
                current.exit_code = int(line.strip())
            else:
                current.output.append(line)
    return steps


def _matches(shown: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in shown.rstrip().split("..."))
    return re.fullmatch(pattern, actual.rstrip()) is not None


def _starts_with(shown: list[str], actual: list[str]) -> bool:
    """``actual`` begins with the ``shown`` lines; a line `...` skips any number of lines."""
    if not shown:
        return True
    if shown[0].strip() == "...":
        return any(_starts_with(shown[1:], actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and _matches(shown[0], actual[0]) and _starts_with(shown[1:], actual[1:])


class Page:
    def __init__(self, directory: Path) -> None:
        self.root = directory
        self.cwd = directory
        shutil.copytree(ROOT / "examples", directory / "examples")

    def apply(self, step: Step) -> None:
        if step.kind == "cd":
            self.cwd = self.root / step.argument
            self.cwd.mkdir(parents=True, exist_ok=True)
        elif step.kind == "touch":
            for name in step.argument.split():
                (self.cwd / name).parent.mkdir(parents=True, exist_ok=True)
                (self.cwd / name).touch()
        elif step.kind in ("write", "append"):
            target = self.cwd / step.argument
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a" if step.kind == "append" else "w", encoding="utf-8") as file:
                file.write(step.content)
        elif step.kind == "like":
            page = ROOT / "docs" / step.argument
            for other in parse(page):
                if other.command is not None:
                    if (page.name, other.command.text) in NOT_RUN:
                        continue
                    break
                self.apply(other)
        else:
            raise AssertionError(f"unknown docs-test directive {step.kind!r}")

    def run(self, command: Command) -> None:
        env = {
            **os.environ,
            # the asynclint and flake8 under test come first
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "COLUMNS": "100",
        }
        for name in ("FORCE_COLOR", "NO_COLOR", "ASYNCLINT_CACHE_DIR"):
            env.pop(name, None)
        result = subprocess.run(
            ["bash", "-c", command.text],
            cwd=self.cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=60,
        )
        where = f"{command.page}:{command.line}: $ {command.text}"
        shown = [line for line in command.output if line.strip()]
        # the first lines shown, counting a `...` line with the line after it
        cut = 0
        for count in range(1, len(shown) + 1):
            if count - sum(s.strip() == "..." for s in shown[:count]) <= FIRST_LINES:
                cut = count
        shown = shown[:cut]
        actual = [line for line in result.stdout.splitlines() if line.strip()]
        if command.exit_code is not None:
            expected = {command.exit_code}
        elif shown and shown[0].startswith("asynclint: error:"):
            expected = {2}
        elif "No blocking calls found." in command.output:
            expected = {0}
        elif any(re.match(r"Found \d+ problems? in", line) for line in command.output):
            expected = {1}
        else:
            expected = {0, 1}
        assert result.returncode in expected, f"{where}\nexit {result.returncode}\n{result.stdout}"
        assert _starts_with(shown, actual), (
            f"{where}\nshown:\n"
            + "\n".join(f"  {s}" for s in shown)
            + "\nprinted:\n"
            + "\n".join(f"  {a}" for a in actual[: len(shown) + 5])
        )


def _pages_with_commands() -> list[Path]:
    return [page for page in PAGES if any(step.kind == "run" for step in parse(page))]


@pytest.mark.parametrize("page", _pages_with_commands(), ids=lambda page: page.name)
def test_every_command_runs_as_documented(page: Path, tmp_path: Path) -> None:
    runner = Page(tmp_path)
    ran = 0
    for step in parse(page):
        if step.kind != "run":
            runner.apply(step)
            continue
        assert step.command is not None
        if (page.name, step.command.text) in NOT_RUN:
            continue
        runner.run(step.command)
        ran += 1
    listed = [reason for (name, _), reason in NOT_RUN.items() if name == page.name]
    assert ran or listed, f"{page.name}: no command ran"


def test_every_command_not_run_is_still_in_the_docs() -> None:
    shown = {
        (page.name, step.command.text)
        for page in PAGES
        for step in parse(page)
        if step.command is not None
    }
    assert set(NOT_RUN) <= shown, set(NOT_RUN) - shown


def test_parser_reads_commands_output_exit_codes_and_files(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- docs-test: cd demo -->\n"
        "<!-- docs-test: write app.py -->\n"
        "```python\n# app.py\nimport time\n```\n"
        "```\n$ asynclint check --select FOO\nasynclint: error: ...\n$ echo $?\n2\n```\n",
        encoding="utf-8",
    )
    steps = parse(page)
    assert [s.kind for s in steps] == ["cd", "write", "run"]
    assert (steps[1].argument, steps[1].content) == ("app.py", "import time\n")
    command = steps[2].command
    assert command is not None
    assert (command.text, command.output, command.exit_code) == (
        "asynclint check --select FOO",
        ["asynclint: error: ..."],
        2,
    )
    assert _matches("asynclint: error: ...", "asynclint: error: --select: 'FOO' is not")
    assert not _matches("asynclint: error: x", "asynclint: warning: x")
    assert _starts_with(["[", "...", '  "b"'], ["[", '  "a"', '  "b"', '  "c"'])
    assert not _starts_with(["[", "...", '  "d"'], ["[", '  "a"', '  "b"'])
