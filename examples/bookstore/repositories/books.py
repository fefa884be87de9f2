from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Book


class BookRepository:
    def __init__(self, db: Session) -> None:
        self.db = db

    def get_by_id(self, book_id: int) -> Optional[Book]:
        return self.db.query(Book).filter(Book.id == book_id).first()

    def get_by_isbn(self, isbn: str) -> Optional[Book]:
        return self.db.execute(select(Book).where(Book.isbn == isbn)).scalar_one_or_none()

    def create(self, **fields: Any) -> Book:
        book = Book(**fields)
        self.db.add(book)
        self.db.commit()
        self.db.refresh(book)
        return book
