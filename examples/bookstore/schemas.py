from datetime import datetime
from typing import Optional

from pydantic import BaseModel, ConfigDict


class BookIn(BaseModel):
    isbn: str
    title: str
    author: str
    price_cents: int
    stock: int = 0


class BookOut(BookIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    cover_url: Optional[str] = None


class UserCreate(BaseModel):
    email: str
    name: str
    password: str


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str


class OrderIn(BaseModel):
    book_id: int
    quantity: int = 1
    shipping_address: str


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    book_id: int
    quantity: int
    total_cents: int
    status: str
    created_at: datetime
