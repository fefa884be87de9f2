"""Every catalog entry names a real attribute of the real library.

The names are resolved in ONE subprocess (``tests/catalog_probe.py``, JSON in and out): this test
process never imports the libraries the catalog describes. For each entry whose top-level module is
installed, the probe imports the longest importable module prefix of the name and follows the rest
with ``getattr``; for a class entry, every ``blocking`` and ``safe`` method, every
``properties`` name and every key of ``returns``, ``attributes`` and ``decorators`` must exist
on the class and on each alias, and every type they name must resolve to a class.
Standard-library entries are always checked; the libraries come from the ``catalog`` extra
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

Names that exist only in some releases carry a version range in the catalog (``since`` /
``until``, see docs/catalog-format.md), and a generated name (``tests/catalog_gen.py``) exists from
at the latest the release its region was generated from; such a name may be missing only when the
installed release is outside its range. Anywhere else a missing name fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from catalog_gen import AWS_SERVICES, region_versions

from asynclint.catalog import ALWAYS, ClassEntry, FunctionEntry, Version, Versions, load_builtin

PROBE = Path(__file__).with_name("catalog_probe.py")

_AWS = "region_name='us-east-1', aws_access_key_id='dummy', aws_secret_access_key='dummy'"

# Sample instances for classes whose methods cannot be read from the class alone: expressions
# evaluated by the probe (a bare name imports that module). Each builds its object locally,
# with dummy credentials and no network access.
SAMPLES: dict[str, list[str]] = {
    # `parents.__getitem__`: the sequence of ancestors is built per path (a `WindowsPath`
    # cannot be built on POSIX; its pure base has the same `parents`)
    "pathlib.Path": ["pathlib.Path('.')"],
    "pathlib.PosixPath": ["pathlib.PosixPath('.')"],
    "pathlib.WindowsPath": ["pathlib.PureWindowsPath('.')"],
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
    "deepgram.DeepgramClient": ["deepgram.DeepgramClient(api_key='dummy')"],
    # `db.session` is built in `__init__`; no app is needed to build the extension
    "flask_sqlalchemy.SQLAlchemy": ["flask_sqlalchemy.SQLAlchemy()"],
    "celery.Celery": ["celery.Celery('probe', broker='memory://')"],
    # Django's metaclass adds `objects` to each concrete model: a model class built with
    # settings configured in memory (no database is opened)
    "django.db.models.Model": [
        "(__import__('django.conf').conf.settings.configured"
        " or __import__('django.conf').conf.settings.configure(),"
        " __import__('django').setup(),"
        " type('ProbeModel', (__import__('django.db.models').db.models.Model,),"
        " {'__module__': 'probe', 'Meta': type('Meta', (), {'app_label': 'probe'})}))[2]"
    ],
    "google.genai.Client": ["google.genai.Client(api_key='dummy')"],
    "stripe.StripeClient": ["stripe.StripeClient('sk_test_dummy')"],
    "twilio.rest.Client": ["twilio.rest.Client('ACdummy', 'dummy')"],
    "elasticsearch.Elasticsearch": ["elasticsearch.Elasticsearch('http://127.0.0.1:9200')"],
    # the namespaced sub-clients (`indices`, `cluster`, ...) are built in `__init__`
    "opensearchpy.OpenSearch": ["opensearchpy.OpenSearch('http://127.0.0.1:9200')"],
    # sub-objects built in `__init__` (secrets engines, auth methods, per-resource gateways)
    "hvac.Client": ["hvac.Client(url='https://vault.invalid:8200')"],
    "braintree.BraintreeGateway": [
        "braintree.BraintreeGateway(braintree.Configuration(braintree.Environment.Sandbox,"
        " merchant_id='m', public_key='p', private_key='k'))"
    ],
    "razorpay.Client": ["razorpay.Client(auth=('rzp_test_dummy', 'dummy'))"],
    "mailchimp_transactional.Client": ["mailchimp_transactional.Client('dummy')"],
    # an explicit API version: without it the constructor asks the daemon for one
    "docker.DockerClient": ["docker.DockerClient(base_url='tcp://127.0.0.1:9', version='1.44')"],
    "replicate.Client": ["replicate.Client(api_token='r8_dummy')"],
    # sub-objects made on first access; `mistralai.Mistral` is the name before 2.0
    "mistralai.client.Mistral": ["mistralai.client.Mistral(api_key='dummy')"],
    "mistralai.Mistral": ["mistralai.Mistral(api_key='dummy')"],
    # `extend` is built in `__init__`; the server is only contacted by `bind()` / `open()`
    "ldap3.Connection": ["ldap3.Connection(ldap3.Server('127.0.0.1'))"],
    "huggingface_hub.InferenceClient": ["huggingface_hub.InferenceClient(token='hf_dummy')"],
    # `auth` is set in `__init__`, not declared on the class
    "supabase.Client": ["supabase.create_client('https://example.supabase.co', 'dummy-key')"],
    "starlette.datastructures.UploadFile": [
        "starlette.datastructures.UploadFile(file=io.BytesIO())"
    ],
    "botocore.client.BaseClient": [f"boto3.client({s!r}, {_AWS})" for s in AWS_SERVICES],
    "boto3.resources.base.ServiceResource": [
        f"boto3.resource('s3', {_AWS})",
        f"boto3.resource('s3', {_AWS}).Bucket('bucket')",
        f"boto3.resource('s3', {_AWS}).Object('bucket', 'key')",
        f"boto3.resource('dynamodb', {_AWS})",
        f"boto3.resource('dynamodb', {_AWS}).Table('table')",
        f"boto3.resource('sqs', {_AWS})",
        f"boto3.resource('sqs', {_AWS}).Queue('https://sqs.us-east-1.amazonaws.com/1/queue')",
    ],
    # set per object or per subclass, never on the class itself: Pony's `db.Entity` (built in
    # `Database.__init__`, no connection until `bind`) and MongoEngine's `objects` (a manager
    # its metaclass gives each concrete document)
    "pony.orm.core.Database": ["pony.orm.core.Database()"],
    **{
        name: [f"type('Sample', ({base},), {{'__module__': 'probe'}})()"]
        for name, base in (
            ("mongoengine.Document", "mongoengine.Document"),
            ("mongoengine.DynamicDocument", "mongoengine.DynamicDocument"),
            ("mongoengine.document.DynamicDocument", "mongoengine.DynamicDocument"),
        )
    },
    # the client's sub-objects (`collections`, a collection's `query`, `data`, ...) are built in
    # its constructor, which connects to nothing
    "weaviate.WeaviateClient": [
        "weaviate.WeaviateClient(connection_params=weaviate.connect.ConnectionParams.from_params("
        "http_host='weaviate.invalid', http_port=8080, http_secure=False,"
        " grpc_host='weaviate.invalid', grpc_port=50051, grpc_secure=False),"
        " skip_init_checks=True)"
    ],
    "weaviate.collections.Collection": [
        "weaviate.WeaviateClient(connection_params=weaviate.connect.ConnectionParams.from_params("
        "http_host='weaviate.invalid', http_port=8080, http_secure=False,"
        " grpc_host='weaviate.invalid', grpc_port=50051, grpc_secure=False),"
        " skip_init_checks=True).collections.get('Article')"
    ],
}

# The module-level `openai.chat.completions.create` builds the default client on first use; it
# reads the key from the environment (a dummy one: nothing is sent).
PROBE_ENV = {"OPENAI_API_KEY": "sk-dummy"}

Found = dict[str, Any]  # {"python": (3, 13, 0), "sqlalchemy": (2, 0, 36), ...}


def _held_class(type_name: str) -> str:
    held = type_name.startswith("type[") and type_name.endswith("]")
    return type_name[5:-1] if held else type_name


def version_ranges(entries: Iterable[FunctionEntry | ClassEntry]) -> dict[str, Versions]:
    """Names that exist only in some releases: the catalog's `since` / `until`, and every
    generated name, which exists from (at the latest) the release it was generated from."""
    out: dict[str, Versions] = {}
    for entry in entries:
        if isinstance(entry, FunctionEntry):
            if entry.versions != ALWAYS:
                out[entry.name] = entry.versions
            continue
        for key, ranges in entry.versions.items():
            name = key if key in entry.aliases else f"{entry.name}.{key}" if key else entry.name
            out[name] = ranges
    for name, (module, release) in region_versions().items():
        out.setdefault(name, Versions(since=Version(module, release)))
    return out


def absent_in(ranges: Versions, found: Found) -> bool:
    """Whether the installed releases (``found``) are outside ``ranges``."""
    since, until = ranges.since, ranges.until
    if since is not None and since.module in found and found[since.module] < since.release:
        return True
    return until is not None and until.module in found and found[until.module] >= until.release


CATALOG = load_builtin()
ENTRIES = CATALOG.entries()
VERSION_RANGES = version_ranges(ENTRIES)


def probe_request(entries: Iterable[FunctionEntry | ClassEntry]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, FunctionEntry):
            returns = [r for r in dict.fromkeys((entry.returns, *entry.modes.values())) if r]
            out.append({"name": entry.name, "kind": "function", "returns": returns})
        else:
            methods = set(entry.blocking) | set(entry.safe) | set(entry.returns)
            methods |= set(entry.properties) | set(entry.decorators) | set(entry.attributes)
            methods |= set(entry.callbacks)
            methods |= entry.cpu.methods if entry.cpu is not None else set()
            out.append(
                {
                    "name": entry.name,
                    "kind": "class",
                    # `mypy_boto3_*.*Client`: a pattern for type-stub classes, not one name
                    "aliases": [alias for alias in entry.aliases if "*" not in alias],
                    "methods": sorted(methods),
                    # `type[X]` (an attribute holding the class itself) names the class X
                    "returns": sorted(
                        {*entry.returns.values(), *map(_held_class, entry.attributes.values())}
                    ),
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


def versions(result: dict[str, Any]) -> Found:
    out: Found = {"python": tuple(result["python"])}
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


def problems(
    checks: Iterable[dict[str, Any]], found: Found, ranges: dict[str, Versions] | None = None
) -> list[str]:
    """Failed checks that no version range (of a release other than the installed one) explains."""
    ranges = VERSION_RANGES if ranges is None else ranges
    out = []
    for check in checks:
        if check["ok"]:
            continue
        allowed = ranges.get(allowed_key(check))
        if allowed is not None and absent_in(allowed, found):
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
    # both import PyTorch, whose default wheels on PyPI pull gigabytes of CUDA libraries; their
    # names were checked in the libraries' source (openai-whisper 20250625,
    # sentence-transformers 6.2)
    "whisper": "openai-whisper imports PyTorch (gigabytes of CUDA wheels from PyPI)",
    "sentence_transformers": "sentence-transformers imports PyTorch (gigabytes of CUDA wheels)",
    "llama_cpp": "llama-cpp-python publishes only sources: installing it builds llama.cpp in C++",
    # chromadb needs kubernetes, which needs python-dateutil >= 3, while botocore (boto3)
    # needs < 3: the two cannot share the extra. Names checked against chromadb 1.5.9 and
    # langchain-chroma's source (see rules/sdk.toml)
    "chromadb": "chromadb's requirements (python-dateutil >= 3) conflict with boto3's (< 3)",
    "langchain_chroma": "langchain-chroma requires chromadb (see chromadb)",
    # these import PyTorch; names read from TTS 0.22.0 and coqui-tts 0.28.0, silero-vad 6.2.3
    # and torch/hub.py (see rules/named.toml)
    "TTS": "Coqui TTS imports PyTorch (gigabytes of CUDA wheels from PyPI)",
    "silero_vad": "silero-vad imports PyTorch (gigabytes of CUDA wheels from PyPI)",
    "torch": "PyTorch's default wheels on PyPI pull gigabytes of CUDA libraries",
    # the wheel installs, but importing it loads unixODBC's libodbc.so.2, a system library it
    # does not bundle; tests/test_catalog_stubs.py checks its names against the wheel's stub
    "pyodbc": "pyodbc needs the system's unixODBC library (libodbc.so.2) to import",
}
if sys.version_info < (3, 10):  # pragma: no cover - the 3.9 CI run
    # both are checked on 3.10 and later (CI's 3.13 run); the `catalog` extra skips them on 3.9
    NOT_INSTALLABLE.update(
        {
            "deepgram": "deepgram-sdk 7 (the release the entries were read from) needs Python 3.10",
            "llama_index": "llama-index-core's dependency banks does not import on Python 3.9",
        }
    )


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


def test_version_ranges_name_what_the_catalog_lists() -> None:
    """A range names something probed: an entry, an alias or a listed method."""
    known: set[str] = set()
    for entry in ENTRIES:
        known.add(entry.name)
        if isinstance(entry, ClassEntry):
            known.update(entry.aliases)
            listed = (*entry.blocking, *entry.safe, *entry.returns, *entry.properties)
            for method in (*listed, *entry.decorators):
                known.add(f"{entry.name}.{method}")
    assert sorted(set(VERSION_RANGES) - known) == []
    assert "sqlalchemy.engine.Engine.execute" in VERSION_RANGES  # from `until`
    assert "redis.Redis.hincrbyfloat" in VERSION_RANGES  # generated


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


def test_version_ranges_allow_a_missing_name_only_outside_their_releases() -> None:
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
    assert problems([engine], {"python": (3, 12, 0)}) != []  # not installed: nothing proven
