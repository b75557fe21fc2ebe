"""Any S3 API (AWS S3, SeaweedFS, MinIO) through boto3. Clients fetch objects themselves
through presigned URLs; boto errors become OSError subclasses here, at the boundary."""

from __future__ import annotations

import errno
import io
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn, cast
from urllib.parse import quote

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore import UNSIGNED
from botocore.config import Config
from botocore.credentials import ReadOnlyCredentials
from botocore.exceptions import (
    ClientError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from api.storage.base import (
    CHUNK_BYTES,
    StorageUnavailable,
    StoredObject,
    content_key,
    sha256_of_bytes,
    sha256_of_file,
    validate_key,
)
from api.storage.sigv4 import presign_get

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

IMMUTABLE = "public, max-age=31536000, immutable"
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # the SigV4 limit
_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}
_REFUSED = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "403",
    "Forbidden",
}
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _check_arguments(bucket: str, presign_seconds: int) -> None:
    if not _BUCKET.match(bucket):
        raise ValueError(
            f"invalid bucket name {bucket!r}: 3 to 63 lowercase letters, digits, dots or hyphens"
        )
    if not 2 <= presign_seconds <= MAX_PRESIGN_SECONDS:
        raise ValueError(
            f"presign_seconds must be between 2 and {MAX_PRESIGN_SECONDS}, got {presign_seconds}"
        )


class S3Storage:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        presign_seconds: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _check_arguments(bucket, presign_seconds)
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.presign_seconds = presign_seconds
        self._clock = clock
        # Credentials and region come from the arguments or boto3's usual chain
        # (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, ~/.aws, roles);
        # botocore leaves AWS_REGION to the other SDKs, so Config reads it and passes it here.
        session = boto3.session.Session(
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region or None,
        )
        self.region = session.region_name or "us-east-1"
        self._credentials = session.get_credentials()
        self._make_clients(session, endpoint_url)
        self._transfer = TransferConfig(
            multipart_threshold=8 * 1024 * 1024,
            multipart_chunksize=8 * 1024 * 1024,
            max_concurrency=4,
            preferred_transfer_client="classic",
        )

    def _make_clients(self, session: boto3.session.Session, endpoint_url: str | None) -> None:
        config = Config(
            region_name=self.region,
            signature_version="s3v4",
            connect_timeout=3,
            read_timeout=30,
            retries={"mode": "standard", "total_max_attempts": 3},  # 3 tries in all
            # Path style for self-hosted endpoints: no wildcard DNS needed for bucket names.
            s3={"addressing_style": "path"} if endpoint_url else {},
        )
        self._client: S3Client = session.client("s3", endpoint_url=endpoint_url, config=config)
        # Readiness must answer fast, so one attempt with short timeouts.
        probe = Config(connect_timeout=2, read_timeout=3, retries={"total_max_attempts": 1})
        self._probe_client: S3Client = session.client(
            "s3", endpoint_url=endpoint_url, config=config.merge(probe)
        )
        # Builds the URL of a GET (addressing, endpoint rules) without signing it; the
        # signature is added by `sigv4.presign_get` with a signing time of our choosing.
        self._url_client: S3Client = session.client(
            "s3", endpoint_url=endpoint_url, config=config.merge(Config(signature_version=UNSIGNED))
        )

    def __repr__(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"S3Storage('s3://{self.bucket}/{self.prefix}'{where})"

    # -- writing -------------------------------------------------------------------------

    def put_file(
        self, path: Path, *, suffix: str, content_type: str, sha256: str | None = None
    ) -> StoredObject:
        sha256 = sha256 or sha256_of_file(path)
        key = content_key(sha256, suffix)
        existing = self._head(key)
        if existing is not None:
            return StoredObject(key, sha256, existing["ContentLength"], content_type)
        with self._translated_errors("uploading", key):
            # upload_file streams from disk and switches to a multipart upload past the threshold.
            self._client.upload_file(
                str(path),
                self.bucket,
                self._name(key),
                ExtraArgs={"ContentType": content_type, "CacheControl": IMMUTABLE},
                Config=self._transfer,
            )
        return StoredObject(key, sha256, path.stat().st_size, content_type)

    def put_bytes(self, data: bytes, *, suffix: str, content_type: str) -> StoredObject:
        sha256 = sha256_of_bytes(data)
        key = content_key(sha256, suffix)
        if self._head(key) is None:
            with self._translated_errors("uploading", key):
                self._client.put_object(
                    Bucket=self.bucket,
                    Key=self._name(key),
                    Body=data,
                    ContentType=content_type,
                    CacheControl=IMMUTABLE,
                )
        return StoredObject(key, sha256, len(data), content_type)

    def delete(self, key: str) -> None:
        with self._translated_errors("deleting", key):
            self._client.delete_object(Bucket=self.bucket, Key=self._name(key))

    # -- reading -------------------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        with self._translated_errors("reading", key):
            response = self._client.get_object(Bucket=self.bucket, Key=self._name(key))
        raw = _TranslatedStream(response["Body"], f"reading {key!r} from {self._where()}")
        return cast(BinaryIO, io.BufferedReader(raw, CHUNK_BYTES))

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise self._missing(key)
        return head["ContentLength"]

    def local_path(self, key: str) -> Path | None:
        return None

    def presigned_url(
        self, key: str, *, content_type: str | None = None, filename: str | None = None
    ) -> str | None:
        """A GET URL valid for `presign_seconds`. Signed with the start of the current window
        of half that length as its time, so every worker hands out the identical URL for a
        while (a phone's HTTP cache keeps working) and it stays valid for at least half
        its lifetime."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": self._name(key)}
        if content_type:
            params["ResponseContentType"] = content_type
        if filename:
            params["ResponseContentDisposition"] = inline_disposition(filename)
        url = self._url_client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=self.presign_seconds
        )
        credentials = self._frozen_credentials()
        return presign_get(
            url,
            access_key=cast(str, credentials.access_key),  # checked in _frozen_credentials
            secret_key=cast(str, credentials.secret_key),
            session_token=credentials.token,
            region=self.region,
            signed_at=self.signing_time(),
            expires=self.presign_seconds,
        )

    def signing_time(self) -> datetime:
        """The start of the current presigning window (half the URL lifetime)."""
        window = self.presign_seconds // 2
        now = int(self._clock())
        return datetime.fromtimestamp(now - now % window, UTC)

    # -- operations ----------------------------------------------------------------------

    def check(self) -> None:
        with self._translated_errors("checking the bucket", None):
            self._probe_client.head_bucket(Bucket=self.bucket)

    def ensure_bucket(self) -> bool:
        """Create the bucket when it is missing; True when it was created."""
        with self._translated_errors("creating the bucket", None):
            try:
                self._probe_client.head_bucket(Bucket=self.bucket)
                return False
            except ClientError as error:
                if _code(error) not in _NOT_FOUND | {"NoSuchBucket"}:
                    raise
            try:
                if self.region == "us-east-1":
                    self._client.create_bucket(Bucket=self.bucket)
                else:
                    self._client.create_bucket(
                        Bucket=self.bucket,
                        CreateBucketConfiguration={"LocationConstraint": self.region},  # type: ignore[typeddict-item]
                    )
            except ClientError as error:
                if _code(error) in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                    return False  # another worker created it first
                raise
        return True

    # -- helpers -------------------------------------------------------------------------

    def _name(self, key: str) -> str:
        validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _head(self, key: str) -> Any | None:
        try:
            with self._translated_errors("looking up", key):
                return self._client.head_object(Bucket=self.bucket, Key=self._name(key))
        except FileNotFoundError:
            return None

    def _frozen_credentials(self) -> ReadOnlyCredentials:
        if self._credentials is None:
            raise PermissionError(
                "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            )
        frozen = self._credentials.get_frozen_credentials()
        if not (frozen.access_key and frozen.secret_key):
            raise PermissionError(
                "incomplete S3 credentials: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            )
        return frozen

    def _where(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" + (
            f" at {self.endpoint_url}" if self.endpoint_url else ""
        )

    def _missing(self, key: str) -> FileNotFoundError:
        return FileNotFoundError(errno.ENOENT, f"no object {key!r} in {self._where()}", key)

    @contextmanager
    def _translated_errors(self, action: str, key: str | None) -> Iterator[None]:
        try:
            yield
        except ClientError as error:
            raise self._translate(error, action, key) from error
        except S3UploadFailedError as error:
            # boto3 wraps the ClientError of an upload without chaining it as the cause.
            if isinstance(error.__context__, ClientError):
                raise self._translate(error.__context__, action, key) from error
            message = f"{action} {key!r} in {self._where()} failed: {error}"
            raise StorageUnavailable(message) from error
        except (BotoConnectionError, HTTPClientError) as error:
            raise StorageUnavailable(
                f"S3 is unreachable ({self._where()}) while {action}: {error}"
            ) from error
        except (NoCredentialsError, PartialCredentialsError) as error:
            raise PermissionError(
                f"no usable S3 credentials for {self._where()}: set AWS_ACCESS_KEY_ID "
                f"and AWS_SECRET_ACCESS_KEY ({error})"
            ) from error

    def _translate(self, error: ClientError, action: str, key: str | None) -> OSError:
        code = _code(error)
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code == "NoSuchBucket" or (key is None and code in _NOT_FOUND):
            return StorageUnavailable(f"bucket {self.bucket!r} does not exist ({self._where()})")
        if code in _NOT_FOUND and key is not None:
            return self._missing(key)
        if code in _REFUSED:
            return PermissionError(
                f"S3 refused access to {self._where()} while {action} ({code}): check "
                "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's permissions"
            )
        if status >= 500:
            return StorageUnavailable(f"S3 failed while {action} ({code}, {self._where()})")
        message = error.response.get("Error", {}).get("Message", "")
        return OSError(f"S3 error while {action} in {self._where()}: {code} {message}".rstrip())


class _TranslatedStream(io.RawIOBase):
    """An object body whose network failures surface as StorageUnavailable."""

    def __init__(self, body: Any, description: str) -> None:
        self._body = body
        self._description = description

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._body.read(len(buffer))
        except (HTTPClientError, IncompleteReadError, BotoConnectionError) as error:
            self._raise_unavailable(error)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()

    def _raise_unavailable(self, error: Exception) -> NoReturn:
        raise StorageUnavailable(f"{self._description} failed: {error}") from error


def inline_disposition(filename: str) -> str:
    """`Content-Disposition` naming the file, ASCII fallback plus RFC 6266 UTF-8 form."""
    filename = _CONTROL_CHARACTERS.sub("", filename)
    fallback = filename.encode("ascii", "replace").decode().replace('"', "'").replace("\\", "_")
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
