"""Room for deep recursion: valid code can nest names, imports, calls and attribute chains
thousands deep (generated modules, long alias chains), and both the summariser and the resolver
follow them recursively. Such work runs in a thread with a large stack and recursion limit."""

from __future__ import annotations

import sys
import threading
from typing import Callable, TypeVar

_T = TypeVar("_T")
# valid code can nest names, imports and calls thousands deep (generated modules, long alias
# chains); the analysis follows them recursively, so it runs with room for that
DEEP_RECURSION = 20_000
DEEP_STACK_BYTES = 512 * 1024 * 1024


def run_deep(work: Callable[[], _T]) -> _T:
    """Run ``work`` in a thread with a large stack and recursion limit; re-raise its error."""
    result: list[_T] = []
    error: list[BaseException] = []

    def run() -> None:
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous, DEEP_RECURSION))
        try:
            result.append(work())
        except BaseException as exc:  # handed to the caller's thread below
            error.append(exc)
        finally:
            sys.setrecursionlimit(previous)

    try:
        old_size = threading.stack_size(DEEP_STACK_BYTES)
    except (ValueError, RuntimeError):  # the platform will not: run here, with what there is
        return work()
    try:
        thread = threading.Thread(target=run, name="asynclint-analysis")
        thread.start()
    finally:
        threading.stack_size(old_size)
    thread.join()
    if error:
        raise error[0]
    return result[0]
