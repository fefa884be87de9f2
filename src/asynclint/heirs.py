"""Which project files may define a subclass of a given class, from their bytes alone.

The pre-scan parses only the files that can put code on the loop. The implementations of an
abstract method called there (`model.transcribe(...)` on an `ASRModel` chosen at run time)
often live in files that cannot: plain classes with no `async def` and no FastAPI import. A
class statement names its bases in the text, so a byte search finds the files worth parsing
without parsing the rest of the project.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Callable, Optional

# `class Name(` up to the closing parenthesis: the bases, possibly over several lines.
# A parenthesis inside the bases (`Generic[Callable[[], T]]` has none, a call has) ends the
# match early, which only loses names; the candidates are proven from their summaries.
_CLASS = re.compile(rb"^[ \t]*class[ \t]+\w+[ \t]*\(([^)]*)\)", re.MULTILINE)
_WORD = re.compile(rb"[A-Za-z_]\w*")


def base_words(source: bytes) -> frozenset[str]:
    """Every identifier the base lists of ``source``'s class statements are spelled with:
    `class A(models.Base, Generic[T], metaclass=M)` gives models, Base, Generic, T, metaclass
    and M."""
    if b"class" not in source:
        return frozenset()
    words: set[str] = set()
    for match in _CLASS.finditer(source):
        words.update(w.decode("ascii") for w in _WORD.findall(match.group(1)))
    return frozenset(words)


def index(paths: Iterable[str], read: Callable[[str], Optional[bytes]]) -> dict[str, list[str]]:
    """Files by the words their class statements' bases use, in the order of ``paths``."""
    out: dict[str, list[str]] = {}
    for path in paths:
        data = read(path)
        if data is None:
            continue
        for word in base_words(data):
            out.setdefault(word, []).append(path)
    return out
