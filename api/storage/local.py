"""A folder on this machine: the embedded default. The app serves the files itself."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

from api.storage.base import (
    CHUNK_BYTES,
    StorageUnavailable,
    StoredObject,
    content_key,
    sha256_of_bytes,
    sha256_of_file,
    validate_key,
)


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def put_file(
        self, path: Path, *, suffix: str, content_type: str, sha256: str | None = None
    ) -> StoredObject:
        sha256 = sha256 or sha256_of_file(path)
        key = content_key(sha256, suffix)
        target = self._path(key)
        if not target.exists():
            with path.open("rb") as source:
                self._write_atomically(target, lambda out: shutil.copyfileobj(source, out))
        return StoredObject(key, sha256, target.stat().st_size, content_type)

    def put_bytes(self, data: bytes, *, suffix: str, content_type: str) -> StoredObject:
        sha256 = sha256_of_bytes(data)
        key = content_key(sha256, suffix)
        target = self._path(key)
        if not target.exists():
            self._write_atomically(target, lambda out: out.write(data))
        return StoredObject(key, sha256, target.stat().st_size, content_type)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb", buffering=CHUNK_BYTES)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def presigned_url(
        self, key: str, *, content_type: str | None = None, filename: str | None = None
    ) -> str | None:
        return None

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def check(self) -> None:
        if not self.root.is_dir():
            raise StorageUnavailable(f"storage folder {self.root} does not exist")
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageUnavailable(f"storage folder {self.root} is not writable")

    def _path(self, key: str) -> Path:
        """The file for a key, refusing anything that could point outside the root."""
        parts = PurePosixPath(validate_key(key)).parts
        path = self.root.joinpath(*parts)
        if not path.resolve().is_relative_to(self.root):  # a symlink pointing outside
            raise ValueError(f"invalid storage key {key!r}: it leads outside the storage folder")
        return path

    def _write_atomically(self, target: Path, write: Callable[[IO[bytes]], object]) -> None:
        # A temporary file in the same folder, then a rename: readers see the whole object or
        # nothing, and two writers of the same object cannot interleave.
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o644)  # content is public; mkstemp makes it owner-only
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
