"""Fixes for reported calls, built and applied with ast-grep.

A fix is only ever computed for a call site asynclint reported, located by its exact position
(never a search-and-replace over the file). Three kinds:

* catalog fixes, declared next to the entry (``time.sleep($SECONDS)`` ->
  ``await asyncio.sleep($SECONDS)``): **safe**, same behaviour without blocking;
* offloading, ``await asyncio.to_thread(func, *args, **kwargs)``: **unsafe**, the call now runs
  in another thread (thread-safety, context variables);
* ``async def`` -> ``def`` for a route or dependency that awaits nothing and that nothing awaits:
  **unsafe**, FastAPI then runs it in its threadpool.

Applying checks every file before writing: it still parses, the fixed findings are gone when
asynclint runs again, the file did not change on disk meanwhile; writes are atomic, and line
endings, encoding (BOM) and the final newline are kept.
"""

from __future__ import annotations

import ast
import difflib
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from ast_grep_py import SgNode, SgRoot

from asynclint.catalog import FixSpec
from asynclint.findings import Edit, Finding, Fix
from asynclint.summary import CallSite, FunctionSummary, ModuleSummary

_METAVARIABLE = re.compile(r"\$\$\$([A-Z_][A-Z0-9_]*)|\$([A-Z_][A-Z0-9_]*)")
# the call's value is used by these: `(await x).attr`, `(await x)[0]`, `(await x)()`
_NEEDS_PARENS = {"attribute", "subscript", "call", "await", "unary_operator", "binary_operator"}
# await is not allowed (lambda), or changes what the enclosing expression is (a generator
# expression with an await becomes an async generator)
_NO_AWAIT = {"lambda", "generator_expression"}


class SourceFile:
    """One file's text and its ast-grep tree, with conversions between positions."""

    def __init__(self, path: str, raw: bytes) -> None:
        self.path = path
        self.raw = raw
        self.bom = raw.startswith(b"\xef\xbb\xbf")
        self.text = raw.decode("utf-8-sig")
        self.newline = "\r\n" if "\r\n" in self.text else "\n"
        self.root = SgRoot(self.text, "python").root()
        self._indexes: dict[str, dict[tuple[int, int], list[SgNode]]] = {}
        self._functions_by_line: Optional[dict[int, list[SgNode]]] = None
        self._line_starts = [0]
        for match in re.finditer(r"\r\n|\r|\n", self.text):
            self._line_starts.append(match.end())

    def offset(self, line: int, column: int) -> int:
        """Character offset of 1-based (line, column)."""
        return self._line_starts[line - 1] + column - 1

    def _index(self, kind: str) -> dict[tuple[int, int], list[SgNode]]:
        """Nodes of ``kind`` by 0-based start (line, column): one walk per file, not per fix."""
        found = self._indexes.get(kind)
        if found is None:
            found = {}
            for node in self.root.find_all(kind=kind):
                start = node.range().start
                found.setdefault((start.line, start.column), []).append(node)
            self._indexes[kind] = found
        return found

    def functions_on_line(self, line: int) -> list[SgNode]:
        if self._functions_by_line is None:
            self._functions_by_line = {}
            for (start_line, _), nodes in self._index("function_definition").items():
                self._functions_by_line.setdefault(start_line, []).extend(nodes)
        return self._functions_by_line.get(line - 1, [])

    def call_at(self, line: int, column: int, end_line: int, end_column: int) -> Optional[SgNode]:
        """The call node whose callee spans exactly the given (1-based) range."""
        for node in self._index("call").get((line - 1, column - 1), []):
            function = node.field("function")
            if function is None:
                continue
            end = function.range().end
            if end.line == end_line - 1 and end.column == end_column - 1:
                return node
        return None

    def encode(self, text: str) -> bytes:
        return (b"\xef\xbb\xbf" if self.bom else b"") + text.encode("utf-8")


def _edit(source: SourceFile, node: SgNode, content: str) -> Edit:
    r = node.range()
    return Edit(r.start.line + 1, r.start.column + 1, r.end.line + 1, r.end.column + 1, content)


def _awaitable_here(node: SgNode) -> bool:
    """`await` is valid at ``node`` and means what it says: no lambda or genexp around it."""
    current = node.parent()
    while current is not None and current.kind() != "function_definition":
        if current.kind() in _NO_AWAIT:
            return False
        current = current.parent()
    return current is not None


def _parenthesise(node: SgNode, text: str) -> str:
    parent = node.parent()
    if parent is not None and parent.kind() in _NEEDS_PARENS:
        if parent.kind() == "call" and parent.field("function") != node:
            return text  # an argument of another call
        return f"({text})"
    return text


def _arguments(node: SgNode) -> str:
    arguments = node.field("arguments")
    if arguments is None:
        return ""
    text = arguments.text()
    if arguments.kind() == "generator_expression":
        return text  # `f(x for x in y)`: the genexp is the one argument, keep its parens
    return text[1:-1].strip()


def _rewrite(spec: FixSpec, name: str, call: SgNode) -> Optional[str]:
    """``spec.rewrite`` with metavariables bound by matching ``spec.pattern`` on ``call``."""
    function = call.field("function")
    if function is None:
        return None
    # the catalog names the API as `time.sleep`; the site may spell it `pause` or `t.sleep`
    pattern = function.text() + spec.pattern[len(name) :]
    text = call.text()
    try:
        match = SgRoot(text, "python").root().find(pattern=pattern)
    except BaseException:  # a pattern ast-grep cannot read is a catalog bug: no fix
        return None
    if match is None or match.text() != text:
        return None

    def bind(m: re.Match[str]) -> str:
        many, one = m.group(1), m.group(2)
        if many:
            nodes = match.get_multiple_matches(many)
            if not nodes:
                return ""
            return text[nodes[0].range().start.index : nodes[-1].range().end.index]
        found = match.get_match(one)
        return found.text() if found is not None else m.group(0)

    result = _METAVARIABLE.sub(bind, spec.rewrite)
    return None if "$" in result and _METAVARIABLE.search(result) else result


def _import_edit(source: SourceFile, summary: ModuleSummary, module: str) -> Optional[Edit]:
    """Insert `import module` before the first import (after docstring and __future__)."""
    if any(
        (i.level, i.module, i.name, i.local) == (0, module, None, module) for i in summary.imports
    ):
        return None
    if module in summary.names:
        return None  # the name means something else here: leave it to a human
    line = summary.import_line
    return Edit(line, 1, line, 1, f"import {module}{source.newline}")


@dataclass
class Planner:
    """Computes the fix of each finding; one parse per file, on demand."""

    read: Callable[[str], Optional[bytes]]

    def __post_init__(self) -> None:
        self._files: dict[str, Optional[SourceFile]] = {}

    def source(self, path: str) -> Optional[SourceFile]:
        if path not in self._files:
            raw = self.read(path)
            try:
                self._files[path] = SourceFile(path, raw) if raw is not None else None
            except (UnicodeDecodeError, ValueError):
                self._files[path] = None
        return self._files[path]

    def fix(
        self,
        path: str,
        summary: ModuleSummary,
        function: FunctionSummary,
        site: CallSite,
        position: tuple[int, int, int, int],
        api_name: str,
        spec: Optional[FixSpec],
        plain_def: bool,
        callee_name: str,
    ) -> Optional[Fix]:
        if site.kind != "call" or site.lambda_owner is not None:
            return None
        source = self.source(path)
        if source is None:
            return None
        call = source.call_at(*position)
        if call is None:
            return None
        if plain_def:
            return self._plain_def(source, function)
        if not function.is_async or not _awaitable_here(call):
            return None
        if spec is not None:
            rewritten = _rewrite(spec, api_name, call)
            if rewritten is not None:
                edits = [_edit(source, call, _parenthesise(call, rewritten))]
                for module in spec.imports:
                    insert = _import_edit(source, summary, module)
                    if insert is not None:
                        edits.append(insert)
                return Fix(f"replace with `{rewritten}`", spec.safety, tuple(edits))
        callee = call.field("function")
        assert callee is not None
        arguments = _arguments(call)
        wrapped = f"await asyncio.to_thread({callee.text()}{', ' if arguments else ''}{arguments})"
        edits = [_edit(source, call, _parenthesise(call, wrapped))]
        insert = _import_edit(source, summary, "asyncio")
        if insert is not None:
            edits.append(insert)
        return Fix(
            f"run `{callee_name}` in a worker thread with `await asyncio.to_thread(...)`",
            "unsafe",
            tuple(edits),
        )

    def _plain_def(self, source: SourceFile, function: FunctionSummary) -> Optional[Fix]:
        for node in source.functions_on_line(function.line):
            children = node.children()
            if len(children) < 2 or children[0].kind() != "async":
                continue
            start, after = children[0].range(), children[1].range()
            edit = Edit(
                start.start.line + 1,
                start.start.column + 1,
                after.start.line + 1,
                after.start.column + 1,
                "",
            )
            return Fix(
                f"make `{function.name}` a plain `def`: FastAPI runs it in its threadpool",
                "unsafe",
                (edit,),
            )
        return None


# -- applying ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    path: str
    before: bytes
    after: bytes
    fixed: tuple[Finding, ...]

    def diff(self, display: str) -> str:
        old = self.before.decode("utf-8-sig", "replace").splitlines(keepends=True)
        new = self.after.decode("utf-8-sig", "replace").splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, f"a/{display}", f"b/{display}"))


def chosen(findings: Sequence[Finding], unsafe: bool) -> list[Finding]:
    return [f for f in findings if f.fix is not None and (unsafe or f.fix.safety == "safe")]


def plan(
    findings: Sequence[Finding], unsafe: bool, read: Callable[[str], Optional[bytes]]
) -> list[Change]:
    """The new content of each file the applicable fixes touch (nothing is written)."""
    by_path: dict[str, list[Finding]] = {}
    for finding in chosen(findings, unsafe):
        by_path.setdefault(os.path.abspath(finding.path), []).append(finding)
    changes = []
    for path, group in sorted(by_path.items()):
        raw = read(path)
        if raw is None:
            continue
        source = SourceFile(path, raw)
        accepted: list[tuple[int, int, str]] = []
        fixed: list[Finding] = []
        for finding in group:
            assert finding.fix is not None
            spans = [
                (
                    source.offset(e.line, e.column),
                    source.offset(e.end_line, e.end_column),
                    e.content,
                )
                for e in finding.fix.edits
            ]
            if any(_conflicts(span, accepted) for span in spans):
                continue  # another fix already rewrites this code
            accepted.extend(spans)
            fixed.append(finding)
        text = source.text
        # identical edits (two fixes each adding `import asyncio`) are made once, last first
        for start, end, content in sorted(set(accepted), reverse=True):
            text = text[:start] + content + text[end:]
        after = source.encode(text)
        if after != raw:
            changes.append(Change(path, raw, after, tuple(fixed)))
    return changes


def _conflicts(span: tuple[int, int, str], accepted: list[tuple[int, int, str]]) -> bool:
    start, end, _ = span
    for other in accepted:
        other_start, other_end, _ = other
        if span == other or (start == end and other_start == other_end):
            continue  # the same edit, or two insertions
        if start < other_end and other_start < end:
            return True
        if start == end and other_start < start < other_end:
            return True
        if other_start == other_end and start < other_start < end:
            return True
    return False


def verify(change: Change) -> Optional[str]:
    """Why the new content must not be written, or None."""
    try:
        ast.parse(change.after)
    except (SyntaxError, ValueError) as exc:
        return f"the fixed file would not parse ({exc})"
    return None


def write(change: Change) -> Optional[str]:
    """Write atomically unless the file changed since it was read; why not, or None."""
    path = Path(change.path)
    try:
        if path.read_bytes() != change.before:
            return "the file changed on disk while asynclint ran"
        mode = path.stat().st_mode
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
        with os.fdopen(handle, "wb") as out:
            out.write(change.after)
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, path)
    except OSError as exc:
        return f"cannot write: {exc.strerror or exc}"
    return None
