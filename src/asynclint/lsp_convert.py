"""Findings in the Language Server Protocol's terms: diagnostics, code actions, hover text.

Findings count lines from 1 and columns in characters from 1; LSP counts both from 0, and
columns in the code units the client and server agreed on (UTF-16 unless the client offered
another): a line with an emoji or a CJK name before the call shifts every column after it.
Everything here is a pure function of a finding and the text of the files it points into.
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Sequence
from typing import Callable, Optional

from lsprotocol import types

from asynclint.codes import BY_CODE, CANNOT_RUN
from asynclint.findings import Finding
from asynclint.paths import display

SOURCE = "asynclint"
UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"

Lines = Callable[[str], Sequence[str]]  # a file's lines (as Python numbers them), by path


def units(text: str, encoding: str) -> int:
    """How many code units of ``encoding`` ``text`` takes."""
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == UTF32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def position(lines: Sequence[str], line: int, column: int, encoding: str) -> types.Position:
    """The LSP position of a 1-based line and 1-based character column."""
    index = max(line - 1, 0)
    if index >= len(lines):  # past the last line: an insertion at the end of the file
        return types.Position(line=index, character=0)
    text = lines[index]
    return types.Position(line=index, character=units(text[: max(column - 1, 0)], encoding))


def column_at(lines: Sequence[str], where: types.Position, encoding: str) -> tuple[int, int]:
    """The 1-based line and character column of an LSP position."""
    if where.line >= len(lines):
        return where.line + 1, 1
    counted = 0
    for index, char in enumerate(lines[where.line]):
        if counted >= where.character:
            return where.line + 1, index + 1
        counted += units(char, encoding)
    return where.line + 1, len(lines[where.line]) + 1


def finding_range(finding: Finding, lines: Sequence[str], encoding: str) -> types.Range:
    start = position(lines, finding.line, finding.column, encoding)
    end = position(lines, finding.end_line, finding.end_column, encoding)
    if (end.line, end.character) <= (start.line, start.character):
        # ASL001 at line 1 column 1 of an empty line: show one character, not nothing
        end = types.Position(line=start.line, character=start.character + 1)
    return types.Range(start=start, end=end)


def contains(span: types.Range, where: types.Range) -> bool:
    """The two ranges overlap (a cursor on either edge of a finding counts)."""
    return (span.start.line, span.start.character) <= (where.end.line, where.end.character) and (
        where.start.line,
        where.start.character,
    ) <= (span.end.line, span.end.character)


def encode_buffer(text: str) -> bytes:
    """The bytes a buffer would be saved as: in its coding cookie's encoding (PEP 263), as the
    analysis decodes files, else UTF-8."""
    data = text.encode("utf-8", "surrogatepass")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return data
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    try:
        return text.encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return data


def message(finding: Finding) -> str:
    # a finding inferred from library source says so, as in every other output
    note = f" (inferred from {finding.inferred} source)" if finding.inferred else ""
    return finding.text + note


def diagnostic(
    finding: Finding, lines: Lines, uri_of: Callable[[str], str], encoding: str
) -> types.Diagnostic:
    related = []
    steps = [hop.function for hop in finding.chain[1:]] + [finding.api]
    for hop, leads_to in zip(finding.chain, steps):
        where = position(lines(hop.path), hop.line, hop.column, encoding)
        related.append(
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=uri_of(hop.path), range=types.Range(where, where)),
                message=f"`{hop.function}` calls `{leads_to}` here",
            )
        )
    own = lines(finding.path)
    for other in finding.related:
        where = position(own, other.line, other.column, encoding)
        related.append(
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=uri_of(finding.path), range=types.Range(where, where)),
                message=f"`{other.api}` on the same handle",
            )
        )
    description = None
    if finding.custom is None:
        description = types.CodeDescription(href=finding.rule.help_uri)
    return types.Diagnostic(
        range=finding_range(finding, own, encoding),
        message=message(finding),
        severity=types.DiagnosticSeverity.Warning,
        code=finding.code,
        code_description=description,
        source=SOURCE,
        related_information=related or None,
    )


def config_diagnostic(reason: str) -> types.Diagnostic:
    """What a document shows when its project's analysis cannot run (a broken
    ``[tool.asynclint]``): one diagnostic on line 1, as the flake8 plugin reports it."""
    start = types.Position(line=0, character=0)
    return types.Diagnostic(
        range=types.Range(start=start, end=types.Position(line=0, character=1)),
        message=f"asynclint cannot run: {reason}",
        severity=types.DiagnosticSeverity.Warning,
        code=CANNOT_RUN,
        code_description=types.CodeDescription(href=BY_CODE[CANNOT_RUN].help_uri),
        source=SOURCE,
    )


def fix_edits(finding: Finding, lines: Sequence[str], encoding: str) -> list[types.TextEdit]:
    assert finding.fix is not None
    return [
        types.TextEdit(
            range=types.Range(
                start=position(lines, edit.line, edit.column, encoding),
                end=position(lines, edit.end_line, edit.end_column, encoding),
            ),
            new_text=edit.content,
        )
        for edit in finding.fix.edits
    ]


def code_action(
    finding: Finding,
    shown: types.Diagnostic,
    uri: str,
    version: Optional[int],
    lines: Sequence[str],
    encoding: str,
    versioned: bool,
) -> types.CodeAction:
    """The finding's fix as a quick fix: a safe one is preferred (what "fix this" applies); an
    unsafe one says so in its title and is never applied without being chosen."""
    fix = finding.fix
    assert fix is not None
    edits = fix_edits(finding, lines, encoding)
    if versioned:
        edit = types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=version
                    ),
                    edits=list(edits),
                )
            ]
        )
    else:
        edit = types.WorkspaceEdit(changes={uri: edits})
    safe = fix.safety == "safe"
    title = f"{finding.code}: {fix.description[:1].upper()}{fix.description[1:]}"
    if not safe:
        title += " (unsafe: review the change)"
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[shown],
        is_preferred=safe,
        edit=edit,
    )


def hover_text(finding: Finding) -> str:
    """Markdown: the problem, where it runs, the chain hop by hop, the remedy, the fix."""
    parts = [f"**{finding.code}** {finding.rule.name}: {finding.message}"]
    if finding.context:
        runs = f"`{finding.function}`" if finding.function else "this code"
        parts.append(f"Runs in: {runs}, {finding.context}")
    if finding.chain:
        steps = [f"- `{finding.function or '<module>'}`"]
        steps += [f"- `{hop.function}` ({display(hop.path)}:{hop.line})" for hop in finding.chain]
        if finding.chain_cut:
            steps.append(f"- ... {finding.chain_cut} more call(s)")
        steps.append(f"- `{finding.api}`")
        parts.append("Chain:\n" + "\n".join(steps))
    if finding.advice:
        parts.append(f"Fix: {finding.advice}")
    if finding.fix is not None:
        parts.append(f"Quick fix ({finding.fix.safety}): {finding.fix.description}")
    if finding.inferred:
        parts.append(f"Inferred from {finding.inferred} source.")
    if finding.custom is None:
        parts.append(f"[{finding.code} documentation]({finding.rule.help_uri})")
    return "\n\n".join(parts)
