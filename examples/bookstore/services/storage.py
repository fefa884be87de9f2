from typing import BinaryIO

import boto3

from ..settings import settings

s3 = boto3.client("s3", region_name=settings.aws_region)


def public_url(key: str) -> str:
    return f"https://{settings.covers_bucket}.s3.{settings.aws_region}.amazonaws.com/{key}"


def upload_cover(fileobj: BinaryIO, key: str, content_type: str = "image/jpeg") -> str:
    s3.upload_fileobj(
        fileobj, settings.covers_bucket, key,
        ExtraArgs={"ContentType": content_type, "CacheControl": "public, max-age=86400"},
    )
    return public_url(key)
