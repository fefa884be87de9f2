import uuid

from fastapi import UploadFile

from .storage import upload_cover


def attach_cover(book_id: int, upload: UploadFile) -> str:
    """Store a new cover image for a book and return its public URL."""
    content_type = upload.content_type or "image/jpeg"
    extension = ".png" if content_type == "image/png" else ".jpg"
    key = f"covers/{book_id}/{uuid.uuid4().hex}{extension}"
    return upload_cover(upload.file, key, content_type=content_type)
