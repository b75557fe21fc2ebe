"""Rendering a version: variants and renditions stored, failures that leave nothing half-done,
re-renders, and the fingerprint that lets `content sync` skip unchanged work."""

from __future__ import annotations

import hashlib
import math
import socket
import textwrap
import wave
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from api.config import Config
from api.extensions import db
from api.models import (
    ExerciseVersion,
    Job,
    JobStatus,
    Recording,
    Rendition,
    Variant,
    VersionStatus,
)
from api.models.base import utcnow
from api.services import content, jobs
from api.services.errors import Conflict
from api.services.jobs import JobFailed
from api.services.rendering import (
    RenderSettings,
    render_fingerprint,
    run_render_job,
    start_render,
    variant_content_sha256,
)
from api.storage import LocalStorage, S3Storage, StorageUnavailable
from audio_scripts.settings import AudioSettings

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent(
    """\
    slug: render-test
    title: A render test
    kind: mindfulness
    summary: Two lines, a pause and a bell.
    language: en
    lengths: [1]
    segments:
      - {say: Welcome. Settle in for a moment., id: welcome}
      - pause: {min: 1s, weight: 1}
      - bell: {seconds: 2}
      - {say: That is all for now., id: goodbye}
    """
)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> RenderSettings:
    return RenderSettings(audio=AudioSettings(cache_dir=tmp_path_factory.mktemp("tts-cache")))


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    (tmp_path / "media").mkdir()
    return LocalStorage(tmp_path / "media")


@pytest.fixture
def sessions(app: Flask) -> Iterator[sessionmaker[Session]]:
    with app.app_context():
        yield sessionmaker(bind=db.engine, expire_on_commit=False)


@pytest.fixture
def make_version(sessions: sessionmaker[Session]) -> Callable[..., int]:
    """`make_version(source)` -> the id of a new draft version (of a new or the same exercise)."""

    def make(source: str = SCRIPT) -> int:
        with sessions() as session:
            version = content.create_version(session, source, author_id=None)
            session.commit()
            return version.id

    return make


@pytest.fixture
def add_recording(sessions, storage, tmp_path) -> Callable[..., Recording]:
    """Upload a two-second tone as the recording of a segment (or a row for a missing key)."""

    def add(version_id: int, segment_id: str, *, key: str | None = None) -> Recording:
        rate = 44100
        tone = 0.25 * np.sin(2 * math.pi * 440 * np.arange(2 * rate) / rate)
        path = tmp_path / f"{segment_id}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes((tone * 32767).astype("<i2").tobytes())
        stored = storage.put_file(path, suffix=".wav", content_type="audio/wav")
        with sessions() as session:
            recording = Recording(
                version_id=version_id,
                segment_id=segment_id,
                key=key or stored.key,
                sha256=stored.sha256,
                bytes=stored.bytes,
                duration_ms=2000,
            )
            session.add(recording)
            session.commit()
            return recording

    return add


def render(sessions, storage, settings, version_id: int) -> Job:
    """Start and run a render; returns the finished (or failed) job."""
    with sessions() as session:
        job = start_render(session, session.get(ExerciseVersion, version_id), requested_by=None)
        session.commit()
        job_id = job.id
    return run(sessions, storage, settings, job_id)


def run(sessions, storage, settings, job_id) -> Job:
    with sessions() as session:
        job = jobs.claim_job(session, job_id)
        session.commit()
        assert job is not None
        try:
            run_render_job(session, storage, job, settings=settings)
        except JobFailed as failure:
            jobs.fail_job(session, job_id, failure.message)
        else:
            jobs.finish_job(session, job_id)
        session.commit()
        return jobs.get_job(session, job_id)


def load(sessions, version_id: int) -> ExerciseVersion:
    with sessions() as session:
        version = session.get(ExerciseVersion, version_id)
        for variant in version.variants:
            len(variant.renditions)
            variant.timeline, variant.captions  # noqa: B018  (deferred columns, loaded now)
        len(version.recordings)
        version.exercise  # noqa: B018  (loaded while the session is open)
        return version


def test_a_render_stores_each_variant_and_its_audio(sessions, storage, settings, make_version):
    version_id = make_version()
    job = render(sessions, storage, settings, version_id)
    assert (job.status, job.error) == (JobStatus.SUCCEEDED, None)
    version = load(sessions, version_id)
    assert (version.status, version.error) == (VersionStatus.RENDERED, None)
    assert version.rendered_at is not None
    [variant] = version.variants
    assert variant.length_minutes == 1
    assert abs(variant.duration_ms - 60_000) <= 1200
    assert variant.timeline["duration_ms"] == variant.duration_ms
    assert [e["type"] for e in variant.timeline["events"]] == ["say", "pause", "bell", "say"]
    assert variant.captions.startswith("WEBVTT")
    assert "That is all for now." in variant.captions
    assert variant.content_sha256 == variant_content_sha256(variant.timeline, variant.captions)
    [rendition] = variant.renditions
    assert (rendition.format, rendition.mime, rendition.nominal_bitrate) == (
        "aac",
        "audio/mp4",
        64_000,
    )
    assert rendition.key.endswith(".m4a")
    with storage.open(rendition.key) as stored:
        data = stored.read()
    assert (len(data), hashlib.sha256(data).hexdigest()) == (rendition.bytes, rendition.sha256)
    # the stored bitrate is the file's own average, which silence keeps under the setting
    assert rendition.bitrate == round(len(data) * 8 * 1000 / variant.duration_ms)
    assert rendition.bitrate < rendition.nominal_bitrate


def test_a_render_writes_every_configured_format(sessions, storage, settings, make_version):
    version_id = make_version()
    wanted = replace(settings, formats=("aac", "opus", "mp3"), bitrates={"opus": 24_000})
    render(sessions, storage, wanted, version_id)
    [variant] = load(sessions, version_id).variants
    formats = {r.format: (r.nominal_bitrate, r.key.rsplit(".", 1)[1]) for r in variant.renditions}
    assert formats == {"aac": (64_000, "m4a"), "opus": (24_000, "opus"), "mp3": (64_000, "mp3")}
    assert all(storage.exists(r.key) for r in variant.renditions)


def test_the_stored_fingerprint_matches_the_version_and_settings(
    sessions, storage, settings, make_version
):
    version_id = make_version()
    render(sessions, storage, settings, version_id)
    version = load(sessions, version_id)
    assert version.render_fingerprint == render_fingerprint(version, settings)


def test_the_fingerprint_changes_with_recordings_and_settings(
    sessions, settings, make_version, add_recording
):
    version_id = make_version()
    before = render_fingerprint(load(sessions, version_id), settings)
    assert render_fingerprint(load(sessions, version_id), settings) == before
    assert (
        render_fingerprint(load(sessions, version_id), replace(settings, formats=("aac", "mp3")))
        != before
    )
    assert (
        render_fingerprint(load(sessions, version_id), replace(settings, bitrates={"aac": 96_000}))
        != before
    )
    assert (
        render_fingerprint(
            load(sessions, version_id),
            replace(settings, audio=replace(settings.audio, voice="/voices/other.onnx")),
        )
        != before
    )
    add_recording(version_id, "welcome")
    assert render_fingerprint(load(sessions, version_id), settings) != before


def test_an_uploaded_recording_replaces_the_voice(
    sessions, storage, settings, make_version, add_recording
):
    version_id = make_version()
    add_recording(version_id, "welcome")
    job = render(sessions, storage, settings, version_id)
    assert job.status == JobStatus.SUCCEEDED
    [variant] = load(sessions, version_id).variants
    first_say = variant.timeline["events"][0]
    assert first_say["type"] == "say"
    assert 1800 <= first_say["until_ms"] - first_say["at_ms"] <= 2100  # the tone's length


def publish_directly(sessions, version_id: int) -> None:
    # Publishing belongs to the content service; here only its outcome matters.
    with sessions() as session:
        version = session.get(ExerciseVersion, version_id)
        version.status = VersionStatus.PUBLISHED
        version.published_at = utcnow()
        version.exercise.published_version_id = version.id
        session.commit()


def rows(sessions, version_id: int) -> list[tuple[int, int, list[tuple[int, str, str]]]]:
    version = load(sessions, version_id)
    return [
        (v.id, v.duration_ms, [(r.id, r.key, r.sha256) for r in v.renditions])
        for v in version.variants
    ]


def test_a_missing_recording_fails_the_render_and_the_published_version_stays(
    sessions, storage, settings, make_version, add_recording
):
    published_id = make_version()
    render(sessions, storage, settings, published_id)
    publish_directly(sessions, published_id)
    published_rows = rows(sessions, published_id)

    draft_id = make_version(SCRIPT.replace("That is all", "That is everything"))
    add_recording(draft_id, "welcome", key="ff/" + "f" * 64 + ".wav")
    job = render(sessions, storage, settings, draft_id)

    message = "the recording for segment 'welcome' is missing from storage; upload it again"
    assert (job.status, job.error) == (JobStatus.FAILED, message)
    draft = load(sessions, draft_id)
    assert (draft.status, draft.error, draft.variants) == (VersionStatus.FAILED, message, [])
    assert rows(sessions, published_id) == published_rows
    published = load(sessions, published_id)
    assert published.status == VersionStatus.PUBLISHED
    assert published.exercise.published_version_id == published_id


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_storage_fails_the_render_and_a_retry_succeeds(
    sessions, storage, settings, make_version
):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    unreachable = S3Storage("interlude", endpoint_url=endpoint, access_key="k", secret_key="s")
    version_id = make_version()
    job = render(sessions, unreachable, settings, version_id)
    assert job.status == JobStatus.FAILED
    assert job.error is not None
    assert job.error.startswith("storage unreachable: S3 is unreachable")
    assert endpoint in job.error
    assert job.error.endswith("— the render can be retried")
    version = load(sessions, version_id)
    assert (version.status, version.error, version.variants) == (
        VersionStatus.FAILED,
        job.error,
        [],
    )

    with sessions() as session:
        jobs.retry_job(session, job.id)
        session.commit()
    retried = run(sessions, storage, settings, job.id)  # storage is back
    assert (retried.status, retried.attempts, retried.error) == (JobStatus.SUCCEEDED, 2, None)
    version = load(sessions, version_id)
    assert (version.status, version.error, len(version.variants)) == (
        VersionStatus.RENDERED,
        None,
        1,
    )


class DropsAfterFirstUpload(LocalStorage):
    """A storage that goes away in the middle of a render's uploads."""

    uploads = 0

    def put_file(self, path, *, suffix, content_type, sha256=None):
        self.uploads += 1
        if self.uploads > 1:
            raise StorageUnavailable("connection reset by peer while uploading")
        return super().put_file(path, suffix=suffix, content_type=content_type, sha256=sha256)


def test_storage_lost_during_uploads_leaves_no_variants(sessions, settings, make_version, tmp_path):
    flaky = DropsAfterFirstUpload(tmp_path / "flaky")
    version_id = make_version()
    job = render(sessions, flaky, replace(settings, formats=("aac", "opus")), version_id)
    assert job.error == (
        "storage unreachable: connection reset by peer while uploading — the render can be retried"
    )
    version = load(sessions, version_id)
    assert (version.status, version.variants) == (VersionStatus.FAILED, [])


def test_a_script_naming_a_server_file_as_recording_is_refused(
    sessions, storage, settings, make_version
):
    source = SCRIPT.replace(
        "{say: That is all for now., id: goodbye}",
        "say: {text: That is all for now., id: goodbye, recording: /etc/hostname}",
    )
    job = render(sessions, storage, settings, make_version(source))
    assert job.status == JobStatus.FAILED
    assert job.error is not None
    assert "segment 'goodbye' names the recording '/etc/hostname'; upload it" in job.error


def test_a_re_render_replaces_the_variants(sessions, storage, settings, make_version):
    version_id = make_version()
    render(sessions, storage, settings, version_id)
    first = rows(sessions, version_id)
    render(sessions, storage, replace(settings, formats=("aac", "opus")), version_id)
    second = load(sessions, version_id)
    assert second.status == VersionStatus.RENDERED
    [variant] = second.variants
    assert sorted(r.format for r in variant.renditions) == ["aac", "opus"]
    with sessions() as session:  # nothing of the first render is left beside the second
        assert session.scalar(db.select(db.func.count()).select_from(Variant)) == 1
        assert session.scalar(db.select(db.func.count()).select_from(Rendition)) == 2
    # the same mix encodes to the same bytes, so the AAC object is the same one
    assert next(r.key for r in variant.renditions if r.format == "aac") == first[0][2][0][1]


def test_a_failed_re_render_leaves_the_earlier_variants_whole(
    sessions, storage, settings, make_version, add_recording
):
    version_id = make_version()
    render(sessions, storage, settings, version_id)
    before = rows(sessions, version_id)
    add_recording(version_id, "goodbye", key="ee/" + "e" * 64 + ".wav")
    job = render(sessions, storage, settings, version_id)
    assert job.status == JobStatus.FAILED
    assert load(sessions, version_id).status == VersionStatus.FAILED
    assert rows(sessions, version_id) == before


def test_a_version_being_rendered_cannot_be_rendered_again(sessions, make_version):
    version_id = make_version()
    with sessions() as session:
        version = session.get(ExerciseVersion, version_id)
        start_render(session, version, requested_by=None)
        session.commit()
        with pytest.raises(Conflict, match="already being rendered"):
            start_render(session, version, requested_by=None)


def test_a_render_abandoned_by_a_crashed_worker_can_be_started_again(sessions, make_version):
    version_id = make_version()
    with sessions() as session:
        version = session.get(ExerciseVersion, version_id)
        job = start_render(session, version, requested_by=None)
        job.created_at = utcnow() - jobs.STALE_AFTER * 2
        session.commit()
        again = start_render(session, version, requested_by=None)
        session.commit()
        assert again.id != job.id and again.status == JobStatus.QUEUED


def test_a_published_version_is_not_rendered_again(sessions, storage, settings, make_version):
    version_id = make_version()
    render(sessions, storage, settings, version_id)
    publish_directly(sessions, version_id)
    with sessions() as session, pytest.raises(Conflict, match="publish a new version instead"):
        start_render(session, session.get(ExerciseVersion, version_id), requested_by=None)


def test_render_settings_come_from_config(tmp_path):
    settings = RenderSettings.from_config(
        {
            "RENDER_FORMATS": "opus, mp3",
            "RENDER_BITRATES": "aac=96k,opus=24000",
            "TTS_VOICE": "/voices/calm.onnx",
            "TTS_CACHE_DIR": str(tmp_path / "tts"),
            "SOUNDS_DIR": str(tmp_path / "sounds"),
        }
    )
    assert settings.formats == ("aac", "opus", "mp3")
    assert dict(settings.bitrates) == {"aac": 96_000, "opus": 24_000}
    assert settings.audio == AudioSettings(
        cache_dir=tmp_path / "tts", voice="/voices/calm.onnx", sounds_dir=tmp_path / "sounds"
    )
    assert RenderSettings.from_config({}) == RenderSettings()
    assert RenderSettings.from_config({"TTS_CACHE_DIR": "", "SOUNDS_DIR": ""}) == RenderSettings()


def test_the_app_config_names_the_cache_and_the_sounds(monkeypatch, tmp_path):
    monkeypatch.setenv("INTERLUDE_CACHE_DIR", str(tmp_path / "tts"))
    monkeypatch.setenv("INTERLUDE_SOUNDS_DIR", str(tmp_path / "sounds"))
    audio = RenderSettings.from_config(Config().as_mapping()).audio
    assert (audio.cache_dir, audio.sounds_dir) == (tmp_path / "tts", tmp_path / "sounds")
    monkeypatch.delenv("INTERLUDE_CACHE_DIR")
    monkeypatch.delenv("INTERLUDE_SOUNDS_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    audio = RenderSettings.from_config(Config().as_mapping()).audio
    assert audio.cache_dir == tmp_path / "xdg" / "interlude" / "tts"
    assert audio.sounds_dir == AudioSettings().sounds_dir


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"RENDER_FORMATS": "aac,flac"}, "RENDER_FORMATS: unknown format 'flac'"),
        ({"RENDER_BITRATES": "opus:32k"}, "RENDER_BITRATES: 'opus:32k' should look like aac=64k"),
        ({"RENDER_BITRATES": "mp3=lots"}, "RENDER_BITRATES: bitrate 'lots' is not a number"),
    ],
)
def test_bad_render_settings_name_the_setting(config, message):
    with pytest.raises(ValueError, match=message):
        RenderSettings.from_config(config)
