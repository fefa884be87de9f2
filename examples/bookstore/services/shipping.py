import logging
import time

import httpx

from ..settings import settings

logger = logging.getLogger(__name__)


async def notify_carrier(order_id: int, address: str, attempts: int = 3) -> None:
    """Book a pickup with the carrier. Their API drops requests under load, so retry."""
    payload = {"reference": f"order-{order_id}", "address": address}
    async with httpx.AsyncClient(base_url=settings.carrier_url, timeout=5.0) as client:
        for attempt in range(1, attempts + 1):
            try:
                resp = await client.post("/shipments", json=payload)
                resp.raise_for_status()
                return
            except httpx.HTTPError as exc:
                if attempt == attempts:
                    raise
                logger.warning("carrier call failed (attempt %d): %s", attempt, exc)
                time.sleep(0.5 * attempt)
