import asyncio
import csv
import functools
import json
import os
import subprocess
from datetime import datetime
from pathlib import Path
from time import sleep as pause
from typing import Any, Dict, List

import httpx
from fastapi import APIRouter, Depends, File, Header, HTTPException, UploadFile
from sqlalchemy.orm import Session

from ..db import SessionLocal, get_db
from ..models import Book, Order
from ..services.payments import PaymentClient
from ..services.security import verify_admin_key
from ..services.storage import upload_cover
from ..settings import settings


def require_admin_key(x_admin_key: str = Header(...)) -> None:
    if not verify_admin_key(x_admin_key):
        raise HTTPException(403, "Invalid admin key")


router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin_key)])


def export_catalog_csv(path: str, include_stock: bool = False) -> int:
    with SessionLocal() as db:
        books = db.query(Book).order_by(Book.id).all()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "isbn", "title", "author", "price_cents"]
                        + (["stock"] if include_stock else []))
        for book in books:
            row = [book.id, book.isbn, book.title, book.author, book.price_cents]
            writer.writerow(row + [book.stock] if include_stock else row)
    return len(books)


@router.post("/backup")
async def backup_database() -> Dict[str, str]:
    target = os.path.join(settings.data_dir, "backups", f"{datetime.utcnow():%Y%m%d-%H%M%S}.dump")
    dsn = settings.database_url.replace("+psycopg2", "")
    subprocess.run(["pg_dump", "--format=custom", f"--file={target}", dsn],
                   check=True, capture_output=True, timeout=900)
    return {"backup": target}


@router.post("/cdn/purge")
async def purge_cdn(paths: List[str]) -> Dict[str, int]:
    purged = 0
    async with httpx.AsyncClient(base_url=settings.cdn_api_url, timeout=10) as client:
        for path in paths:
            resp = await client.post("/purge", json={"path": path})
            if resp.is_success:
                purged += 1
            pause(0.2)  # the CDN API allows five purges per second
    return {"purged": purged}


@router.post("/exports/catalog")
async def export_catalog(include_stock: bool = False) -> Dict[str, Any]:
    path = os.path.join(settings.data_dir, "exports", f"catalog-{datetime.utcnow():%Y%m%d}.csv")
    loop = asyncio.get_running_loop()
    rows = await loop.run_in_executor(
        None, functools.partial(export_catalog_csv, path, include_stock=include_stock)
    )
    return {"path": path, "rows": rows}


@router.post("/search-index/rebuild")
async def rebuild_search_index() -> Dict[str, int]:
    def build() -> int:
        with SessionLocal() as db:
            docs = [{"id": b.id, "title": b.title, "author": b.author}
                    for b in db.query(Book).all()]
        Path(settings.data_dir, "search-index.json").write_text(json.dumps(docs))
        return len(docs)

    return {"indexed": await asyncio.to_thread(build)}


@router.put("/books/{book_id}/cover")
async def replace_cover(book_id: int, file: UploadFile = File(...)) -> Dict[str, str]:
    key = f"covers/{book_id}/{os.path.basename(file.filename or 'cover.jpg')}"
    url = await asyncio.to_thread(
        upload_cover, file.file, key, content_type=file.content_type or "image/jpeg"
    )
    return {"cover_url": url}


@router.post("/orders/{order_id}/refund")
def refund_order(order_id: int, db: Session = Depends(get_db)) -> Dict[str, str]:
    order = db.get(Order, order_id)
    if order is None or order.payment_id is None:
        raise HTTPException(404, "No paid order with this id")
    refund = PaymentClient().refund(order.payment_id)
    order.status = "refunded"
    db.commit()
    return {"refund_id": refund["id"]}
