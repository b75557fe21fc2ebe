"""One suite for both storages: a folder (LocalStorage) and a real S3 API (SeaweedFS)."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from api import create_app
from api.config import TestConfig
from api.registry import app_services
from api.storage import (
    LocalStorage,
    S3Storage,
    Storage,
    StorageUnavailable,
    storage_from_url,
)

if TYPE_CHECKING:
    from tests.conftest import SeaweedFS

M4A = "audio/mp4"


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    if request.param == "local":
        yield LocalStorage(tmp_path / "media")
    else:
        yield request.getfixturevalue("s3_storage")


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """A plain HTTP GET, as a phone would make it."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- writing and reading ---------------------------------------------------------------------


def test_put_bytes_then_open_gives_the_same_bytes(storage: Storage) -> None:
    stored = storage.put_bytes(b"a moment of stillness", suffix=".txt", content_type="text/plain")

    with storage.open(stored.key) as stream:
        assert stream.read() == b"a moment of stillness"
    assert stored.bytes == 21
    assert stored.content_type == "text/plain"


def test_key_is_the_sha256_with_a_two_digit_folder_and_the_suffix(storage: Storage) -> None:
    sha256 = hashlib.sha256(b"bell").hexdigest()

    stored = storage.put_bytes(b"bell", suffix=".m4a", content_type=M4A)

    assert stored.sha256 == sha256
    assert stored.key == f"{sha256[:2]}/{sha256}.m4a"


def test_put_file_computes_the_hash_and_size(storage: Storage, tmp_path: Path) -> None:
    source = tmp_path / "narration.m4a"
    source.write_bytes(b"\x00\x01" * 5000)

    stored = storage.put_file(source, suffix=".m4a", content_type=M4A)

    assert stored.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert stored.bytes == 10_000
    assert storage.size(stored.key) == 10_000
    with storage.open(stored.key) as stream:
        assert stream.read() == source.read_bytes()


def test_same_bytes_get_the_same_key(storage: Storage, tmp_path: Path) -> None:
    source = tmp_path / "copy.m4a"
    source.write_bytes(b"same audio")

    from_bytes = storage.put_bytes(b"same audio", suffix=".m4a", content_type=M4A)
    from_file = storage.put_file(source, suffix=".m4a", content_type=M4A)

    assert from_file.key == from_bytes.key


def test_an_existing_object_is_not_written_again(storage: Storage, tmp_path: Path) -> None:
    first = storage.put_bytes(b"the original", suffix=".m4a", content_type=M4A)
    impostor = tmp_path / "impostor.m4a"
    impostor.write_bytes(b"other bytes claiming the same hash")

    # Had the storage written again, the object would now hold the impostor's bytes.
    again = storage.put_file(impostor, suffix=".m4a", content_type=M4A, sha256=first.sha256)

    assert again.key == first.key
    assert again.bytes == len(b"the original")
    with storage.open(first.key) as stream:
        assert stream.read() == b"the original"


def test_large_file_round_trips_with_the_same_hash(storage: Storage, tmp_path: Path) -> None:
    source = tmp_path / "long.m4a"
    with source.open("wb") as out:
        for _ in range(20):
            out.write(os.urandom(1024 * 1024))
    expected = hashlib.sha256(source.read_bytes()).hexdigest()

    stored = storage.put_file(source, suffix=".m4a", content_type=M4A)

    digest = hashlib.sha256()
    with storage.open(stored.key) as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    assert stored.sha256 == expected
    assert digest.hexdigest() == expected
    assert storage.size(stored.key) == 20 * 1024 * 1024


@pytest.mark.s3
def test_large_file_is_uploaded_in_parts(s3_storage: S3Storage, tmp_path: Path) -> None:
    source = tmp_path / "long.m4a"
    source.write_bytes(os.urandom(20 * 1024 * 1024))

    stored = s3_storage.put_file(source, suffix=".m4a", content_type=M4A)

    url = s3_storage.presigned_url(stored.key)
    assert url is not None
    status, headers, _ = fetch(url, {"Range": "bytes=0-0"})
    assert status == 206
    assert headers["ETag"].strip('"').endswith("-3")  # a multipart upload of three 8 MB parts


def test_concurrent_puts_of_the_same_bytes_leave_one_whole_object(storage: Storage) -> None:
    data = os.urandom(256 * 1024)
    keys: list[str] = []

    def put() -> None:
        keys.append(storage.put_bytes(data, suffix=".m4a", content_type=M4A).key)

    threads = [threading.Thread(target=put) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(keys)) == 1
    with storage.open(keys[0]) as stream:
        assert stream.read() == data


def test_local_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")

    stored = storage.put_bytes(b"x" * 1000, suffix=".vtt", content_type="text/vtt")

    assert [p.name for p in (tmp_path / "media").rglob("*") if p.is_file()] == [
        stored.key.split("/")[1]
    ]


# -- missing objects and bad keys ------------------------------------------------------------


def test_missing_object_cannot_be_opened(storage: Storage) -> None:
    with pytest.raises(FileNotFoundError):
        storage.open("ab/" + "ab" * 32 + ".m4a")


def test_missing_object_has_no_size(storage: Storage) -> None:
    with pytest.raises(FileNotFoundError):
        storage.size("ab/" + "ab" * 32 + ".m4a")


def test_exists_follows_put_and_delete(storage: Storage) -> None:
    stored = storage.put_bytes(b"short", suffix=".json", content_type="application/json")
    assert storage.exists(stored.key)

    storage.delete(stored.key)

    assert not storage.exists(stored.key)
    with pytest.raises(FileNotFoundError):
        storage.open(stored.key)


def test_deleting_a_missing_object_is_fine(storage: Storage) -> None:
    storage.delete("cd/" + "cd" * 32 + ".m4a")


@pytest.mark.parametrize(
    "key", ["../outside", "ab/../../etc/passwd", "/etc/passwd", "", "ab//x", "ab\\..\\x", "./ab"]
)
def test_keys_that_could_escape_the_storage_are_refused(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        storage.open(key)
    with pytest.raises(ValueError, match="invalid storage key"):
        storage.delete(key)


def test_local_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    (tmp_path / "secret").write_text("not for clients")
    (tmp_path / "media" / "ab").symlink_to(tmp_path)

    with pytest.raises(ValueError, match="outside the storage folder"):
        storage.open("ab/secret")


@pytest.mark.parametrize(
    ("sha256", "suffix"), [("ab" * 32, ".m4a/../x"), ("AB" * 32, ".m4a"), ("abc", ".m4a")]
)
def test_bad_hash_or_suffix_is_refused(
    storage: Storage, tmp_path: Path, sha256: str, suffix: str
) -> None:
    source = tmp_path / "x.m4a"
    source.write_bytes(b"x")
    with pytest.raises(ValueError):
        storage.put_file(source, suffix=suffix, content_type=M4A, sha256=sha256)


# -- handing objects to clients --------------------------------------------------------------


def test_local_storage_has_no_presigned_url_but_a_path(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    stored = storage.put_bytes(b"served by the app", suffix=".mp3", content_type="audio/mpeg")

    path = storage.local_path(stored.key)

    assert storage.presigned_url(stored.key) is None
    assert path is not None
    assert path.read_bytes() == b"served by the app"


@pytest.mark.s3
def test_s3_storage_has_no_local_path(s3_storage: S3Storage) -> None:
    stored = s3_storage.put_bytes(b"remote", suffix=".mp3", content_type="audio/mpeg")

    assert s3_storage.local_path(stored.key) is None


@pytest.mark.s3
def test_presigned_url_serves_the_object_with_immutable_caching(s3_storage: S3Storage) -> None:
    stored = s3_storage.put_bytes(b"0123456789", suffix=".m4a", content_type=M4A)
    url = s3_storage.presigned_url(stored.key, content_type=M4A, filename="Breathing – 5 min.m4a")
    assert url is not None

    status, headers, body = fetch(url)

    assert (status, body) == (200, b"0123456789")
    assert headers["Content-Type"] == M4A
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "filename*=UTF-8''Breathing%20%E2%80%93%205%20min.m4a" in headers["Content-Disposition"]


@pytest.mark.s3
def test_presigned_url_answers_range_requests(s3_storage: S3Storage) -> None:
    stored = s3_storage.put_bytes(b"0123456789", suffix=".m4a", content_type=M4A)
    url = s3_storage.presigned_url(stored.key)
    assert url is not None

    status, headers, body = fetch(url, {"Range": "bytes=2-5"})

    assert (status, body) == (206, b"2345")
    assert headers["Content-Range"] == "bytes 2-5/10"


def _worker(seaweedfs: SeaweedFS, of: S3Storage, clock: Callable[[], float]) -> S3Storage:
    """Another process's S3Storage on the same bucket, with its own clock."""
    return S3Storage(
        of.bucket,
        of.prefix,
        endpoint_url=seaweedfs.endpoint_url,
        access_key=seaweedfs.access_key,
        secret_key=seaweedfs.secret_key,
        presign_seconds=3600,
        clock=clock,
    )


@pytest.mark.s3
def test_presigned_url_is_the_same_twice_and_in_another_worker(
    s3_storage: S3Storage, seaweedfs: SeaweedFS
) -> None:
    stored = s3_storage.put_bytes(b"cache me", suffix=".m4a", content_type=M4A)
    other_worker = _worker(seaweedfs, s3_storage, time.time)

    first = s3_storage.presigned_url(stored.key, content_type=M4A)
    second = s3_storage.presigned_url(stored.key, content_type=M4A)
    from_other_worker = other_worker.presigned_url(stored.key, content_type=M4A)

    assert first == second == from_other_worker


@pytest.mark.s3
def test_presigned_url_holds_for_half_its_lifetime_then_changes(
    s3_storage: S3Storage, seaweedfs: SeaweedFS
) -> None:
    stored = s3_storage.put_bytes(b"windowed", suffix=".m4a", content_type=M4A)
    window_start = 1_800 * 1_000_000  # 3600 s URLs are re-signed every 1800 s
    clock = [window_start + 1.0]
    worker = _worker(seaweedfs, s3_storage, lambda: clock[0])

    early = worker.presigned_url(stored.key)
    clock[0] = window_start + 1799.5
    late = worker.presigned_url(stored.key)
    clock[0] = window_start + 1800.0
    next_window = worker.presigned_url(stored.key)

    assert early == late != next_window
    assert early is not None
    query = parse_qs(urlsplit(early).query)
    assert query["X-Amz-Date"] == [time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(window_start))]
    assert query["X-Amz-Expires"] == ["3600"]


@pytest.mark.s3
def test_presigned_url_handed_out_late_in_its_window_still_works(
    s3_storage: S3Storage, seaweedfs: SeaweedFS
) -> None:
    stored = s3_storage.put_bytes(b"still valid", suffix=".m4a", content_type=M4A)
    # A window that started at least 1790 s ago; the URL is asked for at its very end.
    window_start = (time.time() - 1790) // 1800 * 1800
    worker = _worker(seaweedfs, s3_storage, lambda: window_start + 1799)

    url = worker.presigned_url(stored.key)
    assert url is not None

    assert fetch(url)[0:3:2] == (200, b"still valid")


@pytest.mark.s3
def test_presigned_url_from_an_earlier_lifetime_is_refused(
    s3_storage: S3Storage, seaweedfs: SeaweedFS
) -> None:
    stored = s3_storage.put_bytes(b"expired", suffix=".m4a", content_type=M4A)
    two_hours_ago = _worker(seaweedfs, s3_storage, lambda: time.time() - 7200)

    url = two_hours_ago.presigned_url(stored.key)
    assert url is not None

    assert fetch(url)[0] == 403


# -- readiness and faults --------------------------------------------------------------------


def test_check_passes_when_the_storage_is_usable(storage: Storage) -> None:
    storage.check()


def test_local_check_fails_when_the_folder_is_gone(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    (tmp_path / "media").rmdir()

    with pytest.raises(StorageUnavailable, match="does not exist"):
        storage.check()


@pytest.mark.s3
def test_unreachable_s3_fails_the_check_quickly() -> None:
    storage = S3Storage(
        "interlude",
        endpoint_url=f"http://127.0.0.1:{closed_port()}",
        access_key="k",
        secret_key="s",
    )

    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match="unreachable"):
        storage.check()
    assert time.monotonic() - started < 5


@pytest.mark.s3
def test_unreachable_s3_fails_reads_and_writes_with_storage_unavailable() -> None:
    storage = S3Storage(
        "interlude",
        endpoint_url=f"http://127.0.0.1:{closed_port()}",
        access_key="k",
        secret_key="s",
    )

    with pytest.raises(StorageUnavailable):
        storage.open("ab/" + "ab" * 32 + ".m4a")
    with pytest.raises(StorageUnavailable):
        storage.put_bytes(b"x", suffix=".m4a", content_type=M4A)


@pytest.mark.s3
def test_wrong_credentials_give_a_clear_error(s3_storage: S3Storage, seaweedfs: SeaweedFS) -> None:
    impostor = S3Storage(
        s3_storage.bucket,
        endpoint_url=seaweedfs.endpoint_url,
        access_key=seaweedfs.access_key,
        secret_key="not-the-secret",
    )

    with pytest.raises(PermissionError, match="AWS_SECRET_ACCESS_KEY"):
        impostor.check()
    with pytest.raises(PermissionError, match="refused access"):
        impostor.put_bytes(b"x", suffix=".m4a", content_type=M4A)


@pytest.mark.s3
def test_missing_bucket_fails_the_check_until_ensured(seaweedfs: SeaweedFS) -> None:
    storage = S3Storage(
        "not-yet-created",
        endpoint_url=seaweedfs.endpoint_url,
        access_key=seaweedfs.access_key,
        secret_key=seaweedfs.secret_key,
    )
    with pytest.raises(StorageUnavailable, match="does not exist"):
        storage.check()

    try:
        assert storage.ensure_bucket() is True
        assert storage.ensure_bucket() is False
        storage.check()
    finally:
        seaweedfs.remove_bucket("not-yet-created")


@pytest.mark.s3
def test_objects_survive_a_seaweedfs_restart_and_a_cut_read_fails_cleanly(
    s3_storage: S3Storage, seaweedfs: SeaweedFS, tmp_path: Path
) -> None:
    source = tmp_path / "long.m4a"
    source.write_bytes(os.urandom(20 * 1024 * 1024))
    stored = s3_storage.put_file(source, suffix=".m4a", content_type=M4A)

    with s3_storage.open(stored.key) as stream:
        stream.read(1024 * 1024)
        seaweedfs.stop()
        with pytest.raises(StorageUnavailable):
            stream.read()
    with pytest.raises(StorageUnavailable):
        s3_storage.check()
    seaweedfs.start()

    with s3_storage.open(stored.key) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == stored.sha256


# -- choosing a storage from settings --------------------------------------------------------


def test_file_url_gives_local_storage_and_creates_the_folder(tmp_path: Path) -> None:
    storage = storage_from_url((tmp_path / "new" / "media").as_uri())

    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "new" / "media"
    assert storage.root.is_dir()


def test_s3_url_gives_s3_storage_with_bucket_and_prefix() -> None:
    storage = storage_from_url(
        "s3://interlude-media/audio/v1/",
        endpoint_url="http://127.0.0.1:1",
        presign_seconds=600,
        region="eu-central-1",
    )

    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == ("interlude-media", "audio/v1")
    assert storage.endpoint_url == "http://127.0.0.1:1"
    assert storage.presign_seconds == 600
    assert storage.region == "eu-central-1"


def test_aws_region_is_read_once_by_the_settings_and_handed_to_the_storage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")  # the app signs a URL for its CSP at start
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    config = TestConfig(tmp_path)
    monkeypatch.delenv("AWS_REGION")  # read by the settings already: the storage must not

    app = create_app(
        {
            **config.as_mapping(),
            "STORAGE_URL": "s3://interlude-media",
            "S3_ENDPOINT_URL": "http://127.0.0.1:1",
        }
    )

    assert app.config["AWS_REGION"] == "eu-central-1"
    storage = app_services(app).storage
    assert isinstance(storage, S3Storage)
    assert storage.region == "eu-central-1"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "/srv/media",
        "http://example.org/media",
        "ftp://example.org/media",
        "file://otherhost/srv/media",
        "file:relative/media",
        "s3://",
        "s3:///prefix-without-bucket",
        "s3://Not_A_Bucket/prefix",
    ],
)
def test_unsupported_storage_urls_are_refused_with_a_reason(url: str) -> None:
    with pytest.raises(ValueError, match=r"file:///|s3://|bucket"):
        storage_from_url(url)
