from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user, login_required
from sqlalchemy import select

from flask_app.extensions import db, s3
from flask_app.models import Post, User
from flask_app.tasks import notify_followers
from flask_app.weather import current_weather

posts = Blueprint("posts", __name__)


@posts.route("/")
def index():
    items = db.session.scalars(select(Post).order_by(Post.id.desc()).limit(20)).all()
    return {"posts": [{"id": p.id, "title": p.title} for p in items]}


@posts.route("/<int:post_id>")
def show(post_id: int):
    post = db.get_or_404(Post, post_id)
    return {"id": post.id, "title": post.title, "body": post.body}


@posts.route("/", methods=["POST"])
@login_required
def create():
    data = request.get_json()
    post = Post(author_id=current_user.id, title=data["title"], body=data["body"])
    db.session.add(post)
    db.session.commit()
    notify_followers.delay(post.id)
    return {"id": post.id}, 201


@posts.route("/<int:post_id>/image", methods=["PUT"])
@login_required
def upload_image(post_id: int):
    post = db.get_or_404(Post, post_id)
    if post.author_id != current_user.id:
        abort(403)
    key = f"posts/{post_id}/{request.files['image'].filename}"
    s3.upload_fileobj(request.files["image"], "microblog-images", key)
    post.image_key = key
    db.session.commit()
    return {"image_key": key}


@posts.get("/by/<email>")
def by_author(email: str):
    author = User.query.filter_by(email=email).first_or_404()
    page = Post.query.filter_by(author_id=author.id).paginate(page=request.args.get("page", 1))
    return {"author": author.email, "posts": [p.title for p in page.items]}


@posts.get("/weather/<city>")
def weather(city: str):
    return current_weather(city)


@posts.get("/markdown-help")
def markdown_help():
    return {"bold": "**text**", "italic": "*text*"}
