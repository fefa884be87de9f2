import asyncio
from typing import Any, Dict, List, Optional

import httpx
import requests
from fastapi import APIRouter, Depends, File, HTTPException, UploadFile
from sqlalchemy.orm import Session

from ..db import AsyncDbSession, get_db
from ..models import Book
from ..repositories.books import BookRepository
from ..schemas import BookIn, BookOut
from ..services.cache import MemoryCache, get_cached_book
from ..services.covers import attach_cover
from ..services.recommendations import openai_client, recommend_similar
from ..settings import settings

router = APIRouter(prefix="/books", tags=["books"])

_metadata_cache = MemoryCache(ttl_seconds=3600)


@router.get("", response_model=List[BookOut])
async def list_books(skip: int = 0, limit: int = 50, db: Session = Depends(get_db)):
    return db.query(Book).order_by(Book.title).offset(skip).limit(limit).all()


@router.post("", response_model=BookOut, status_code=201)
def create_book(payload: BookIn, db: Session = Depends(get_db)):
    repo = BookRepository(db)
    if repo.get_by_isbn(payload.isbn) is not None:
        raise HTTPException(409, "A book with this ISBN already exists")
    return repo.create(**payload.model_dump())


@router.get("/isbn/{isbn}/metadata")
async def fetch_metadata(isbn: str) -> Dict[str, Any]:
    resp = requests.get(f"{settings.openlibrary_url}/isbn/{isbn}.json", timeout=10)
    if resp.status_code == 404:
        raise HTTPException(404, "Unknown ISBN")
    resp.raise_for_status()
    data = resp.json()
    return {"isbn": isbn, "title": data.get("title"), "pages": data.get("number_of_pages")}


@router.post("/metadata/batch")
async def fetch_metadata_batch(isbns: List[str]) -> Dict[str, Optional[dict]]:
    results: Dict[str, Optional[dict]] = {}
    requests = []  # ISBNs we still have to ask Open Library about
    for isbn in isbns:
        hit = _metadata_cache.get(isbn)
        if hit is not None:
            results[isbn] = hit
        else:
            requests.append(isbn)
    async with httpx.AsyncClient(base_url=settings.openlibrary_url, timeout=10) as client:
        responses = await asyncio.gather(*(client.get(f"/isbn/{i}.json") for i in requests))
    for isbn, resp in zip(requests, responses):
        data = resp.json() if resp.status_code == 200 else None
        _metadata_cache.set(isbn, data)
        results[isbn] = data
    return results


@router.get("/{book_id}", response_model=BookOut)
async def get_book(book_id: int, db: Session = Depends(get_db)):
    cached = await get_cached_book(book_id)
    if cached is not None:
        return cached
    book = BookRepository(db).get_by_id(book_id)
    if book is None:
        raise HTTPException(404, "Book not found")
    return book


@router.put("/{book_id}/cover", status_code=202)
async def upload_book_cover(book_id: int, file: UploadFile = File(...)) -> Dict[str, str]:
    if file.content_type not in ("image/jpeg", "image/png"):
        raise HTTPException(415, "Covers must be JPEG or PNG")
    url = attach_cover(book_id, file)
    return {"cover_url": url}


@router.get("/{book_id}/blurb")
async def generate_blurb(book_id: int, session: AsyncDbSession) -> Dict[str, str]:
    book = await session.get(Book, book_id)
    if book is None:
        raise HTTPException(404, "Book not found")
    completion = openai_client.chat.completions.create(
        model=settings.openai_model,
        messages=[{"role": "user",
                   "content": f"Write a two-sentence blurb for '{book.title}' by {book.author}."}],
    )
    return {"blurb": completion.choices[0].message.content or ""}


@router.get("/{book_id}/similar")
async def similar_books(book_id: int, session: AsyncDbSession) -> Dict[str, List[str]]:
    book = await session.get(Book, book_id)
    if book is None:
        raise HTTPException(404, "Book not found")
    return {"suggestions": await recommend_similar(book.title, book.author)}
