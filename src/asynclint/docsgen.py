"""Generate the rule documentation (``docs/rules/ASLnnn.md`` and its index) from ``codes.py``.

    python -m asynclint.docsgen [DIRECTORY]          # write the pages (default: docs/rules)
    python -m asynclint.docsgen [DIRECTORY] --check  # exit 1 if a page on disk is stale

The pages are never edited by hand: change ``codes.py`` and regenerate.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from asynclint.codes import RULES, Rule

INDEX = "README.md"
HEADINGS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "Use instead:",
    "## How to silence it",
)
_GENERATED = "<!-- Generated from src/asynclint/codes.py by `python -m asynclint.docsgen`. -->"


def _what_it_does(rule: Rule) -> str:
    if not rule.category:
        return f"{rule.summary}."
    return (
        f"{rule.summary}.\n\n"
        "asynclint reports the call where it runs on the event loop: in an `async def` "
        "function that FastAPI runs on the loop (a route, a dependency, ...), or in a project "
        "function that one of them calls, in which case the finding shows the chain of calls. "
        f"The APIs it covers are the catalog entries of category `{rule.category}` "
        "(`rules/*.toml`)."
    )


def render_page(rule: Rule) -> str:
    """The Markdown page for one rule."""
    return (
        f"# {rule.code}: {rule.name}\n\n"
        f"{_GENERATED}\n\n"
        f"**Level:** {rule.level}\n\n"
        f"## What it does\n\n{_what_it_does(rule)}\n\n"
        f"## Why is this bad?\n\n{rule.why}\n\n"
        f"## Example\n\n```python\n{rule.bad}\n```\n\n"
        f"Use instead:\n\n```python\n{rule.good}\n```\n\n"
        "## How to silence it\n\n"
        "On one line, with a comment at the end of the line:\n\n"
        "```python\n"
        f"blocking_call()  # noqa: {rule.code}\n"
        f"blocking_call()  # asynclint: ignore[{rule.code}]\n"
        "```\n\n"
        "For the whole project, in `pyproject.toml`:\n\n"
        "```toml\n"
        "[tool.asynclint]\n"
        f'ignore = ["{rule.code}"]\n'
        "```\n"
    )


def render_index(rules: Sequence[Rule] = RULES) -> str:
    """``docs/rules/README.md``: a table of every rule."""
    rows = "".join(
        f"| [{rule.code}]({rule.code}.md) | `{rule.name}` | "
        f"{rule.summary.replace('|', '&#124;')} | {rule.level} |\n"
        for rule in rules
    )
    return (
        "# Rules\n\n"
        f"{_GENERATED}\n\n"
        "Every code asynclint reports. Each catalog category maps to one code, so adding a "
        "library to the catalog never adds a code.\n\n"
        "| Code | Name | Summary | Level |\n"
        "|---|---|---|---|\n"
        f"{rows}"
    )


def pages(rules: Sequence[Rule] = RULES) -> dict[str, str]:
    """File name -> content for every generated page, the index included."""
    generated = {f"{rule.code}.md": render_page(rule) for rule in rules}
    generated[INDEX] = render_index(rules)
    return generated


def stale(directory: Path, rules: Sequence[Rule] = RULES) -> list[str]:
    """Names of pages in ``directory`` that are missing, differ, or belong to no rule."""
    expected = pages(rules)
    problems = []
    for name, content in expected.items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            problems.append(name)
    problems += sorted(p.name for p in directory.glob("ASL*.md") if p.name not in expected)
    return problems


def write(directory: Path, rules: Sequence[Rule] = RULES) -> list[str]:
    """Write every page into ``directory``; returns the names of the files that changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = stale(directory, rules)
    for name, content in pages(rules).items():
        if name in changed:
            with open(directory / name, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
    return [name for name in changed if name in pages(rules)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m asynclint.docsgen", description="Generate the rule docs from codes.py."
    )
    parser.add_argument(
        "directory", nargs="?", type=Path, default=Path("docs/rules"), help="default: docs/rules"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any page is stale"
    )
    args = parser.parse_args(argv)
    directory: Path = args.directory
    if args.check:
        problems = stale(directory)
        for name in problems:
            print(f"stale: {directory / name}", file=sys.stderr)
        if problems:
            print("run `python -m asynclint.docsgen` to regenerate", file=sys.stderr)
            return 1
        return 0
    for name in write(directory):
        print(f"wrote {directory / name}")
    leftovers = [name for name in stale(directory) if name.startswith("ASL")]
    for name in leftovers:
        print(f"no rule has code {Path(name).stem}: delete {directory / name}", file=sys.stderr)
    return 1 if leftovers else 0


if __name__ == "__main__":
    sys.exit(main())
