"""Library source analysis: calls followed into installed libraries the catalog does not describe.

The fake distribution `fakesdk` (tests/data/site-packages) is a sync client over `requests` and
raw sockets with an async twin; the app in tests/data/library_app states what is expected of
each route with `# error:` / `# ok:` comments.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from asynclint import engine, library
from asynclint.cache import Summaries
from asynclint.config import ConfigError, Settings, from_table
from asynclint.discover import discover
from asynclint.findings import Finding
from asynclint.library import Environment, find_environment
from asynclint.reporters import FORMATS
from tests.conftest import actual_findings, expected_findings

DATA = Path(__file__).parent / "data"
SITE = DATA / "site-packages"
APP = DATA / "library_app"


def _settings(site: Path = SITE, **changes: object) -> Settings:
    from dataclasses import replace

    return replace(Settings(python=str(site)), **changes)  # type: ignore[arg-type]


def _check(root: Path, settings: Settings, cache: Path | None = None) -> engine.Report:
    found = discover([str(root)], root=root)
    return engine.check(found.files, root, settings, Summaries(cache))


def _by_line(report: engine.Report) -> dict[int, Finding]:
    return {finding.line: finding for finding in report.findings}


def _line(text: str) -> int:
    lines = (APP / "main.py").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


# -- chains into a library ----------------------------------------------------------------


def test_findings_match_the_expectations_of_the_app() -> None:
    assert actual_findings(APP, _settings()) == expected_findings(APP)


def test_without_library_analysis_nothing_is_inferred() -> None:
    assert actual_findings(APP) == []
    assert actual_findings(APP, _settings(library_analysis=False)) == []


def test_the_chain_runs_through_the_library_down_to_the_catalog() -> None:
    finding = _by_line(_check(APP, _settings()))[_line("return client.send(payload)")]
    assert finding.api == "requests.Session.post"
    assert [hop.function for hop in finding.chain] == [
        "fakesdk._client.Client.send",
        "fakesdk._transport.Transport.post",
    ]
    assert finding.chain[0].path.endswith("site-packages/fakesdk/_client.py")
    assert finding.inferred == "fakesdk 1.0"


def test_a_socket_reached_through_a_library_method() -> None:
    finding = _by_line(_check(APP, _settings()))[_line('fakesdk.Client("key").ping()')]
    assert finding.api == "socket.create_connection"
    assert finding.inferred == "fakesdk 1.0"


def test_a_chain_through_project_code_into_the_library() -> None:
    finding = _by_line(_check(APP, _settings()))[_line("send_all(items)")]
    assert [hop.function for hop in finding.chain][:2] == [
        "send_all",
        "fakesdk._client.Client.send",
    ]
    assert finding.inferred == "fakesdk 1.0"
    # library functions are never offered for `async def`: their source is not the user's
    assert "make `fakesdk" not in finding.advice


# -- async twins as advice ----------------------------------------------------------------


def test_advice_names_the_async_twin_class() -> None:
    finding = _by_line(_check(APP, _settings()))[_line("return client.send(payload)")]
    assert "use `fakesdk.AsyncClient.send`, the library's async API" in finding.advice
    assert "asyncio.to_thread(client.send" in finding.advice  # the offload stays the fallback


def test_advice_names_the_async_twin_module() -> None:
    finding = _by_line(_check(APP, _settings()))[_line('fetch_report("daily")')]
    assert "use `fakesdk.aio.fetch_report`" in finding.advice


def test_no_twin_when_the_async_class_lacks_the_method() -> None:
    finding = _by_line(_check(APP, _settings()))[_line('fakesdk.Client("key").ping()')]
    assert "AsyncClient" not in finding.advice


# -- precision inside libraries -------------------------------------------------------------


def test_error_logging_lazy_and_debug_paths_are_what_the_rules_leave_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the rules of `library_rules.toml` the `/quiet` route would be reported: it is
    the rules, not an accident of resolution, that keep it clean."""
    quiet = {_line("client.describe()"), _line('client.rename("x")'), _line("version()}")}
    lazy = _line("client.settings()")  # a one-time initialisation: never counted, anywhere
    reported = set(_by_line(_check(APP, _settings())))
    assert not (quiet | {lazy}) & reported
    monkeypatch.setattr(library, "load_rules", lambda path=None: library.Rules())
    without_rules = set(_by_line(_check(APP, _settings())))
    assert quiet <= without_rules and lazy not in without_rules


def test_rules_file_is_valid() -> None:
    rules = library.load_rules()
    assert {"except", "debug", "lazy", "nonblocking"} <= rules.skip_sites
    assert rules.cold_callee("warnings.warn") and rules.cold_callee("logging.Logger.debug")
    assert "threading.Lock.__enter__" in rules.skip_apis


def test_the_catalog_wins_over_library_source() -> None:
    table = {
        "class": [
            {
                "name": "fakesdk.Client",
                "aliases": ["fakesdk._client.Client"],
                "blocking": ["send"],
                "category": "sdk",
                "why": "calls the fake API",
                "replacement": "`fakesdk.AsyncClient`",
                "anchor": "fakesdk",
            }
        ]
    }
    settings = from_table(table, "pyproject.toml")
    settings = _settings(extra_entries=settings.extra_entries)
    report = _check(APP, settings)
    finding = _by_line(report)[_line("return client.send(payload)")]
    assert finding.api == "fakesdk.Client.send"
    assert finding.inferred == ""
    # the package the catalog describes is not read at all: `ping` is not followed
    assert _line('fakesdk.Client("key").ping()') not in _by_line(report)


# -- cost bounds ------------------------------------------------------------------------------


def test_the_budget_cuts_the_search_and_says_so() -> None:
    report = _check(APP, _settings(library_max_files=1))
    notes = [w for w in report.warnings if "library analysis stopped at its budget" in w]
    assert len(notes) == 1
    assert len(report.findings) < len(expected_findings(APP))


def test_library_summaries_are_cached_per_distribution_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A distribution's files are immutable per version: a second run (another project cache)
    reads the summaries of the first, even though the file changed on disk meanwhile; a new
    version is read again."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))
    site = tmp_path / "site-packages"
    shutil.copytree(SITE, site)
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    report_line = _line('fetch_report("daily")')

    first = _check(app, _settings(site), tmp_path / "cache1")
    assert report_line in _by_line(first)
    assert list((tmp_path / "home" / "asynclint" / "libraries").rglob("lib-*.msgpack"))

    helpers = site / "fakesdk" / "helpers.py"
    helpers.write_text(helpers.read_text().replace("time.sleep(0.5)", "pass"))
    second = _check(app, _settings(site), tmp_path / "cache2")
    assert report_line in _by_line(second)  # the 1.0 summary, from the cache

    metadata = site / "fakesdk-1.0.dist-info" / "METADATA"
    metadata.write_text(metadata.read_text().replace("Version: 1.0", "Version: 1.1"))
    third = _check(app, _settings(site), tmp_path / "cache3")
    assert report_line not in _by_line(third)


def test_the_run_cache_keeps_the_budget_note(tmp_path: Path) -> None:
    settings = _settings(library_max_files=1)
    _check(APP, settings, tmp_path / "cache")
    again = _check(APP, settings, tmp_path / "cache")
    assert any("library analysis stopped" in w for w in again.warnings)


# -- outputs ----------------------------------------------------------------------------------


def test_every_output_marks_an_inferred_finding() -> None:
    report = _check(APP, _settings())
    inferred = [f for f in report.findings if f.inferred]
    assert inferred and len(inferred) == len(report.findings)
    text = FORMATS["text"](inferred[:1], root=APP, color=False)
    assert "= inferred from library source (fakesdk 1.0), not from the catalog" in text
    sarif = json.loads(FORMATS["sarif"](inferred[:1], root=APP))
    properties = sarif["runs"][0]["results"][0]["properties"]
    assert properties["inferred"] is True and properties["inferredFrom"] == "fakesdk 1.0"
    data = json.loads(FORMATS["json"](inferred[:1], root=APP))
    assert data["findings"][0]["inferred"] == "fakesdk 1.0"


# -- the environment --------------------------------------------------------------------------


def _venv(base: Path) -> Path:
    site = base / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (base / "bin").mkdir()
    (base / "bin" / "python").write_text("")  # never run
    (base / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return site


def test_python_names_an_interpreter_or_an_environment(tmp_path: Path) -> None:
    site = _venv(tmp_path / "env")
    for given in (tmp_path / "env" / "bin" / "python", tmp_path / "env", site):
        found = find_environment(str(given), tmp_path)
        assert found is not None and found.site_packages == (site,), given


def test_virtual_env_then_project_venv_then_own_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    active = _venv(tmp_path / "active")
    beside = _venv(tmp_path / "project" / ".venv")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "active"))
    assert find_environment(None, tmp_path / "project") == Environment(
        (active,), f"VIRTUAL_ENV={tmp_path / 'active'}"
    )
    monkeypatch.delenv("VIRTUAL_ENV")
    found = find_environment(None, tmp_path / "project")
    assert found is not None and found.site_packages == (beside,)
    own = find_environment(None, tmp_path / "elsewhere")
    assert own is not None and own.origin == "the interpreter running asynclint"


def test_a_python_without_site_packages_is_a_note(tmp_path: Path) -> None:
    report = _check(APP, _settings(tmp_path / "nothing"))
    assert report.findings == ()
    assert any("found no site-packages" in w for w in report.warnings)


def test_configuration_keys() -> None:
    settings = from_table(
        {"library-analysis": True, "library-max-files": 10, "library-max-seconds": 2},
        "/p/pyproject.toml",
    )
    assert settings.analyses_libraries
    assert (settings.library_max_files, settings.library_max_seconds) == (10, 2.0)
    off = from_table({"library-analysis": False, "python": ".venv"}, "/p/pyproject.toml")
    assert not off.analyses_libraries and off.python == "/p/.venv"
    with pytest.raises(ConfigError, match="library-analysis"):
        from_table({"library-analysis": "yes"}, "pyproject.toml")
    with pytest.raises(ConfigError, match="library-max-files"):
        from_table({"library-max-files": 0}, "pyproject.toml")


# -- a real SDK -------------------------------------------------------------------------------

REAL_APP = """\
import jwt
from fastapi import FastAPI

app = FastAPI()
jwks = jwt.PyJWKClient("https://example.com/.well-known/jwks.json")


@app.get("/me")
async def me(token: str) -> dict:
    key = jwks.get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=["RS256"])
"""


def test_a_real_sdk_pyjwt_fetches_its_key_set_over_http(tmp_path: Path) -> None:
    """PyJWT's `PyJWKClient` is not in the catalog: its source shows the HTTP request made
    (on a cache miss) by `get_signing_key_from_jwt`."""
    pytest.importorskip("jwt")
    import jwt

    site = Path(jwt.__file__).parent.parent
    (tmp_path / "main.py").write_text(REAL_APP)
    report = _check(tmp_path, _settings(site))
    [finding] = report.findings
    assert finding.code == "ASL101"
    assert finding.api == "urllib.request.OpenerDirector.open"
    assert [hop.function for hop in finding.chain][-1] == "jwt.jwks_client.PyJWKClient.fetch_data"
    assert finding.inferred.startswith("PyJWT ")
    assert not report.warnings


def test_the_standard_library_is_never_read() -> None:
    environment = Environment((SITE,), "test")
    libraries = library.Libraries(environment, Settings().catalog())
    assert libraries.guarded("json.decoder") and libraries.find("os") is None


# -- what the summary records ---------------------------------------------------------------

COLD = """\
def f(self, q):
    global _client
    a()
    try:
        b()
    except OSError:
        c()
    if __debug__:
        d()
    if self._x is None:
        self._x = e()
    if _client is None:
        _client = g()
    data = cache()
    if data is None:
        data = h()
    q.get(block=False)
"""


def test_call_sites_say_why_they_are_off_the_normal_path() -> None:
    from asynclint.expr import source_text
    from asynclint.summary import summarise

    function = summarise(COLD, "m.py").functions["f"]
    cold = {source_text(site.func): site.cold for site in function.calls}
    assert cold == {
        "a": "",
        "b": "",
        "c": "except",
        "d": "debug",
        "e": "lazy",
        "g": "lazy",
        "cache": "",
        "h": "",  # a local rebuilt when missing is a cache miss, on every call
        "q.get": "nonblocking",
    }


def test_allow_stops_the_analysis_at_a_library_name() -> None:
    send = _line("return client.send(payload)")
    # the name as the project calls it, or as the chain shows it
    for allowed in ("fakesdk.Client.send", "fakesdk._transport.Transport.post", "fakesdk"):
        report = _check(APP, _settings(allow=(allowed,)))
        assert send not in _by_line(report), allowed
    assert send in _by_line(_check(APP, _settings(allow=("fakesdk.Client.ping",))))


def test_github_annotations_say_inferred() -> None:
    [finding] = [f for f in _check(APP, _settings()).findings if f.line == _line("send_all(items)")]
    github = FORMATS["github"]([finding], root=APP)
    assert "inferred from fakesdk 1.0 source" in github


SDK_APP = """\
from fastapi import FastAPI
from websockets.sync.client import connect
from werkzeug.security import generate_password_hash

app = FastAPI()


@app.get("/ws")
async def ws() -> None:
    with connect("ws://localhost:8765") as websocket:
        websocket.send("hi")


@app.post("/users")
async def create_user(password: str) -> str:
    return generate_password_hash(password)
"""


@pytest.mark.parametrize(
    ("line", "code", "api", "dist"),
    [
        # the sync client opens a socket and writes the handshake: which socket call the
        # shortest chain ends at depends on the installed release (connect, or sendall)
        (10, "ASL102", "socket.socket.", "websockets"),
        (16, "ASL701", "hashlib.scrypt", "Werkzeug"),  # the default method is scrypt
    ],
)
def test_real_sdks_without_catalog_entries(
    tmp_path: Path, line: int, code: str, api: str, dist: str
) -> None:
    pytest.importorskip("websockets.sync.client")
    werkzeug = pytest.importorskip("werkzeug")
    site = Path(werkzeug.__file__).parent.parent
    (tmp_path / "main.py").write_text(SDK_APP)
    finding = _by_line(_check(tmp_path, _settings(site)))[line]
    # the call reaches `code`, reported or among the others it reaches: which one is
    # reported depends on the installed release's shortest chain (websockets' older sync
    # client also joins a thread on close, as costly as the socket write: both are true)
    reached = {finding.code: finding.api, **dict(finding.also)}
    assert code in reached
    if finding.inferred:  # until the catalog describes it (then the catalog wins)
        got = reached[code]
        assert got == api or (api.endswith(".") and got.startswith(api))
        assert finding.inferred.startswith(dist + " ")


def test_an_abstract_method_runs_the_implementations_the_library_assigns() -> None:
    finding = _by_line(_check(APP, _settings()))[_line("fakesdk.Storage(remote=True).upload")]
    assert [hop.function for hop in finding.chain] == [
        "fakesdk._backends.Storage.upload",
        "fakesdk._backends.HttpBackend.store",
    ]
    assert finding.api == "requests.put"
