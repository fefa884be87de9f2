"""The generated method lists are current for the installed libraries, and complete.

``tests/catalog_gen.py --check`` (run in a subprocess: it imports the libraries) fails when a
generated region of ``rules/*.toml`` differs from what the installed release yields (a new redis
command, OpenAI resource method, Stripe resource method, Elasticsearch API or AWS operation), and
when a public method of a covered class (redis clients, Elasticsearch, pymongo) is classified
neither as blocking nor as safe.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from catalog_gen import REGIONS, RULES

from asynclint.catalog import load_builtin

GEN = Path(__file__).with_name("catalog_gen.py")


def check(rules: Path = RULES) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GEN), "--check", "--rules", str(rules)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_generated_lists_are_current_and_every_public_method_is_classified() -> None:
    done = check()
    assert done.returncode == 0, done.stderr


def test_every_region_is_in_the_rules() -> None:
    text = "".join(path.read_text(encoding="utf-8") for path in RULES.glob("*.toml"))
    for region in REGIONS:
        assert f"# generated ({region.key})" in text, region.key
        assert f"# end generated ({region.key})" in text, region.key


def test_generated_lists_reach_the_catalog() -> None:
    catalog = load_builtin()
    redis = catalog.cls("redis.Redis")
    assert redis is not None and {"hincrbyfloat", "bzpopmax", "xinfo_stream"} <= redis.blocking
    cluster = catalog.cls("redis.RedisCluster")
    assert cluster is not None and {"hkeys", "zcard", "xlen", "dbsize"} <= cluster.blocking
    pipeline = catalog.cls("redis.client.Pipeline")
    assert pipeline is not None and "hincrbyfloat" in pipeline.safe
    assert pipeline.method_returns("hincrbyfloat") == "redis.client.Pipeline"
    openai = catalog.cls("openai.OpenAI")
    assert openai is not None
    assert "chat.completions.with_raw_response.create" in openai.blocking
    assert "webhooks.unwrap" in openai.safe
    es = catalog.cls("elasticsearch.Elasticsearch")
    assert es is not None and {"open_point_in_time", "cluster.health"} <= es.blocking
    entry = catalog.function("stripe.Invoice.void_invoice")
    assert entry is not None and entry.twin == "stripe.Invoice.void_invoice_async"
    boto = catalog.cls("botocore.client.BaseClient")
    assert boto is not None and "get_parameters_by_path" in boto.blocking


@pytest.fixture()
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def test_check_fails_when_a_generated_name_is_missing(rules_copy: Path) -> None:
    cache = rules_copy / "cache.toml"
    text = cache.read_text(encoding="utf-8")
    assert '"hincrbyfloat",' in text
    cache.write_text(text.replace('"hincrbyfloat",', "", 1), encoding="utf-8")
    done = check(rules_copy)
    assert done.returncode == 1
    assert "cache.toml: region redis-commands (from redis " in done.stderr
    assert ": new hincrbyfloat, gone -" in done.stderr


def test_check_fails_when_a_public_method_is_unclassified(rules_copy: Path) -> None:
    database = rules_copy / "database.toml"
    text = database.read_text(encoding="utf-8")
    assert '"start_session", ' in text
    database.write_text(text.replace('"start_session", ', "", 1), encoding="utf-8")
    done = check(rules_copy)
    assert done.returncode == 1
    assert "pymongo.MongoClient: neither blocking nor safe: start_session" in done.stderr
