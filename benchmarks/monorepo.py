"""Generate a synthetic FastAPI monorepo of about N files for the scale benchmarks.

    python benchmarks/monorepo.py DEST --files 5000

Each service is a package laid out as real apps are: `routers/` (async routes with `Depends`)
-> `services/` -> `repositories/` (a sync SQLAlchemy `Session`, `requests`, boto3) and
`models/`, 60 to 90 lines a file. Every file's text is unique (names carry the service and
module number), so no cache can share one summary between two files. The same arguments
always give the same tree, with a `pyproject.toml` at its root (one project).
"""

from __future__ import annotations

import argparse
from pathlib import Path

MODULES_PER_LAYER = 10  # routers, services, repositories and models per service
FILES_PER_SERVICE = 4 * MODULES_PER_LAYER + 8  # + 5 package __init__s, main, deps, config

MODEL = '''\
"""Models of service {s}, part {m}."""

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Item{s}x{m}(Base):
    __tablename__ = "item_{s}_{m}"
    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    owner_id = Column(Integer, ForeignKey("owner_{s}_{m}.id"))
    created = Column(DateTime)
    owner = relationship("Owner{s}x{m}", back_populates="items")

    def label(self) -> str:
        return f"{{self.id}}: {{self.name}}"


class Owner{s}x{m}(Base):
    __tablename__ = "owner_{s}_{m}"
    id = Column(Integer, primary_key=True)
    email = Column(String(320), unique=True)
    items = relationship("Item{s}x{m}", back_populates="owner")
{filler}
'''

REPOSITORY = '''\
"""Data access of service {s}, part {m}: sync drivers, as ported from a Flask app."""

import boto3
import requests
from sqlalchemy.orm import Session

from app.models.model_{m} import Item{s}x{m}, Owner{s}x{m}

BUCKET = "bucket-{s}-{m}"


class Repository{s}x{m}:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, item_id: int):
        return self.session.get(Item{s}x{m}, item_id)

    def list(self, limit: int = 50):
        return self.session.query(Item{s}x{m}).limit(limit).all()

    def add(self, name: str, owner_id: int):
        item = Item{s}x{m}(name=name, owner_id=owner_id)
        self.session.add(item)
        self.session.commit()
        return item

    def owner(self, owner_id: int):
        return self.session.query(Owner{s}x{m}).filter_by(id=owner_id).first()

    def fetch_price(self, sku: str) -> float:
        reply = requests.get(f"https://prices.example.com/{s}/{m}/{{sku}}", timeout=5)
        return float(reply.json()["price"])

    def archive(self, key: str, body: bytes) -> None:
        boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
{filler}
'''

SERVICE = '''\
"""Business rules of service {s}, part {m}."""

from sqlalchemy.orm import Session

from app.repositories.repository_{m} import Repository{s}x{m}


def normalise_{s}_{m}(name: str) -> str:
    return " ".join(name.split()).title()


class Service{s}x{m}:
    def __init__(self, session: Session) -> None:
        self.repository = Repository{s}x{m}(session)

    def show(self, item_id: int):
        return self.repository.get(item_id)

    def catalogue(self):
        return [item.label() for item in self.repository.list()]

    def create(self, name: str, owner_id: int):
        return self.repository.add(normalise_{s}_{m}(name), owner_id)

    def quote(self, sku: str) -> float:
        return round(self.repository.fetch_price(sku) * 1.2, 2)

    def export(self, item_id: int) -> None:
        item = self.repository.get(item_id)
        self.repository.archive(f"items/{{item_id}}", item.label().encode())
{filler}
'''

ROUTER = '''\
"""Routes of service {s}, part {m}."""

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.deps import get_session
from app.services.service_{m} import Service{s}x{m}, normalise_{s}_{m}

router = APIRouter(prefix="/s{s}/m{m}")


@router.get("/items/{{item_id}}")
async def show_{s}_{m}(item_id: int, session: Session = Depends(get_session)):
    return Service{s}x{m}(session).show(item_id)


@router.get("/items")
async def catalogue_{s}_{m}(session: Session = Depends(get_session)):
    return Service{s}x{m}(session).catalogue()


@router.post("/items")
async def create_{s}_{m}(name: str, owner_id: int, session: Session = Depends(get_session)):
    return Service{s}x{m}(session).create(name, owner_id)


@router.get("/quote/{{sku}}")
async def quote_{s}_{m}(sku: str, session: Session = Depends(get_session)):
    return {{"price": Service{s}x{m}(session).quote(sku)}}


@router.get("/normalise")
async def normalise_route_{s}_{m}(name: str):
    return {{"name": normalise_{s}_{m}(name)}}


@router.post("/export/{{item_id}}")
def export_{s}_{m}(item_id: int, session: Session = Depends(get_session)):
    Service{s}x{m}(session).export(item_id)
{filler}
'''

FILLER = '''

def helper_{s}_{m}_{k}(values: list[int], factor: int = {k}) -> dict[str, int]:
    """Pure bookkeeping, as every real module has some."""
    total = 0
    for index, value in enumerate(values):
        if value % 2:
            total += value * factor
        else:
            total -= index
    return {{"total": total, "count": len(values), "factor": factor}}
'''

MAIN = '''\
"""Service {s}."""

from fastapi import FastAPI

from app.routers import {imports}

app = FastAPI(title="service {s}")
{includes}
'''

DEPS = '''\
"""Dependencies of service {s}."""

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from app.config import DATABASE_URL

engine = create_engine(DATABASE_URL)
SessionLocal = sessionmaker(bind=engine)


def get_session():
    session = SessionLocal()
    try:
        yield session
    finally:
        session.close()
'''

CONFIG = 'DATABASE_URL = "postgresql://localhost/service_{s}"\n'


def _filler(s: int, m: int, count: int) -> str:
    return "".join(FILLER.format(s=s, m=m, k=k) for k in range(count))


def generate(dest: Path, files: int) -> int:
    """Write the tree; returns the number of .py files written."""
    services = max(1, round(files / FILES_PER_SERVICE))
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "pyproject.toml").write_text('[project]\nname = "monorepo"\nversion = "0"\n')
    written = 0
    for s in range(services):
        app = dest / f"service_{s}" / "app"
        for layer in ("routers", "services", "repositories", "models"):
            (app / layer).mkdir(parents=True, exist_ok=True)
            (app / layer / "__init__.py").write_text("")
        (app / "__init__.py").write_text("")
        (app / "config.py").write_text(CONFIG.format(s=s))
        (app / "deps.py").write_text(DEPS.format(s=s))
        routers = [f"router_{m}" for m in range(MODULES_PER_LAYER)]
        (app / "main.py").write_text(
            MAIN.format(
                s=s,
                imports=", ".join(routers),
                includes="".join(f"app.include_router({r}.router)\n" for r in routers),
            )
        )
        written += 8
        for m in range(MODULES_PER_LAYER):
            for layer, name, template, fill in (
                ("models", f"model_{m}", MODEL, 5),
                ("repositories", f"repository_{m}", REPOSITORY, 4),
                ("services", f"service_{m}", SERVICE, 4),
                ("routers", f"router_{m}", ROUTER, 3),
            ):
                text = template.format(s=s, m=m, filler=_filler(s, m, fill))
                (app / layer / f"{name}.py").write_text(text)
                written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    print(generate(args.dest, args.files), "files written to", args.dest)


if __name__ == "__main__":
    main()
