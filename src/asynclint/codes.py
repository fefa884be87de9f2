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
            "@app.get('/users/{user_id}')\nasync def read_user(user_id: int):\n"
            "    return requests.get(f'{API}/users/{user_id}').json()"
        ),
        good=(
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
            "async def notify(msg: EmailMessage):\n"
            "    with smtplib.SMTP('mail') as smtp:\n        smtp.send_message(msg)"
        ),
        good=(
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
            "@router.get('/items')\nasync def list_items(db: Session = Depends(get_db)):\n"
            "    return db.execute(select(Item)).scalars().all()"
        ),
        good=(
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
        bad="async def get_cached(key: str):\n    return cache.get(key)  # cache = redis.Redis()",
        good=(
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
        bad="async def publish(event: dict):\n    producer.send('events', event).get(timeout=10)",
        good=(
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
        bad="async def read_config():\n    return Path('config.json').read_text()",
        good=(
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
        bad="async def convert(path: str):\n    subprocess.run(['convert', path, 'out.png'])",
        good=(
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
        bad="async def retry():\n    time.sleep(1)",
        good="async def retry():\n    await asyncio.sleep(1)",
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
        bad="async def handler(fut: Future):\n    return fut.result()",
        good="async def handler(fut: Future):\n    return await asyncio.wrap_future(fut)",
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
            "@app.post('/chat')\nasync def chat(q: Question):\n"
            "    return OpenAI().chat.completions.create(model='gpt-4o', messages=q.messages)"
        ),
        good=(
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
        bad="@app.post('/login')\nasync def login(form: LoginForm):\n"
        "    ok = pwd_context.verify(form.password, user.hashed_password)",
        good="@app.post('/login')\nasync def login(form: LoginForm):\n"
        "    ok = await asyncio.to_thread(pwd_context.verify, form.password, user.hashed_password)",
    ),
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}

# When one call reaches APIs of several codes, the one it is reported under is the costliest:
# an unbounded wait on the network first, then sleeps and waits, subprocesses, CPU, files.
_COST_RANK = {
    "http": 0,
    "network": 0,
    "database": 0,
    "cache": 0,
    "queue": 0,
    "sdk": 0,
    "sleep": 1,
    "wait": 1,
    "process": 2,
    "cpu": 3,
    "file": 4,
}


def cost_rank(code: str) -> int:
    """Lower is costlier; codes of no catalog category (project rules) come last."""
    rule = BY_CODE.get(code)
    return _COST_RANK.get(rule.category, 5) if rule is not None else 5


BY_CATEGORY: dict[str, Rule] = {rule.category: rule for rule in RULES if rule.category}
CATEGORIES: tuple[str, ...] = tuple(BY_CATEGORY)
PARSE_ERROR = "ASL001"
UNUSED_SUPPRESSION = "ASL002"
CANNOT_RUN = "ASL003"
