from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for
from flask_login import login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash

from flask_app.extensions import db
from flask_app.models import User

auth = Blueprint("auth", __name__)


@auth.route("/login", methods=["POST"])
def login():
    data = request.get_json()
    user = db.session.execute(select(User).filter_by(email=data["email"])).scalar_one_or_none()
    if user is None or not check_password_hash(user.password_hash, data["password"]):
        return {"error": "bad credentials"}, 401
    login_user(user)
    session["last_login_email"] = user.email
    return {"id": user.id}


@auth.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("posts.index"))
