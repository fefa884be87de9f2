"""Usage errors (an unknown option, a bad value, a missing argument) in asynclint's own form,
``asynclint: error: ...`` on stderr with exit code 2, like every other error of the command
line, instead of click's usage block and ``Error: ...``."""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.core import TyperGroup

EXIT_ERROR = 2


def _click_class(name: str) -> type[Exception]:
    """A class of the click that typer runs on: typer's own copy of click in newer releases,
    click itself in older ones (the last for Python 3.9); ``typer.BadParameter`` is public in
    both and derives from the one wanted."""
    for cls in typer.BadParameter.__mro__:
        if cls.__name__ == name and issubclass(cls, Exception):
            return cls
    raise ImportError(f"typer's click has no {name}")


_USAGE_ERROR = _click_class("UsageError")
_METAVAR = re.compile(r"argument '([A-Z][A-Z0-9_]*)(?:\.\.\.)?'")


def message(error: Exception) -> str:
    """``no such option: --bogus; see `asynclint check --help``` for click's
    ``No such option: --bogus``."""
    format_message = getattr(error, "format_message", None)
    text = str(format_message() if callable(format_message) else error).strip()
    text = text.replace("Value error, ", "")  # typer's prefix before a choice's complaint
    if text[:1].isupper() and not text[1:2].isupper():  # "No such option", not "URL ..."
        text = text[0].lower() + text[1:]
    text = text.rstrip(".")
    # click 8.1 (typer < 0.24, what Python 3.9 installs) names an argument by its metavar,
    # `'DISTRIBUTIONS...'`; typer's own click by its name: say it one way on both
    text = _METAVAR.sub(lambda found: f"argument '{found.group(1).lower()}'", text)
    ctx = getattr(error, "ctx", None)
    path = getattr(ctx, "command_path", "") or "asynclint"
    return f"{text}; see `{path} --help`"


def _fail(error: Exception) -> typer.Exit:
    typer.echo(f"asynclint: error: {message(error)}", err=True)
    return typer.Exit(EXIT_ERROR)


class UsageErrors(TyperGroup):
    """The top-level group: the usage errors of every command below it surface here, while
    its own options are parsed (``asynclint --bogus``) or while a command is looked up and its
    arguments parsed (``asynclint check --bogus``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _USAGE_ERROR as error:
            if type(error).__name__ == "NoArgsIsHelpError":  # bare `asynclint`: the help
                raise
            raise _fail(error) from error

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _USAGE_ERROR as error:
            if type(error).__name__ == "NoArgsIsHelpError":  # bare `asynclint catalog ...`
                raise
            raise _fail(error) from error
