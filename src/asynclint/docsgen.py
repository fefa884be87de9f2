"""Generate the documentation that is derived from data, so it can never drift from the code.

    python -m asynclint.docsgen [--root DIR]          # write every generated file
    python -m asynclint.docsgen [--root DIR] --check  # write nothing; exit 1 if one is stale

From ``codes.py``: ``docs/rules/ASLnnn.md`` (one page per code), ``docs/rules/README.md`` (their
index) and the rules table in ``README.md`` (between ``<!-- rules-table:start -->`` and
``<!-- rules-table:end -->``; a root without a README.md is skipped). From the built-in catalog
(``rules/*.toml``): ``docs/catalog.md``, the supported-libraries page. ``--root`` is the
repository root (default: the current directory). None of these files is edited by hand: change
the data and regenerate.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional, Union

from asynclint.catalog import (
    ALWAYS,
    Catalog,
    CatalogError,
    ClassEntry,
    FunctionEntry,
    load_builtin,
)
from asynclint.codes import BY_CODE, RULES, Rule

INDEX = "README.md"
RULES_DIR = "docs/rules"
CATALOG_PAGE = "docs/catalog.md"
README = "README.md"
TABLE_START = "<!-- rules-table:start -->"
TABLE_END = "<!-- rules-table:end -->"
HEADINGS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "Use instead:",
    "## How to silence it",
)
_GENERATED = "<!-- Generated from src/asynclint/codes.py by `python -m asynclint.docsgen`. -->"
_GENERATED_CATALOG = (
    "<!-- Generated from rules/*.toml by `python -m asynclint.docsgen`; do not edit by hand. -->"
)

Entry = Union[FunctionEntry, ClassEntry]


class DocsError(Exception):
    """A file the generator must update is not in a shape it can update."""


# -- rule pages ---------------------------------------------------------------------------


def _what_it_does(rule: Rule) -> str:
    if rule.details:
        return f"{rule.summary}.\n\n{rule.details}"
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


def _where_silenced(rule: Rule) -> str:
    return " (the `def` line it is reported on)" if rule.silenced_line.startswith("def ") else ""


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
        f"On one line, with a comment at the end of the line{_where_silenced(rule)}:\n\n"
        "```python\n"
        f"{rule.silenced_line}  # noqa: {rule.code}\n"
        f"{rule.silenced_line}  # asynclint: ignore[{rule.code}]\n"
        "```\n\n"
        "For the whole project, in `pyproject.toml`:\n\n"
        "```toml\n"
        "[tool.asynclint]\n"
        f'ignore = ["{rule.code}"]\n'
        "```\n"
    )


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "&#124;").replace("\n", " ")


def render_index(rules: Sequence[Rule] = RULES) -> str:
    """``docs/rules/README.md``: a table of every rule."""
    rows = "".join(
        f"| [{rule.code}]({rule.code}.md) | `{rule.name}` | "
        f"{_cell(rule.summary)} | {rule.level} |\n"
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
    """File name -> content for every page in ``docs/rules``, the index included."""
    generated = {f"{rule.code}.md": render_page(rule) for rule in rules}
    generated[INDEX] = render_index(rules)
    return generated


def stale(directory: Path, rules: Sequence[Rule] = RULES) -> list[str]:
    """Names of pages in ``directory`` that are missing, differ, or belong to no rule."""
    expected = pages(rules)
    problems = [name for name, content in expected.items() if _differs(directory / name, content)]
    problems += sorted(p.name for p in directory.glob("ASL*.md") if p.name not in expected)
    return problems


def write(directory: Path, rules: Sequence[Rule] = RULES) -> list[str]:
    """Write every rule page into ``directory``; returns the names of the files that changed."""
    directory.mkdir(parents=True, exist_ok=True)
    expected = pages(rules)
    changed = [name for name in stale(directory, rules) if name in expected]
    for name in changed:
        _write_text(directory / name, expected[name])
    return changed


# -- README rules table -------------------------------------------------------------------


def render_rules_table(rules: Sequence[Rule] = RULES) -> str:
    """The README's rules table (without the markers), linking each code's page."""
    rows = "".join(
        f"| [{rule.code}]({RULES_DIR}/{rule.code}.md) | {rule.name} | {rule.level} | "
        f"{_cell(rule.summary)} |\n"
        for rule in rules
    )
    return f"| code | name | level | what |\n|---|---|---|---|\n{rows}"


def update_readme(text: str, rules: Sequence[Rule] = RULES) -> str:
    """``text`` with the part between the rules-table markers replaced by the current table."""
    if text.count(TABLE_START) != 1 or text.count(TABLE_END) != 1:
        raise DocsError(
            f"needs exactly one `{TABLE_START}` and one `{TABLE_END}` line around the rules table"
        )
    start = text.index(TABLE_START) + len(TABLE_START)
    end = text.index(TABLE_END)
    if end < start:
        raise DocsError(f"`{TABLE_END}` comes before `{TABLE_START}`")
    return f"{text[:start]}\n{_GENERATED}\n\n{render_rules_table(rules)}{text[end:]}"


# -- the supported-libraries page ---------------------------------------------------------


def _code_link(code: str, prefix: str = "rules/") -> str:
    return f"[{code}]({prefix}{code}.md)"


_DUNDERS = {
    "__enter__": "`with` (`__enter__`)",
    "__exit__": "leaving `with` (`__exit__`)",
    "__iter__": "iterating it (`__iter__`)",
    "__next__": "iterating it (`__next__`)",
    "__call__": "calling an instance (`__call__`)",
}


def _method(method: str) -> str:
    return _DUNDERS.get(method, f"`{method}()`")


# views of a client's methods that send the same request (OpenAI, Anthropic and Groq SDKs)
_VIEWS = ("with_raw_response", "with_streaming_response")


def _shown(methods: frozenset[str]) -> tuple[list[str], list[str]]:
    """The methods to list, and the views through which every listed method also blocks."""
    views = [view for view in _VIEWS if any(f".{view}." in f".{m}" for m in methods)]
    hidden = {
        m
        for m in methods
        if any(f".{view}." in f".{m}" for view in views)
        and ".".join(p for p in m.split(".") if p not in _VIEWS) in methods
    }
    return sorted(methods - hidden), views


def _entry_row(entry: Entry, same: Sequence[Entry] = ()) -> str:
    """One table row; ``same`` are further functions that share every field with ``entry``."""
    info = entry.info
    assert info is not None
    name = ", ".join(f"`{e.name}`" for e in (entry, *same))
    if isinstance(entry, FunctionEntry) and entry.versions != ALWAYS:
        name += f" ({entry.versions})"
    if isinstance(entry, ClassEntry):
        ranges = entry.versions

        def dated(text: str, key: str) -> str:
            return f"{text} ({ranges[key]})" if key in ranges else text

        name = dated(name, "")
        if entry.aliases:
            also = ", ".join(dated(f"`{alias}`", alias) for alias in entry.aliases)
            name += f" (also {also})"
        listed, views = _shown(entry.blocking)
        blocks = [dated(_method(method), method) for method in listed]
        # properties whose read blocks: attributes, not calls
        blocks += [dated(f"`.{prop}` (read)", prop) for prop in sorted(entry.properties)]
        if entry.constructor:
            blocks.insert(0, "the constructor")
        if views:
            through = " and ".join(f"`{view}`" for view in views)
            blocks.append(f"and each of these through {through} where the SDK has it")
        safe = ", ".join(dated(_method(m), m) for m in sorted(entry.safe)) or "-"
        kind = "class"
        blocking = ", ".join(blocks)
    else:
        kind = "function"
        blocking = "the call"
        safe = "-"
    return (
        f"| {_cell(name)} | {kind} | {_cell(blocking)} | {_cell(safe)} | "
        f"{_code_link(info.code)} | {_cell(info.replacement)} |\n"
    )


def _rows(entries: list[Entry]) -> list[tuple[Entry, list[Entry]]]:
    """Functions that differ only in name (a `names = [...]` family) share one row."""
    out: list[tuple[Entry, list[Entry]]] = []
    first_of: dict[object, list[Entry]] = {}
    for entry in entries:
        if isinstance(entry, ClassEntry) or entry.info is None:
            out.append((entry, []))
            continue
        key = (entry.info, entry.returns, entry.versions)
        if key in first_of:
            first_of[key].append(entry)
            continue
        same: list[Entry] = []
        first_of[key] = same
        out.append((entry, same))
    return out


def _by_anchor(catalog: Catalog) -> dict[str, list[Entry]]:
    groups: dict[str, list[Entry]] = {}
    for entry in catalog.entries():
        if entry.info is not None:
            groups.setdefault(entry.info.anchor, []).append(entry)
    return {anchor: groups[anchor] for anchor in sorted(groups)}


def render_catalog(catalog: Optional[Catalog] = None) -> str:
    """``docs/catalog.md``: every blocking API of the built-in catalog, grouped by library."""
    catalog = catalog if catalog is not None else load_builtin()
    groups = _by_anchor(catalog)
    index_rows = []
    sections = []
    for anchor, entries in groups.items():
        used = sorted({e.info.code for e in entries if e.info is not None})
        links = ", ".join(_code_link(code) for code in used)
        names = ", ".join(f"`{e.name}`" for e in entries[:3])
        if len(entries) > 3:
            names += f" and {len(entries) - 3} more"
        index_rows.append(f"| [{anchor}](#{anchor}) | {links} | {_cell(names)} |\n")
        rows = "".join(_entry_row(first, same) for first, same in _rows(entries))
        sections.append(
            f'<a id="{anchor}"></a>\n\n'
            f"## {anchor}\n\n"
            "| API | kind | blocks | does not block | code | use instead |\n"
            "|---|---|---|---|---|---|\n"
            f"{rows}"
        )
    code_rows = "".join(
        f"| {_code_link(rule.code)} | {rule.category} | {_cell(rule.summary)} |\n"
        for rule in RULES
        if rule.category
    )
    return (
        "# Supported libraries\n\n"
        f"{_GENERATED_CATALOG}\n\n"
        f"asynclint's built-in catalog knows {catalog.api_count()} blocking APIs in "
        f"{len(groups)} library families. Each section below lists one family: the API "
        "(a function, or a class with the methods that block), what blocks, the methods "
        "known **not** to block, the rule code a call is reported under, and what to use "
        "on the event loop instead.\n\n"
        "A call is reported only where it runs on the event loop (see "
        "[execution-model.md](execution-model.md)); the same call in a plain `def` route or "
        "inside `await asyncio.to_thread(...)` is fine. Names are matched after resolution, so "
        "`import requests as r; r.get(url)` and `session = requests.Session(); "
        "session.get(url)` are both found. Factories that do no I/O themselves "
        "(`boto3.client`, `sqlalchemy.create_engine`, ...) are in the catalog only to give "
        "their results a type, and are not listed here.\n\n"
        "`asynclint catalog` prints the same data (add `--format json` for a script, "
        "`--config` to include your own entries). To teach asynclint an in-house SDK, see "
        "[configuration.md](configuration.md#your-own-catalog-entries); to add a library to "
        "the built-in catalog, see [adding-a-library.md](adding-a-library.md).\n\n"
        "## Codes\n\n"
        "| code | category | what |\n"
        "|---|---|---|\n"
        f"{code_rows}\n"
        "## Libraries\n\n"
        "| library | codes | APIs |\n"
        "|---|---|---|\n"
        f"{''.join(index_rows)}\n" + "\n".join(sections)
    )


# -- every generated file -----------------------------------------------------------------


def outputs(root: Path, catalog: Optional[Catalog] = None) -> dict[str, str]:
    """Path relative to ``root`` (with ``/``) -> the content it must have.

    Raises ``DocsError`` when README.md exists but has no well-formed rules-table markers.
    """
    expected = {f"{RULES_DIR}/{name}": content for name, content in pages().items()}
    expected[CATALOG_PAGE] = render_catalog(catalog)
    readme = root / README
    if readme.is_file():
        try:
            expected[README] = update_readme(readme.read_text(encoding="utf-8"))
        except DocsError as exc:
            raise DocsError(f"{readme}: {exc}") from exc
    return expected


def stale_files(root: Path, catalog: Optional[Catalog] = None) -> list[str]:
    """Generated files under ``root`` that are missing or differ, and rule pages of no rule."""
    problems = [
        name for name, content in outputs(root, catalog).items() if _differs(root / name, content)
    ]
    rules_dir = root / RULES_DIR
    problems += sorted(
        f"{RULES_DIR}/{p.name}" for p in rules_dir.glob("ASL*.md") if p.stem not in BY_CODE
    )
    return problems


def write_all(root: Path, catalog: Optional[Catalog] = None) -> list[str]:
    """Write every generated file under ``root``; returns those that changed."""
    expected = outputs(root, catalog)
    changed = [name for name, content in expected.items() if _differs(root / name, content)]
    for name in changed:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_text(path, expected[name])
    return changed


def _differs(path: Path, content: str) -> bool:
    return not path.is_file() or path.read_text(encoding="utf-8") != content


def _write_text(path: Path, content: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(content)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m asynclint.docsgen",
        description="Generate the rule pages, the README rules table and docs/catalog.md.",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="the repository root (default: the current directory)",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any file is stale"
    )
    args = parser.parse_args(argv)
    root: Path = args.root
    try:
        if args.check:
            problems = stale_files(root)
            for name in problems:
                print(f"stale: {root / name}", file=sys.stderr)
            if problems:
                print("run `python -m asynclint.docsgen` to regenerate", file=sys.stderr)
                return 1
            return 0
        for name in write_all(root):
            print(f"wrote {root / name}")
        leftovers = [name for name in stale_files(root) if name.startswith(f"{RULES_DIR}/ASL")]
    except (DocsError, CatalogError) as exc:
        print(f"asynclint.docsgen: error: {exc}", file=sys.stderr)
        return 1
    for name in leftovers:
        print(f"no rule has code {Path(name).stem}: delete {root / name}", file=sys.stderr)
    return 1 if leftovers else 0


if __name__ == "__main__":
    sys.exit(main())
