from typing import Any, Dict, List

import requests as http
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import AsyncDbSession, DbSession, get_db
from ..dependencies import get_current_user
from ..models import Book, Order, User
from ..schemas import OrderIn, OrderOut
from ..services.payments import PaymentClient
from ..services.shipping import notify_carrier
from ..settings import settings

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("", response_model=List[OrderOut])
async def list_my_orders(db: DbSession, user: User = Depends(get_current_user)):
    result = db.execute(
        select(Order).where(Order.user_id == user.id).order_by(Order.created_at.desc())
    )
    return result.scalars().all()


@router.get("/shipping-quote")
async def shipping_quote(postcode: str, weight_grams: int = 500) -> Dict[str, Any]:
    resp = http.get(
        f"{settings.carrier_url}/rates",
        params={"postcode": postcode, "weight": weight_grams},
        timeout=5,
    )
    resp.raise_for_status()
    return resp.json()


@router.post("", response_model=OrderOut, status_code=201)
async def checkout(
    payload: OrderIn, session: AsyncDbSession, user: User = Depends(get_current_user)
):
    book = await session.get(Book, payload.book_id)
    if book is None or book.stock < payload.quantity:
        raise HTTPException(409, "Not enough stock")
    total = book.price_cents * payload.quantity
    payments = PaymentClient()
    charge = payments.charge(total, "usd", user.email, f"{payload.quantity} x {book.title}")
    order = Order(user_id=user.id, book_id=book.id, quantity=payload.quantity,
                  total_cents=total, status="paid", payment_id=charge["id"])
    book.stock -= payload.quantity
    session.add(order)
    await session.commit()
    await notify_carrier(order.id, payload.shipping_address)
    return order


@router.get("/{order_id}", response_model=OrderOut)
def get_order(order_id: int, db: Session = Depends(get_db),
              user: User = Depends(get_current_user)):
    order = db.get(Order, order_id)
    if order is None or order.user_id != user.id:
        raise HTTPException(404, "Order not found")
    return order
