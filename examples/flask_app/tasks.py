from __future__ import annotations

from celery import Celery

celery = Celery("microblog", broker="redis://localhost:6379/0")


@celery.task
def notify_followers(post_id: int) -> None:
    # runs in a Celery worker: its own cost is not the web app's
    return None
