"""Generate the method lists of the big clients in ``rules/*.toml`` from the installed libraries.

    python tests/catalog_gen.py            # rewrite the generated regions (``make catalog``)
    python tests/catalog_gen.py --check    # exit 1 when a region is stale or a method unclassified

The command lists of redis-py, the resource trees of the OpenAI / Anthropic / Groq clients,
Stripe's resource methods, the Elasticsearch API and the operations of the AWS services the
catalog covers are read from the libraries themselves (command mixins, resource classes, service
models), so a new release cannot add an I/O method the catalog silently misses. Each generated
list lives in a *region* of a rules file, between two comments::

    blocking = [
        "get", "set",                      # written by hand: kept, and never repeated below
        # generated (redis-commands): tests/catalog_gen.py, do not edit
        "acl_cat", "acl_deluser", ...
        # end generated (redis-commands)
    ]

A region holds every candidate the library yields that the entry does not already list by hand
(in ``blocking``, ``safe`` or ``returns``); so moving a generated name to ``safe`` by hand is how
an exception is made. ``--check`` also fails when a public method of a covered class is neither
blocking nor safe (``pymongo`` classes are checked that way without being generated).

``tests/test_catalog_generated.py`` runs ``--check`` in a subprocess in CI. This module imports
only the standard library at module level, so the test process can read ``AWS_SERVICES``.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RULES = Path(__file__).resolve().parents[1] / "rules"

# the services whose operations `botocore.client.BaseClient` lists (and the names test samples)
AWS_SERVICES = [
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
_AWS = {"region_name": "us-east-1", "aws_access_key_id": "d", "aws_secret_access_key": "d"}
WRAPPERS = ("with_raw_response", "with_streaming_response")


@dataclass(frozen=True)
class Region:
    key: str  # the marker name in the rules file
    module: str  # the library whose release the marker records
    candidates: Callable[[], set[str]]
    returns: str = ""  # a `[class.returns]` region: `name = "<returns>"` lines
    prefix: str = ""  # a `names` region of function entries: the names get this prefix


@dataclass(frozen=True)
class Covered:
    """A class whose public methods must all be classified (blocking, safe or returns)."""

    entry: str
    public: Callable[[], set[str]]


# --- what the libraries say ------------------------------------------------------------------


def _public_callables(cls: type) -> dict[str, type]:
    """Public callable attributes of ``cls`` -> the class of the MRO that defines each."""
    out: dict[str, type] = {}
    for name in dir(cls):
        if name.startswith("_"):
            continue
        raw = inspect.getattr_static(cls, name)
        if isinstance(raw, type) or not (callable(raw) or isinstance(raw, classmethod)):
            continue
        out[name] = next(k for k in cls.__mro__ if name in vars(k))
    return out


def redis_commands(class_name: str) -> set[str]:
    """The command methods of a redis-py client class: those of its `redis.commands` mixins
    (the module factories of `redis.commands.redismodules`, `r.json()`, ..., are local)."""
    import redis
    import redis.client
    import redis.cluster

    cls = {
        "redis.Redis": redis.Redis,
        "redis.RedisCluster": redis.RedisCluster,
        "redis.client.Pipeline": redis.client.Pipeline,
    }[class_name]
    return {
        name
        for name, owner in _public_callables(cls).items()
        if owner.__module__.startswith("redis.commands.")
        and owner.__module__ != "redis.commands.redismodules"
    }


def mixin_commands(class_name: str, mixin_module: str) -> Callable[[], set[str]]:
    """The methods a redis module command class (`r.json()`, `r.ft()`, `r.ts()`) gets from its
    commands mixin."""

    def read() -> set[str]:
        import importlib

        module, _, name = class_name.rpartition(".")
        cls = getattr(importlib.import_module(module), name)
        return {
            n for n, owner in _public_callables(cls).items() if owner.__module__ == mixin_module
        }

    return read


def public_methods(class_name: str) -> Callable[[], set[str]]:
    def read() -> set[str]:
        import importlib

        module, _, name = class_name.rpartition(".")
        return set(_public_callables(getattr(importlib.import_module(module), name)))

    return read


def _sample(expression: str) -> Any:
    import importlib

    module, _, call = expression.partition(":")
    owner: Any = importlib.import_module(module)
    for part in call.split("."):
        owner = getattr(owner, part)
    return owner


def _walk_resources(obj: Any, base: type, prefix: str, out: set[str]) -> None:
    """Method paths below ``obj``, through sub-resources and the `with_raw_response` /
    `with_streaming_response` views (which hold the same methods, as instance attributes)."""
    for name in dir(obj):
        if name.startswith("_"):
            continue
        raw = inspect.getattr_static(obj, name)
        if isinstance(raw, (functools.cached_property, property, base)):
            value = getattr(obj, name)
            if isinstance(value, base) or name in WRAPPERS:
                _walk_resources(value, base, f"{prefix}{name}.", out)
        elif callable(raw) and not isinstance(raw, type) and prefix:
            out.add(prefix + name)


def resource_tree(client: str, build: dict[str, Any], resource: str) -> Callable[[], set[str]]:
    """Every API method path of a Stainless-generated client (`chat.completions.create`);
    the client's own methods (`with_options`, `post`) are classified by hand."""

    def read() -> set[str]:
        base = _sample(resource)
        out: set[str] = set()
        _walk_resources(_sample(client)(**build), base, "", out)
        return out

    return read


def elasticsearch_api() -> set[str]:
    import elasticsearch
    from elasticsearch._sync.client._base import NamespacedClient

    es = elasticsearch.Elasticsearch("http://127.0.0.1:9200")
    out = {
        name
        for name, owner in _public_callables(type(es)).items()
        if owner is type(es) and hasattr(getattr(type(es), name), "__wrapped__")
    }
    for name in dir(es):
        namespace = getattr(es, name, None) if not name.startswith("_") else None
        if isinstance(namespace, NamespacedClient):
            out |= {
                f"{name}.{method}"
                for method, owner in _public_callables(type(namespace)).items()
                if owner is type(namespace)
            }
    return out


def stripe_resources() -> set[str]:
    """`Customer.create`, `checkout.Session.expire`, ...: resource methods with an `_async` twin."""
    import importlib

    import stripe

    out: set[str] = set()

    def visit(module: Any, path: str) -> None:
        for name, (target, is_module) in sorted(getattr(module, "_import_map", {}).items()):
            if name.startswith("_") or name in ("error", "params", "events"):
                continue
            if is_module:
                visit(importlib.import_module(target), f"{path}{name}.")
                continue
            cls = getattr(module, name)
            if not isinstance(cls, type) or not issubclass(cls, stripe.APIResource):
                continue
            for method in dir(cls):
                twin = method + "_async"
                if not method.startswith("_") and hasattr(cls, twin):
                    out.add(f"{path}{name}.{method}")

    visit(stripe, "")
    return out


def stripe_client_api() -> set[str]:
    """`v1.customers.create`, ...: the methods of the StripeClient service tree with an `_async`
    twin (the deprecated unversioned paths, `client.customers`, are written by hand)."""
    import stripe
    from stripe._stripe_service import StripeService

    out: set[str] = set()

    def visit(service: Any, prefix: str) -> None:
        # sub-services are loaded on first access from the module's `_subservices` table
        lazy = getattr(sys.modules[type(service).__module__], "_subservices", {})
        for name in sorted(set(dir(service)) | set(lazy)):
            if name.startswith("_"):
                continue
            value = getattr(service, name)
            if isinstance(value, StripeService):
                visit(value, f"{prefix}{name}.")
            elif callable(value) and hasattr(service, name + "_async"):
                out.add(prefix + name)

    client = stripe.StripeClient("sk_test_dummy")
    for version in ("v1", "v2"):
        visit(getattr(client, version), f"{version}.")
    return out


def aws_operations() -> set[str]:
    """The operations of the services' clients (built locally with dummy keys); an operation of
    the service model that the client does not expose (bidirectional streams) is left out."""
    import boto3
    from botocore import xform_name

    out: set[str] = set()
    for service in AWS_SERVICES:
        client = boto3.client(service, **_AWS)  # type: ignore[call-overload]
        for operation in client.meta.service_model.operation_names:
            name = xform_name(operation)
            if hasattr(client, name):
                out.add(name)
    return out


_OPENAI = {"api_key": "sk-dummy"}
_AZURE = {
    "api_key": "dummy",
    "api_version": "2024-06-01",
    "azure_endpoint": "https://example.invalid",
}
_BEDROCK = {"aws_region": "us-east-1", "aws_access_key": "d", "aws_secret_key": "d"}
_VERTEX = {"region": "us-east5", "project_id": "dummy", "access_token": "dummy"}

REGIONS = [
    Region("redis-commands", "redis", lambda: redis_commands("redis.Redis")),
    Region("redis-cluster-commands", "redis", lambda: redis_commands("redis.RedisCluster")),
    Region("redis-pipeline-buffered", "redis", lambda: redis_commands("redis.client.Pipeline")),
    Region(
        "redis-pipeline-returns",
        "redis",
        lambda: redis_commands("redis.client.Pipeline"),
        returns="redis.client.Pipeline",
    ),
    Region(
        "redis-json-commands",
        "redis",
        mixin_commands("redis.commands.json.JSON", "redis.commands.json.commands"),
    ),
    Region(
        "redis-search-commands",
        "redis",
        mixin_commands("redis.commands.search.Search", "redis.commands.search.commands"),
    ),
    Region(
        "redis-timeseries-commands",
        "redis",
        mixin_commands(
            "redis.commands.timeseries.TimeSeries", "redis.commands.timeseries.commands"
        ),
    ),
    Region(
        "openai-api",
        "openai",
        resource_tree("openai:OpenAI", _OPENAI, "openai._resource:SyncAPIResource"),
    ),
    Region(
        "azure-openai-api",
        "openai",
        resource_tree("openai:AzureOpenAI", _AZURE, "openai._resource:SyncAPIResource"),
    ),
    Region(
        "anthropic-api",
        "anthropic",
        resource_tree(
            "anthropic:Anthropic", {"api_key": "d"}, "anthropic._resource:SyncAPIResource"
        ),
    ),
    Region(
        "anthropic-bedrock-api",
        "anthropic",
        resource_tree(
            "anthropic:AnthropicBedrock", _BEDROCK, "anthropic._resource:SyncAPIResource"
        ),
    ),
    Region(
        "anthropic-vertex-api",
        "anthropic",
        resource_tree("anthropic:AnthropicVertex", _VERTEX, "anthropic._resource:SyncAPIResource"),
    ),
    Region(
        "groq-api",
        "groq",
        resource_tree("groq:Groq", {"api_key": "d"}, "groq._resource:SyncAPIResource"),
    ),
    Region("elasticsearch-api", "elasticsearch", elasticsearch_api),
    Region("stripe-resources", "stripe", stripe_resources, prefix="stripe."),
    Region("stripe-client-api", "stripe", stripe_client_api),
    Region("aws-operations", "botocore", aws_operations),
]

COVERED = [
    Covered("redis.Redis", public_methods("redis.Redis")),
    Covered("redis.RedisCluster", public_methods("redis.RedisCluster")),
    Covered("redis.client.Pipeline", public_methods("redis.client.Pipeline")),
    Covered("redis.sentinel.Sentinel", public_methods("redis.sentinel.Sentinel")),
    Covered("elasticsearch.Elasticsearch", public_methods("elasticsearch.Elasticsearch")),
    Covered("openai.OpenAI", public_methods("openai.OpenAI")),
    Covered("openai.AzureOpenAI", public_methods("openai.AzureOpenAI")),
    Covered("anthropic.Anthropic", public_methods("anthropic.Anthropic")),
    Covered("anthropic.AnthropicBedrock", public_methods("anthropic.AnthropicBedrock")),
    Covered("anthropic.AnthropicVertex", public_methods("anthropic.AnthropicVertex")),
    Covered("groq.Groq", public_methods("groq.Groq")),
    Covered("stripe.StripeClient", public_methods("stripe.StripeClient")),
    Covered("pymongo.MongoClient", public_methods("pymongo.MongoClient")),
    Covered("pymongo.database.Database", public_methods("pymongo.database.Database")),
    Covered("pymongo.collection.Collection", public_methods("pymongo.collection.Collection")),
    Covered("pymongo.cursor.Cursor", public_methods("pymongo.cursor.Cursor")),
]


# --- the rules files -------------------------------------------------------------------------

_REGION = re.compile(
    r"^(?P<indent>[ \t]*)# generated \((?P<key>[a-z0-9-]+)\)"
    r"(?: from (?P<module>\w+) (?P<release>[0-9][0-9.]*))?[^\n]*\n"
    r"(?P<body>.*?)"
    r"^[ \t]*# end generated \((?P=key)\)[^\n]*\n",
    re.MULTILINE | re.DOTALL,
)
_HEADER = re.compile(r"^\[\[(function|class)\]\]", re.MULTILINE)


@dataclass
class Found:
    path: Path
    key: str
    start: int  # where the body starts in the file's text
    end: int
    indent: str
    kind: str  # "function" | "class"
    index: int  # of the entry among the file's entries of that kind
    header: tuple[int, int]  # the marker line (start, end)
    module: str  # the library (and release) the region was generated from
    release: tuple[int, ...]


def find_regions(texts: dict[Path, str]) -> dict[str, Found]:
    found: dict[str, Found] = {}
    for path, text in texts.items():
        for match in _REGION.finditer(text):
            headers = [h for h in _HEADER.finditer(text) if h.start() < match.start()]
            if not headers:
                raise SystemExit(f"{path}: region {match['key']} is outside any entry")
            kind = headers[-1].group(1)
            index = sum(1 for h in headers if h.group(1) == kind) - 1
            if match["key"] in found:
                raise SystemExit(f"{path}: region {match['key']} appears twice")
            found[match["key"]] = Found(
                path,
                match["key"],
                match.start("body"),
                match.end("body"),
                match["indent"],
                kind,
                index,
                (match.start(), match.start("body")),
                match["module"] or "",
                release(match["release"] or ""),
            )
    return found


def release(text: str) -> tuple[int, ...]:
    """`8.1.0` -> (8, 1, 0); a pre-release suffix (`1.0rc1`) ends it."""
    out = []
    for piece in text.split("."):
        digits = re.match(r"[0-9]*", piece)
        if digits is None or not digits.group(0):
            break
        out.append(int(digits.group(0)))
        if digits.group(0) != piece:
            break
    return tuple(out)


def region_versions(rules: Path = RULES) -> dict[str, tuple[str, tuple[int, ...]]]:
    """`redis.Redis.hincrbyfloat` (or a function's name) -> the library and release its region
    was generated from: names newer than an installed release may be missing there."""
    texts = {path: path.read_text(encoding="utf-8") for path in sorted(rules.glob("*.toml"))}
    out: dict[str, tuple[str, tuple[int, ...]]] = {}
    for place in find_regions(texts).values():
        names = _names(texts[place.path][place.start : place.end])
        if place.kind == "class":
            owner = tomllib.loads(texts[place.path])["class"][place.index]["name"]
            names = {f"{owner}.{name}" for name in names}
        for name in names:
            out[name] = (place.module, place.release)
    return out


def _emptied(text: str) -> str:
    return _REGION.sub(lambda m: m.group(0).replace(m["body"], ""), text)


def _entry(text: str, kind: str, index: int) -> dict[str, Any]:
    entry: dict[str, Any] = tomllib.loads(text)[kind][index]
    return entry


def _installed_release(module: str) -> tuple[int, ...]:
    import importlib.metadata

    return release(importlib.metadata.version(module))


def hand_listed(text: str, place: Found) -> set[str]:
    """What the entry holding ``place`` lists outside its generated regions. A view of a method
    through `with_raw_response` / `with_streaming_response` counts as listed when the method is
    listed as safe (Bedrock's `messages.count_tokens` raises either way)."""
    data = tomllib.loads(_emptied(text))
    if place.kind == "function":
        names: set[str] = set()
        for entry in data.get("function", []):
            names.update(entry.get("names", [entry.get("name")]))
        return names
    entry = data["class"][place.index]
    safe = set(entry.get("safe", []))
    return (
        set(entry.get("blocking", []))
        | safe
        | set(entry.get("returns", {}))
        | {
            f"{head}.{wrapper}.{tail}"
            for head, _, tail in (name.rpartition(".") for name in safe)
            for wrapper in WRAPPERS
        }
    )


def render(names: Iterable[str], indent: str, returns: str) -> str:
    names = sorted(names)
    if returns:
        return "".join(f'{indent}{name} = "{returns}"\n' for name in names)
    lines: list[str] = []
    line = indent
    for name in names:
        item = f'"{name}",'
        if line.strip() and len(line) + 1 + len(item) > 100:
            lines.append(line.rstrip() + "\n")
            line = indent
        line += (" " if line.strip() else "") + item
    if line.strip():
        lines.append(line + "\n")
    return "".join(lines)


def generate(rules: Path) -> tuple[dict[Path, str], dict[Path, str], list[str]]:
    """(old texts, new texts, problems); a stale region is a problem naming what changes."""
    old = {path: path.read_text(encoding="utf-8") for path in sorted(rules.glob("*.toml"))}
    places = find_regions(old)
    problems = [f"no region `{r.key}` in {rules}" for r in REGIONS if r.key not in places]
    edits: dict[Path, list[tuple[int, int, str]]] = {}
    for region in REGIONS:
        place = places.get(region.key)
        if place is None:
            continue
        hand = hand_listed(old[place.path], place)
        names = {region.prefix + name for name in region.candidates()} - hand
        body = render(names, place.indent, region.returns)
        installed = _installed_release(region.module)
        marker = (
            f"{place.indent}# generated ({region.key}) from {region.module} "
            f"{'.'.join(map(str, installed))}: tests/catalog_gen.py, do not edit (`make catalog`)\n"
        )
        edits.setdefault(place.path, []).append((place.header[0], place.end, marker + body))
        before = _names(old[place.path][place.start : place.end])
        new_names = names - before
        # names of a newer release than the one installed are expected to be missing here
        gone = before - names if installed >= place.release else set()
        if new_names or gone:
            problems.append(
                f"{place.path.name}: region {region.key} (from {place.module} "
                f"{'.'.join(map(str, place.release))}) is stale for {region.module} "
                f"{'.'.join(map(str, installed))}: new {_few(new_names)}, gone {_few(gone)}"
            )
    new = dict(old)
    for path, changes in edits.items():
        text = old[path]
        for start, end, body in sorted(changes, reverse=True):
            text = text[:start] + body + text[end:]
        new[path] = text
    problems += unclassified(new)
    return old, new, problems


def unclassified(texts: dict[Path, str]) -> list[str]:
    classes: dict[str, dict[str, Any]] = {}
    for text in texts.values():
        for entry in tomllib.loads(text).get("class", []):
            classes[entry["name"]] = entry
    out = []
    for covered in COVERED:
        entry = classes[covered.entry]
        known = set(entry.get("blocking", [])) | set(entry.get("safe", []))
        known |= set(entry.get("returns", {}))
        missing = sorted(covered.public() - known)
        if missing:
            out.append(f"{covered.entry}: neither blocking nor safe: {', '.join(missing)}")
    return out


def _names(body: str) -> set[str]:
    """The names a region body holds (list items, or the keys of `returns` lines)."""
    return set(re.findall(r'^\s*(\w+) = "', body, re.M)) or set(re.findall(r'"([^"]+)"', body))


def _few(names: set[str]) -> str:
    shown = sorted(names)
    return (
        ", ".join(shown[:20]) + (f" and {len(shown) - 20} more" if len(shown) > 20 else "") or "-"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    parser.add_argument("--rules", type=Path, default=RULES, help="the rules directory")
    args = parser.parse_args(argv)
    import warnings

    warnings.simplefilter("ignore")
    old, new, problems = generate(args.rules)
    if not args.check:
        for path in old:
            if old[path] != new[path]:
                path.write_text(new[path], encoding="utf-8")
                print(f"rewrote {path}")
        problems = [p for p in problems if " is stale for " not in p]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("run `make catalog` (python tests/catalog_gen.py); classify by hand", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
