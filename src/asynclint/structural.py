"""Custom structural rules: a team's own blocking APIs, written as ast-grep rules.

Declared in ``[[tool.asynclint.rule]]`` or in TOML files named by ``custom-rules`` (each with
``[[rule]]`` tables)::

    [[tool.asynclint.rule]]
    code = "ASL901"                       # the user range: ASL900-ASL999
    name = "legacy-client-call"
    pattern = "legacy_client.call($$$ARGS)"
    message = "`legacy_client.call` blocks the event loop"
    advice = "use `await legacy_client.acall(...)`"
    fix = "await legacy_client.acall($$$ARGS)"   # optional; unsafe unless fix-safety = "safe"

``pattern`` may be replaced or refined by a full ast-grep ``rule`` table (``kind``, ``regex``,
``inside``, ``has``, ``not``, ``all``, ``any``…). By default a match counts only when the
nearest enclosing function is an ``async def`` (``async-only = false`` reports it anywhere).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, cast

from ast_grep_py import SgNode, SgRoot

from asynclint import datafiles
from asynclint.codes import BY_CODE, Rule
from asynclint.findings import Edit, Finding, Fix


class RuleError(Exception):
    """A custom rule is malformed; the message names its file and the reason."""


# used with fullmatch: `$` would also match before a final newline ("ASL901\n")
USER_CODE = re.compile(r"ASL9[0-9]{2}")
_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_KEYS = {
    "code",
    "name",
    "pattern",
    "rule",
    "message",
    "advice",
    "level",
    "async-only",
    "fix",
    "fix-safety",
    "why",
}
_METAVARIABLE = re.compile(r"\$\$\$([A-Z_][A-Z0-9_]*)|\$([A-Z_][A-Z0-9_]*)")


@dataclass(frozen=True)
class CustomRule:
    rule: Rule
    config: tuple[tuple[str, Any], ...]  # the ast-grep rule, frozen for hashing and caching
    advice: str
    async_only: bool = True
    fix: Optional[str] = None
    fix_safety: str = "unsafe"

    def matcher(self) -> dict[str, Any]:
        return {"rule": _thaw(self.config)}


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("__list__", tuple(_freeze(v) for v in value))
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "__list__":
        return [_thaw(v) for v in value[1]]
    if isinstance(value, tuple):
        return {k: _thaw(v) for k, v in value}
    return value


def parse(tables: Sequence[Any], source: str) -> list[CustomRule]:
    if not isinstance(tables, list):
        raise RuleError(f"{source}: `rule` must be an array of tables ([[rule]])")
    return [_parse_one(table, source, index) for index, table in enumerate(tables, start=1)]


def load_files(patterns: Sequence[str], root: Path, source: str = "") -> list[CustomRule]:
    """The rules of the TOML files ``patterns`` (globs relative to ``root``) name; ``source``
    (the pyproject.toml naming them) is where an error in a pattern itself is reported."""
    where = f"{source or root / 'pyproject.toml'}: [tool.asynclint] `custom-rules`"
    rules: list[CustomRule] = []
    for pattern in patterns:
        if not pattern.strip():
            raise RuleError(f"{where} has an empty pattern")
        if Path(pattern).is_absolute() or Path(pattern).drive:
            raise RuleError(
                f"{where}: {pattern!r} must be relative to the directory of pyproject.toml"
            )
        try:
            matches = sorted(p for p in root.glob(pattern) if p.is_file())
        except (ValueError, NotImplementedError, OSError) as exc:
            raise RuleError(f"{where}: {pattern!r} is not a usable glob: {exc}") from exc
        if not matches:
            raise RuleError(f"{root / pattern}: `custom-rules` names no file")
        for path in matches:
            try:
                data = datafiles.load_toml(path)
            except datafiles.DataError as exc:
                raise RuleError(f"{path}: {exc}") from exc
            unknown = set(data) - {"rule"}
            if unknown:
                raise RuleError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}")
            rules += parse(data.get("rule", []), str(path))
    return rules


def _parse_one(table: Any, source: str, index: int) -> CustomRule:
    where = f"{source}: [[rule]] #{index}"
    if not isinstance(table, dict):
        raise RuleError(f"{where}: must be a table")
    unknown = set(table) - _KEYS
    if unknown:
        raise RuleError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
    code = table.get("code")
    if not isinstance(code, str) or not USER_CODE.fullmatch(code):
        raise RuleError(f"{where}: `code` must be in the user range ASL900-ASL999, got {code!r}")
    where = f"{source}: rule {code}"
    name = table.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise RuleError(f"{where}: `name` must be kebab-case, e.g. `legacy-client-call`")
    message, advice = table.get("message"), table.get("advice", "")
    if not isinstance(message, str) or not message.strip():
        raise RuleError(f"{where}: `message` is required")
    if not isinstance(advice, str):
        raise RuleError(f"{where}: `advice` must be a string")
    if not isinstance(table.get("rule", {}), dict):
        raise RuleError(f"{where}: `rule` must be a table (an ast-grep rule)")
    config: dict[str, Any] = dict(table.get("rule", {}))
    if "pattern" in table:
        if not isinstance(table["pattern"], str) or not table["pattern"].strip():
            raise RuleError(f"{where}: `pattern` must be a non-empty string")
        config["pattern"] = table["pattern"]
    if not config:
        raise RuleError(f"{where}: needs a `pattern` or a `rule` table")
    try:
        SgRoot("x = 1\n", "python").root().find_all(cast(Any, {"rule": config}))
    except BaseException as exc:  # ast-grep raises its own error types for bad rules
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise RuleError(f"{where}: ast-grep cannot use this rule: {exc}") from None
    level = table.get("level", "warning")
    if level not in ("error", "warning", "note"):
        raise RuleError(f"{where}: `level` must be error, warning or note")
    async_only = table.get("async-only", True)
    if not isinstance(async_only, bool):
        raise RuleError(f"{where}: `async-only` must be true or false")
    fix = table.get("fix")
    if fix is not None and (not isinstance(fix, str) or not fix.strip()):
        raise RuleError(f"{where}: `fix` must be a non-empty string")
    safety = table.get("fix-safety", "unsafe")
    if safety not in ("safe", "unsafe"):
        raise RuleError(f'{where}: `fix-safety` must be "safe" or "unsafe"')
    if code in BY_CODE:
        raise RuleError(f"{where}: {code} is a built-in code")
    rule = Rule(
        code=code,
        name=name,
        category="custom",
        summary=message.strip().rstrip("."),
        level=level,
        why=str(table.get("why", message)).strip(),
        bad="",
        good="",
    )
    return CustomRule(rule, _freeze(config), advice.strip(), async_only, fix, safety)


def _enclosing_function(node: SgNode) -> Optional[SgNode]:
    current = node.parent()
    while current is not None and current.kind() != "function_definition":
        current = current.parent()
    return current


def _is_async(function: SgNode) -> bool:
    children = function.children()
    return bool(children) and children[0].kind() == "async"


def _function_name(function: Optional[SgNode]) -> str:
    if function is None:
        return ""
    name = function.field("name")
    return name.text() if name is not None else ""


def _rewrite(template: str, node: SgNode, source: str) -> str:
    def bind(m: re.Match[str]) -> str:
        many, one = m.group(1), m.group(2)
        if many:
            nodes = node.get_multiple_matches(many)
            if not nodes:
                return ""
            return source[nodes[0].range().start.index : nodes[-1].range().end.index]
        found = node.get_match(one)
        return found.text() if found is not None else m.group(0)

    return _METAVARIABLE.sub(bind, template)


def check(
    rules: Sequence[CustomRule],
    text: str,
    path: str,
    noqa: Mapping[int, frozenset[str]],
    source: str = "",
    silenced: Optional[set[tuple[int, str]]] = None,
) -> list[Finding]:
    """Findings of ``rules`` in one file's ``text``; ``source``: the digest of the bytes
    ``text`` was decoded from, which the fixes record (see ``Fix.source``). The (line, code)
    of each match a suppression comment silences is added to ``silenced``."""
    if not rules:
        return []
    root = SgRoot(text, "python").root()
    lines = text.splitlines()
    out: list[Finding] = []
    for custom in rules:
        for node in root.find_all(cast(Any, custom.matcher())):
            function = _enclosing_function(node)
            if custom.async_only and (function is None or not _is_async(function)):
                continue
            r = node.range()
            line = r.start.line + 1
            codes = noqa.get(line)
            if codes is not None and (not codes or custom.rule.code.startswith(tuple(codes))):
                if silenced is not None:
                    silenced.add((line, custom.rule.code))
                continue
            fix = None
            if custom.fix is not None:
                content = _rewrite(custom.fix, node, text)
                edit = Edit(line, r.start.column + 1, r.end.line + 1, r.end.column + 1, content)
                fix = Fix(f"replace with `{content}`", custom.fix_safety, (edit,), source)
            out.append(
                Finding(
                    code=custom.rule.code,
                    path=path,
                    line=line,
                    column=r.start.column + 1,
                    end_line=r.end.line + 1,
                    end_column=r.end.column + 1,
                    message=custom.rule.summary,
                    advice=custom.advice,
                    function=_function_name(function),
                    snippet=lines[line - 1] if line <= len(lines) else "",
                    fix=fix,
                    custom=custom.rule,
                )
            )
    return out
