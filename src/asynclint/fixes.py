"""Fixes for reported calls, built and applied with ast-grep.

A fix is only ever computed for a call site asynclint reported, located by its exact position
(never a search-and-replace over the file). Three kinds:

* catalog fixes, declared next to the entry (``time.sleep($SECONDS)`` ->
  ``await asyncio.sleep($SECONDS)``): **safe**, same behaviour without blocking;
* offloading, ``await asyncio.to_thread(func, *args, **kwargs)``: **unsafe**, the call now runs
  in another thread (thread-safety, context variables);
* ``async def`` -> ``def`` for a route or dependency that awaits nothing and that nothing awaits:
  **unsafe**, FastAPI then runs it in its threadpool.

A fix is proven before it is written: the fixed module compiles (``compile``, not only
``ast.parse``: ``await`` in a class body parses), the module the fix names (``asyncio``) is that
module where the fix puts it (else it is imported under a free name), comments inside the
replaced call are kept, and the fixed findings are gone when asynclint runs again. Writing is a
compare-and-swap: the file is replaced only while its bytes are still the ones the fix was
computed from (read again just before the atomic rename), only when it is a regular file with
one link inside the checked paths, and with its owner and mode kept. Line endings, encoding
(BOM) and the final newline are kept.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import hashlib
import io
import json
import os
import re
import secrets
import stat
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

from ast_grep_py import SgNode, SgRoot

from asynclint import safeio
from asynclint.catalog import FixSpec
from asynclint.findings import Edit, Finding, Fix
from asynclint.resolve import Ext, Resolver, Scope
from asynclint.summary import CallSite, FunctionSummary, ModuleSummary

_METAVARIABLE = re.compile(r"\$\$\$([A-Z_][A-Z0-9_]*)|\$([A-Z_][A-Z0-9_]*)")
# the call's value is used by these: `(await x).attr`, `(await x)[0]`, `(await x)()`
_NEEDS_PARENS = {"attribute", "subscript", "call", "await", "unary_operator", "binary_operator"}
# await is not allowed (lambda), or changes what the enclosing expression is (a generator
# expression with an await becomes an async generator)
_NO_AWAIT = {"lambda", "generator_expression"}
# their `for` clauses bind names for the expressions inside them
_COMPREHENSIONS = {
    "list_comprehension",
    "set_comprehension",
    "dictionary_comprehension",
    "generator_expression",
}
MAX_SOURCE_BYTES = 16 * 1024 * 1024  # the limit the analysis reads source files with


def digest(raw: bytes) -> str:
    """What a fix records of the bytes it was computed from (see ``Fix.source``)."""
    return hashlib.sha256(raw).hexdigest()


class SourceFile:
    """One file's text and its ast-grep tree, with conversions between positions."""

    def __init__(self, path: str, raw: bytes) -> None:
        self.path = path
        self.raw = raw
        self.digest = digest(raw)
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
    """`await` is valid at ``node`` and means what it says: no lambda or genexp around it, and
    no class body between it and its function (a class body is not the function's scope:
    `await` there parses but does not compile)."""
    current = node.parent()
    while current is not None and current.kind() != "function_definition":
        if current.kind() in _NO_AWAIT or current.kind() == "class_definition":
            return False
        current = current.parent()
    return current is not None


def _comprehension_binds(node: SgNode, name: str) -> bool:
    """A comprehension around ``node`` binds ``name`` (`[f(x) for asyncio in y]`)."""
    current = node.parent()
    while current is not None and current.kind() != "function_definition":
        if current.kind() in _COMPREHENSIONS:
            for clause in current.children():
                left = clause.field("left") if clause.kind() == "for_in_clause" else None
                if left is not None and (
                    left.text() == name
                    or any(n.text() == name for n in left.find_all(kind="identifier"))
                ):
                    return True
        current = current.parent()
    return False


def _has_comment(node: SgNode) -> bool:
    return node.find(kind="comment") is not None


def _without_comments(text: str) -> str:
    """``text`` (a call expression) with its comments removed, layout otherwise kept."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return text
    out, last = [], (1, 0)
    lines = text.split("\n")
    for token in tokens:
        if token.type == tokenize.COMMENT:
            start = token.start
            out.append(_span(lines, last, start))
            last = token.end
    out.append(_span(lines, last, (len(lines), len(lines[-1]))))
    return "".join(out)


def _span(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    """The text between two (1-based line, column) positions."""
    (first_line, first_col), (last_line, last_col) = start, end
    if first_line == last_line:
        return lines[first_line - 1][first_col:last_col]
    parts = [lines[first_line - 1][first_col:]]
    parts += lines[first_line : last_line - 1]
    parts.append(lines[last_line - 1][:last_col])
    return "\n".join(parts)


def free_name(text: str, wanted: str) -> str:
    """``wanted``, or ``wanted_1``, ``wanted_2``...: the first that appears nowhere in ``text``,
    so no binding in the file (or a star import of it) can shadow it."""
    candidate, number = wanted, 0
    taken = _identifiers(text)
    while candidate in taken:
        number += 1
        candidate = f"{wanted}_{number}"
    return candidate


@lru_cache(maxsize=8)
def _identifiers(text: str) -> frozenset[str]:
    """Every word in ``text`` (one scan per file, however many fixes need a free name)."""
    return frozenset(re.findall(r"\w+", text))


def _parenthesise(node: SgNode, text: str) -> str:
    parent = node.parent()
    if parent is not None and parent.kind() in _NEEDS_PARENS:
        if parent.kind() == "call" and parent.field("function") != node:
            return text  # an argument of another call
        return f"({text})"
    return text


def _offload(module: str, callee: str, call: SgNode, function: str = "to_thread") -> str:
    """`await asyncio.to_thread(callee, <the call's arguments>)` (or another module's
    ``function``: `fastapi.concurrency.run_in_threadpool`), the arguments (with any comments and
    line breaks between them) copied as they are written."""
    run = f"await {module}.{function}"
    arguments = call.field("arguments")
    if arguments is None:
        return f"{run}({callee})"
    if arguments.kind() == "generator_expression":
        # `f(x for x in y)`: the genexp is the one argument, keep its parens
        return f"{run}({callee}, {arguments.text()})"
    inner = arguments.text()[1:-1]
    if not _has_comment(arguments) and "\n" not in inner and "\r" not in inner:
        inner = inner.strip()
        return f"{run}({callee}{', ' if inner else ''}{inner})"
    if not any(c.is_named() and c.kind() != "comment" for c in arguments.children()):
        return f"{run}({callee}{inner})"  # only comments: keep them
    # a comment may end the last line: the closing parenthesis stays where it was
    return f"{run}({callee},{inner if inner[:1].isspace() else ' ' + inner})"


# the module and function of each offload form (`offload` in [tool.asynclint])
_OFFLOAD_FORMS = {
    "to_thread": ("asyncio", "to_thread"),
    "threadpool": ("fastapi.concurrency", "run_in_threadpool"),
}


def _rewrite(spec: FixSpec, name: str, call: SgNode, rewrite: str) -> Optional[tuple[str, str]]:
    """``rewrite`` (``spec.rewrite``, its module names as this site must spell them) with
    metavariables bound by matching ``spec.pattern`` on ``call``: the text to write, and the
    same on one line for the fix's description.

    When the rewrite keeps the pattern's argument list (`time.sleep($S)` -> `await
    asyncio.sleep($S)`), only the part before the arguments is replaced, so comments and line
    breaks inside the call stay as written; any other rewrite of a call holding a comment is not
    offered (it would delete the comment)."""
    function = call.field("function")
    if function is None:
        return None
    # the catalog names the API as `time.sleep`; the site may spell it `pause` or `t.sleep`
    pattern = function.text() + spec.pattern[len(name) :]
    text = call.text()
    if _has_comment(call):
        # older ast-grep releases (the last for Python 3.9) match no pattern across a comment:
        # match the call without its comments; the text written keeps them (see below)
        text = _without_comments(text)
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

    result = _METAVARIABLE.sub(bind, rewrite)
    if "$" in result and _METAVARIABLE.search(result):
        return None
    arguments = spec.pattern[len(name) :]
    if arguments.startswith("(") and rewrite.endswith(arguments):
        head = rewrite[: len(rewrite) - len(arguments)]
        return head + call.text()[len(function.text()) :], result
    if _has_comment(call):
        return None
    return result, result


@dataclass
class Planner:
    """Computes the fix of each finding; one parse per file, on demand.

    ``read`` must give the bytes the analysis read (the fix records their digest, and is
    written only over those bytes); ``resolver`` proves what a module name means where a fix
    uses it (without one, a fix that needs a module always imports it under a free name)."""

    read: Callable[[str], Optional[bytes]]
    resolver: Optional[Resolver] = None

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
        offload: str = "to_thread",
    ) -> Optional[Fix]:
        """The fix of one finding; ``offload`` is the form an offload takes (`to_thread`, or
        `threadpool` for FastAPI code whose project prefers AnyIO's pool)."""
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
            named = self._modules(source, summary, function, call, spec.imports)
            if named is not None:
                spelled, imports = named
                rewrite = spec.rewrite
                for module, name in spelled.items():
                    rewrite = re.sub(rf"(?<![\w.]){re.escape(module)}(?=\s*\.)", name, rewrite)
                rewritten = _rewrite(spec, api_name, call, rewrite)
                if rewritten is not None:
                    text, shown = rewritten
                    edits = [_edit(source, call, _parenthesise(call, text)), *imports]
                    return Fix(f"replace with `{shown}`", spec.safety, tuple(edits), source.digest)
        callee = call.field("function")
        assert callee is not None
        module, run = _OFFLOAD_FORMS.get(offload, _OFFLOAD_FORMS["to_thread"])
        named = self._modules(source, summary, function, call, (module,))
        if named is None:
            return None
        spelled, imports = named
        wrapped = _offload(spelled[module], callee.text(), call, run)
        return Fix(
            # the module as the edit spells it: `asyncio`, or the alias a shadowed name forces
            f"run `{callee_name}` in a worker thread with `await {spelled[module]}.{run}(...)`",
            "unsafe",
            (_edit(source, call, _parenthesise(call, wrapped)), *imports),
            source.digest,
        )

    def _modules(
        self,
        source: SourceFile,
        summary: ModuleSummary,
        function: FunctionSummary,
        call: SgNode,
        modules: Sequence[str],
    ) -> Optional[tuple[dict[str, str], list[Edit]]]:
        """How the fix at ``call`` must spell each module it uses, and the imports to add; None
        when that cannot be proven (a dotted module whose name is taken)."""
        spelled: dict[str, str] = {}
        imports: list[Edit] = []
        line = summary.import_line
        for module in modules:
            top = module.split(".")[0]
            binding = self._binding(summary, function, call, top)
            if binding == "module" and module == top:
                spelled[module] = module
                continue
            if binding in ("module", "unbound"):
                # `import a.b` binds `a`, which is `a` the module here (or nothing at all)
                spelled[module] = module
                imports.append(Edit(line, 1, line, 1, f"import {module}{source.newline}"))
                continue
            if "." in module:
                return None
            name = free_name(source.text, f"_{module}")
            spelled[module] = name
            imports.append(Edit(line, 1, line, 1, f"import {module} as {name}{source.newline}"))
        return spelled, imports

    def _binding(
        self, summary: ModuleSummary, function: FunctionSummary, call: SgNode, name: str
    ) -> str:
        """What ``name`` is at ``call``: "module" (the module of that name, proven by name
        resolution and by every binding of it in its scope being `import name`), "unbound"
        (nothing binds it: an `import` at the top makes it the module), or "other"."""
        if _comprehension_binds(call, name) or summary.star_imports:
            return "other"  # a star import may bind it, and no summary says what it binds
        scope_function: Optional[FunctionSummary] = function
        while scope_function is not None and name not in scope_function.local_names:
            parent = scope_function.parent
            scope_function = summary.functions.get(parent) if parent else None
        if scope_function is None and name not in summary.names:
            return "unbound"
        resolved = (
            self.resolver.name(name, Scope(summary.path, function.qualname))
            if self.resolver is not None
            else None
        )
        if resolved != Ext(name):
            return "other"
        if scope_function is not None:
            only_imports = (
                name not in scope_function.param_map and name not in scope_function.assigned
            )
            imports = [i for i in scope_function.imports if i.local == name]
        else:
            only_imports = name not in summary.assigned
            imports = [i for i in summary.imports if i.local == name]
        plain = bool(imports) and all(
            (i.level, i.module, i.name) == (0, name, None) for i in imports
        )
        return "module" if only_imports and plain else "other"

    def async_def(self, path: str, function: FunctionSummary) -> Optional[Fix]:
        """`def dep(...)` -> `async def dep(...)`: for a dependency only FastAPI calls, whose
        body does nothing that needs a thread (ASL803), the same result on the event loop."""
        source = self.source(path)
        if source is None:
            return None
        for node in source.functions_on_line(function.line):
            children = node.children()
            if not children or children[0].kind() != "def":
                continue
            start = children[0].range().start
            edit = Edit(
                start.line + 1, start.column + 1, start.line + 1, start.column + 1, "async "
            )
            return Fix(f"make `{function.name}` an `async def`", "safe", (edit,), source.digest)
        return None

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
                source.digest,
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


CHANGED = "changed on disk, fix skipped"


def plan(
    findings: Sequence[Finding],
    unsafe: bool,
    read: Callable[[str], Optional[bytes]],
    rejected: Optional[list[tuple[str, str]]] = None,
) -> list[Change]:
    """The new content of each file the applicable fixes touch (nothing is written). A file
    whose bytes are no longer those its fixes were computed from is left out (and added to
    ``rejected``): the fixes' positions and texts describe other content."""
    by_path: dict[str, list[Finding]] = {}
    for finding in chosen(findings, unsafe):
        by_path.setdefault(os.path.abspath(finding.path), []).append(finding)
    changes = []
    for path, group in sorted(by_path.items()):
        raw = read(path)
        if raw is None or any(f.fix is not None and f.fix.source != digest(raw) for f in group):
            if rejected is not None:
                rejected.append((path, CHANGED))
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
    """Why the new content must not be written, or None. It must compile, not only parse:
    `ast.parse` accepts what only the compiler rejects (`await` in a class body, `return`
    outside a function). Compiling runs none of the code. A baseline (`.json`) must stay
    valid JSON."""
    if change.path.endswith(".json"):
        try:
            json.loads(change.after.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            return f"the fixed baseline would not be valid JSON ({exc})"
        return None
    try:
        compile(change.after, change.path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return f"the fixed file would not parse ({exc})"
    except (RecursionError, MemoryError):
        return "the fixed file is too deeply nested to check"
    try:
        compile(change.after, change.path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return f"the fixed file would not compile ({exc})"
    except (RecursionError, MemoryError):
        return "the fixed file is too deeply nested to check"
    return None


def _inside(path: str, checked: Sequence[Path]) -> bool:
    """``path`` is below (or is) one of the ``checked`` paths, with no symbolic link between:
    its real path is the checked path's real path joined with the same relative part."""
    real = os.path.realpath(path)
    for given in checked:
        absolute = os.path.abspath(given)
        try:
            relative = os.path.relpath(path, absolute)
        except ValueError:  # another drive
            continue
        if relative == os.pardir or relative.startswith(os.pardir + os.sep):
            continue
        base = os.path.realpath(absolute)
        expected = base if relative == os.curdir else os.path.join(base, relative)
        if expected == real:
            return True
    return False


def write(change: Change, checked: Sequence[Path] = ()) -> Optional[str]:
    """Write ``change`` atomically, as a compare-and-swap; why not, or None.

    Only a regular file with one link, reached without symbolic links from one of the
    ``checked`` paths (when given), is written, and only while its bytes are still
    ``change.before``: they are read again just before the rename. The new file gets the old
    one's owner and mode. Everything happens relative to the directory opened once, so a
    directory swapped for a symlink meanwhile cannot redirect the write."""
    path = os.path.abspath(change.path)
    directory, name = os.path.split(path)
    if os.path.islink(path):
        return "is a symbolic link; fixes are written only to regular files"
    if checked and not _inside(path, checked):
        return "is outside the checked paths (reached through a symbolic link)"
    temporary: Optional[str] = None
    folder = -1
    try:
        folder = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        fd, before = safeio.open_regular(name, follow_symlinks=False, dir_fd=folder)
        try:
            if before.st_nlink != 1:
                return (
                    f"has {before.st_nlink} hard links; rewriting it would break them "
                    "or change the other names too"
                )
            if safeio.read_fd(fd, before.st_size, MAX_SOURCE_BYTES, path) != change.before:
                return CHANGED
        finally:
            os.close(fd)
        temporary = f".{name}.{secrets.token_hex(4)}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        out = os.open(temporary, flags, 0o600, dir_fd=folder)
        try:
            safeio.write_all(out, change.after)
            mine = os.fstat(out)
            if (mine.st_uid, mine.st_gid) != (before.st_uid, before.st_gid):
                try:
                    os.fchown(out, before.st_uid, before.st_gid)  # before chmod: it clears setuid
                except PermissionError:
                    return "cannot keep its owner (asynclint runs as another user)"
            os.fchmod(out, stat.S_IMODE(before.st_mode))
        finally:
            os.close(out)
        # compare-and-swap: the bytes and the inode must still be the ones the fix was made for
        fd, now = safeio.open_regular(name, follow_symlinks=False, dir_fd=folder)
        try:
            same = (now.st_dev, now.st_ino) == (before.st_dev, before.st_ino)
            if not same or safeio.read_fd(fd, now.st_size, MAX_SOURCE_BYTES, path) != change.before:
                return CHANGED
        finally:
            os.close(fd)
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        temporary = None
    except OSError as exc:
        return f"cannot write: {exc.strerror or exc}"
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=folder)
        if folder >= 0:
            os.close(folder)
    return None
