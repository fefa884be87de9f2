import json
import time
from typing import Any, Dict, Optional, Tuple

import redis
import redis.asyncio as aioredis

from ..models import Book
from ..settings import settings

# Ops dashboard counters (shared with the old Flask workers, hence the sync client).
redis_client = redis.Redis(host=settings.redis_host, port=settings.redis_port, db=1)
async_redis = aioredis.Redis(host=settings.redis_host, port=settings.redis_port, db=0)

BOOK_TTL = 300


def record_hit(path: str) -> None:
    key = f"hits:{time.strftime('%Y-%m-%d')}:{path}"
    redis_client.incr(key)
    redis_client.expire(key, 7 * 24 * 3600)


async def get_cached_book(book_id: int) -> Optional[Dict[str, Any]]:
    raw = await async_redis.get(f"book:{book_id}")
    return json.loads(raw) if raw else None


async def cache_book(book: Book) -> None:
    data = {
        "id": book.id, "isbn": book.isbn, "title": book.title, "author": book.author,
        "price_cents": book.price_cents, "stock": book.stock, "cover_url": book.cover_url,
    }
    await async_redis.set(f"book:{book.id}", json.dumps(data), ex=BOOK_TTL)


class MemoryCache:
    """Tiny per-process TTL cache for values that are cheap to lose."""

    def __init__(self, ttl_seconds: float = 60.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._items: Dict[str, Tuple[float, Any]] = {}

    def get(self, key: str) -> Optional[Any]:
        item = self._items.get(key)
        if item is None:
            return None
        expires_at, value = item
        if expires_at < time.monotonic():
            del self._items[key]
            return None
        return value

    def set(self, key: str, value: Any) -> None:
        self._items[key] = (time.monotonic() + self.ttl_seconds, value)
