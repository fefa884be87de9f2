import os
from typing import Dict

from fastapi import APIRouter, BackgroundTasks, Depends, File, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import AsyncDbSession, get_db
from ..dependencies import get_current_user
from ..models import User
from ..schemas import UserCreate, UserOut
from ..services.mailer import send_welcome_email
from ..services.security import create_access_token, hash_password, verify_password
from ..settings import settings

router = APIRouter(prefix="/users", tags=["users"])

MAX_AVATAR_BYTES = 2 * 1024 * 1024


@router.post("", response_model=UserOut, status_code=201)
async def register(payload: UserCreate, background_tasks: BackgroundTasks,
                   session: AsyncDbSession):
    existing = await session.execute(select(User).where(User.email == payload.email))
    if existing.scalar_one_or_none() is not None:
        raise HTTPException(409, "Email already registered")
    # bcrypt is slow on purpose; hash in the threadpool
    hashed = await run_in_threadpool(hash_password, payload.password)
    user = User(email=payload.email, name=payload.name, hashed_password=hashed)
    session.add(user)
    await session.commit()
    background_tasks.add_task(send_welcome_email, user.email, user.name)
    return user


@router.post("/token")
def login(form: OAuth2PasswordRequestForm = Depends(),
          db: Session = Depends(get_db)) -> Dict[str, str]:
    user = db.query(User).filter(User.email == form.username).first()
    if user is None or not verify_password(form.password, user.hashed_password):
        raise HTTPException(401, "Incorrect email or password")
    return {"access_token": create_access_token(user.email), "token_type": "bearer"}


@router.get("/me", response_model=UserOut)
async def read_me(user: User = Depends(get_current_user)):
    return user


@router.post("/me/avatar")
async def upload_avatar(session: AsyncDbSession, file: UploadFile = File(...),
                        user: User = Depends(get_current_user)) -> Dict[str, str]:
    contents = await file.read()
    if len(contents) > MAX_AVATAR_BYTES:
        raise HTTPException(413, "Avatar too large")
    filename = f"{user.id}-{os.path.basename(file.filename or 'avatar.png')}"
    path = os.path.join(settings.data_dir, "avatars", filename)
    with open(path, "wb") as out:
        out.write(contents)
    db_user = await session.get(User, user.id)
    if db_user is not None:
        db_user.avatar_path = path
        await session.commit()
    return {"avatar_path": path}


@router.post("/me/welcome-email", status_code=202)
async def resend_welcome_email(user: User = Depends(get_current_user)) -> Dict[str, str]:
    await run_in_threadpool(send_welcome_email, user.email, user.name)
    return {"status": "sent"}
