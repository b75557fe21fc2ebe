"""Editors upload narration recordings that replace the synthesised voice of a segment."""

from __future__ import annotations

import io
import json
import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

URL = "/api/v1/exercises/tiny-pause/versions/1/recordings/welcome"
RATE = 22050


def tone(tmp_path, seconds=1.5, hz=1000, name="take.wav") -> bytes:
    path = tmp_path / name
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi",
         "-i", f"sine=frequency={hz}:duration={seconds}", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def upload(client, editor, data: bytes, filename="take.wav", url=URL):
    return client.put(
        url,
        data={"file": (io.BytesIO(data), filename)},
        headers=editor.headers,
        content_type="multipart/form-data",
    )


@pytest.fixture
def draft(upload_script, script_text):
    return upload_script(script_text())


def test_a_recording_is_stored_with_its_length(client, editor, draft, tmp_path):
    response = upload(client, editor, tone(tmp_path))
    assert response.status_code == 201
    body = response.json
    assert body["segment_id"] == "welcome"
    assert 1400 <= body["duration_ms"] <= 1600
    assert len(body["sha256"]) == 64
    assert body["filename"] == "take.wav"
    versions = client.get("/api/v1/exercises/tiny-pause/versions", headers=editor.headers).json
    assert versions[0]["recordings"] == ["welcome"]


def test_uploading_again_replaces_it(client, editor, draft, tmp_path):
    upload(client, editor, tone(tmp_path))
    again = upload(client, editor, tone(tmp_path, seconds=2.5, name="second.wav"))
    assert again.status_code == 200
    assert 2400 <= again.json["duration_ms"] <= 2600


def test_something_that_is_not_audio_is_415(client, editor, draft):
    response = upload(client, editor, b"%PDF-1.4 definitely not audio", filename="take.mp3")
    assert response.status_code == 415
    assert "not audio" in response.json["message"]
    versions = client.get("/api/v1/exercises/tiny-pause/versions", headers=editor.headers).json
    assert versions[0]["recordings"] == []


def test_a_missing_file_field_is_422(client, editor, draft):
    response = client.put(
        URL, data={"other": "x"}, headers=editor.headers, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "file" in response.json["errors"]["files"]


def test_an_unknown_segment_or_a_pause_is_404(client, editor, draft, tmp_path):
    data = tone(tmp_path)
    unknown = upload(client, editor, data, url=URL.replace("welcome", "nope"))
    assert unknown.status_code == 404
    assert "nope" in unknown.json["message"]
    pause = upload(client, editor, data, url=URL.replace("welcome", "s3"))
    assert pause.status_code == 404


def test_an_unknown_version_is_404(client, editor, draft, tmp_path):
    response = upload(client, editor, tone(tmp_path), url=URL.replace("/1/", "/5/"))
    assert response.status_code == 404


class CountingStream(io.RawIOBase):
    """A request body that counts how much of itself the server read."""

    def __init__(self, size: int) -> None:
        self.size, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self.read_bytes

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"\0" * n
        self.read_bytes += n
        return n


def test_an_oversized_upload_is_413_before_the_body_is_read(app, editor, draft, storage_kind):
    limit = app.config["MAX_CONTENT_LENGTH"]
    stream = CountingStream(limit + 1024 * 1024)
    environ = EnvironBuilder(
        path=URL,
        method="PUT",
        headers=editor.headers,
        content_type="multipart/form-data; boundary=x",
    ).get_environ()
    environ["wsgi.input"] = stream  # a body the test client would otherwise read to measure
    environ["CONTENT_LENGTH"] = str(stream.size)
    body, status, _headers = run_wsgi_app(app, environ, buffered=True)
    assert status.startswith("413")
    assert json.loads(b"".join(body))["code"] == 413
    assert stream.read_bytes < 1024 * 1024  # refused on the declared length, not after reading


def test_a_published_version_takes_no_recordings(
    client, editor, publish_script, script_text, tmp_path
):
    publish_script(script_text())
    response = upload(client, editor, tone(tmp_path))
    assert response.status_code == 409
    assert "new draft version" in response.json["message"]


def test_recordings_carry_over_to_the_next_version(
    client, editor, draft, upload_script, script_text, tmp_path
):
    upload(client, editor, tone(tmp_path))
    upload_script(script_text(title="Revised"))
    versions = client.get("/api/v1/exercises/tiny-pause/versions", headers=editor.headers).json
    assert versions[0]["version"] == 2
    assert versions[0]["recordings"] == ["welcome"]


def test_a_recording_replaces_the_voice_in_the_rendered_audio(client, editor, draft, tmp_path):
    assert upload(client, editor, tone(tmp_path, seconds=2.0, hz=1000)).status_code == 201
    render = client.post("/api/v1/exercises/tiny-pause/versions/1/render", headers=editor.headers)
    assert render.json["job"]["status"] == "succeeded", render.json
    client.post("/api/v1/exercises/tiny-pause/versions/1/publish", headers=editor.headers)
    timeline = client.get("/api/v1/exercises/tiny-pause/variants/1/timeline").json
    welcome = next(e for e in timeline["events"] if e.get("text", "").startswith("Welcome"))
    assert 1800 <= welcome["until_ms"] - welcome["at_ms"] <= 2200  # the take's length, not TTS
    audio = client.get("/api/v1/exercises/tiny-pause/variants/1/audio")
    if audio.status_code == 302:  # S3: fetch what the phone would
        import urllib.request

        with urllib.request.urlopen(audio.headers["Location"]) as remote:
            body = remote.read()
    else:
        body = audio.data
    pcm = decode(body, tmp_path)
    start, end = (welcome["at_ms"] + 200) * RATE // 1000, (welcome["until_ms"] - 200) * RATE // 1000
    spectrum = np.abs(np.fft.rfft(pcm[start:end]))
    peak_hz = np.argmax(spectrum) * RATE / (end - start)
    assert abs(peak_hz - 1000) < 20


def decode(data: bytes, tmp_path) -> np.ndarray:
    path = tmp_path / "mix.m4a"
    path.write_bytes(data)
    raw = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(path),
         "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.float32)
