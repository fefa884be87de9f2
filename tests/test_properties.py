"""Properties that hold for every fixture (flake8-async style meta tests)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import FIXTURES, expected_findings, run

from asynclint.codes import CANNOT_RUN, RULES
from asynclint.threadpool import THREADPOOL_CODES

SINGLE = sorted((FIXTURES / "rules").glob("*.py"))
ALL_FILES = sorted(FIXTURES.rglob("*.py"))
DOCS = Path(__file__).parent.parent / "docs" / "rules"


# the sync functions the loop calls: a plain `def` startup/shutdown handler, and the handlers
# Litestar (without `sync_to_thread=True`) and aiohttp call on the loop
_SYNC_ON_LOOP = r"(startup|shutdown) handler|Litestar (route|dependency)|aiohttp route"


class _Desync(ast.NodeTransformer):
    """`async def` -> `def`, `await x` -> `x`, `async with/for` -> `with/for`."""

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        self.generic_visit(node)
        return ast.copy_location(
            ast.FunctionDef(**{f: getattr(node, f, None) for f in node._fields}), node
        )

    def visit_Await(self, node: ast.Await) -> ast.AST:
        self.generic_visit(node)
        return node.value

    def visit_AsyncWith(self, node: ast.AsyncWith) -> ast.AST:
        self.generic_visit(node)
        return ast.copy_location(
            ast.With(**{f: getattr(node, f, None) for f in node._fields}), node
        )

    def visit_AsyncFor(self, node: ast.AsyncFor) -> ast.AST:
        self.generic_visit(node)
        return ast.copy_location(ast.For(**{f: getattr(node, f, None) for f in node._fields}), node)


@pytest.mark.parametrize(
    "fixture", [p for p in SINGLE if p.name != "syntax_error.py"], ids=lambda p: p.name
)
def test_nothing_is_reported_once_no_code_runs_on_the_loop(fixture: Path, tmp_path: Path) -> None:
    tree = _Desync().visit(ast.parse(fixture.read_text(encoding="utf-8")))
    target = tmp_path / fixture.name
    target.write_text(ast.unparse(ast.fix_missing_locations(tree)), encoding="utf-8")
    left = [
        f
        for f in run(target)
        if not re.match(_SYNC_ON_LOOP, f.context)
        # the threadpool rules are about plain `def` handlers by definition
        and f.code not in THREADPOOL_CODES
    ]
    assert left == []


@pytest.mark.parametrize(
    "fixture",
    [p for p in ALL_FILES if p.name != "syntax_error.py"],
    ids=lambda p: p.relative_to(FIXTURES).as_posix(),
)
def test_every_fixture_parses(fixture: Path) -> None:
    ast.parse(fixture.read_text(encoding="utf-8"))


def test_every_code_has_a_fixture_and_a_docs_page() -> None:
    used = {
        code
        for fixture in [*SINGLE, *(FIXTURES / "projects").iterdir()]
        for _, _, code in expected_findings(fixture)
    }
    # ASL003 comes only from the flake8 plugin, when the configuration is broken (the engine
    # never sees one): test_flake8_plugin and test_config_errors assert it
    assert used | {CANNOT_RUN} == {rule.code for rule in RULES}
    for rule in RULES:
        assert (DOCS / f"{rule.code}.md").is_file()


def test_every_fixture_line_with_a_finding_is_expected() -> None:
    # the single-file runner checks exact equality; this guards the expectation parser itself
    sample = FIXTURES / "rules" / "aliases.py"
    assert ("aliases.py", 12, "ASL101") in expected_findings(sample)
    assert all(code.startswith("ASL") for _, _, code in expected_findings(sample))


def test_every_code_has_a_changelog_line() -> None:
    changelog = (Path(__file__).parent.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"{rule.code} {rule.name}" in changelog, rule.code
