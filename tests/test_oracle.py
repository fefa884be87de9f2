"""A runtime oracle for the catalog: the blocking call stalls the event loop, its replacement not.

Each case runs twice inside a running asyncio loop while a ticker task wakes every 10 ms: once
with the API the catalog lists as blocking, called directly in a coroutine, and once with the
async replacement. The longest gap between two ticks is how long the loop was stalled. The
blocking call must stall it for at least ``STALLED`` seconds; the replacement must keep it
ticking (longest gap under ``FREE``) although it waits just as long.

Everything runs on this machine: servers are threads listening on 127.0.0.1, every wait has a
timeout. The cases run in ONE subprocess (this file run as a script, JSON out), because
asynclint's tests import the libraries the catalog describes only in subprocesses; cases of a
third-party library that is not installed are skipped. Each case names the catalog entries it
exercises, and the test fails if the catalog stops listing them as blocking.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.util
import json
import os
import queue
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from collections.abc import Awaitable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import pytest

from asynclint.catalog import load_builtin

DELAY = 0.3  # how long every blocking call waits
TICK = 0.01  # the ticker's period
STALLED = 0.2  # a blocking call must stall the loop at least this long
FREE = 0.1  # the replacement must never stall it this long
TIMEOUT = 5.0  # every single wait is bounded by this

Blocking = Callable[[], Any]
Replacement = Callable[[], Awaitable[Any]]
Pair = Iterator[tuple[Blocking, Replacement]]


@dataclass(frozen=True)
class Case:
    apis: tuple[str, ...]  # catalog names the blocking call exercises
    needs: tuple[str, ...]  # third-party modules, imported only in the oracle subprocess
    make: Callable[[], contextlib.AbstractContextManager[tuple[Blocking, Replacement]]]


# --- local servers -------------------------------------------------------------------------


@contextlib.contextmanager
def http_server(body: bytes = b"slow hello") -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that sleeps DELAY before it answers every GET with `body`
    (as JSON when it is an object, for SDK clients that parse the answer); yields its URL."""

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(DELAY)
            self.send_response(200)
            if body.startswith(b"{"):
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self) -> None:  # answered at once: a client's warm-up
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


@contextlib.contextmanager
def line_server(greeting: bytes, replies: dict[bytes, bytes]) -> Iterator[tuple[str, int]]:
    """A TCP server on 127.0.0.1: each connection waits DELAY, sends `greeting`, then answers
    each line whose first word is in `replies` (an empty reply closes the connection)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.05)
    done = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(TIMEOUT)
            time.sleep(DELAY)
            conn.sendall(greeting)
            with contextlib.suppress(OSError), conn.makefile("rb") as lines:
                for line in lines:
                    reply = replies.get(line.split(b" ")[0].strip().upper())
                    if reply is None:
                        continue
                    if not reply:
                        return
                    conn.sendall(reply)
                    if reply.startswith(b"221"):
                        return

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        yield listener.getsockname()
    finally:
        done.set()
        thread.join(TIMEOUT)
        listener.close()


async def http_get(url: str) -> bytes:
    """GET `url` over asyncio streams (HTTP/1.0): the standard library's non-blocking client."""
    host, port = url.split("//")[1].rstrip("/").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET / HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), TIMEOUT)
    writer.close()
    await writer.wait_closed()
    return data


# --- cases ---------------------------------------------------------------------------------


@contextlib.contextmanager
def case_sleep() -> Pair:
    yield (lambda: time.sleep(DELAY)), (lambda: asyncio.sleep(DELAY))


@contextlib.contextmanager
def case_urlopen() -> Pair:
    with http_server() as url:

        def blocking() -> bytes:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
                return bytes(response.read())

        yield blocking, (lambda: http_get(url))


@contextlib.contextmanager
def case_requests() -> Pair:
    import requests

    with http_server() as url:

        def blocking() -> bytes:
            return bytes(requests.get(url, timeout=TIMEOUT).content)

        if importlib.util.find_spec("httpx") is None:
            yield blocking, (lambda: http_get(url))
            return
        import httpx

        async def warm_up() -> None:
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                await client.head(url)

        # set-up, not the call: the first request imports httpx's async backend (anyio), and
        # building a client loads the TLS context
        asyncio.run(warm_up())
        client = httpx.AsyncClient(timeout=TIMEOUT)

        async def replacement() -> bytes:
            async with client:
                return (await client.get(url)).content

        yield blocking, replacement


def _calibrated(work: Callable[[int], object], start: int, limit: int) -> int:
    """The size `n` for which `work(n)` takes about 1.3 x DELAY here, scaled from the fastest
    of three timed runs of at least 30 ms (the fastest, so that the real call is not shorter)."""
    size = start
    while True:
        took = []
        for _ in range(3):
            begin = time.perf_counter()
            work(size)
            took.append(time.perf_counter() - begin)
        if min(took) >= 0.03 or size >= limit:
            break
        size *= 4
    return min(int(size * DELAY * 1.3 / max(min(took), 1e-4)), limit)


def _count(rows: int) -> int:
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        return int(conn.execute(_COUNT, (rows,)).fetchone()[0])


_COUNT = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) "
    "SELECT sum(x) FROM c"
)


@contextlib.contextmanager
def case_sqlite() -> Pair:
    rows = _calibrated(_count, 10_000, 500_000_000)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "oracle.db")

        def query() -> int:
            # sqlite3 connections belong to the thread that made them
            with contextlib.closing(sqlite3.connect(path, timeout=TIMEOUT)) as conn:
                return int(conn.execute(_COUNT, (rows,)).fetchone()[0])

        yield query, (lambda: asyncio.to_thread(query))


@contextlib.contextmanager
def case_subprocess() -> Pair:
    def blocking() -> int:
        return subprocess.run(["sleep", str(DELAY)], timeout=TIMEOUT, check=True).returncode

    async def replacement() -> int:
        proc = await asyncio.create_subprocess_exec("sleep", str(DELAY))
        return await asyncio.wait_for(proc.wait(), TIMEOUT)

    yield blocking, replacement


@contextlib.contextmanager
def case_file() -> Pair:
    chunk = os.urandom(4 << 20)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.bin"

        def write() -> int:
            # write and fsync 4 MiB chunks until DELAY has passed (at most 256 MiB)
            start, written = time.perf_counter(), 0
            with open(path, "wb") as f:
                while time.perf_counter() - start < DELAY and written < (256 << 20):
                    written += f.write(chunk)
                    f.flush()
                    os.fsync(f.fileno())
            return written

        yield write, (lambda: asyncio.to_thread(write))


@contextlib.contextmanager
def case_socket() -> Pair:
    with line_server(b"hello\n", {}) as address:

        def blocking() -> bytes:
            with socket.create_connection(address, timeout=TIMEOUT) as sock:
                return sock.recv(6)

        async def replacement() -> bytes:
            reader, writer = await asyncio.open_connection(*address)
            data = await asyncio.wait_for(reader.readexactly(6), TIMEOUT)
            writer.close()
            await writer.wait_closed()
            return data

        yield blocking, replacement


def _hold(lock: Any) -> None:
    """Another thread takes `lock`, holds it for DELAY and releases it."""
    taken = threading.Event()

    def holder() -> None:
        with lock:
            taken.set()
            time.sleep(DELAY)

    threading.Thread(target=holder, daemon=True).start()
    taken.wait(TIMEOUT)


@contextlib.contextmanager
def case_lock() -> Pair:
    lock = threading.Lock()

    def blocking() -> None:
        _hold(lock)
        assert lock.acquire(timeout=TIMEOUT)
        lock.release()

    async def replacement() -> None:
        _hold(lock)
        assert await asyncio.to_thread(lock.acquire, timeout=TIMEOUT)
        lock.release()

    yield blocking, replacement


def _produce_later(items: queue.Queue[str]) -> None:
    def producer() -> None:
        time.sleep(DELAY)
        items.put("item")

    threading.Thread(target=producer, daemon=True).start()


@contextlib.contextmanager
def case_queue() -> Pair:
    items: queue.Queue[str] = queue.Queue()

    def blocking() -> str:
        _produce_later(items)
        return items.get(timeout=TIMEOUT)

    async def replacement() -> str:
        _produce_later(items)
        return await asyncio.to_thread(items.get, timeout=TIMEOUT)

    yield blocking, replacement


@contextlib.contextmanager
def case_future() -> Pair:
    with ThreadPoolExecutor(max_workers=2) as pool:

        def blocking() -> None:
            pool.submit(time.sleep, DELAY).result(timeout=TIMEOUT)

        async def replacement() -> None:
            await asyncio.wait_for(asyncio.wrap_future(pool.submit(time.sleep, DELAY)), TIMEOUT)

        yield blocking, replacement


@contextlib.contextmanager
def case_pbkdf2() -> Pair:
    rounds = _calibrated(
        lambda n: hashlib.pbkdf2_hmac("sha256", b"secret", b"salt", n), 1000, 10**8
    )

    def derive() -> bytes:
        return hashlib.pbkdf2_hmac("sha256", b"secret", b"salt", rounds)

    yield derive, (lambda: asyncio.to_thread(derive))


@contextlib.contextmanager
def case_bcrypt() -> Pair:
    import bcrypt

    took = []
    for _ in range(3):
        start = time.perf_counter()
        bcrypt.hashpw(b"secret", bcrypt.gensalt(rounds=8))
        took.append(time.perf_counter() - start)
    # the cost doubles with each round: the fewest rounds that take at least 1.2 x DELAY
    rounds = 8
    while min(took) * 2 ** (rounds - 8) < DELAY * 1.2 and rounds < 16:
        rounds += 1
    salt = bcrypt.gensalt(rounds=rounds)

    def hashpw() -> bytes:
        return bytes(bcrypt.hashpw(b"secret", salt))

    yield hashpw, (lambda: asyncio.to_thread(hashpw))


@contextlib.contextmanager
def case_smtp() -> Pair:
    import smtplib

    replies = {
        b"EHLO": b"250 localhost\r\n",
        b"HELO": b"250 localhost\r\n",
        b"QUIT": b"221 bye\r\n",
    }
    with line_server(b"220 localhost ESMTP oracle\r\n", replies) as (host, port):

        def blocking() -> None:
            smtplib.SMTP(host, port, timeout=TIMEOUT).quit()

        async def replacement() -> bytes:
            reader, writer = await asyncio.open_connection(host, port)
            greeting = await asyncio.wait_for(reader.readline(), TIMEOUT)
            writer.write(b"QUIT\r\n")
            await asyncio.wait_for(reader.readline(), TIMEOUT)
            writer.close()
            await writer.wait_closed()
            return greeting

        yield blocking, replacement


# SDK clients over requests without an async twin: the catalog's replacement is to offload


@contextlib.contextmanager
def case_hvac() -> Pair:
    import hvac

    with http_server(b"{}") as url:
        vault = hvac.Client(url=url.rstrip("/"), token="dummy")
        yield vault.is_authenticated, (lambda: asyncio.to_thread(vault.is_authenticated))


@contextlib.contextmanager
def case_meilisearch() -> Pair:
    import meilisearch

    with http_server(b'{"status": "available"}') as url:
        client = meilisearch.Client(url.rstrip("/"), "dummy")
        yield client.health, (lambda: asyncio.to_thread(client.health))


@contextlib.contextmanager
def case_docker() -> Pair:
    import docker

    with http_server() as url:
        # an explicit API version: the client asks the daemon for none, only `ping` is timed
        daemon = docker.DockerClient(
            base_url=url.replace("http", "tcp").rstrip("/"), version="1.44"
        )
        yield daemon.ping, (lambda: asyncio.to_thread(daemon.ping))


CASES: dict[str, Case] = {
    "time.sleep": Case(("time.sleep",), (), case_sleep),
    "urlopen": Case(("urllib.request.urlopen", "http.client.HTTPResponse.read"), (), case_urlopen),
    "requests": Case(("requests.get",), ("requests",), case_requests),
    "sqlite3": Case(("sqlite3.connect", "sqlite3.Connection.execute"), (), case_sqlite),
    "subprocess": Case(("subprocess.run",), (), case_subprocess),
    "file": Case(("builtins.open", "io.BufferedWriter.write", "os.fsync"), (), case_file),
    "socket": Case(("socket.create_connection", "socket.socket.recv"), (), case_socket),
    "lock": Case(("threading.Lock.acquire",), (), case_lock),
    "queue": Case(("queue.Queue.get",), (), case_queue),
    "future": Case(("concurrent.futures.Future.result",), (), case_future),
    "pbkdf2": Case(("hashlib.pbkdf2_hmac",), (), case_pbkdf2),
    "bcrypt": Case(("bcrypt.hashpw",), ("bcrypt",), case_bcrypt),
    "smtp": Case(("smtplib.SMTP", "smtplib.SMTP.quit"), (), case_smtp),
    "hvac": Case(("hvac.Client.is_authenticated",), ("hvac",), case_hvac),
    "meilisearch": Case(("meilisearch.Client.health",), ("meilisearch",), case_meilisearch),
    "docker": Case(("docker.DockerClient.ping",), ("docker",), case_docker),
}


# --- the measurement (runs in the subprocess) ----------------------------------------------


async def measure(blocking: Blocking | None, replacement: Replacement | None) -> dict[str, Any]:
    """Longest gap between ticks while the call runs, how long the call took, ticks seen."""
    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(3 * TICK)
    gaps.clear()
    start = time.perf_counter()
    if blocking is not None:
        blocking()
    else:
        assert replacement is not None
        await asyncio.wait_for(replacement(), 2 * TIMEOUT)
    took = time.perf_counter() - start
    await asyncio.sleep(3 * TICK)
    stop.set()
    await asyncio.wait_for(task, TIMEOUT)
    return {"max_gap": max(gaps), "took": took, "ticks": len(gaps)}


def run_case(case: Case) -> dict[str, Any]:
    missing = [name for name in case.needs if importlib.util.find_spec(name) is None]
    if missing:
        return {"skipped": f"{', '.join(missing)} not installed"}
    try:
        with case.make() as (blocking, replacement):
            stalled = asyncio.run(measure(blocking, None))
            free = asyncio.run(measure(None, replacement))
    except Exception:
        return {"error": traceback.format_exc()}
    return {"blocking": stalled, "replacement": free}


def main() -> int:
    # loopback only: no HTTP client may route 127.0.0.1 through a proxy from the environment
    for key in [key for key in os.environ if key.lower().endswith("_proxy")]:
        del os.environ[key]
    wanted = sys.argv[1:] or list(CASES)
    results = {name: run_case(CASES[name]) for name in wanted}
    print(json.dumps(results))
    return 0


# --- the tests -------------------------------------------------------------------------------

CATALOG = load_builtin()


def catalog_blocks(qualname: str) -> bool:
    """The catalog lists `qualname` (a function, a class whose constructor blocks, or
    `Class.method`) as blocking."""
    function = CATALOG.function(qualname)
    if function is not None:
        return function.blocking
    cls = CATALOG.cls(qualname)
    if cls is not None:
        return cls.constructor
    owner, _, method = qualname.rpartition(".")
    cls = CATALOG.cls(owner)
    return cls is not None and method in cls.blocking


@pytest.fixture(scope="module")
def oracle() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results: dict[str, Any] = json.loads(done.stdout)
    return results


@pytest.mark.parametrize("name", list(CASES))
def test_catalog_lists_the_api_as_blocking(name: str) -> None:
    assert [api for api in CASES[name].apis if not catalog_blocks(api)] == []


@pytest.mark.parametrize("name", list(CASES))
def test_blocking_call_stalls_the_loop_and_replacement_does_not(
    name: str, oracle: dict[str, Any]
) -> None:
    result = oracle[name]
    if "skipped" in result:
        pytest.skip(result["skipped"])
    assert "error" not in result, result.get("error")
    stalled, free = result["blocking"], result["replacement"]
    assert stalled["max_gap"] >= STALLED, f"the blocking call did not stall the loop: {stalled}"
    # the replacement waited as long, and the loop kept ticking meanwhile
    assert free["took"] >= STALLED, f"the replacement did not wait: {free}"
    assert free["max_gap"] < FREE, f"the replacement stalled the loop: {free}"
    assert free["ticks"] >= int(STALLED / TICK) // 2


def test_catalog_check_rejects_what_the_catalog_does_not_block() -> None:
    assert catalog_blocks("time.sleep")
    assert catalog_blocks("smtplib.SMTP")
    assert not catalog_blocks("asyncio.sleep")
    assert not catalog_blocks("threading.Lock.release")
    assert not catalog_blocks("subprocess.Popen")  # starting a child does not wait
    assert not catalog_blocks("sqlalchemy.create_engine")  # a factory, not blocking


if __name__ == "__main__":
    sys.exit(main())
