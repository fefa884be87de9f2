from __future__ import annotations

from flask.views import MethodView

from flask_app.extensions import db
from flask_app.models import Post


class PostAPI(MethodView):
    def get(self, post_id: int):
        post = db.get_or_404(Post, post_id)
        return {"id": post.id, "title": post.title}

    def delete(self, post_id: int):
        post = db.get_or_404(Post, post_id)
        db.session.delete(post)
        db.session.commit()
        return "", 204
