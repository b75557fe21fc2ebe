"""What every storage offers, and the helpers the implementations share.

Objects are content-addressed: the key is made from the sha256 of the bytes, so an object
never changes once written and can be cached forever by anyone who fetched it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

CHUNK_BYTES = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SUFFIX = re.compile(r"^(\.[A-Za-z0-9_-]+)*$")


class StorageUnavailable(OSError):
    """The storage cannot be reached (connection refused, timeout, missing bucket)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    bytes: int
    content_type: str


@runtime_checkable
class Storage(Protocol):
    def put_file(
        self, path: Path, *, suffix: str, content_type: str, sha256: str | None = None
    ) -> StoredObject:
        """Store a file under its content key, streaming it; an existing key is not rewritten."""
        ...

    def put_bytes(self, data: bytes, *, suffix: str, content_type: str) -> StoredObject: ...

    def open(self, key: str) -> BinaryIO:
        """A binary stream of the object; FileNotFoundError when there is none."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """The object's length in bytes; FileNotFoundError when there is none."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; a missing one is fine."""
        ...

    def presigned_url(
        self, key: str, *, content_type: str | None = None, filename: str | None = None
    ) -> str | None:
        """A URL a client can fetch the object from directly, or None when the app must
        serve it itself."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The object's file when it lives on this machine (for Range responses), else None."""
        ...

    def check(self) -> None:
        """Raise when the storage cannot be used; quick, for readiness probes."""
        ...


def validate_key(key: str) -> str:
    """Refuse keys that could name something outside the storage (`..`, absolute paths)."""
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or "\0" in key
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise ValueError(f"invalid storage key {key!r}: expected a relative path like 'ab/…'")
    return key


def content_key(sha256: str, suffix: str) -> str:
    """`ab/abcdef….m4a`: two hex digits of fan-out keep folders and listings small."""
    if not _SHA256.match(sha256):
        raise ValueError(f"sha256 must be 64 lowercase hex digits, got {sha256!r}")
    if not _SUFFIX.match(suffix):
        raise ValueError(f"suffix must look like '.m4a' (dot, letters, digits), got {suffix!r}")
    return f"{sha256[:2]}/{sha256}{suffix}"


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_of_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
