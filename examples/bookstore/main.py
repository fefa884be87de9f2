import json
import logging
import time
from pathlib import Path
from typing import Awaitable, Callable, Set

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from . import __version__
from .db import AsyncSessionLocal
from .models import Book
from .routers import admin, books, orders, users
from .services.cache import cache_book, record_hit
from .services.payments import PaymentError
from .settings import settings

logger = logging.getLogger("bookstore")

app = FastAPI(title="Bookstore API", version=__version__)
app.include_router(books.router)
app.include_router(orders.router)
app.include_router(users.router)
app.include_router(admin.router)

FEATURED_ISBNS: Set[str] = set()


@app.middleware("http")
async def timing_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    elapsed_ms = (time.perf_counter() - started) * 1000
    record_hit(request.url.path)
    response.headers["X-Response-Time"] = f"{elapsed_ms:.1f}ms"
    logger.info("%s %s %d %.1fms", request.method, request.url.path,
                response.status_code, elapsed_ms)
    return response


@app.on_event("startup")
def load_featured_isbns() -> None:
    try:
        FEATURED_ISBNS.update(json.loads(Path(settings.featured_file).read_text()))
    except FileNotFoundError:
        logger.warning("no featured list at %s", settings.featured_file)


@app.on_event("startup")
async def warm_book_cache() -> None:
    async with AsyncSessionLocal() as session:
        result = await session.execute(select(Book).where(Book.featured.is_(True)).limit(50))
        for book in result.scalars():
            await cache_book(book)


@app.exception_handler(PaymentError)
async def payment_error_handler(request: Request, exc: PaymentError) -> JSONResponse:
    logger.warning("payment failed on %s: %s", request.url.path, exc)
    return JSONResponse(status_code=402, content={"detail": str(exc)})
