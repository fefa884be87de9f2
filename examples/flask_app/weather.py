from __future__ import annotations

import requests

WEATHER_URL = "https://api.weather.example/v1/current"


def current_weather(city: str) -> dict[str, object]:
    response = requests.get(WEATHER_URL, params={"city": city}, timeout=5)
    response.raise_for_status()
    return response.json()
