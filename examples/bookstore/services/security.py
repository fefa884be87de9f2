from datetime import datetime, timedelta, timezone
from typing import Any, Dict

import bcrypt
import jwt
from passlib.context import CryptContext

from ..settings import settings

pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")


def hash_password(password: str) -> str:
    return pwd_context.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return pwd_context.verify(password, hashed)


def verify_admin_key(key: str) -> bool:
    return bcrypt.checkpw(key.encode(), settings.admin_key_hash.encode())


def create_access_token(subject: str, minutes: int = 60) -> str:
    expires = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    return jwt.encode({"sub": subject, "exp": expires}, settings.jwt_secret, algorithm="HS256")


def decode_access_token(token: str) -> Dict[str, Any]:
    return jwt.decode(token, settings.jwt_secret, algorithms=["HS256"])
