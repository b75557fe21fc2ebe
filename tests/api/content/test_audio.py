"""Audio reaches phones: whole files, byte ranges, validators and caching (local storage);
a presigned redirect (S3)."""

from __future__ import annotations

import subprocess

import imageio_ffmpeg
import pytest

from audio_scripts.probe import probe_duration_ms

AUDIO = "/api/v1/exercises/tiny-pause/variants/1/audio"


@pytest.fixture
def published(client, publish_script, script_text):
    publish_script(script_text())
    return client.get("/api/v1/exercises/tiny-pause").json["variants"][0]["renditions"][0]


def fetch(client, url, **headers):
    """GET, following a presigned redirect to S3 the way a phone would."""
    response = client.get(url, headers=headers)
    if response.status_code == 302:
        import urllib.request

        request = urllib.request.Request(response.headers["Location"], headers=headers)
        try:
            with urllib.request.urlopen(request) as remote:
                return remote.status, dict(remote.headers), remote.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()
    return response.status_code, dict(response.headers), response.data


def test_the_whole_file_decodes_to_about_a_minute(client, published, tmp_path):
    status, _headers, body = fetch(client, published["url"])
    assert status == 200
    assert len(body) == published["bytes"]
    path = tmp_path / "a.m4a"
    path.write_bytes(body)
    probe = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0
    assert "time=00:01:0" in probe.stderr or "time=00:00:59" in probe.stderr


def test_the_reported_bitrate_is_the_files_own_average(client, published, tmp_path):
    status, _headers, body = fetch(client, published["url"])
    assert status == 200
    path = tmp_path / "a.m4a"
    path.write_bytes(body)
    decoded_ms = probe_duration_ms(path)
    assert (
        abs(published["bitrate"] - len(body) * 8 * 1000 / decoded_ms) <= 0.02 * published["bitrate"]
    )
    # a minute that is mostly a pause averages far under what the encoder was set to
    assert published["nominal_bitrate"] == 64_000
    assert published["bitrate"] < published["nominal_bitrate"]


def test_local_audio_has_type_validators_and_immutable_caching(local_only, client, published):
    response = client.get(published["url"])
    assert response.mimetype == "audio/mp4"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(published["url"], headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_audio_without_fingerprint_revalidates(local_only, client, published):
    response = client.get(AUDIO)
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [("bytes=0-1", (0, 1)), ("bytes=-500", "suffix"), ("bytes=100-", "open"), ("bytes=0-", "open")],
)
def test_byte_ranges(client, published, header, expected):
    size = published["bytes"]
    status, headers, body = fetch(client, published["url"], Range=header)
    assert status == 206
    if expected == "suffix":
        start, end = size - 500, size - 1
    elif expected == "open":
        start, end = int(header.split("=")[1].rstrip("-")), size - 1
    else:
        start, end = expected
    assert len(body) == end - start + 1
    content_range = {k.lower(): v for k, v in headers.items()}["content-range"]
    assert content_range == f"bytes {start}-{end}/{size}"


def test_a_range_past_the_end_is_416(client, published):
    size = published["bytes"]
    status, _headers, _ = fetch(client, published["url"], Range=f"bytes={size + 10}-")
    assert status == 416


def test_a_range_reaching_past_the_end_is_clamped(client, published):
    size = published["bytes"]
    status, _headers, body = fetch(
        client, published["url"], Range=f"bytes={size - 10}-{size + 100}"
    )
    assert status == 206
    assert len(body) == 10


@pytest.mark.parametrize("header", ["bytes=abc", "pages=0-1", "bytes=5-2", "bytes"])
def test_a_malformed_range_is_416_in_the_error_shape(local_only, client, published, header):
    response = client.get(published["url"], headers={"Range": header})
    assert response.status_code == 416
    assert response.json["code"] == 416
    assert response.headers["Content-Range"] == f"bytes */{published['bytes']}"


def test_s3_audio_is_a_redirect_to_a_stable_presigned_url(s3_only, client, published):
    first = client.get(published["url"])
    assert first.status_code == 302
    second = client.get(published["url"])
    assert first.headers["Location"] == second.headers["Location"]
    assert "X-Amz-Signature" in first.headers["Location"]
