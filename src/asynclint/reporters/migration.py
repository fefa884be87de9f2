"""The migration report (``asynclint migrate``) as text, JSON and Markdown.

Paths are shown relative to the project root, so a report pasted into a ticket reads the same
on every machine."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

from asynclint.migrate import Blocker, Migration, Route
from asynclint.rewrites import REWRITE

KEEP_DEF = "keep `def`"
ASYNC_READY = "can be `async def`"


def _where(path: str, root: Path, line: int) -> str:
    try:
        relative = os.path.relpath(path, root)
    except ValueError:  # another drive
        relative = path
    return f"{relative.replace(os.sep, '/')}:{line}"


def _chain(route: Route, blocker: Blocker) -> str:
    return " -> ".join([route.function, *blocker.via, blocker.api])


def _at(blocker: Blocker) -> str:
    return f"line {blocker.line}" if blocker.line else "authentication"


def _totals(migration: Migration) -> tuple[int, int, int, int]:
    views = [r for r in migration.routes if not r.hook]
    hooks = [r for r in migration.routes if r.hook]
    blocked = sum(1 for r in views if not r.ready)
    return len(views), len(views) - blocked, blocked, sum(1 for r in hooks if not r.ready)


def _summary(migration: Migration) -> str:
    views, ready, blocked, hooks = _totals(migration)
    text = (
        f"{views} route(s): {ready} can be `async def` as they are, {blocked} should stay `def` "
        f"(FastAPI runs them in its threadpool) until their blocking calls are swapped"
    )
    if hooks:
        text += f"; {hooks} request hook(s), error handler(s) or callbacks block too"
    every = migration.blocking_every_request
    if every and ready:
        names = ", ".join(f"`{r.function}`" for r in every)
        text += (
            f". Every request also runs the blocking request hook(s) {names}: until they are "
            f"swapped, the {ready} ready route(s) still block there"
        )
    return text + "."


def render_text(migration: Migration) -> str:
    root = migration.root
    out = ["Migration report: Flask -> FastAPI", "", _summary(migration).replace("`", ""), ""]
    for route in migration.routes:
        verdict = "async def ready" if route.ready else "keep def"
        where = _where(route.path, root, route.line)
        out.append(f"{where}: {route.label.replace('`', '')} [{route.function}]: {verdict}")
        for blocker in route.blockers:
            line = f"    {_at(blocker)}: {_chain(route, blocker)} ({blocker.code})"
            out.append(line)
    if migration.swaps:
        out += ["", "Library swaps:"]
        for swap in migration.swaps:
            out.append(
                f"  {swap.library}: {len(swap.routes)} route(s), {swap.sites} call(s) -> "
                f"{swap.replacement.replace('`', '')}"
            )
    if migration.dynamic:
        out += ["", 'Rewrites, not swaps: lazy="dynamic" relationships:']
        for d in migration.dynamic:
            out.append(f"  {_where(d.path, root, d.line)}: {d.model}.{d.attribute}")
        out.append(f"  -> {REWRITE.replace('`', '')}")
    if migration.pieces:
        out += ["", "Flask pieces FastAPI replaces (context, not findings):"]
        for piece in migration.pieces:
            out.append(f"  {piece.name} -> {piece.replacement.replace('`', '')}")
    return "\n".join(out) + "\n"


def render_json(migration: Migration) -> str:
    root = migration.root
    views, ready, blocked, hooks = _totals(migration)
    data = {
        "summary": {
            "routes": views,
            "async_ready": ready,
            "keep_def": blocked,
            "blocking_hooks": hooks,
            "blocking_every_request": [r.function for r in migration.blocking_every_request],
        },
        "routes": [
            {
                "route": route.label,
                "kind": "hook" if route.hook else "view",
                "every_request": route.every_request,
                "function": route.function,
                "location": _where(route.path, root, route.line),
                "verdict": "async_ready" if route.ready else "keep_def",
                "blocking": [
                    {
                        "api": b.api,
                        "code": b.code,
                        "line": b.line,
                        "via": list(b.via),
                        "library": b.library,
                        "replacement": b.replacement,
                    }
                    for b in route.blockers
                ],
            }
            for route in migration.routes
        ],
        "swaps": [
            {
                "library": s.library,
                "replacement": s.replacement,
                "apis": list(s.apis),
                "calls": s.sites,
                "routes": list(s.routes),
            }
            for s in migration.swaps
        ],
        "dynamic_relationships": [
            {"relationship": f"{d.model}.{d.attribute}", "location": _where(d.path, root, d.line)}
            for d in migration.dynamic
        ],
        "flask_pieces": [
            {"name": p.name, "replacement": p.replacement, "files": len(p.files)}
            for p in migration.pieces
        ],
    }
    return json.dumps(data, indent=2) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(migration: Migration) -> str:
    root = migration.root
    out = ["# Flask → FastAPI migration report", "", _summary(migration), ""]
    if migration.swaps:
        out += [
            "## Library swaps",
            "",
            "| library | replace with | routes | blocking calls | APIs |",
            "|---|---|---:|---:|---|",
        ]
        for swap in migration.swaps:
            apis = ", ".join(f"`{api}`" for api in swap.apis)
            out.append(
                f"| {swap.library} | {_cell(swap.replacement)} | {len(swap.routes)} | "
                f"{swap.sites} | {apis} |"
            )
        out.append("")
    out += ["## Routes", "", "| route | handler | verdict | blocks on |", "|---|---|---|---|"]
    for route in migration.routes:
        libraries = sorted({b.library for b in route.blockers})
        verdict = ASYNC_READY if route.ready else KEEP_DEF
        where = _where(route.path, root, route.line)
        out.append(
            f"| {_cell(route.label)} | `{route.function}` ({where}) | {verdict} | "
            f"{', '.join(libraries) or '—'} |"
        )
    out.append("")
    blocked = migration.blocking
    if blocked:
        out += ["## Why each route should stay `def` for now", ""]
        for route in blocked:
            out.append(f"### {route.label} — `{route.function}`")
            out.append("")
            for blocker in route.blockers:
                chain = " → ".join(f"`{step}`" for step in [route.function, *blocker.via])
                out.append(
                    f"- {_at(blocker)}: {chain} → `{blocker.api}` ({blocker.code}); "
                    f"swap: {blocker.replacement}"
                )
            out.append("")
    if migration.dynamic:
        out += ['## Rewrites, not swaps: `lazy="dynamic"` relationships', ""]
        for d in migration.dynamic:
            out.append(f"- `{d.model}.{d.attribute}` ({_where(d.path, root, d.line)})")
        out += ["", f"Each becomes {REWRITE}.", ""]
    if migration.pieces:
        out += [
            "## Flask pieces FastAPI replaces",
            "",
            "Context for the port, not blocking calls:",
            "",
        ]
        for piece in migration.pieces:
            out.append(f"- `{piece.name}` ({len(piece.files)} file(s)): {piece.replacement}")
        out.append("")
    return "\n".join(out)


MIGRATION_FORMATS: dict[str, Callable[[Migration], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}

__all__ = ["MIGRATION_FORMATS"]
