"""Flask's execution model, as data, for ``asynclint migrate``: which functions Flask calls for a
request (views, view-class methods, request hooks, error handlers, flask-login loaders) and
would therefore become ``async def`` handlers after a port to FastAPI. ``check`` never reads it:
in Flask these functions are plain ``def`` and run in a worker thread, so nothing blocks a loop.
"""

from __future__ import annotations

from typing import NamedTuple

# the app and blueprint classes whose decorators register views and hooks
FLASK_APPS = frozenset(
    {
        "flask.Flask",
        "flask.app.Flask",
        "flask.Blueprint",
        "flask.blueprints.Blueprint",
        "flask.sansio.app.App",
        "flask.sansio.blueprints.Blueprint",
    }
)

# `@bp.route("/p", methods=[...])` and Flask 2's `@app.get("/p")`: decorator -> HTTP verb
# ("" when the `methods=` argument says, GET by default)
ROUTE_DECORATORS = {
    "route": "",
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
}

# request hooks and error handlers: decorator (or registering method) -> what FastAPI calls it
HOOKS = {
    "before_request": "before_request hook (runs before every request)",
    "before_app_request": "before_request hook (runs before every request)",
    "after_request": "after_request hook (runs after every request)",
    "after_app_request": "after_request hook (runs after every request)",
    "teardown_request": "teardown_request hook (runs after every request)",
    "teardown_app_request": "teardown_request hook (runs after every request)",
    "teardown_appcontext": "teardown_appcontext hook (runs after every request)",
    "errorhandler": "error handler",
    "app_errorhandler": "error handler",
    "register_error_handler": "error handler",
}

# the hooks that run for every request (the others run on an error)
EVERY_REQUEST = frozenset(hook for hook in HOOKS if "every request" in HOOKS[hook])

# flask-login calls these to load `current_user` for every view that reads it
LOGIN_LOADERS = frozenset({"user_loader", "request_loader"})
LOGIN_REQUIRED = frozenset({"flask_login.login_required", "flask_login.utils.login_required"})
# calling these (or a method of `current_user`) loads the user
USER_LOADING = frozenset(
    {
        "flask_login.logout_user",
        "flask_login.utils.logout_user",
        "flask_login.current_user",
        "flask_login.utils.current_user",
    }
)
LOGIN_MANAGERS = frozenset({"flask_login.LoginManager", "flask_login.login_manager.LoginManager"})


class UserLoading(NamedTuple):
    """An extension that loads the request's user through a callback the app registers."""

    label: str
    managers: frozenset[str]  # the classes whose methods register the callback
    loaders: frozenset[str]  # the registering methods (decorator or call)
    required: frozenset[str]  # view decorators (bare or called) that load the user
    loading: frozenset[str]  # names whose call, or an attribute of which, loads it


_JWT = ("flask_jwt_extended", "flask_jwt_extended.view_decorators", "flask_jwt_extended.utils")
USER_LOADERS = (
    UserLoading(
        "flask-login user loader (runs for every view that reads `current_user`)",
        LOGIN_MANAGERS,
        LOGIN_LOADERS,
        LOGIN_REQUIRED,
        USER_LOADING,
    ),
    # flask-jwt-extended 4 `user_lookup_loader`, 3 `user_loader_callback_loader`: the JWT
    # decorators verify the token and then load the user (view_decorators.py:
    # `verify_jwt_in_request` stores `_load_user(...)` in `g`)
    UserLoading(
        "flask-jwt-extended user loader (runs for every view that requires a JWT)",
        frozenset({"flask_jwt_extended.JWTManager", "flask_jwt_extended.jwt_manager.JWTManager"}),
        frozenset({"user_lookup_loader", "user_loader_callback_loader"}),
        frozenset(
            f"{module}.{name}"
            for module in _JWT
            for name in ("jwt_required", "jwt_optional", "fresh_jwt_required")
        ),
        # reading `current_user` afterwards reads what the decorator loaded into `g`
        frozenset(
            f"{module}.{name}"
            for module in _JWT
            for name in (
                "verify_jwt_in_request",
                "verify_jwt_in_request_optional",
                "verify_fresh_jwt_in_request",
            )
        ),
    ),
)
USER_LOADER_METHODS = frozenset(m for family in USER_LOADERS for m in family.loaders)

# Flask-HTTPAuth: `@auth.verify_password` / `@auth.verify_token` callbacks run for every view
# decorated with that object's `@auth.login_required`
HTTPAUTH_CLASSES = frozenset(
    {
        "flask_httpauth.HTTPBasicAuth",
        "flask_httpauth.HTTPTokenAuth",
        "flask_httpauth.HTTPDigestAuth",
        "flask_httpauth.HTTPMultiAuth",
        "flask_httpauth.MultiAuth",
    }
)
HTTPAUTH_CALLBACKS = frozenset({"verify_password", "verify_token", "get_user_roles"})

# class-based views: their HTTP-method handlers run per request
VIEW_BASES = frozenset(
    {
        "flask.views.View",
        "flask.views.MethodView",
        "flask_restful.Resource",
        "flask_restx.Resource",
        "flask_smorest.MethodView",
    }
)
VIEW_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "dispatch_request")

# SQLAlchemy ORM events that fire while a flush or a commit runs: a listener's cost is paid
# by the request whose `commit()` (or `flush()`) triggers it. Mapper events fire for the
# objects of the model the listener is registered on; session events for every commit.
ORM_LISTENERS = frozenset({"sqlalchemy.event.listens_for", "sqlalchemy.event.api.listens_for"})
ORM_LISTEN = frozenset({"sqlalchemy.event.listen", "sqlalchemy.event.api.listen"})
ORM_EVENTS = frozenset(
    {
        "before_insert",
        "after_insert",
        "before_update",
        "after_update",
        "before_delete",
        "after_delete",
        "before_flush",
        "after_flush",
        "after_flush_postexec",
        "before_commit",
        "after_commit",
    }
)
# the APIs that flush the session (and so fire the events above)
FLUSHING = (".commit", ".flush")

# registrations by call, whose arguments the summaries keep (see fastapi_model.ARGUMENTS_READ)
URL_RULES = frozenset({"add_url_rule"})
RESOURCES = frozenset({"add_resource"})  # flask-restful `api.add_resource(Resource, "/p")`
CALL_REGISTRATIONS = URL_RULES | RESOURCES | frozenset(HOOKS) | {"listen"} | USER_LOADER_METHODS

# Flask request-scoped pieces that FastAPI replaces: imported name -> the FastAPI way
REPLACED_PIECES = {
    "flask.request": "`Request`, or typed parameters and a Pydantic body model "
    "(`request.get_json()` / `request.form` / `request.args`)",
    "flask.g": "a dependency (`Depends(...)`) or `request.state`",
    "flask.session": "Starlette's `SessionMiddleware` (`request.session`)",
    "flask.current_app": "the app's state (`request.app.state`) or settings dependencies",
    "flask.abort": "`raise HTTPException(status_code=...)`",
    "flask.jsonify": "return a dict or a Pydantic model (FastAPI serialises it)",
    "flask.render_template": "`Jinja2Templates(...).TemplateResponse(...)`",
    "flask.redirect": "`RedirectResponse`",
    "flask.url_for": "`request.url_for(...)`",
    "flask.flash": "a session-backed message helper (no built-in equivalent)",
    "flask_login.current_user": "a `Depends(get_current_user)` dependency",
    "flask_login.login_required": "a `Depends(get_current_user)` dependency on the route",
    "flask_login.login_user": "issuing a session cookie or token in the login route",
    "flask_login.logout_user": "clearing the session cookie or token",
    "flask_jwt_extended.jwt_required": "a `Depends` on an OAuth2/JWT bearer dependency",
    "flask_jwt_extended.get_jwt_identity": "the JWT dependency's return value",
    "flask_wtf.FlaskForm": "a Pydantic model (or `Form(...)` parameters)",
}
