"""The analysis thread: one per process, reused, reentrant, and safe across a fork."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from asynclint.deep import DEEP_RECURSION, run_deep


def test_work_runs_on_one_long_lived_thread() -> None:
    first = run_deep(threading.get_ident)
    second = run_deep(threading.get_ident)
    assert first == second != threading.get_ident()
    names = [t.name for t in threading.enumerate()].count("asynclint-analysis")
    assert names == 1


def test_nested_requests_run_inline_instead_of_deadlocking() -> None:
    assert run_deep(lambda: run_deep(lambda: 41) + 1) == 42


def test_recursion_limit_is_raised_only_while_a_job_runs() -> None:
    before = sys.getrecursionlimit()
    inside = run_deep(sys.getrecursionlimit)
    assert inside >= DEEP_RECURSION and sys.getrecursionlimit() == before


def test_errors_reach_the_caller() -> None:
    def fail() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        run_deep(fail)
    assert run_deep(lambda: "still serving") == "still serving"


def test_deep_recursion_fits() -> None:
    def depth(n: int) -> int:
        return 0 if n == 0 else 1 + depth(n - 1)

    assert run_deep(lambda: depth(15_000)) == 15_000


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX-only")
def test_a_forked_child_gets_its_own_thread() -> None:
    run_deep(lambda: None)  # the parent's thread exists before the fork
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: without a thread of its own this would hang
        os.close(read)
        os.write(write, str(run_deep(lambda: 7)).encode())
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 16) == b"7" and status == 0
