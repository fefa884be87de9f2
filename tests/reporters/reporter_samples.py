"""Sample findings shared by the reporter tests: one direct, one through two hops."""

from __future__ import annotations

from pathlib import Path

from asynclint.findings import Finding, Hop

ROOT = Path("/project").resolve()

DIRECT = Finding(
    code="ASL101",
    path="app dir/café.py",
    line=12,
    column=12,
    end_line=12,
    end_column=24,
    message="`requests.get` blocks the event loop in route `GET /users/{user_id}`",
    advice="use `httpx.AsyncClient` and `await` the request",
    api="requests.get",
    function="read_user",
    context="route `GET /users/{user_id}`",
    snippet="    return requests.get(url).json()",
)

CHAINED = Finding(
    code="ASL301",
    path="app/main.py",
    line=5,
    column=11,
    end_line=5,
    end_column=26,
    message="`svc.create` reaches `open`, which blocks the event loop in route `POST /users`",
    advice="run it with `await asyncio.to_thread(...)`",
    api="open",
    function="create_user",
    context="route `POST /users`",
    chain=(
        Hop("UserService.create", "app/services.py", 8, 9),
        Hop("Repo.save", "app/repo.py", 20, 14),
    ),
    snippet="    await svc.create(user)",
)
