"""The bundled example app is the demo and a regression fixture: its findings are pinned."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run

EXAMPLES = Path(__file__).parent.parent / "examples"

# (file, line, code, blocking API reached, where it runs, first hop of the chain or "")
EXPECTED = [
    (
        "bookstore/dependencies.py",
        24,
        "ASL201",
        "sqlalchemy.orm.Query.first",
        "dependency `get_current_user`",
        "",
    ),
    (
        "bookstore/main.py",
        37,
        "ASL202",
        "redis.Redis.incr",
        "middleware `timing_middleware`",
        "record_hit",
    ),
    (
        "bookstore/main.py",
        47,
        "ASL301",
        "pathlib.Path.read_text",
        "startup handler `load_featured_isbns`",
        "",
    ),
    (
        "bookstore/routers/admin.py",
        49,
        "ASL401",
        "subprocess.run",
        "route `POST /admin/backup`",
        "",
    ),
    ("bookstore/routers/admin.py", 62, "ASL501", "time.sleep", "route `POST /admin/cdn/purge`", ""),
    (
        "bookstore/routers/books.py",
        25,
        "ASL201",
        "sqlalchemy.orm.Query.all",
        "route `GET /books`",
        "",
    ),
    (
        "bookstore/routers/books.py",
        38,
        "ASL101",
        "requests.get",
        "route `GET /books/isbn/{isbn}/metadata`",
        "",
    ),
    (
        "bookstore/routers/books.py",
        70,
        "ASL201",
        "sqlalchemy.orm.Query.first",
        "route `GET /books/{book_id}`",
        "BookRepository.get_by_id",
    ),
    (
        "bookstore/routers/books.py",
        80,
        "ASL601",
        "botocore.client.BaseClient.upload_fileobj",
        "route `PUT /books/{book_id}/cover`",
        "attach_cover",
    ),
    (
        "bookstore/routers/books.py",
        89,
        "ASL601",
        "openai.OpenAI.chat.completions.create",
        "route `GET /books/{book_id}/blurb`",
        "",
    ),
    (
        "bookstore/routers/orders.py",
        21,
        "ASL201",
        "sqlalchemy.orm.Session.execute",
        "route `GET /orders`",
        "",
    ),
    (
        "bookstore/routers/orders.py",
        29,
        "ASL101",
        "requests.get",
        "route `GET /orders/shipping-quote`",
        "",
    ),
    (
        "bookstore/routers/orders.py",
        47,
        "ASL101",
        "requests.Session.post",
        "route `POST /orders`",
        "PaymentClient.charge",
    ),
    # a plain `def` route after the plain `def` dependency `get_current_user` queried through
    # the `get_db` session: the connection is held while the route waits for a token
    ("bookstore/routers/orders.py", 58, "ASL802", "", "route `GET /orders/{order_id}`", ""),
    # the login route queried and returns a `Dict[str, str]` FastAPI validates in the
    # threadpool, while the session still holds its connection
    ("bookstore/routers/users.py", 39, "ASL802", "", "route `POST /users/token`", ""),
    (
        "bookstore/routers/users.py",
        60,
        "ASL301",
        "builtins.open",
        "route `POST /users/me/avatar`",
        "",
    ),
    ("bookstore/services/shipping.py", 24, "ASL501", "time.sleep", "`notify_carrier`", ""),
]


def test_example_findings_are_exactly_the_planted_mistakes() -> None:
    actual = []
    for f in run(EXAMPLES):
        path = Path(f.path).resolve().relative_to(EXAMPLES.resolve()).as_posix()
        first = f.chain[0].function if f.chain else ""
        actual.append((path, f.line, f.code, f.api, f.context, first))
    assert actual == EXPECTED


def test_the_write_on_the_opened_file_is_a_related_location_not_a_finding() -> None:
    (opened,) = [f for f in run(EXAMPLES) if f.path.endswith("users.py") and f.line == 60]
    assert [(r.line, r.api) for r in opened.related] == [(61, "io.TextIOWrapper.write")]
    assert opened.fix is None  # offloading `open` alone would leave the write on the loop


def test_example_chain_through_two_modules_is_shown() -> None:
    (finding,) = [f for f in run(EXAMPLES) if f.line == 80 and f.path.endswith("books.py")]
    assert [hop.function for hop in finding.chain] == ["attach_cover", "upload_cover"]
    assert finding.chain_text().endswith("-> botocore.client.BaseClient.upload_fileobj")
    assert "awaits nothing: make it a plain `def`" in finding.advice


def test_the_examples_readme_lists_exactly_the_findings() -> None:
    """examples/README.md's table of planted mistakes is what a user compares the output
    with: one row per finding, at the reported line, with its code."""
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    table = text.split("## Planted mistakes", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if re.match(r"\| \d+[a-z]? \|", line)]
    listed = []
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        where = re.match(r"`([^`:]+):(\d+)`", cells[1])
        assert where is not None, row
        listed.append((where.group(1), int(where.group(2)), cells[4]))
    assert sorted(listed) == sorted((path, line, code) for path, line, code, *_ in EXPECTED)
