"""Configuration, read from the environment (and a local .env file in development)."""

import os
from pathlib import Path


def _load_env_file(path: str = ".env") -> None:
    env_path = Path(path)
    if not env_path.is_file():
        return
    with open(env_path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.partition("=")
            os.environ.setdefault(key.strip(), value.strip().strip('"'))


_load_env_file()


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


class Settings:
    def __init__(self) -> None:
        self.database_url = _env("DATABASE_URL", "postgresql+psycopg2://shop:shop@localhost/shop")
        self.async_database_url = _env(
            "ASYNC_DATABASE_URL", "postgresql+asyncpg://shop:shop@localhost/shop"
        )
        self.redis_host = _env("REDIS_HOST", "localhost")
        self.redis_port = int(_env("REDIS_PORT", "6379"))
        self.aws_region = _env("AWS_REGION", "eu-west-1")
        self.covers_bucket = _env("COVERS_BUCKET", "bookstore-covers")
        self.openai_api_key = _env("OPENAI_API_KEY")
        self.openai_model = _env("OPENAI_MODEL", "gpt-4o-mini")
        self.openlibrary_url = _env("OPENLIBRARY_URL", "https://openlibrary.org")
        self.carrier_url = _env("CARRIER_URL", "https://api.parcelpost.example")
        self.cdn_api_url = _env("CDN_API_URL", "https://cdn.example/api")
        self.payments_url = _env("PAYMENTS_URL", "https://api.payments.example/v1")
        self.payments_api_key = _env("PAYMENTS_API_KEY")
        self.smtp_host = _env("SMTP_HOST", "localhost")
        self.smtp_port = int(_env("SMTP_PORT", "587"))
        self.smtp_user = _env("SMTP_USER")
        self.smtp_password = _env("SMTP_PASSWORD")
        self.mail_from = _env("MAIL_FROM", "Bookstore <hello@bookstore.example>")
        self.jwt_secret = _env("JWT_SECRET", "change-me")
        self.admin_key_hash = _env("ADMIN_KEY_HASH")
        self.data_dir = _env("DATA_DIR", "/var/lib/bookstore")
        self.featured_file = _env("FEATURED_FILE", "featured.json")


settings = Settings()
