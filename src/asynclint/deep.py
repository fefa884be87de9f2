"""Room for deep recursion: valid code can nest names, imports, calls and attribute chains
thousands deep (generated modules, long alias chains), and both the summariser and the resolver
follow them recursively. Such work runs on one long-lived analysis thread with a large stack.

The thread is started once per process (the stack size is a process-wide setting, so it is
changed only for that one start and restored at once), jobs are handed to it one at a time,
and a job that itself asks for room (the engine summarising a module it imports) runs inline.
The recursion limit is raised only while a job runs and restored after it.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from typing import Callable, Optional, TypeVar

_T = TypeVar("_T")
DEEP_RECURSION = 20_000
DEEP_STACK_BYTES = 512 * 1024 * 1024

_Job = Callable[[], None]


class _Worker:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self.thread: Optional[threading.Thread] = None
        self.lock = threading.Lock()  # one job at a time, from whichever thread asks

    def start(self) -> bool:
        """Start the thread once; False when the platform will not give it a large stack."""
        if self.thread is not None:
            return True
        try:
            old_size = threading.stack_size(DEEP_STACK_BYTES)
        except (ValueError, RuntimeError):
            return False
        try:
            thread = threading.Thread(target=self._serve, name="asynclint-analysis", daemon=True)
            thread.start()
        finally:
            threading.stack_size(old_size)
        self.thread = thread
        return True

    def _serve(self) -> None:
        while True:
            self.jobs.get()()


_WORKER = _Worker()


def _forget_after_fork() -> None:
    # a forked child (a summarising process) has no analysis thread, whatever its parent had
    _WORKER.reset()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def run_deep(work: Callable[[], _T]) -> _T:
    """Run ``work`` on the analysis thread, with a large stack and recursion limit, and
    return its result or re-raise its error in the calling thread."""
    if threading.current_thread() is _WORKER.thread:
        return work()  # already there: a nested request (the engine summarising an import)
    with _WORKER.lock:
        if not _WORKER.start():  # the platform will not: run here, with what there is
            return work()
        done = threading.Event()
        result: list[_T] = []
        error: list[BaseException] = []

        def job() -> None:
            previous = sys.getrecursionlimit()
            sys.setrecursionlimit(max(previous, DEEP_RECURSION))
            try:
                result.append(work())
            except BaseException as exc:  # handed to the caller's thread below
                error.append(exc)
            finally:
                sys.setrecursionlimit(previous)
                done.set()

        _WORKER.jobs.put(job)
        done.wait()
    if error:
        raise error[0]
    return result[0]
