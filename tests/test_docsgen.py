from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from asynclint import docsgen
from asynclint.catalog import build, load_builtin, parse_table
from asynclint.codes import RULES, Rule

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "rules"
STALE = "is stale: run `python -m asynclint.docsgen`"

README_TEMPLATE = (
    "# project\n\nintro\n\n## Rules\n\n"
    f"{docsgen.TABLE_START}\nold table\n{docsgen.TABLE_END}\n\n## After\n\ntext\n"
)


# -- the files on disk are current ---------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_page_on_disk_is_current(rule: Rule) -> None:
    page = DOCS / f"{rule.code}.md"
    assert page.is_file(), f"missing {page}: run `python -m asynclint.docsgen`"
    assert page.read_text(encoding="utf-8") == docsgen.render_page(rule), f"{page} {STALE}"


def test_index_on_disk_is_current() -> None:
    assert (DOCS / "README.md").read_text(encoding="utf-8") == docsgen.render_index()


def test_no_stale_pages_on_disk() -> None:
    assert docsgen.stale(DOCS) == []


def test_catalog_page_on_disk_is_current() -> None:
    page = REPO / docsgen.CATALOG_PAGE
    assert page.is_file(), f"missing {page}: run `python -m asynclint.docsgen`"
    assert page.read_text(encoding="utf-8") == docsgen.render_catalog(), f"{page} {STALE}"


def test_readme_rules_table_is_current() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme == docsgen.update_readme(readme), f"the rules table in README.md {STALE}"


def test_no_stale_generated_file_in_the_repository() -> None:
    assert docsgen.stale_files(REPO) == []


# -- rule pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_page_headings(rule: Rule) -> None:
    page = docsgen.render_page(rule)
    lines = page.splitlines()
    assert lines[0] == f"# {rule.code}: {rule.name}"
    positions = [lines.index(heading) for heading in docsgen.HEADINGS]
    assert positions == sorted(positions), "headings out of order"
    assert f"# noqa: {rule.code}" in page
    assert f"# asynclint: ignore[{rule.code}]" in page
    assert f'[tool.asynclint]\nignore = ["{rule.code}"]' in page
    assert f"```python\n{rule.bad}\n```" in page
    assert f"```python\n{rule.good}\n```" in page
    assert rule.why in page


def test_index_lists_every_rule() -> None:
    index = docsgen.render_index()
    assert "| Code | Name | Summary | Level |" in index
    for rule in RULES:
        assert (
            f"| [{rule.code}]({rule.code}.md) | `{rule.name}` | {rule.summary} | {rule.level} |"
            in index
        )


# -- README rules table --------------------------------------------------------------------


def test_rules_table_lists_every_rule() -> None:
    table = docsgen.render_rules_table()
    assert table.startswith("| code | name | level | what |\n|---|---|---|---|\n")
    for rule in RULES:
        row = f"| [{rule.code}](docs/rules/{rule.code}.md) | {rule.name} | {rule.level} | "
        assert f"{row}{rule.summary} |\n" in table


def test_update_readme_replaces_only_the_table() -> None:
    updated = docsgen.update_readme(README_TEMPLATE)
    assert "old table" not in updated
    assert docsgen.render_rules_table() in updated
    assert updated.startswith("# project\n\nintro\n\n## Rules\n\n" + docsgen.TABLE_START + "\n")
    assert updated.endswith(docsgen.TABLE_END + "\n\n## After\n\ntext\n")
    assert docsgen.update_readme(updated) == updated


@pytest.mark.parametrize(
    "text",
    [
        "# no markers\n",
        f"{docsgen.TABLE_START}\nonly the start\n",
        f"{docsgen.TABLE_END}\nreversed\n{docsgen.TABLE_START}\n",
        f"{docsgen.TABLE_START}\n{docsgen.TABLE_END}\n{docsgen.TABLE_START}\n{docsgen.TABLE_END}\n",
    ],
    ids=["none", "start-only", "reversed", "twice"],
)
def test_update_readme_needs_well_formed_markers(text: str) -> None:
    with pytest.raises(docsgen.DocsError):
        docsgen.update_readme(text)


# -- the supported-libraries page ----------------------------------------------------------


def test_catalog_page_has_a_section_and_an_anchor_per_library() -> None:
    catalog = load_builtin()
    page = docsgen.render_catalog(catalog)
    anchors = {e.info.anchor for e in catalog.entries() if e.info is not None}
    assert {"requests", "sqlalchemy", "boto3", "openai", "time-sleep"} <= anchors
    lines = page.splitlines()
    for anchor in anchors:
        start = lines.index(f'<a id="{anchor}"></a>')
        assert lines[start + 2] == f"## {anchor}"
        assert f"| [{anchor}](#{anchor}) |" in page
    rows = [line for line in lines if line.startswith("| `")]
    for entry in catalog.entries():
        if entry.info is not None:  # first in its row, or among functions sharing every field
            assert any(f"`{entry.name}`" in row.split(" | ")[0] for row in rows), entry.name


def test_version_ranges_are_shown_next_to_the_name() -> None:
    page = docsgen.render_catalog(load_builtin())
    (row,) = [line for line in page.splitlines() if line.startswith("| `redis.client.PubSub`")]
    assert "`ssubscribe()` (redis >= 5.0)" in row
    assert "`openai.Completion.create`" in page and "(openai < 1.0)" in page


def test_functions_that_share_every_field_share_a_row() -> None:
    page = docsgen.render_catalog(load_builtin())
    (row,) = [line for line in page.splitlines() if line.startswith("| `os.link`, ")]
    assert "`os.listdir`, `os.makedirs`" in row and "`os.stat`" not in row
    assert not any(line.startswith("| `os.listdir`") for line in page.splitlines())
    # the stat family shares every field but its cost class (metadata): a row of its own
    (row,) = [line for line in page.splitlines() if line.startswith("| `os.access`, ")]
    assert "`os.stat`" in row


def test_catalog_page_rows() -> None:
    catalog = build(
        [
            parse_table(
                {
                    "defaults": {"category": "sdk", "anchor": "acme"},
                    "function": [
                        {
                            "name": "acme.charge",
                            "why": "calls the API",
                            "replacement": "`acme.acharge` | or a thread",
                        },
                        {"name": "acme.connect", "blocking": False, "returns": "acme.Conn"},
                    ],
                    "class": [
                        {
                            "name": "acme.Conn",
                            "aliases": ["acme.conn.Conn"],
                            "blocking": ["query"],
                            "enter_blocks": True,
                            "safe": ["close"],
                            "constructor": True,
                            "why": "talks to the server",
                            "replacement": "`acme.AsyncConn`",
                            "category": "database",
                        }
                    ],
                },
                "test",
            )
        ]
    )
    page = docsgen.render_catalog(catalog)
    assert '<a id="acme"></a>\n\n## acme\n' in page
    assert (
        "| `acme.Conn` (also `acme.conn.Conn`) | class | the constructor, "
        "`with` (`__enter__`), `query()` | `close()` | [ASL201](rules/ASL201.md) | "
        "`acme.AsyncConn` |\n"
    ) in page
    assert (
        "| `acme.charge` | function | the call | - | [ASL601](rules/ASL601.md) | "
        "`acme.acharge` &#124; or a thread |\n"
    ) in page
    assert "acme.connect" not in page  # a pure factory blocks nothing
    assert "| [acme](#acme) | [ASL201](rules/ASL201.md), [ASL601](rules/ASL601.md) |" in page


# -- the command ----------------------------------------------------------------------------


def test_write_then_check(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README_TEMPLATE, encoding="utf-8")
    assert docsgen.main(["--root", str(tmp_path)]) == 0
    rules = tmp_path / "docs" / "rules"
    assert sorted(p.name for p in rules.iterdir()) == sorted(docsgen.pages())
    assert (tmp_path / "docs" / "catalog.md").read_text(
        encoding="utf-8"
    ) == docsgen.render_catalog()
    assert docsgen.render_rules_table() in readme.read_text(encoding="utf-8")
    assert docsgen.main(["--root", str(tmp_path), "--check"]) == 0

    for name in ("docs/rules/ASL101.md", "docs/catalog.md"):
        (tmp_path / name).write_text("edited by hand\n", encoding="utf-8")
        assert docsgen.stale_files(tmp_path) == [name]
        assert docsgen.main(["--root", str(tmp_path), "--check"]) == 1
        assert docsgen.main(["--root", str(tmp_path)]) == 0
        assert docsgen.main(["--root", str(tmp_path), "--check"]) == 0

    text = readme.read_text(encoding="utf-8").replace("text\n", "edited outside the table\n")
    readme.write_text(text, encoding="utf-8")
    assert docsgen.stale_files(tmp_path) == []
    readme.write_text(text.replace("blocking-sleep", "x"), encoding="utf-8")
    assert docsgen.stale_files(tmp_path) == ["README.md"]
    assert docsgen.main(["--root", str(tmp_path), "--check"]) == 1
    assert docsgen.main(["--root", str(tmp_path)]) == 0
    assert readme.read_text(encoding="utf-8") == text

    (rules / "ASL999.md").write_text("# ASL999: removed\n", encoding="utf-8")
    assert docsgen.stale_files(tmp_path) == ["docs/rules/ASL999.md"]
    assert docsgen.main(["--root", str(tmp_path), "--check"]) == 1
    assert docsgen.main(["--root", str(tmp_path)]) == 1  # says which file to delete


def test_readme_without_markers_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "README.md").write_text("# project\n", encoding="utf-8")
    assert docsgen.main(["--root", str(tmp_path)]) == 1
    assert docsgen.TABLE_START in capsys.readouterr().err
    assert docsgen.main(["--root", str(tmp_path), "--check"]) == 1


def test_root_without_readme(tmp_path: Path) -> None:
    assert docsgen.main(["--root", str(tmp_path)]) == 0
    assert not (tmp_path / "README.md").exists()
    assert docsgen.main(["--root", str(tmp_path), "--check"]) == 0


def test_check_missing_directory(tmp_path: Path) -> None:
    assert docsgen.main(["--root", str(tmp_path / "nowhere"), "--check"]) == 1


def test_module_entry_point(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "asynclint.docsgen", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "asynclint.docsgen"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "docs" / "rules" / "ASL101.md").is_file()
    assert (tmp_path / "docs" / "catalog.md").is_file()
