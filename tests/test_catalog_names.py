"""Every catalog entry names a real attribute of the real library.

The names are resolved in ONE subprocess (``tests/catalog_probe.py``, JSON in and out): this test
process never imports the libraries the catalog describes. For each entry whose top-level module
is installed, the probe imports the longest importable module prefix of the name and follows the
rest with ``getattr``; for a class entry, every ``blocking`` and ``safe`` method and every key of
``returns`` must exist on the class and on each alias, and every ``returns`` type must resolve to a
class. Standard-library entries are always checked; the libraries come from the ``catalog`` extra
(``pip install -e ".[test]"`` installs it), and entries of a library that is not installed are
skipped with the library's name.

Dotted method paths (``chat.completions.create`` on ``openai.OpenAI``) are resolved through the
class when it declares the type of the first segment (a property's return annotation or a class
annotation); otherwise on a sample instance from ``SAMPLES``, built with dummy credentials. Building
a sample does no I/O: the probe makes every connection attempt an error while it runs. No path is
checked at its first segment only. ``botocore.client.BaseClient`` and
``boto3.resources.base.ServiceResource`` get their methods per service, so a method counts as real
when one of their samples (clients and resources of the services the catalog's methods belong to)
has it. Objects that answer any attribute name (a permissive ``__getattr__``) prove nothing and
fail.

Aliases with a ``*`` (``mypy_boto3_*.*Client``) are patterns for the classes of type-stub packages,
which exist only for type checkers; they match many names and are not resolved.

Names that exist only in some versions are in ``VERSION_SPECIFIC``, each with its reason and the
condition under which it may be missing; anywhere else a missing name fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Callable

import pytest

from asynclint.catalog import ClassEntry, FunctionEntry, load_builtin

PROBE = Path(__file__).with_name("catalog_probe.py")

_AWS = "region_name='us-east-1', aws_access_key_id='dummy', aws_secret_access_key='dummy'"
# the services whose methods `botocore.client.BaseClient` lists in rules/sdk.toml
_AWS_SERVICES = [
    "s3",
    "sqs",
    "sns",
    "dynamodb",
    "ssm",
    "secretsmanager",
    "sts",
    "kms",
    "lambda",
    "bedrock-runtime",
    "textract",
    "rekognition",
    "comprehend",
    "translate",
    "cognito-idp",
    "stepfunctions",
    "cloudwatch",
    "events",
    "kinesis",
    "ses",
]

# Sample instances for classes whose methods cannot be read from the class alone: expressions
# evaluated by the probe (a bare name imports that module). Each builds its object locally,
# with dummy credentials and no network access.
SAMPLES: dict[str, list[str]] = {
    # factory functions before Python 3.13 (`RLock` still is), and `Condition`, which copies
    # `acquire`/`release` from its lock onto the instance
    "threading.Lock": ["threading.Lock()"],
    "threading.RLock": ["threading.RLock()"],
    "threading.Condition": ["threading.Condition()"],
    "openai.OpenAI": ["openai.OpenAI(api_key='sk-dummy')"],
    "openai.AzureOpenAI": [
        "openai.AzureOpenAI(api_key='dummy', api_version='2024-06-01',"
        " azure_endpoint='https://example.invalid')"
    ],
    "anthropic.Anthropic": ["anthropic.Anthropic(api_key='dummy')"],
    "anthropic.AnthropicBedrock": [
        "anthropic.AnthropicBedrock(aws_region='us-east-1', aws_access_key='dummy',"
        " aws_secret_key='dummy')"
    ],
    "anthropic.AnthropicVertex": [
        "anthropic.AnthropicVertex(region='us-east5', project_id='dummy', access_token='dummy')"
    ],
    "groq.Groq": ["groq.Groq(api_key='dummy')"],
    "google.genai.Client": ["google.genai.Client(api_key='dummy')"],
    "stripe.StripeClient": ["stripe.StripeClient('sk_test_dummy')"],
    "twilio.rest.Client": ["twilio.rest.Client('ACdummy', 'dummy')"],
    "elasticsearch.Elasticsearch": ["elasticsearch.Elasticsearch('http://127.0.0.1:9200')"],
    "starlette.datastructures.UploadFile": [
        "starlette.datastructures.UploadFile(file=io.BytesIO())"
    ],
    "botocore.client.BaseClient": [f"boto3.client({s!r}, {_AWS})" for s in _AWS_SERVICES],
    "boto3.resources.base.ServiceResource": [
        f"boto3.resource('s3', {_AWS})",
        f"boto3.resource('s3', {_AWS}).Bucket('bucket')",
        f"boto3.resource('s3', {_AWS}).Object('bucket', 'key')",
        f"boto3.resource('dynamodb', {_AWS})",
        f"boto3.resource('dynamodb', {_AWS}).Table('table')",
        f"boto3.resource('sqs', {_AWS})",
        f"boto3.resource('sqs', {_AWS}).Queue('https://sqs.us-east-1.amazonaws.com/1/queue')",
    ],
}

# The module-level `openai.chat.completions.create` builds the default client on first use; it
# reads the key from the environment (a dummy one: nothing is sent).
PROBE_ENV = {"OPENAI_API_KEY": "sk-dummy"}

Versions = dict[str, Any]  # {"python": (3, 13, 0), "sqlalchemy": (2, 0, 36), ...}


def _below(module: str, version: tuple[int, ...]) -> Callable[[Versions], bool]:
    return lambda v: module in v and v[module] < version


def _at_least(module: str, version: tuple[int, ...]) -> Callable[[Versions], bool]:
    return lambda v: module in v and v[module] >= version


_SQLITE_311 = ("sqlite3.Connection method added in Python 3.11", _below("python", (3, 11)))
_SA_1X = (
    "SQLAlchemy 1.x `Engine` method, removed in 2.0 (kept for 1.x code)",
    _at_least("sqlalchemy", (2, 0)),
)
_SA_21 = ("`Session` method added in SQLAlchemy 2.1", _below("sqlalchemy", (2, 1)))
_OPENAI_0X = (
    "openai < 1.0 module-level API (kept for old code); openai >= 1.0 keeps the name as a proxy "
    "that raises APIRemovedInV1 on any use, so it answers every attribute",
    _at_least("openai", (1, 0)),
)
_ANTHROPIC_0X = (
    "legacy Text Completions API, removed from the client in anthropic 1.0 (kept for old code)",
    _at_least("anthropic", (1, 0)),
)
_REDIS_81 = ("`Sentinel` method added in redis-py 8.1", _below("redis", (8, 1)))

# name -> (reason, when it may be missing). Methods are keyed by the entry's own name and hold for
# its aliases too.
VERSION_SPECIFIC: dict[str, tuple[str, Callable[[Versions], bool]]] = {
    "pathlib.Path.walk": ("added in Python 3.12", _below("python", (3, 12))),
    "pathlib.Path.is_junction": ("added in Python 3.12", _below("python", (3, 12))),
    "pathlib.Path.hardlink_to": ("added in Python 3.10", _below("python", (3, 10))),
    "sqlite3.Connection.blobopen": _SQLITE_311,
    "sqlite3.Connection.serialize": _SQLITE_311,
    "sqlite3.Connection.deserialize": _SQLITE_311,
    "sqlite3.Connection.getlimit": _SQLITE_311,
    "sqlite3.Connection.setlimit": _SQLITE_311,
    "sqlite3.Connection.create_window_function": _SQLITE_311,
    "sqlalchemy.engine.Engine.execute": _SA_1X,
    "sqlalchemy.engine.Engine.scalar": _SA_1X,
    "sqlalchemy.engine.Engine.has_table": _SA_1X,
    "sqlalchemy.engine.Engine.table_names": _SA_1X,
    "sqlalchemy.orm.Session.merge_all": _SA_21,
    "sqlalchemy.orm.Session.delete_all": _SA_21,
    "sqlalchemy.orm.scoped_session.merge_all": _SA_21,
    "sqlalchemy.orm.scoped_session.delete_all": _SA_21,
    "redis.sentinel.Sentinel.discover_replicas": _REDIS_81,
    "redis.sentinel.Sentinel.replica_for": _REDIS_81,
    "openai.ChatCompletion.create": _OPENAI_0X,
    "openai.Completion.create": _OPENAI_0X,
    "openai.Embedding.create": _OPENAI_0X,
    "openai.Image.create": _OPENAI_0X,
    "openai.Moderation.create": _OPENAI_0X,
    "openai.Audio.transcribe": _OPENAI_0X,
    "anthropic.Anthropic.completions.create": _ANTHROPIC_0X,
    "anthropic.AnthropicBedrock.completions.create": _ANTHROPIC_0X,
}

CATALOG = load_builtin()
ENTRIES = CATALOG.entries()


def probe_request(entries: Iterable[FunctionEntry | ClassEntry]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, FunctionEntry):
            returns = [entry.returns] if entry.returns else []
            out.append({"name": entry.name, "kind": "function", "returns": returns})
        else:
            methods = set(entry.blocking) | set(entry.safe) | set(entry.returns)
            out.append(
                {
                    "name": entry.name,
                    "kind": "class",
                    # `mypy_boto3_*.*Client`: a pattern for type-stub classes, not one name
                    "aliases": [alias for alias in entry.aliases if "*" not in alias],
                    "methods": sorted(methods),
                    "returns": sorted(set(entry.returns.values())),
                }
            )
    return out


def run_probe(
    entries: list[dict[str, Any]], samples: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    request = json.dumps({"entries": entries, "samples": SAMPLES if samples is None else samples})
    done = subprocess.run(
        [sys.executable, str(PROBE)],
        input=request,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **PROBE_ENV},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def versions(result: dict[str, Any]) -> Versions:
    out: Versions = {"python": tuple(result["python"])}
    for module, info in result["modules"].items():
        numbers = []
        for piece in (info.get("version") or "").split("."):
            digits = "".join(ch for ch in piece if ch.isdigit())
            if not digits or digits != piece:
                if digits and piece.startswith(digits):
                    numbers.append(int(digits))
                break
            numbers.append(int(digits))
        if numbers:
            out[module] = tuple(numbers)
    return out


def allowed_key(check: dict[str, Any]) -> str:
    if check["what"] == "method":
        return f"{check['entry']}.{check['method']}"
    return str(check["subject"])


def problems(checks: Iterable[dict[str, Any]], found: Versions) -> list[str]:
    """Failed checks that no `VERSION_SPECIFIC` condition explains."""
    out = []
    for check in checks:
        if check["ok"]:
            continue
        allowed = VERSION_SPECIFIC.get(allowed_key(check))
        if allowed is not None and allowed[1](found):
            continue
        out.append(f"{check['what']} {check['subject']}: {check['error']}")
    return out


@pytest.fixture(scope="module")
def probed() -> dict[str, Any]:
    return run_probe(probe_request(ENTRIES))


# Libraries that cannot be installed in the test environment, each with the reason. Their
# entries are the only ones not proven here; any other absent library fails the suite.
NOT_INSTALLABLE = {
    "MySQLdb": "mysqlclient publishes no wheels and needs the MySQL client headers to build",
}


def test_only_the_known_uninstallable_libraries_are_unchecked(probed: dict[str, Any]) -> None:
    absent = {top for top, info in probed["modules"].items() if not info["present"]}
    assert absent <= set(NOT_INSTALLABLE), (
        f"install these for the test: {absent - set(NOT_INSTALLABLE)}"
    )


@pytest.mark.parametrize(
    "entry",
    [e for e in ENTRIES if e.name.split(".")[0] not in NOT_INSTALLABLE],
    ids=lambda entry: entry.name,
)
def test_catalog_entry_names_real_attributes(
    entry: FunctionEntry | ClassEntry, probed: dict[str, Any]
) -> None:
    top = entry.name.split(".")[0]
    assert probed["modules"][top]["present"], f"{top} is not installed"
    checks = [check for check in probed["checks"] if check["entry"] == entry.name]
    assert checks, f"the probe checked nothing for {entry.name}"
    assert problems(checks, versions(probed)) == []


def test_standard_library_entries_are_always_checked(probed: dict[str, Any]) -> None:
    stdlib = {top for top, info in probed["modules"].items() if info["stdlib"]}
    assert {"time", "socket", "sqlite3", "subprocess", "threading", "os"} <= stdlib
    for entry in ENTRIES:
        if entry.name.split(".")[0] in stdlib:
            assert any(check["entry"] == entry.name for check in probed["checks"]), entry.name


def test_version_specific_names_are_in_the_catalog() -> None:
    """The allow-list names only what the catalog describes, so it cannot go stale."""
    known: set[str] = set()
    for entry in ENTRIES:
        known.add(entry.name)
        if isinstance(entry, ClassEntry):
            for method in (*entry.blocking, *entry.safe, *entry.returns):
                known.add(f"{entry.name}.{method}")
    assert sorted(set(VERSION_SPECIFIC) - known) == []


def test_every_sample_belongs_to_a_catalog_class() -> None:
    classes = {name for name in CATALOG.classes}
    assert sorted(set(SAMPLES) - classes) == []


# --- the probe itself ----------------------------------------------------------------------


def _by_subject(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["subject"]: check for check in result["checks"]}


def test_probe_fails_names_that_do_not_exist() -> None:
    fake = [
        {"name": "time.sleep", "kind": "function", "returns": []},
        {"name": "os.path.no_such_function", "kind": "function", "returns": []},
        {"name": "no_such_module_for_asynclint.get", "kind": "function", "returns": []},
        {"name": "os.getcwd", "kind": "class", "methods": ["strip"]},
        {
            "name": "threading.Event",
            "kind": "class",
            "aliases": ["threading.NoSuchEvent"],
            "methods": ["wait", "no_such_method"],
            "returns": ["io.TextIOWrapper", "io.NoSuchType"],
        },
        {
            "name": "types.SimpleNamespace",
            "kind": "class",
            "methods": ["inner.call", "inner.no_such_call", "anything.at_all"],
        },
        {"name": "unittest.mock.MagicMock", "kind": "class", "methods": ["anything.create"]},
        {"name": "socket.socket", "kind": "class", "methods": ["remote.recv"]},
    ]
    samples = {
        "types.SimpleNamespace": ["types.SimpleNamespace(inner=types.SimpleNamespace(call=print))"],
        "unittest.mock.MagicMock": ["unittest.mock.MagicMock()"],
        # a sample that tries to connect is refused: samples must do no I/O
        "socket.socket": ["socket.create_connection(('127.0.0.1', 9))"],
    }
    result = run_probe(fake, samples)
    checks = _by_subject(result)
    assert result["modules"]["no_such_module_for_asynclint"]["present"] is False
    assert not any(c["entry"] == "no_such_module_for_asynclint.get" for c in result["checks"])

    assert checks["time.sleep"]["ok"]
    assert checks["threading.Event"]["ok"]
    assert checks["threading.Event.wait"]["ok"]
    assert checks["io.TextIOWrapper"]["ok"]
    assert checks["types.SimpleNamespace.inner.call"]["how"] == "sample"

    failed = {subject for subject, check in checks.items() if not check["ok"]}
    assert failed == {
        "os.path.no_such_function",
        "os.getcwd",
        "os.getcwd.strip",
        "threading.NoSuchEvent",
        "threading.Event.no_such_method",
        "io.NoSuchType",
        "types.SimpleNamespace.inner.no_such_call",
        "types.SimpleNamespace.anything.at_all",
        "unittest.mock.MagicMock.anything.create",
        "socket.socket.remote.recv",
    }
    assert "has no attribute `no_such_function`" in checks["os.path.no_such_function"]["error"]
    assert "answers any attribute" in checks["unittest.mock.MagicMock.anything.create"]["error"]
    assert "NetworkRefused" in checks["socket.socket.remote.recv"]["error"]
    assert problems(result["checks"], versions(result)) != []


def test_version_specific_names_are_allowed_only_under_their_condition() -> None:
    missing = {
        "entry": "pathlib.Path",
        "subject": "pathlib.PosixPath.walk",
        "what": "method",
        "method": "walk",
        "ok": False,
        "how": None,
        "error": "`pathlib.PosixPath` has no attribute `walk`",
    }
    assert problems([missing], {"python": (3, 11, 9)}) == []
    assert problems([missing], {"python": (3, 12, 0)}) != []
    engine = {**missing, "entry": "sqlalchemy.engine.Engine", "method": "execute"}
    engine["subject"] = "sqlalchemy.engine.Engine.execute"
    assert problems([engine], {"python": (3, 12, 0), "sqlalchemy": (2, 0, 36)}) == []
    assert problems([engine], {"python": (3, 12, 0), "sqlalchemy": (1, 4, 54)}) != []
