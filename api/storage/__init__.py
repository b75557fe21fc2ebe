"""Object storage for rendered audio, captions, timelines and recordings: a local folder
(the embedded default) or any S3 API, chosen by a URL (`INTERLUDE_STORAGE_URL`)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from api.storage.base import Storage, StorageUnavailable, StoredObject
from api.storage.local import LocalStorage
from api.storage.s3 import S3Storage

__all__ = [
    "LocalStorage",
    "S3Storage",
    "Storage",
    "StorageUnavailable",
    "StoredObject",
    "storage_from_url",
]


def storage_from_url(
    url: str,
    *,
    endpoint_url: str | None = None,
    presign_seconds: int = 3600,
    region: str | None = None,
) -> Storage:
    """`file:///srv/media` -> LocalStorage (the folder is created);
    `s3://bucket/prefix` -> S3Storage, with credentials from boto3's usual chain."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError(
                f"storage URL {url!r}: a file URL needs an absolute path, like file:///srv/media"
            )
        return LocalStorage(Path(unquote(parts.path)))  # creates the folder
    if parts.scheme == "s3":
        if not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"storage URL {url!r}: expected s3://bucket or s3://bucket/prefix")
        return S3Storage(
            parts.netloc,
            unquote(parts.path).strip("/"),
            endpoint_url=endpoint_url or None,
            region=region,
            presign_seconds=presign_seconds,
        )
    raise ValueError(
        f"storage URL {url!r} is not supported: use file:///absolute/path or s3://bucket/prefix"
    )
