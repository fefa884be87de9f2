"""Microblog: a small Flask app (blueprints, Flask-SQLAlchemy, flask-login, requests, boto3)
whose move to FastAPI `asynclint migrate` inventories (see docs/migrate.md)."""

from __future__ import annotations

import time

from flask import Flask, g, jsonify

from flask_app.auth import auth
from flask_app.extensions import db, login_manager
from flask_app.posts import posts
from flask_app.views import PostAPI


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_prefixed_env()
    db.init_app(app)
    login_manager.init_app(app)
    app.register_blueprint(auth, url_prefix="/auth")
    app.register_blueprint(posts, url_prefix="/posts")
    app.add_url_rule("/api/posts/<int:post_id>", view_func=PostAPI.as_view("post_api"))

    @app.before_request
    def start_timer() -> None:
        g.started = time.monotonic()

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[object, int]:
        return jsonify(error="not found"), 404

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.cli.command("init-db")
    def init_db() -> None:
        db.create_all()  # a CLI command: not a request, not in the report

    return app
