"""Rendering a script version into audio: start a render, run it as a job, fingerprint it.

A render runs in three steps so that SQLite's single write lock is never held while audio is
made: read what it needs (one short transaction), render and upload with no transaction open,
then replace the version's variants and renditions in one transaction. A failure at any step
leaves the version "failed" with a message for people and none of its rows half-written;
whatever version is published stays published and served.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

import audio_scripts
from api.models import ExerciseVersion, Job, JobStatus, Rendition, Variant, VersionStatus
from api.models.base import utcnow
from api.services import Db
from api.services.errors import Conflict
from api.services.jobs import JobFailed, create_job, is_abandoned
from api.services.render_store import (
    RecordingRef,
    StoredVariant,
    fetch_recordings,
    upload_renditions,
)
from api.services.transaction import unit_of_work
from api.storage.base import Storage, StorageUnavailable
from audio_scripts.encode import FORMATS, parse_bitrate, plan_formats
from audio_scripts.settings import DEFAULT_VOICE, AudioSettings
from audio_scripts.voices import narrator_for

log = logging.getLogger("interlude.jobs.render")

RENDER_JOB = "render"
# Part of every fingerprint: bump it when the renderer's output changes, so `content sync`
# renders everything again.
# 2: renditions conformed to the loudness promise after encoding; 3: the sentences of a say
# joined with Piper's own pause between sentences (270 ms) instead of 460 ms
RENDERER_REVISION = 3
Progress = Callable[[float], None]

# Shares of a job's progress: fetching recordings, rendering, uploading.
_FETCH_SHARE, _RENDER_SHARE = 0.05, 0.85
_UPLOAD_SHARE = 1 - _FETCH_SHARE - _RENDER_SHARE


@dataclass(frozen=True)
class RenderSettings:
    """How audio is rendered: formats (AAC always), bitrates per format (bits per second), and
    the audio settings (the default voice, the narration cache, the background sounds)."""

    formats: tuple[str, ...] = ("aac",)
    bitrates: Mapping[str, int] = field(default_factory=dict)
    audio: AudioSettings = field(default_factory=AudioSettings)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RenderSettings:
        """From app config: RENDER_FORMATS ("aac,opus,mp3"), RENDER_BITRATES
        ("aac=64k,opus=32k"), TTS_VOICE, TTS_CACHE_DIR and SOUNDS_DIR (empty or missing: the
        defaults of `AudioSettings`). Raises ValueError naming the setting that is wrong."""
        try:
            formats = tuple(plan_formats(_items(config.get("RENDER_FORMATS") or "aac")))
        except ValueError as exc:
            raise ValueError(f"RENDER_FORMATS: {exc}") from None
        bitrates: dict[str, int] = {}
        for item in _items(config.get("RENDER_BITRATES") or ""):
            name, sep, value = item.partition("=")
            name = name.strip().lower()
            if not sep or name not in FORMATS:
                raise ValueError(
                    f"RENDER_BITRATES: {item!r} should look like aac=64k, with a format "
                    f"from {', '.join(FORMATS)}"
                )
            try:
                bitrates[name] = parse_bitrate(value)
            except ValueError as exc:
                raise ValueError(f"RENDER_BITRATES: {exc}") from None
        return cls(formats=formats, bitrates=bitrates, audio=_audio_settings(config))

    def bitrate(self, fmt: str) -> int:
        return self.bitrates.get(fmt, FORMATS[fmt].default_bitrate)


def _audio_settings(config: Mapping[str, Any]) -> AudioSettings:
    defaults = AudioSettings()
    cache_dir, sounds_dir = config.get("TTS_CACHE_DIR"), config.get("SOUNDS_DIR")
    return AudioSettings(
        cache_dir=Path(cache_dir).expanduser() if cache_dir else defaults.cache_dir,
        voice=str(config.get("TTS_VOICE") or defaults.voice),
        sounds_dir=Path(sounds_dir).expanduser() if sounds_dir else defaults.sounds_dir,
    )


def _items(value: str | list[str] | tuple[str, ...]) -> list[str]:
    parts = value.split(",") if isinstance(value, str) else list(value)
    return [p.strip() for p in parts if p.strip()]


# --- starting ------------------------------------------------------------------------------


@unit_of_work
def start_render(
    session: Db,
    version: ExerciseVersion,
    *,
    requested_by: uuid.UUID | None,
    owner: Mapping[str, Any] | None = None,
) -> Job:
    """Mark `version` rendering and queue a render job for it; the caller commits, then
    submits the job to the runner. `owner` names the process that will run it itself (a
    `content sync`; see `library.sync_file`), kept in the job's payload.

    A draft, rendered or failed version can be rendered; one already rendering cannot (409)
    unless its job was abandoned by a crashed worker; a published one never is (409).
    """
    if version.status == VersionStatus.PUBLISHED:
        raise Conflict(
            f"Version {version.number} is published; publish a new version instead of "
            "rendering this one again."
        )
    if version.status == VersionStatus.RENDERING and active_render_job(session, version.id):
        raise Conflict(f"Version {version.number} is already being rendered.")
    version.status = VersionStatus.RENDERING
    version.error = None
    payload: dict[str, Any] = {"version_id": version.id}
    if owner is not None:
        payload["owner"] = dict(owner)
    return create_job(session, RENDER_JOB, payload, created_by=requested_by)


def active_render_job(session: Db, version_id: int) -> Job | None:
    """The render job for this version that is queued or running and not abandoned."""
    active = session.scalars(
        select(Job).where(
            Job.kind == RENDER_JOB, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])
        )
    )
    now = utcnow()
    for job in active:  # few jobs are ever active at once; the payload is JSON, so filter here
        if job.payload.get("version_id") == version_id and not is_abandoned(job, now=now):
            return job
    return None


# --- fingerprint ---------------------------------------------------------------------------


def render_fingerprint(version: ExerciseVersion, settings: RenderSettings) -> str:
    """What a render of `version` depends on: its source, its recordings and the settings.
    Equal fingerprints mean a render would produce the same audio, so `content sync` skips it."""
    recordings = sorted((r.segment_id, r.sha256) for r in version.recordings)
    return _fingerprint(version.source_sha256, recordings, settings, _script_voice(version))


def _fingerprint(
    source_sha256: str,
    recordings: list[tuple[str, str]],
    settings: RenderSettings,
    script_voice: str,
) -> str:
    formats = plan_formats(settings.formats)
    document = {
        "renderer": RENDERER_REVISION,
        "source": source_sha256,
        "recordings": recordings,
        "formats": {fmt: settings.bitrate(fmt) for fmt in formats},
        "voice": settings.audio.voice_for(script_voice),
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def _script_voice(version: ExerciseVersion) -> str:
    try:
        return audio_scripts.parse(version.source).voice
    except audio_scripts.ScriptInvalid:
        return DEFAULT_VOICE  # it cannot render anyway; the render reports why


def variant_content_sha256(timeline: Mapping[str, Any], captions: str) -> str:
    """The hash of a variant's timeline and captions (their ETags' source)."""
    canonical = json.dumps(timeline, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode() + b"\n" + captions.encode()).hexdigest()


# --- running -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RenderInput:
    """Everything a render reads from the database, copied out so no transaction stays open."""

    version_id: int
    label: str  # "slug v3", for logs
    source: str
    source_sha256: str
    recordings: tuple[RecordingRef, ...]


def run_render_job(
    session: Db,
    storage: Storage,
    job: Job,
    *,
    settings: RenderSettings,
    progress: Progress | None = None,
) -> None:
    """Render the version named in a render job's payload, store the audio, and replace the
    version's variants. Commits its own transactions.

    On failure the version is marked failed with a readable message (committed) and
    `JobFailed` is raised with the same message.
    """
    report = progress or (lambda _fraction: None)
    version_id = int(job.payload["version_id"])
    try:
        wanted = _load_input(session, version_id)
        session.commit()  # nothing stays open while rendering
        storage.check()
        stored, script_voice = _render_and_upload(storage, wanted, settings, report)
        fingerprint = _fingerprint(
            wanted.source_sha256,
            sorted((r.segment_id, r.sha256) for r in wanted.recordings),
            settings,
            script_voice,
        )
        _save_variants(session, version_id, stored, fingerprint)
        session.commit()
        report(1.0)
        log.info("rendered %s: %d variants", wanted.label, len(stored))
    except Exception as exc:
        session.rollback()
        message = describe_render_failure(exc)
        if isinstance(exc, JobFailed | StorageUnavailable | audio_scripts.RenderError):
            log.warning("render of version %s failed: %s", version_id, message)
        else:
            log.exception("render of version %s failed unexpectedly", version_id)
        mark_render_failed(session, version_id, message)
        session.commit()
        raise JobFailed(message) from exc


def _render_and_upload(
    storage: Storage, wanted: _RenderInput, settings: RenderSettings, report: Progress
) -> tuple[list[StoredVariant], str]:
    """The version's audio rendered in a temporary folder and put in storage; with the
    script's voice (for the fingerprint)."""
    with tempfile.TemporaryDirectory(prefix="interlude-job-") as tmp:
        workdir = Path(tmp)
        recordings = fetch_recordings(storage, wanted.recordings, workdir / "recordings")
        report(_FETCH_SHARE)
        script = _without_script_recordings(audio_scripts.parse(wanted.source), recordings)
        result = audio_scripts.render_script(
            script,
            workdir / "out",
            formats=settings.formats,
            bitrates=dict(settings.bitrates),
            recordings=recordings,
            narrator=narrator_for(script.voice, settings.audio),
            progress=lambda f: report(_FETCH_SHARE + _RENDER_SHARE * f),
            sounds_dir=settings.audio.sounds_dir,
        )
        stored = upload_renditions(
            storage, result, lambda f: report(_FETCH_SHARE + _RENDER_SHARE + _UPLOAD_SHARE * f)
        )
    return stored, script.voice


def mark_render_failed(session: Db, version_id: int, message: str) -> None:
    """The version of a failed render job: failed, with the message (the caller commits).
    A version that has moved on meanwhile (rendered by a newer job, or published) is left
    as it is."""
    version = session.get(ExerciseVersion, version_id)
    if version is not None and version.status == VersionStatus.RENDERING:
        version.status = VersionStatus.FAILED
        version.error = message


def fail_render_job(session: Db, job: Job, message: str) -> None:
    """Domain state for a render job that failed outside its handler (say, the queue was
    unreachable when it was submitted)."""
    mark_render_failed(session, int(job.payload["version_id"]), message)


def describe_render_failure(exc: BaseException) -> str:
    """A message an editor can act on; the traceback goes to the log, never here."""
    retry = " — the render can be retried"
    if isinstance(exc, JobFailed):
        return exc.message
    if isinstance(exc, StorageUnavailable):
        return f"storage unreachable: {exc}{retry}"
    if isinstance(exc, audio_scripts.ScriptInvalid):
        return f"the script is not valid: {exc}"
    if isinstance(exc, audio_scripts.RenderError):
        return f"the script could not be rendered: {exc}"
    if isinstance(exc, ValueError):  # an unknown format or a bad bitrate in the settings
        return f"the render settings are not valid: {exc}"
    if isinstance(exc, OSError):
        return f"storage error: {exc.strerror or exc}{retry}"
    return f"unexpected error ({type(exc).__name__}); the server log has the details{retry}"


def _load_input(session: Db, version_id: int) -> _RenderInput:
    version = session.get(ExerciseVersion, version_id)
    if version is None:
        raise JobFailed("the version to render no longer exists")
    if version.status == VersionStatus.PUBLISHED:
        raise JobFailed("the version is published; publish a new version instead")
    # A retried job finds its version failed: it is rendering again now.
    version.status = VersionStatus.RENDERING
    version.error = None
    return _RenderInput(
        version_id=version.id,
        label=f"{version.exercise.slug} v{version.number}",
        source=version.source,
        source_sha256=version.source_sha256,
        recordings=tuple(
            RecordingRef(r.segment_id, r.key, r.sha256)
            for r in sorted(version.recordings, key=lambda r: r.segment_id)
        ),
    )


def _without_script_recordings(
    script: audio_scripts.Script, uploaded: Mapping[str, Path]
) -> audio_scripts.Script:
    """A script may name a `recording:` file; on the server only uploaded recordings count
    (a path in a script must never read the server's files)."""
    segments = []
    for segment in script.segments:
        if isinstance(segment, audio_scripts.Say) and segment.recording is not None:
            if segment.id not in uploaded:
                raise JobFailed(
                    f"line {segment.line}: segment {segment.id!r} names the recording "
                    f"{segment.recording!r}; upload it for segment {segment.id!r} first"
                )
            segment = replace(segment, recording=None)
        segments.append(segment)
    return replace(script, segments=tuple(segments))


def _save_variants(
    session: Db, version_id: int, stored: list[StoredVariant], fingerprint: str
) -> None:
    """Replace the version's variants and renditions in the caller's transaction."""
    version = session.get(ExerciseVersion, version_id)
    if version is None:
        raise JobFailed("the version was deleted while it was rendering")
    if version.status == VersionStatus.PUBLISHED:
        raise JobFailed("the version was published while it was rendering")
    version.variants.clear()
    session.flush()  # delete the old rows before inserting the new (unique per length)
    for item in stored:
        variant = Variant(
            length_minutes=item.length_minutes,
            duration_ms=item.duration_ms,
            timeline=item.timeline,
            captions=item.captions,
            content_sha256=variant_content_sha256(item.timeline, item.captions),
        )
        variant.renditions = [
            Rendition(
                format=r.format,
                bitrate=r.bitrate,
                nominal_bitrate=r.nominal_bitrate,
                bytes=r.bytes,
                sha256=r.sha256,
                key=key,
                mime=r.mime,
            )
            for r, key in item.renditions
        ]
        version.variants.append(variant)
    version.status = VersionStatus.RENDERED
    version.rendered_at = utcnow()
    version.error = None
    version.render_fingerprint = fingerprint
