import fakesdk
from fakesdk import Client
from fakesdk.helpers import fetch_report, version
from fastapi import FastAPI

app = FastAPI()
client = Client("key")


def send_all(items: list) -> None:
    for item in items:
        client.send(item)


@app.post("/send")
async def send(payload: dict) -> dict:
    return client.send(payload)  # error: ASL101


@app.post("/batch")
async def batch(items: list) -> None:
    send_all(items)  # error: ASL101


@app.get("/ping")
async def ping() -> None:
    fakesdk.Client("key").ping()  # error: ASL102


@app.get("/report")
async def report() -> str:
    return fetch_report("daily")  # error: ASL501


@app.put("/blob")
async def blob(data: bytes) -> str:
    # `_backend` is annotated with the abstract `Backend`; `Storage` assigns the implementations
    return fakesdk.Storage(remote=True).upload(data)  # error: ASL101


@app.get("/quiet")
async def quiet() -> dict:
    client.describe()  # ok: the request is only made in an exception handler
    client.rename("x")  # ok: a deprecation shim that warns and reports telemetry
    client.settings()  # ok: fetched once per client, in `if self._settings is None:`
    repr(client)  # ok: `__repr__` is not followed
    Client("other")  # ok: building a client does no I/O
    return {"version": version()}  # ok: the sleep is under `if __debug__:`
