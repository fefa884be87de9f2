"""`asynclint migrate`: the Flask execution model, the migration report on the example app
(pinned), and `check`, which must never treat a Flask view as running on the loop."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import run
from typer.testing import CliRunner

from asynclint.cache import Summaries
from asynclint.cli import app
from asynclint.config import Settings
from asynclint.migrate import Migration, migrate
from asynclint.reporters.migration import MIGRATION_FORMATS, render_markdown

EXAMPLE = Path(__file__).parent.parent / "examples" / "flask_app"

# route (or hook) label -> the blocking APIs it reaches, in order; () when it can be `async def`
EXPECTED_EXAMPLE = {
    "before_request hook (runs before every request) `create_app.start_timer`": (),
    "error handler `create_app.not_found`": (),
    "route `GET /health`": (),
    "route `POST /auth/login`": (
        "flask_sqlalchemy.SQLAlchemy.session.execute",
        "werkzeug.security.check_password_hash",
    ),
    "route `POST /auth/logout`": (  # `logout_user()` loads the user first
        "flask_sqlalchemy.SQLAlchemy.session.get",
    ),
    "flask-login user loader (runs for every view that reads `current_user`) `load_user`": (
        "flask_sqlalchemy.SQLAlchemy.session.get",
    ),
    "route `GET /posts/`": ("flask_sqlalchemy.SQLAlchemy.session.scalars",),
    "route `GET /posts/<int:post_id>`": ("flask_sqlalchemy.SQLAlchemy.get_or_404",),
    "route `POST /posts/`": (
        "flask_sqlalchemy.SQLAlchemy.session.get",  # `login_required` runs `load_user`
        "flask_sqlalchemy.SQLAlchemy.session.commit",
        "celery.Task.delay",  # `@celery.task` makes `notify_followers` a Task
    ),
    "route `PUT /posts/<int:post_id>/image`": (
        "flask_sqlalchemy.SQLAlchemy.session.get",
        "flask_sqlalchemy.SQLAlchemy.get_or_404",
        "botocore.client.BaseClient.upload_fileobj",
        "flask_sqlalchemy.SQLAlchemy.session.commit",
    ),
    "route `GET /posts/by/<email>`": (  # `User.query`: the model's Flask-SQLAlchemy Query
        "flask_sqlalchemy.query.Query.first_or_404",
        "flask_sqlalchemy.query.Query.paginate",
    ),
    "route `GET /posts/weather/<city>`": ("requests.get",),
    "route `GET /posts/markdown-help`": (),
    "route `GET /api/posts/<int:post_id>` (`PostAPI.get`)": (
        "flask_sqlalchemy.SQLAlchemy.get_or_404",
    ),
    "route `DELETE /api/posts/<int:post_id>` (`PostAPI.delete`)": (
        "flask_sqlalchemy.SQLAlchemy.get_or_404",
        "flask_sqlalchemy.SQLAlchemy.session.delete",
        "flask_sqlalchemy.SQLAlchemy.session.commit",
    ),
}


def _migrate(root: Path) -> Migration:
    files = sorted(root.rglob("*.py"))
    return migrate(files, root, Settings(), Summaries(None))


def test_example_report_is_pinned() -> None:
    report = _migrate(EXAMPLE.parent)
    got = {route.label: tuple(b.api for b in route.blockers) for route in report.routes}
    assert got == EXPECTED_EXAMPLE


def test_example_swaps_are_counted_by_library() -> None:
    report = _migrate(EXAMPLE.parent)
    swaps = {s.library: (len(s.routes), s.sites) for s in report.swaps}
    assert swaps == {
        "flask-sqlalchemy": (10, 16),
        "werkzeug": (1, 1),
        "boto3": (1, 1),
        "requests": (1, 1),
        "celery": (1, 1),
    }
    (requests,) = [s for s in report.swaps if s.library == "requests"]
    assert "httpx.AsyncClient" in requests.replacement
    (boto,) = [s for s in report.swaps if s.library == "boto3"]
    assert "aioboto3" in boto.replacement


def test_example_flask_pieces_are_context_not_routes() -> None:
    report = _migrate(EXAMPLE.parent)
    names = {p.name for p in report.pieces}
    assert {"flask.request", "flask.g", "flask.session", "flask_login.current_user"} <= names
    assert all("request" not in r.function for r in report.routes)


def test_model_query_is_typed_through_the_catalog_attributes(tmp_path: Path) -> None:
    source = """
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Tag(db.Model):
            pass

        @app.route("/tags")
        def tags():
            lazy = Tag.query.filter_by(name="x").order_by(Tag.id)  # builds, runs nothing
            return [t.name for t in lazy.limit(5).all()]
        """
    (route,) = _migrate(_write(tmp_path, source)).routes
    assert [(b.api, b.line) for b in route.blockers] == [("flask_sqlalchemy.query.Query.all", 13)]


def test_authentication_callbacks_run_for_the_views_they_guard(tmp_path: Path) -> None:
    (tmp_path / "api.py").write_text(
        textwrap.dedent(
            """
            import requests
            from flask import Blueprint
            from flask_httpauth import HTTPTokenAuth
            bp = Blueprint("api", __name__)
            token_auth = HTTPTokenAuth()

            @token_auth.verify_token
            def verify_token(token):
                return requests.get("http://auth/introspect", params={"t": token}).json()

            @bp.route("/me")
            @token_auth.login_required
            def me():
                return {}

            @bp.route("/open")
            def public():
                return {}
            """
        )
    )
    (tmp_path / "factory.py").write_text(
        textwrap.dedent(
            """
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                from api import bp as api_bp  # a factory's local import still names `bp`
                app.register_blueprint(api_bp, url_prefix="/api")
                return app
            """
        )
    )
    got = {r.label: [(b.api, b.via, b.line) for b in r.blockers] for r in _migrate(tmp_path).routes}
    assert got == {
        "Flask-HTTPAuth callback (runs for every view its `login_required` guards) "
        "`verify_token`": [("requests.get", (), 10)],
        "route `GET /api/me`": [("requests.get", ("verify_token",), 0)],
        "route `GET /api/open`": [],
    }


def test_model_query_is_typed_with_a_mixin_listed_first(tmp_path: Path) -> None:
    source = """
        from flask import Flask
        from flask_login import UserMixin
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class User(UserMixin, db.Model):  # the mixin says nothing of `query`
            pass

        @app.route("/users/<email>")
        def user(email):
            return User.query.filter_by(email=email).first()
        """
    (route,) = _migrate(_write(tmp_path, source)).routes
    assert [b.api for b in route.blockers] == ["flask_sqlalchemy.query.Query.first"]


WTFORMS_APP = """
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy
    from flask_wtf import FlaskForm
    from wtforms import Form, StringField, ValidationError
    app = Flask(__name__)
    db = SQLAlchemy(app)

    class User(db.Model):
        pass

    class EmailForm(FlaskForm):
        email = StringField("Email")

        def validate_email(self, field):  # WTForms calls it: `email` is a field
            if User.query.filter_by(email=field.data).first():
                raise ValidationError("taken")

        def validate_everything(self):  # no field `everything`: never called by WTForms
            return User.query.all()

    class SignupForm(EmailForm):  # an inherited inline validator runs too
        name = StringField("Name")

    class SearchForm(Form):
        q = StringField("Query")

    @app.post("/signup")
    def signup():
        form = SignupForm()
        if form.validate_on_submit():
            return "ok"
        return "no"

    @app.get("/search")
    def search():
        form = SearchForm()
        return "ok" if form.validate() else "no"
    """


def test_wtforms_runs_the_inline_validators_of_the_form_fields(tmp_path: Path) -> None:
    got = {
        r.label: [(b.api, b.via, b.line) for b in r.blockers]
        for r in _migrate(_write(tmp_path, WTFORMS_APP)).routes
    }
    assert got == {
        "route `POST /signup`": [
            ("flask_sqlalchemy.query.Query.first", ("EmailForm.validate_email",), 31)
        ],
        "route `GET /search`": [],
    }


def test_reading_current_user_runs_the_user_loader(tmp_path: Path) -> None:
    source = """
        from flask import Flask, redirect
        from flask_login import LoginManager, current_user
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)
        login_manager = LoginManager(app)

        class User(db.Model):
            pass

        @login_manager.user_loader
        def load_user(user_id):
            return db.session.get(User, int(user_id))

        @app.before_request
        def confirmed_only():
            if current_user.is_authenticated and not current_user.confirmed:
                return redirect("/unconfirmed")

        @app.route("/profile")
        def profile():
            return {"name": current_user.profile.name}

        @app.route("/health")
        def health():
            return "ok"
        """
    got = {
        r.label: [(b.api, b.via) for b in r.blockers]
        for r in _migrate(_write(tmp_path, source)).routes
    }
    loaded = [("flask_sqlalchemy.SQLAlchemy.session.get", ("load_user",))]
    assert got == {
        "flask-login user loader (runs for every view that reads `current_user`) `load_user`": [
            ("flask_sqlalchemy.SQLAlchemy.session.get", ())
        ],
        "before_request hook (runs before every request) `confirmed_only`": loaded,
        "route `GET /profile`": loaded,
        "route `GET /health`": [],
    }


@pytest.mark.parametrize(
    ("setup", "queue"),
    [
        ("from flask_rq import get_queue", "get_queue()"),  # Flask-RQ 0.x
        ("from flask_rq import RQ\nrq = RQ()", "rq.get_queue()"),  # Flask-RQ 1.0
        ("from flask_rq2 import RQ\nrq = RQ()", "rq.get_queue('low')"),
    ],
)
def test_flask_rq_queues_enqueue_on_redis(tmp_path: Path, setup: str, queue: str) -> None:
    source = f"""
from flask import Flask
{setup}
app = Flask(__name__)

def send_email(to):
    pass

@app.post("/invite")
def invite():
    {queue}.enqueue(send_email, "a@b.c")
    return "sent"
"""
    (route,) = _migrate(_write(tmp_path, source)).routes
    assert [b.api for b in route.blockers] == ["rq.Queue.enqueue"]


ORM_EVENTS_APP = """
    import requests
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import event
    from sqlalchemy.event import listen
    app = Flask(__name__)
    db = SQLAlchemy(app)

    class Post(db.Model):
        pass

    class Tag(db.Model):
        pass

    @event.listens_for(Post, "after_insert")
    def index_post(mapper, connection, target):
        requests.post("http://search/index", json={"id": target.id})

    def audit(session):
        requests.post("http://audit/log")

    listen(db.session, "before_commit", audit)

    def purge(mapper, connection, target):
        requests.post("http://cache/purge")

    event.listen(Tag, "after_update", purge)

    @event.listens_for(Post, "load")  # fires on a query, not on a commit: not modelled
    def loaded(target, context):
        pass

    @app.post("/posts")
    def create():
        db.session.add(Post())
        db.session.commit()
        return "ok"

    @app.get("/posts")
    def index():
        return [p.id for p in Post.query.all()]
    """


def test_orm_events_are_charged_to_the_commit_that_fires_them(tmp_path: Path) -> None:
    got = {
        r.label: [(b.api, b.via, b.line) for b in r.blockers]
        for r in _migrate(_write(tmp_path, ORM_EVENTS_APP)).routes
    }
    assert got == {
        "SQLAlchemy `after_insert` listener (runs when a commit flushes a `Post`) `index_post`": [
            ("requests.post", (), 18)
        ],
        "SQLAlchemy `before_commit` listener (runs on every commit) `audit`": [
            ("requests.post", (), 21)
        ],
        "SQLAlchemy `after_update` listener (runs when a commit flushes a `Tag`) `purge`": [
            ("requests.post", (), 26)
        ],
        # the commit fires the session's listener and `Post`'s, not `Tag`'s
        "route `POST /posts`": [
            ("flask_sqlalchemy.SQLAlchemy.session.commit", (), 37),
            ("requests.post", ("audit",), 37),
            ("requests.post", ("index_post",), 37),
        ],
        "route `GET /posts`": [("flask_sqlalchemy.query.Query.all", (), 42)],
    }


DYNAMIC_APP = """
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy
    app = Flask(__name__)
    db = SQLAlchemy(app)

    class User(db.Model):
        posts = db.relationship("Post", backref="author", lazy="dynamic")
        tags = db.relationship("Tag", backref=db.backref("users", lazy="dynamic"))
        friends = db.relationship("User")  # a plain lazy load: not a rewrite

        def recent(self):
            return self.posts.limit(5).all()

    class Post(db.Model):
        pass

    class Tag(db.Model):
        pass

    @app.route("/me")
    def me():
        user = User()
        return {"recent": user.recent(), "friends": len(user.friends)}

    @app.route("/tags")
    def tags():
        tag = Tag()
        return {"n": tag.users.count()}
    """


def test_dynamic_relationships_are_a_rewrite_not_a_swap(tmp_path: Path) -> None:
    migration = _migrate(_write(tmp_path, DYNAMIC_APP))
    got = {r.label: [(b.api, b.via, b.line) for b in r.blockers] for r in migration.routes}
    assert got == {
        "route `GET /me`": [("User.posts", ("User.recent",), 24)],
        "route `GET /tags`": [("Tag.users", (), 29)],
    }
    assert [(d.model, d.attribute, d.line) for d in migration.dynamic] == [
        ("User", "posts", 8),
        ("Tag", "users", 9),  # declared by `User.tags`'s backref
    ]
    (swap,) = migration.swaps
    assert "rewrite" in swap.library and "write_only" in swap.replacement
    markdown = render_markdown(migration)
    assert '## Rewrites, not swaps: `lazy="dynamic"` relationships' in markdown
    assert "- `Tag.users` (app.py:9)" in markdown
    data = json.loads(MIGRATION_FORMATS["json"](migration))
    assert data["dynamic_relationships"][0] == {
        "relationship": "User.posts",
        "location": "app.py:8",
    }


def test_a_blocking_request_hook_is_listed_once_and_counted_for_every_route(
    tmp_path: Path,
) -> None:
    source = """
        import requests
        from flask import Flask, g
        app = Flask(__name__)

        @app.before_request
        def load_flags():
            g.flags = requests.get("http://flags/all", timeout=2).json()

        @app.errorhandler(404)
        def missing(error):
            requests.post("http://alerts/404", timeout=2)
            return "missing", 404

        @app.route("/a")
        def a():
            return "a"

        @app.route("/b")
        def b():
            return "b"
        """
    migration = _migrate(_write(tmp_path, source))
    hook = next(r for r in migration.routes if r.function == "load_flags")
    assert hook.every_request and [b.api for b in hook.blockers] == ["requests.get"]
    assert [r.function for r in migration.blocking_every_request] == ["load_flags"]
    handler = next(r for r in migration.routes if r.function == "missing")
    assert not handler.every_request  # runs on an error only
    (swap,) = migration.swaps
    assert swap.sites == 2  # the hook's call once, the handler's once
    assert set(swap.routes) >= {"route `GET /a`", "route `GET /b`"}
    assert all(r.ready for r in migration.routes if not r.hook)  # their own bodies are
    summary = render_markdown(migration).splitlines()[2]
    assert "Every request also runs the blocking request hook(s) `load_flags`" in summary
    data = json.loads(MIGRATION_FORMATS["json"](migration))
    assert data["summary"]["blocking_every_request"] == ["load_flags"]


@pytest.mark.parametrize(
    ("register", "by_call", "guard"),
    [
        ("@jwt.user_lookup_loader\ndef load(header, data):", "", "@jwt_required()"),  # 4.x
        ("def load(identity):", "jwt.user_loader_callback_loader(load)", "@jwt_required"),  # 3.x
    ],
)
def test_jwt_user_loader_runs_for_the_views_that_require_a_jwt(
    tmp_path: Path, register: str, by_call: str, guard: str
) -> None:
    source = f"""
from flask import Flask
from flask_bcrypt import Bcrypt
from flask_jwt_extended import JWTManager, current_user, jwt_required
from flask_sqlalchemy import SQLAlchemy
app = Flask(__name__)
db = SQLAlchemy(app)
jwt = JWTManager(app)
bcrypt = Bcrypt(app)

class User(db.Model):
    pass

{register}
    return User.query.get(1)

{by_call}

@app.put("/password")
{guard}
def change_password():
    return bcrypt.generate_password_hash("secret")

@app.get("/open")
def public():
    return "ok"
"""
    got = {
        r.label: [(b.api, b.via) for b in r.blockers]
        for r in _migrate(_write(tmp_path, source)).routes
    }
    assert got == {
        "flask-jwt-extended user loader (runs for every view that requires a JWT) `load`": [
            ("flask_sqlalchemy.query.Query.get", ())
        ],
        "route `PUT /password`": [
            ("flask_sqlalchemy.query.Query.get", ("load",)),
            ("flask_bcrypt.Bcrypt.generate_password_hash", ()),
        ],
        "route `GET /open`": [],
    }


def test_the_cli_command_is_not_a_route() -> None:
    labels = [r.label for r in _migrate(EXAMPLE.parent).routes]
    assert not any("init_db" in label for label in labels)


def test_check_never_reports_flask_views() -> None:
    assert [f for f in run(EXAMPLE.parent) if "flask_app" in f.path] == []


def _write(tmp_path: Path, source: str) -> Path:
    (tmp_path / "app.py").write_text(textwrap.dedent(source))
    return tmp_path


# Flask contexts: source -> {label: blocking APIs}. Everything Flask calls per request is in;
# CLI commands, plain helpers and click commands are out.
CONTEXTS = [
    (
        """
        import time
        from flask import Flask
        app = Flask(__name__)

        @app.route("/a", methods=["GET", "POST"])
        def a():
            time.sleep(1)

        @app.delete("/b")
        def b():
            return ""

        def helper():
            time.sleep(1)

        @app.cli.command("seed")
        def seed():
            time.sleep(1)
        """,
        {"route `GET,POST /a`": ("time.sleep",), "route `DELETE /b`": ()},
    ),
    (
        """
        import time
        from flask import Blueprint, Flask
        from flask.views import MethodView, View
        app = Flask(__name__)
        bp = Blueprint("bp", __name__, url_prefix="/v1")

        class Items(MethodView):
            def get(self):
                time.sleep(1)
            def helper(self):
                time.sleep(1)

        class Page(View):
            def dispatch_request(self):
                return open("page.html").read()

        bp.add_url_rule("/items", view_func=Items.as_view("items"))
        app.add_url_rule("/page", view_func=Page.as_view("page"))
        """,
        {
            "route `GET /v1/items` (`Items.get`)": ("time.sleep",),
            "route `/page` (`Page.dispatch_request`)": ("builtins.open", "io.TextIOWrapper.read"),
        },
    ),
    (
        """
        import requests
        from flask import Flask
        app = Flask(__name__)

        @app.before_request
        def before():
            requests.get("http://auth")

        @app.teardown_request
        def teardown(exc):
            return None

        def on_500(error):
            requests.post("http://alerts")

        app.register_error_handler(500, on_500)
        """,
        {
            "before_request hook (runs before every request) `before`": ("requests.get",),
            "teardown_request hook (runs after every request) `teardown`": (),
            "error handler `on_500`": ("requests.post",),
        },
    ),
    (
        """
        import redis
        from flask import Flask
        from flask_restful import Api, Resource
        app = Flask(__name__)
        api = Api(app)
        cache = redis.Redis()

        class Counter(Resource):
            def get(self, name):
                return {"hits": cache.incr(name)}
            def delete(self, name):
                return "", 204

        api.add_resource(Counter, "/counters/<name>", "/c/<name>")
        """,
        {
            "route `GET /counters/<name>, GET /c/<name>` (`Counter.get`)": ("redis.Redis.incr",),
            "route `DELETE /counters/<name>, DELETE /c/<name>` (`Counter.delete`)": (),
        },
    ),
]


@pytest.mark.parametrize(("source", "expected"), CONTEXTS)
def test_flask_contexts(tmp_path: Path, source: str, expected: dict[str, tuple[str, ...]]) -> None:
    report = _migrate(_write(tmp_path, source))
    got = {route.label: tuple(b.api for b in route.blockers) for route in report.routes}
    assert got == expected


@pytest.mark.parametrize(("source", "expected"), CONTEXTS)
def test_check_reports_nothing_in_flask_contexts(
    tmp_path: Path, source: str, expected: dict[str, tuple[str, ...]]
) -> None:
    assert run(_write(tmp_path, source)) == []


def test_cli_formats_and_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    root = _write(tmp_path, CONTEXTS[0][0])
    text = runner.invoke(app, ["migrate", "--no-cache", str(root)])
    assert text.exit_code == 0, text.output
    assert "route GET,POST /a [a]: keep def" in text.output
    assert "a -> time.sleep (ASL501)" in text.output
    data = runner.invoke(app, ["migrate", "--no-cache", "-f", "json", str(root)])
    parsed = json.loads(data.output)
    assert parsed["summary"] == {
        "routes": 2,
        "async_ready": 1,
        "keep_def": 1,
        "blocking_hooks": 0,
        "blocking_every_request": [],
    }
    markdown = runner.invoke(app, ["migrate", "--no-cache", "--format", "markdown", str(root)])
    assert markdown.output.startswith("# Flask → FastAPI migration report")
    assert "| route `DELETE /b` | `b` (app.py:11) | can be `async def` | — |" in markdown.output
    failing = runner.invoke(app, ["migrate", "--no-cache", "--fail-on-blocking", str(root)])
    assert failing.exit_code == 1
