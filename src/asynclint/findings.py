"""The one finding type every reporter renders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Optional

from asynclint.codes import BY_CODE, Rule, class_rank
from asynclint.paths import display


@dataclass(frozen=True)
class Hop:
    """One step of a call chain: a project function, and the call inside it that leads on."""

    function: str  # e.g. "UserService.create"
    path: str  # absolute path of the file holding that call
    line: int  # 1-based
    column: int  # 1-based


@dataclass(frozen=True)
class Related:
    """Another call of the same blocking operation (a read or write on the handle the reported
    call opened), shown with the finding instead of as a finding of its own."""

    line: int  # 1-based, in the finding's file
    column: int  # 1-based
    api: str  # e.g. "io.TextIOWrapper.write"


@dataclass(frozen=True)
class Edit:
    """Replace the text from (line, column) up to (end_line, end_column) with ``content``."""

    line: int  # 1-based
    column: int  # 1-based, in characters
    end_line: int
    end_column: int  # exclusive; equal to (line, column) for an insertion
    content: str


@dataclass(frozen=True)
class Fix:
    description: str  # e.g. "replace with `await asyncio.sleep(1)`"
    safety: str  # "safe": same behaviour without blocking; "unsafe": needs review
    edits: tuple[Edit, ...]  # all in the finding's file
    # sha256 of the file's bytes the edits were computed from: `--fix` writes them only over
    # those same bytes (an edit saved meanwhile is never overwritten)
    source: str = ""


@dataclass(frozen=True)
class Finding:
    code: str
    path: str  # absolute; reporters show it relative (``paths.display``, ``repo_relative``)
    line: int  # 1-based
    column: int  # 1-based, start of the callee expression
    end_line: int
    end_column: int  # 1-based, exclusive
    message: str  # the problem, one sentence, identifiers in backticks, no final period
    advice: str  # the remedy, one sentence
    api: str = ""  # the blocking API reached, e.g. "requests.get"; "" for ASL001
    function: str = ""  # the loop-side function the call is in, e.g. "read_user"
    context: str = ""  # where it runs, e.g. "route `GET /users/{user_id}`"
    chain: tuple[Hop, ...] = ()  # project functions between the call site and `api`
    chain_cut: int = 0  # hops left out of `chain` because it was longer than the limit
    snippet: str = ""  # the source line of the call, without its line break
    fix: Optional[Fix] = None
    custom: Optional[Rule] = None  # the rule, for a project's own structural rules (ASL9xx)
    # other blocking APIs the same call reaches, under other (selected) codes: (code, api)
    also: tuple[tuple[str, str], ...] = ()
    related: tuple[Related, ...] = ()  # later calls on the handle this call opened
    # inferred from library source, not from a catalog entry: the distribution whose source
    # the chain runs through ("fakesdk 1.0"); "" for a catalogued finding
    inferred: str = ""
    # the cost class of what the call reaches (`codes.COST_CLASSES`); "" for a finding that
    # is no blocking call (ASL001, ASL803, a project's own rules)
    cost: str = ""

    @property
    def rule(self) -> Rule:
        return self.custom if self.custom is not None else BY_CODE[self.code]

    @property
    def text(self) -> str:
        """Message and advice as one line, as flake8 and annotations show it."""
        return f"{self.message}; {self.advice}" if self.advice else self.message

    def chain_text(self) -> str:
        """`read_user -> UserService.get (app/services.py:12) -> requests.get`."""
        if not self.chain:
            return ""
        steps = [self.function or "<module>"]
        steps += [f"{hop.function} ({display(hop.path)}:{hop.line})" for hop in self.chain]
        if self.chain_cut:
            steps.append(f"... {self.chain_cut} more call(s)")
        steps.append(self.api)
        return " -> ".join(steps)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    def cost_key(self) -> tuple[int, str, int, int, str]:
        """Costliest first (`--sort cost`), then by place."""
        return (class_rank(self.cost), *self.sort_key())


SORTS = ("path", "cost")


def ordered(findings: Iterable[Finding], sort: str = "path") -> list[Finding]:
    """``findings`` by place (``path``) or costliest first (``cost``)."""
    return sorted(findings, key=Finding.cost_key if sort == "cost" else Finding.sort_key)
