"""The rule codes: one place that messages, reporters, ``asynclint rules`` and the docs read.

Codes are stable once released. Each catalog category maps to exactly one code, so adding a
library to the catalog never needs a new code.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCS_BASE = "https://github.com/asynclint/asynclint/blob/main/docs/rules"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    category: str  # the catalog category this code reports; "" for engine-level rules
    summary: str  # one line, used by `asynclint rules`, SARIF shortDescription and flake8
    level: str  # SARIF level: error | warning | note
    why: str  # a paragraph: why it matters (docs, SARIF fullDescription)
    bad: str  # example that triggers the rule
    good: str  # the same code fixed
    details: str = ""  # more of "What it does" on the docs page (Markdown), when it needs it
    silenced_line: str = "blocking_call()"  # where a suppression comment goes (docs page)

    @property
    def help_uri(self) -> str:
        return f"{DOCS_BASE}/{self.code}.md"

    @property
    def severity(self) -> str:
        """GitHub's `problem.severity`: error | warning | recommendation."""
        return {"error": "error", "warning": "warning"}.get(self.level, "recommendation")


_LOOP = (
    "While it waits, the event loop can run nothing else: every other request, websocket and "
    "background task served by that worker stalls until the call returns."
)

RULES: tuple[Rule, ...] = (
    Rule(
        code="ASL001",
        name="unparsable-file",
        category="",
        summary="File could not be parsed, so it was not analysed",
        level="error",
        why=(
            "asynclint reads code with Python's own parser and never imports it. A file the "
            "running interpreter cannot parse (a syntax error, a bad encoding, or syntax newer "
            "than this Python) is reported instead of being skipped silently."
        ),
        bad="async def handler(:\n    ...",
        good="async def handler() -> None:\n    ...",
    ),
    Rule(
        code="ASL002",
        name="unused-suppression",
        category="",
        summary="Suppression comment silences nothing",
        level="warning",
        why=(
            "A `# noqa: ASL...` or `# asynclint: ignore[...]` comment outlives the call it "
            "silenced: after a fix or a refactoring it silences nothing, and it would hide the "
            "next blocking call written on that line. Like ruff's `RUF100`, asynclint reports "
            "the codes of a suppression that silenced no finding in the run, only for codes "
            "that were selected, in files that were analysed. A bare `# noqa` and other tools' "
            "codes (`# noqa: E501`) are flake8's business and are left alone. The safe fix "
            "removes the unused codes, or the whole comment when none is left. With "
            "`--baseline`, an entry of the baseline whose finding is gone (its file was "
            "checked and its code selected) is reported too, and `--fix` rewrites the "
            "baseline without it."
        ),
        bad="async def handler():\n    await asyncio.sleep(1)  # noqa: ASL501",
        good="async def handler():\n    await asyncio.sleep(1)",
    ),
    Rule(
        code="ASL003",
        name="cannot-run",
        category="",
        summary="Could not run: a broken configuration, or an internal error",
        level="error",
        why=(
            "Where asynclint cannot stop the run with an error of its own (as a flake8 plugin, "
            "next to other checks), a broken `[tool.asynclint]` table, an unreadable catalog "
            "entry or an internal error becomes one finding on line 1 of each file, naming the "
            "file and key. The other checks go on; this one never passes silently. The CLI "
            "exits 2 with the same message instead."
        ),
        bad='[tool.asynclint]\nselekt = ["ASL1"]',
        good='[tool.asynclint]\nselect = ["ASL1"]',
    ),
    Rule(
        code="ASL101",
        name="blocking-http-call",
        category="http",
        summary="Synchronous HTTP client call on the event loop",
        level="error",
        why=(
            "`requests`, `urllib`, `http.client`, `urllib3` and sync `httpx` open a connection "
            "and wait for the response on the calling thread. " + _LOOP
        ),
        bad=(
            "import requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
            "@app.get('/users/{user_id}')\nasync def read_user(user_id: int):\n"
            "    return requests.get(f'{API}/users/{user_id}').json()"
        ),
        good=(
            "import httpx\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
            "@app.get('/users/{user_id}')\nasync def read_user(user_id: int):\n"
            "    async with httpx.AsyncClient() as client:\n"
            "        return (await client.get(f'{API}/users/{user_id}')).json()"
        ),
    ),
    Rule(
        code="ASL102",
        name="blocking-network-call",
        category="network",
        summary="Blocking socket, DNS or network-protocol call on the event loop",
        level="error",
        why=(
            "Sockets, DNS look-ups and protocol clients such as `smtplib`, `ftplib` and "
            "`paramiko` wait for the network on the calling thread. " + _LOOP
        ),
        bad=(
            "import smtplib\nfrom email.message import EmailMessage\n\n\n"
            "async def notify(msg: EmailMessage):\n"
            "    with smtplib.SMTP('mail') as smtp:\n        smtp.send_message(msg)"
        ),
        good=(
            "from email.message import EmailMessage\n\nimport aiosmtplib\n\n\n"
            "async def notify(msg: EmailMessage):\n    await aiosmtplib.send(msg, hostname='mail')"
        ),
    ),
    Rule(
        code="ASL201",
        name="blocking-database-call",
        category="database",
        summary="Synchronous database driver or ORM call on the event loop",
        level="error",
        why=(
            "Sync drivers and ORMs (psycopg2, pymysql, sqlite3, a sync SQLAlchemy `Session`, "
            "pymongo …) send the query and wait for the server on the calling thread. Reading "
            "a relationship of an object a sync `Session` loaded (`user.items`) is a query too "
            "when the relationship is lazy (the default): it is reported when the object was "
            "loaded in the same function (or by a project function that returns it) and the "
            "query did not load the relationship eagerly; load it with the query instead "
            "(`.options(selectinload(User.items))`). " + _LOOP
        ),
        bad=(
            "from fastapi import APIRouter, Depends\n"
            "from sqlalchemy import select\n"
            "from sqlalchemy.orm import Session\n"
            "\n"
            "router = APIRouter()\n"
            "\n"
            "\n"
            "@router.get('/items')\nasync def list_items(db: Session = Depends(get_db)):\n"
            "    return db.execute(select(Item)).scalars().all()"
        ),
        good=(
            "from fastapi import APIRouter, Depends\n"
            "from sqlalchemy import select\n"
            "from sqlalchemy.ext.asyncio import AsyncSession\n"
            "\n"
            "router = APIRouter()\n"
            "\n"
            "\n"
            "@router.get('/items')\n"
            "async def list_items(db: AsyncSession = Depends(get_async_db)):\n"
            "    return (await db.execute(select(Item))).scalars().all()"
        ),
    ),
    Rule(
        code="ASL202",
        name="blocking-cache-call",
        category="cache",
        summary="Synchronous cache or key-value store call on the event loop",
        level="error",
        why=(
            "redis-py's `Redis`, pymemcache and similar clients wait for the server's reply on "
            "the calling thread; even a fast cache adds its round trip to every request. " + _LOOP
        ),
        bad="import redis\n\ncache = redis.Redis()\n\n\n"
        "async def get_cached(key: str):\n    return cache.get(key)  # cache = redis.Redis()",
        good=(
            "import redis.asyncio\n\ncache = redis.asyncio.Redis()\n\n\n"
            "async def get_cached(key: str):\n"
            "    return await cache.get(key)  # cache = redis.asyncio.Redis()"
        ),
    ),
    Rule(
        code="ASL203",
        name="blocking-message-queue-call",
        category="queue",
        summary="Synchronous message-broker or task-queue call on the event loop",
        level="error",
        why=(
            "Sync Kafka, RabbitMQ (pika) and similar clients flush, poll and publish on the "
            "calling thread. Task queues do the same: Celery's `delay()`, `apply_async()` and "
            "`send_task()` publish to the broker (and hang while it is down), "
            "`AsyncResult.get()` waits for the result, and reading `result.state`, `.status`, "
            "`.result` or `.info` asks the result backend; rq's `Queue.enqueue()`, "
            "`fetch_job()` and `job.is_finished` are Redis round trips, dramatiq's "
            "`actor.send()` enqueues on the broker, and calling a huey task enqueues it. The "
            "project's own tasks (`@app.task`, `@shared_task`, `@dramatiq.actor`, "
            "`@huey.task()`) are recognised. None of these libraries has an asyncio client: "
            "offload the call (`await asyncio.to_thread(task.delay, ...)`). " + _LOOP
        ),
        bad="from kafka import KafkaProducer\n\nproducer = KafkaProducer()\n\n\n"
        "async def publish(event: dict):\n    producer.send('events', event).get(timeout=10)",
        good=(
            "from aiokafka import AIOKafkaProducer\n\nproducer = AIOKafkaProducer()\n\n\n"
            "async def publish(event: dict):\n"
            "    await producer.send_and_wait('events', event)  # aiokafka.AIOKafkaProducer"
        ),
    ),
    Rule(
        code="ASL301",
        name="blocking-file-io",
        category="file",
        summary="Blocking file-system call on the event loop",
        level="warning",
        why=(
            "`open()`, `pathlib`, `os` and `shutil` file operations wait for the disk (or a "
            "network file system) on the calling thread. " + _LOOP
        ),
        bad="from pathlib import Path\n\n\n"
        "async def read_config():\n    return Path('config.json').read_text()",
        good=(
            "import asyncio\nfrom pathlib import Path\n\n\n"
            "async def read_config():\n"
            "    return await asyncio.to_thread(Path('config.json').read_text)"
        ),
    ),
    Rule(
        code="ASL401",
        name="blocking-subprocess",
        category="process",
        summary="Blocking subprocess call on the event loop",
        level="error",
        why=(
            "`subprocess.run`, `os.system` and friends wait for the child process to finish on "
            "the calling thread. " + _LOOP
        ),
        bad="import subprocess\n\n\n"
        "async def convert(path: str):\n    subprocess.run(['convert', path, 'out.png'])",
        good=(
            "import asyncio\n\n\n"
            "async def convert(path: str):\n"
            "    proc = await asyncio.create_subprocess_exec('convert', path, 'out.png')\n"
            "    await proc.wait()"
        ),
    ),
    Rule(
        code="ASL501",
        name="blocking-sleep",
        category="sleep",
        summary="`time.sleep` on the event loop",
        level="error",
        why="`time.sleep` suspends the whole thread, and with it the event loop. " + _LOOP,
        bad="import time\n\n\nasync def retry():\n    time.sleep(1)",
        good="import asyncio\n\n\nasync def retry():\n    await asyncio.sleep(1)",
    ),
    Rule(
        code="ASL502",
        name="blocking-wait",
        category="wait",
        summary="Blocking wait on a thread primitive, future or console input on the event loop",
        level="error",
        why=(
            "`threading` locks and events, `queue.Queue`, `concurrent.futures.Future.result()` "
            "and `input()` park the calling thread until something else happens. If that "
            "something needs the event loop, the program deadlocks. " + _LOOP
        ),
        bad="from concurrent.futures import Future\n\n\n"
        "async def handler(fut: Future):\n    return fut.result()",
        good="import asyncio\nfrom concurrent.futures import Future\n\n\n"
        "async def handler(fut: Future):\n    return await asyncio.wrap_future(fut)",
    ),
    Rule(
        code="ASL601",
        name="blocking-sdk-call",
        category="sdk",
        summary="Synchronous cloud, AI or SaaS SDK call on the event loop",
        level="error",
        why=(
            "Sync SDK clients (boto3, the sync `OpenAI` and `Anthropic` clients, stripe, "
            "google-cloud …) make HTTP requests on the calling thread. " + _LOOP
        ),
        bad=(
            "from fastapi import FastAPI\nfrom openai import OpenAI\n\napp = FastAPI()\n\n\n"
            "@app.post('/chat')\nasync def chat(q: Question):\n"
            "    return OpenAI().chat.completions.create(model='gpt-4o', messages=q.messages)"
        ),
        good=(
            "from fastapi import FastAPI\nfrom openai import AsyncOpenAI\n\napp = FastAPI()\n\n\n"
            "@app.post('/chat')\nasync def chat(q: Question):\n"
            "    return await AsyncOpenAI().chat.completions.create("
            "model='gpt-4o', messages=q.messages)"
        ),
    ),
    Rule(
        code="ASL701",
        name="cpu-heavy-call",
        category="cpu",
        summary="CPU-heavy call (password hashing, key derivation) on the event loop",
        level="warning",
        why=(
            "Password hashing and key derivation (bcrypt, passlib, argon2, `hashlib.pbkdf2_hmac`) "
            "are slow on purpose: tens to hundreds of milliseconds of CPU per call, during which "
            "the event loop serves nothing else."
        ),
        bad=(
            "from fastapi import FastAPI\n"
            "from passlib.context import CryptContext\n"
            "\n"
            "app = FastAPI()\n"
            "pwd_context = CryptContext(schemes=['bcrypt'])\n"
            "\n"
            "\n"
            "@app.post('/login')\nasync def login(form: LoginForm):\n"
            "    ok = pwd_context.verify(form.password, user.hashed_password)"
        ),
        good=(
            "import asyncio\n"
            "\n"
            "from fastapi import FastAPI\n"
            "from passlib.context import CryptContext\n"
            "\n"
            "app = FastAPI()\n"
            "pwd_context = CryptContext(schemes=['bcrypt'])\n"
            "\n"
            "\n"
            "@app.post('/login')\nasync def login(form: LoginForm):\n"
            "    ok = await asyncio.to_thread(\n"
            "        pwd_context.verify, form.password, user.hashed_password\n"
            "    )"
        ),
    ),
    Rule(
        code="ASL801",
        name="threadpool-token-held",
        category="",
        summary="Plain `def` route, dependency or background task holds a threadpool token "
        "through an unbounded wait",
        level="warning",
        why=(
            "FastAPI runs a plain `def` route, dependency and background task in AnyIO's worker "
            "threads, and so do `run_in_threadpool`, `UploadFile` reads and writes and "
            "`FileResponse`: all of them share AnyIO's default limiter of 40 tokens per "
            "process. A call that sleeps, or waits on the network or on another thread without "
            "a timeout, keeps its token for as long as the other side takes; 40 such waits and "
            "every other plain `def` route, dependency, upload and file response of the worker "
            "queues behind them. The limit can be raised in the lifespan with "
            "`anyio.to_thread.current_default_thread_limiter().total_tokens = N`; "
            "`asyncio.to_thread` does not take these tokens: it runs on the loop's default "
            "executor, `min(32, cpu + 4)` threads."
        ),
        bad=(
            "import requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
            "@app.get('/rates')\ndef rates():\n    return requests.get(RATES_URL).json()"
        ),
        good=(
            "import requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
            "@app.get('/rates')\ndef rates():\n    return requests.get(RATES_URL, timeout=5).json()"
        ),
        details=(
            "Reported at the call in the plain `def` handler, with the chain when the wait is in a "
            "helper: a sleep, or an API whose catalog entry names a bounding argument "
            "(`timeout`) called without it (`requests.get`, `urlopen`, "
            "`Future.result`, `queue.Queue.get`, `Event.wait`, `Thread.join` ...). Not reported: "
            "a call that passes the bound, one whose arguments cannot be seen (`**options`), "
            "database queries, file I/O, and clients with a default timeout (`httpx`, the cloud "
            "SDKs). [threadpool.md](../threadpool.md) gives the pool sizes with their sources "
            "and how to raise AnyIO's limit."
        ),
    ),
    Rule(
        code="ASL802",
        name="threadpool-connection-deadlock",
        category="",
        summary="Plain `def` route keeps a pooled database connection from a `yield` "
        "dependency while it waits for another threadpool token",
        level="warning",
        why=(
            "A plain `def` generator dependency that yields a sync database session closes it "
            "only after the response is sent. Once a query through the session has checked a "
            "connection out of the pool, the session keeps it until `commit()`, `rollback()` "
            "or `close()`; if FastAPI then needs another of AnyIO's 40 threadpool tokens for "
            "the same request (to run the plain `def` route after a plain `def` dependency that "
            "queried, or to validate a plain `def` route's response model), the request holds "
            "a connection while it waits for a token. Under load, when more requests wait than "
            "the pool has connections (SQLAlchemy's default is 5 plus 10 overflow), the "
            "requests holding connections wait for tokens held by requests waiting for "
            "connections, and the app stalls until the pool's timeout fails them "
            "(fastapi/fastapi#3205, #12066). Raising the limit with "
            "`anyio.to_thread.current_default_thread_limiter().total_tokens = N` in the "
            "lifespan only moves the threshold."
        ),
        bad=(
            "from fastapi import Depends, FastAPI\n"
            "from sqlalchemy import create_engine\n"
            "from sqlalchemy.orm import Session, sessionmaker\n"
            "\n"
            "app = FastAPI()\n"
            "SessionLocal = sessionmaker(bind=create_engine(DATABASE_URL))\n"
            "\n"
            "\n"
            "def get_db():\n    db = SessionLocal()\n    try:\n        yield db\n"
            "    finally:\n        db.close()\n\n\n"
            "@app.get('/items', response_model=list[ItemOut])\n"
            "def list_items(db: Session = Depends(get_db)):\n"
            "    return db.query(Item).all()"
        ),
        good=(
            "from fastapi import FastAPI\n"
            "from sqlalchemy import create_engine\n"
            "from sqlalchemy.orm import sessionmaker\n"
            "\n"
            "app = FastAPI()\n"
            "SessionLocal = sessionmaker(bind=create_engine(DATABASE_URL))\n"
            "\n"
            "\n"
            "@app.get('/items', response_model=list[ItemOut])\n"
            "def list_items():\n"
            "    with SessionLocal() as db:\n"
            "        return [ItemOut.model_validate(item) for item in db.query(Item).all()]"
        ),
        silenced_line="def list_items(db: Session = Depends(get_db)):",
        details=(
            "Reported at the route's `def` line when, for the same request, a query through the "
            "session (in a plain `def` dependency that received it, or in the route when it has "
            "a response model to validate) is not followed by `commit()`, `rollback()` or "
            "`close()`, directly or in the project function the session is last passed to. A "
            "route that may return a `Response` (sent without validation) is not reported for "
            "its response. A session whose engine the source shows never waits for a "
            "connection is not reported: `create_engine(..., poolclass=NullPool)` (or "
            "`StaticPool`, `SingletonThreadPool`) or an in-memory SQLite URL, reached through "
            "the session factory's `bind`. [threadpool.md](../threadpool.md) explains the "
            "deadlock and its sources (fastapi/fastapi#3205, #12066)."
        ),
    ),
    Rule(
        code="ASL803",
        name="sync-dependency-could-be-async",
        category="",
        summary="Plain `def` dependency does no blocking work: it costs a thread hop per request",
        level="note",
        why=(
            "FastAPI runs every plain `def` dependency in AnyIO's threadpool (40 tokens shared "
            "with sync routes, background tasks, `run_in_threadpool`, `UploadFile` and "
            "`FileResponse`), so one that only reads a header or returns a setting still waits "
            "for a free token and a thread switch on every request, and while 40 slow handlers "
            "hold the tokens (`anyio.to_thread.current_default_thread_limiter().total_tokens` "
            "raises the limit) it waits behind them. As an `async def` it runs on the event "
            "loop at the cost of a function call."
        ),
        bad=(
            "from fastapi import Depends, FastAPI, Header\n\napp = FastAPI()\n\n\n"
            "def get_token(authorization: str = Header()):\n"
            "    return authorization.removeprefix('Bearer ')"
            "\n\n\n@app.get('/me')\nasync def me(token: str = Depends(get_token)):\n"
            "    return {'token': token}"
        ),
        good=(
            "from fastapi import Depends, FastAPI, Header\n\napp = FastAPI()\n\n\n"
            "async def get_token(authorization: str = Header()):\n"
            "    return authorization.removeprefix('Bearer ')"
            "\n\n\n@app.get('/me')\nasync def me(token: str = Depends(get_token)):\n"
            "    return {'token': token}"
        ),
        silenced_line="def get_token(authorization: str = Header()):",
        details=(
            "Reported at the `def` line of a module-level, undecorated, non-generator dependency "
            "whose every call is proven cheap: builtins, methods of `str` / `dict` ... "
            "parameters, the request's headers and query parameters, `HTTPException`, pydantic "
            "models, and project helpers that are cheap in turn. A safe fix (`def` -> "
            "`async def`) is offered when every mention of the name in the project is its "
            "definition, an import, `Depends(...)` / `Security(...)` or a "
            "`dependency_overrides` key. [threadpool.md](../threadpool.md) has the details."
        ),
    ),
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}

# Cost classes, costliest first: how long one call can hold the thread it runs on. A wait on
# the network (or a sleep, or another thread) lasts as long as the other side takes; a query
# a round trip to the database; then a child process, CPU work, file I/O, and a stat of a file.
COST_CLASSES: tuple[str, ...] = ("wait", "database", "subprocess", "cpu", "file", "metadata")
COST_LABELS: dict[str, str] = {
    "wait": "unbounded network or thread wait",
    "database": "database round trip",
    "subprocess": "child process",
    "cpu": "CPU-heavy work",
    "file": "file I/O",
    "metadata": "file metadata",
}
_CATEGORY_COST = {
    "http": "wait",
    "network": "wait",
    "cache": "wait",
    "queue": "wait",
    "sdk": "wait",
    "sleep": "wait",
    "wait": "wait",
    "database": "database",
    "process": "subprocess",
    "cpu": "cpu",
    "file": "file",
}
# codes that report no single catalog category: the cost of what they report
_CODE_COST = {"ASL801": "wait", "ASL802": "database"}
# SARIF `rank` (0-100, higher is more important) of each class; no class ranks lowest
_SARIF_RANK = {"wait": 90.0, "database": 75.0, "subprocess": 60.0, "cpu": 45.0, "file": 30.0}
_SARIF_RANK["metadata"] = 15.0


def category_cost(category: str) -> str:
    """The cost class of a catalog category ("" for none: a custom or engine rule)."""
    return _CATEGORY_COST.get(category, "")


def code_cost(code: str) -> str:
    """The cost class a code's findings have by default ("" for ASL001 and project rules)."""
    rule = BY_CODE.get(code)
    if rule is None:
        return ""
    return _CODE_COST.get(code) or category_cost(rule.category)


def class_rank(cost: str) -> int:
    """Lower is costlier; no cost class comes last."""
    return COST_CLASSES.index(cost) if cost in COST_CLASSES else len(COST_CLASSES)


def cost_rank(code: str) -> int:
    """Lower is costlier; codes of no catalog category (project rules) come last."""
    return class_rank(code_cost(code))


def sarif_rank(cost: str) -> float:
    return _SARIF_RANK.get(cost, 5.0)


BY_CATEGORY: dict[str, Rule] = {rule.category: rule for rule in RULES if rule.category}
CATEGORIES: tuple[str, ...] = tuple(BY_CATEGORY)
PARSE_ERROR = "ASL001"
UNUSED_SUPPRESSION = "ASL002"
CANNOT_RUN = "ASL003"
