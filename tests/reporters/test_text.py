from __future__ import annotations

import dataclasses

from reporter_samples import CHAINED, DIRECT, ROOT

from asynclint.reporters import FORMATS, text


def test_registered_as_text() -> None:
    assert FORMATS["text"] is text.render


def test_snapshot() -> None:
    expected = """\
app dir/café.py:12:12: ASL101 `requests.get` blocks the event loop in route `GET /users/{user_id}`
   |
12 |     return requests.get(url).json()
   |            ^^^^^^^^^^^^
  = help: use `httpx.AsyncClient` and `await` the request

app/main.py:5:11: ASL301 `svc.create` reaches `open`, which blocks the event loop in route `POST /users`
  |
5 |     await svc.create(user)
  |           ^^^^^^^^^^^^^^^
  = help: run it with `await asyncio.to_thread(...)`
  = chain: create_user -> UserService.create (app/services.py:8) -> Repo.save (app/repo.py:20) -> open
  = runs in: route `POST /users`

Found 2 problems in 2 files.
"""  # noqa: E501
    assert text.render([CHAINED, DIRECT], root=ROOT) == expected


def test_no_findings() -> None:
    assert text.render([], root=ROOT) == "No blocking calls found.\n"


def test_singular_summary() -> None:
    assert text.render([DIRECT], root=ROOT).endswith("\n\nFound 1 problem in 1 file.\n")
    twice = [DIRECT, dataclasses.replace(DIRECT, line=20, end_line=20)]
    assert text.render(twice, root=ROOT).endswith("\n\nFound 2 problems in 1 file.\n")


def test_cut_chain() -> None:
    out = text.render([dataclasses.replace(CHAINED, chain_cut=4)], root=ROOT)
    assert "  = chain: create_user -> UserService.create (app/services.py:8) -> " in out
    assert "Repo.save (app/repo.py:20) -> ... 4 more call(s) -> open\n" in out


def test_without_snippet_or_advice() -> None:
    bare = dataclasses.replace(DIRECT, snippet="", advice="")
    assert text.render([bare], root=ROOT) == (
        "app dir/café.py:12:12: ASL101 "
        "`requests.get` blocks the event loop in route `GET /users/{user_id}`\n"
        "\n"
        "Found 1 problem in 1 file.\n"
    )


def test_caret_under_wide_characters_and_tabs() -> None:
    finding = dataclasses.replace(
        DIRECT, column=12, end_column=24, snippet="\tx = '日本'; requests.get(u)"
    )
    lines = text.render([finding], root=ROOT).splitlines()
    # The tab stays a tab, each wide character takes two cells: 5 + 2 * 2 + 3 = 12.
    assert lines[2] == "12 | \tx = '日本'; requests.get(u)"
    assert lines[3] == "   | \t" + " " * 12 + "^" * len("requests.get")


def test_multiline_call_underlines_to_end_of_line() -> None:
    finding = dataclasses.replace(DIRECT, end_line=14, end_column=6)
    lines = text.render([finding], root=ROOT).splitlines()
    assert lines[3] == "   |            " + "^" * len("requests.get(url).json()")


def test_zero_width_span_gets_one_caret() -> None:
    finding = dataclasses.replace(DIRECT, end_column=12)
    lines = text.render([finding], root=ROOT).splitlines()
    assert lines[3] == "   |            ^"


def test_color() -> None:
    plain = text.render([DIRECT], root=ROOT)
    colored = text.render([DIRECT], root=ROOT, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1mapp dir/café.py:12:12:\x1b[0m" in colored
    assert "\x1b[1m\x1b[31mASL101\x1b[0m" in colored
    assert "\x1b[1m\x1b[31m^^^^^^^^^^^^\x1b[0m" in colored
    stripped = colored
    for code in ("\x1b[1m", "\x1b[31m", "\x1b[0m"):
        stripped = stripped.replace(code, "")
    assert stripped == plain
