"""`asynclint catalog infer`: catalog entries drafted from an installed distribution's source.

Two fake distributions in tests/data/site-packages: `fakesdk` (found through `top_level.txt`, an
HTTP client with an `AsyncClient` twin and an `aio` module) and `fake-vectors` (found through its
`RECORD`, a package inside the `fakens` namespace, with a factory method and a class whose `with`
connects). A third set runs against distributions really installed in the test environment.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from asynclint import catalog as catalog_module
from asynclint.catalog import ClassEntry, FunctionEntry, load_builtin, parse_table
from asynclint.cli import app
from asynclint.infer import InferError, find_distribution, infer, public_modules, render
from asynclint.library import Environment
from tests.conftest import actual_findings, expected_findings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

DATA = Path(__file__).parent / "data"
SITE = DATA / "site-packages"
APP = DATA / "library_app"
ENVIRONMENT = Environment((SITE,), f"--python {SITE}")


def _entries(text: str) -> dict[str, FunctionEntry | ClassEntry]:
    """The rendered TOML parsed as a catalog file: what a reviewer would paste."""
    return {entry.name: entry for entry in parse_table(tomllib.loads(text), "inferred")}


def _inferred(*names: str) -> str:
    return render(infer(list(names), ENVIRONMENT, load_builtin(), Path.cwd()))


# -- fakesdk ------------------------------------------------------------------------------------


def test_a_client_class_lists_its_blocking_and_safe_methods() -> None:
    client = _entries(_inferred("fakesdk"))["fakesdk.Client"]
    assert isinstance(client, ClassEntry)
    assert client.blocking == {"send", "ping"}
    # an exception handler, a deprecation shim and a one-time lazy fetch are not the normal path
    assert client.safe == {"describe", "rename", "settings"}
    assert not client.constructor  # building the session does no I/O
    assert client.aliases == ("fakesdk._client.Client",)  # the defining module's name too
    assert client.info is not None and client.info.category == "sdk"


def test_the_evidence_chain_is_a_comment_above_the_entry() -> None:
    text = _inferred("fakesdk")
    assert (
        "# send: fakesdk._client.Client.send (fakesdk/_client.py:20) -> "
        "fakesdk._transport.Transport.post (fakesdk/_transport.py:12) -> "
        "requests.Session.post [ASL101]"
    ) in text.splitlines()


def test_the_async_twin_is_the_replacement() -> None:
    entries = _entries(_inferred("fakesdk"))
    client = entries["fakesdk.Client"]
    assert client.info is not None
    # `AsyncClient.send` exists, `ping` has no twin: both are said
    assert "`fakesdk.AsyncClient`, the library's async twin" in client.info.replacement
    assert "for `ping`, which it lacks" in client.info.replacement
    report = entries["fakesdk.fetch_report"]
    assert isinstance(report, FunctionEntry)
    assert report.twin == "fakesdk.aio.fetch_report"  # `f` in the package's `aio` module
    assert entries["fakesdk.helpers.fetch_report"].info is not None  # its defining name


def test_an_abstract_attribute_is_followed_to_its_implementations() -> None:
    storage = _entries(_inferred("fakesdk"))["fakesdk.Storage"]
    assert isinstance(storage, ClassEntry) and storage.blocking == {"upload"}
    assert storage.info is not None
    assert "no async twin" in storage.info.replacement


def test_what_does_not_block_gets_no_entry() -> None:
    entries = _entries(_inferred("fakesdk"))
    assert "fakesdk.AsyncClient" not in entries  # async methods are not blocking calls
    assert "fakesdk.helpers.version" not in entries  # its sleep is under `if __debug__:`


def test_inferred_entries_turn_inferred_findings_into_catalogued_ones() -> None:
    """Confirming: with the output as project catalog entries, the app's findings are the same
    lines, now catalogued (the catalog wins, the library's source is no longer read)."""
    from dataclasses import replace

    from asynclint import engine
    from asynclint.cache import Summaries
    from asynclint.config import Settings
    from asynclint.discover import discover

    entries = parse_table(tomllib.loads(_inferred("fakesdk")), "inferred")
    settings = replace(Settings(python=str(SITE)), extra_entries=tuple(entries))
    # the same lines; a client SDK's calls are now `sdk` findings (ASL601), as catalogued SDKs'
    lines = [(path, line) for path, line, _ in actual_findings(APP, settings)]
    assert lines == [(path, line) for path, line, _ in expected_findings(APP)]
    found = discover([str(APP)], root=APP)
    report = engine.check(found.files, APP, settings, Summaries(None))
    assert report.findings and all(f.inferred == "" for f in report.findings)


# -- fake-vectors -------------------------------------------------------------------------------


def test_a_distribution_is_found_by_its_normalised_name_and_record() -> None:
    dist, info = find_distribution(ENVIRONMENT, "Fake_Vectors")
    assert (dist.name, dist.version) == ("fake-vectors", "2.0")
    # the first regular package below the `fakens` namespace, and its public modules
    assert public_modules(info) == [
        "fakens.vectors",
        "fakens.vectors.client",
        "fakens.vectors.index",
        "fakens.vectors.streams",
    ]


def test_a_factory_method_gives_returns_and_the_returned_class_its_entry() -> None:
    entries = _entries(_inferred("fake-vectors"))
    client = entries["fakens.vectors.VectorClient"]
    assert isinstance(client, ClassEntry)
    assert client.returns == {"index": "fakens.vectors.Index"}
    assert "index" in client.safe and "list_indexes" in client.blocking
    assert "host" not in client.blocking | client.safe  # a property is not a call
    index = entries["fakens.vectors.Index"]
    assert isinstance(index, ClassEntry) and index.blocking == {"query"}
    assert index.safe == {"describe"}
    connect = entries["fakens.vectors.connect"]
    assert isinstance(connect, FunctionEntry)
    assert connect.info is None and connect.returns == "fakens.vectors.VectorClient"


def test_the_methods_of_a_sub_object_are_dotted_members() -> None:
    text = _inferred("fake-vectors")
    client = _entries(text)["fakens.vectors.VectorClient"]
    assert isinstance(client, ClassEntry) and "jobs.run" in client.blocking
    assert "# jobs.run: fakens.vectors.client.SyncJobs.run (fakens/vectors/client.py:" in text
    # the async client mirrors the sub-object: its `jobs.run` is the twin
    assert client.info is not None
    assert client.info.replacement.startswith("`fakens.vectors.AsyncVectorClient`, the library's")


def test_a_sync_prefixed_class_has_its_async_prefixed_twin() -> None:
    jobs = _entries(_inferred("fake-vectors"))["fakens.vectors.SyncJobs"]
    assert jobs.info is not None
    assert jobs.info.replacement.startswith("`fakens.vectors.AsyncJobs`, the library's async twin")


def test_a_blocking_with_statement_is_a_flag() -> None:
    stream = _entries(_inferred("fake-vectors"))["fakens.vectors.index.Stream"]
    assert isinstance(stream, ClassEntry)
    assert stream.blocking == {"__enter__"} and not stream.constructor


def test_private_names_are_not_api() -> None:
    text = _inferred("fake-vectors")
    assert "_hidden" not in text  # listed in `__all__`, but private
    # a public module's import of a private helper is not its API; the helper is reached
    # through `VectorClient.settings`
    assert "fakens.vectors.client.load_settings" not in text
    assert "# settings: fakens.vectors.client.VectorClient.settings" in text


# -- errors and the command line ----------------------------------------------------------------


def test_an_unknown_distribution_is_a_clear_error() -> None:
    with pytest.raises(
        InferError, match=r"'no-such-sdk' is not installed in --python .*site-packages"
    ):
        _inferred("no-such-sdk")


def test_a_distribution_the_catalog_describes_is_not_read() -> None:
    entries = parse_table(
        {
            "class": [
                {
                    "name": "fakesdk.Client",
                    "blocking": ["send"],
                    "category": "sdk",
                    "why": "w",
                    "replacement": "r",
                    "anchor": "a",
                }
            ]
        },
        "project",
    )
    catalog = catalog_module.build([load_builtin().entries(), entries])
    (result,) = infer(["fakesdk"], ENVIRONMENT, catalog, Path.cwd())
    assert result.entries == [] and result.modules == []
    assert result.notes[0].startswith("`fakesdk` is described by the catalog already")


def test_the_command_writes_the_entries_to_a_file(tmp_path: Path) -> None:
    output = tmp_path / "inferred.toml"
    result = CliRunner().invoke(
        app,
        ["catalog", "infer", "fakesdk", "fake-vectors", "--python", str(SITE), "-o", str(output)],
    )
    assert result.exit_code == 0, result.output
    entries = _entries(output.read_text(encoding="utf-8"))
    assert {"fakesdk.Client", "fakens.vectors.Index"} <= set(entries)


def test_the_command_fails_on_a_distribution_that_is_not_installed() -> None:
    result = CliRunner().invoke(app, ["catalog", "infer", "nope", "--python", str(SITE)])
    assert result.exit_code == 2
    assert "distribution 'nope' is not installed" in result.output


def test_the_catalog_listing_still_works_without_a_subcommand() -> None:
    result = CliRunner().invoke(app, ["catalog"])
    assert result.exit_code == 0 and "requests.get" in result.output


# -- real installed distributions ---------------------------------------------------------------

RUNNING = Environment(
    tuple(Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()),
    "the running interpreter",
)


def test_a_real_sdk_without_its_catalog_entries() -> None:
    """`rq` (in the test environment for the catalog names test) with its catalog entries left
    out: its source is read, and `Queue.enqueue` reaches Redis."""
    catalog = catalog_module.build(
        [[e for e in load_builtin().entries() if not e.name.startswith("rq.")]]
    )
    (result,) = infer(["rq"], RUNNING, catalog, Path.cwd())
    by_name = {entry.name: entry for entry in result.entries}
    queue = by_name["rq.Queue"]
    assert "enqueue" in queue.blocking
    assert queue.blocking["enqueue"].api.startswith("redis.")
    assert queue.blocking["enqueue"].hops[0].startswith("rq.queue.Queue.enqueue (rq/queue.py:")
    parse_table(tomllib.loads(render([result])), "inferred")  # valid catalog TOML


def test_a_real_sdk_the_catalog_describes_is_left_to_the_catalog() -> None:
    (result,) = infer(["requests"], RUNNING, load_builtin(), Path.cwd())
    assert result.entries == []
    assert any(note.startswith("`requests` is described by the catalog") for note in result.notes)


def test_a_real_command_line_wrapper_without_its_catalog_entries() -> None:
    """pdf2image (in the catalog extra) with its catalog entries left out: the draft finds the
    subprocess chains the shipped entries were written from."""
    catalog = catalog_module.build(
        [[e for e in load_builtin().entries() if not e.name.startswith("pdf2image.")]]
    )
    (result,) = infer(["pdf2image"], RUNNING, catalog, Path.cwd())
    by_name = {entry.name: entry for entry in result.entries}
    convert = by_name["pdf2image.convert_from_bytes"]
    assert convert.blocking[""].api.startswith("subprocess.")
    assert convert.aliases == ["pdf2image.pdf2image.convert_from_bytes"]
    text = render([result])
    assert 'category = "process"' in text
    # the shorter chain to a temporary file is named too, for the reviewer
    assert "#   (it also reaches tempfile.mkstemp [ASL301])" in text
    parse_table(tomllib.loads(text), "inferred")
