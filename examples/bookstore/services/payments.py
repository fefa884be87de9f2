from typing import Any, Dict, Optional

import requests

from ..settings import settings


class PaymentError(Exception):
    pass


class PaymentClient:
    """Thin client for the payment provider's REST API (the same one the Flask app used)."""

    def __init__(self, api_key: Optional[str] = None, base_url: Optional[str] = None) -> None:
        self.base_url = (base_url or settings.payments_url).rstrip("/")
        self.session = requests.Session()
        token = api_key or settings.payments_api_key
        self.session.headers.update({"Authorization": f"Bearer {token}"})

    def charge(
        self, amount_cents: int, currency: str, email: str, description: str
    ) -> Dict[str, Any]:
        resp = self.session.post(
            f"{self.base_url}/charges",
            json={"amount": amount_cents, "currency": currency, "receipt_email": email,
                  "description": description},
            timeout=15,
        )
        return self._check(resp)

    def refund(self, charge_id: str, amount_cents: Optional[int] = None) -> Dict[str, Any]:
        payload: Dict[str, Any] = {"charge": charge_id}
        if amount_cents is not None:
            payload["amount"] = amount_cents
        resp = self.session.post(f"{self.base_url}/refunds", json=payload, timeout=15)
        return self._check(resp)

    @staticmethod
    def _check(resp: requests.Response) -> Dict[str, Any]:
        if resp.status_code >= 400:
            raise PaymentError(resp.json().get("error", {}).get("message", resp.text))
        return resp.json()
