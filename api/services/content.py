"""Exercises as editors write them and clients find them: script versions, recordings,
publishing, and the published catalog."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from api.models import Exercise, ExerciseVersion, Recording, Rendition, Variant, VersionStatus
from api.models.base import utcnow
from api.services import Db
from api.services.errors import Conflict, NotFound, Rejected, Unsupported
from api.services.transaction import unit_of_work
from api.storage.base import Storage
from audio_scripts import Checked, Say, Script, ScriptError, ScriptInvalid, check_script
from audio_scripts.pcm import DecodeError
from audio_scripts.probe import probe_duration_ms

MAX_SOURCE_CHARS = 100_000
# Set on a session whose transaction changes what the catalog shows (the web layer clears
# its catalog cache when that transaction commits).
CATALOG_CHANGED = "interlude.catalog_changed"
# Rendered formats and how clients ask for them (`?format=`), with their file types.
FORMATS = {"aac": ".m4a", "opus": ".opus", "mp3": ".mp3"}
# RFC 6381 codecs, so a player can ask `canPlayType` about the exact rendition.
CODECS = {"aac": "mp4a.40.2", "opus": "opus", "mp3": "mp3"}


class ScriptRejected(Rejected):
    """A script with line-numbered problems, each listed under `source`."""

    def __init__(self, invalid: ScriptInvalid) -> None:
        problems = [error.as_json() for error in invalid.errors]
        count = len(problems)
        summary = "; ".join(str(error) for error in invalid.errors[:3])
        more = f" (and {count - 3} more)" if count > 3 else ""
        super().__init__(
            f"The script has {count} problem{'s' if count != 1 else ''}: {summary}{more}",
            {"source": problems},
        )


class NotAudio(Unsupported):
    """An upload that does not decode as audio."""


def check_source(source: str) -> Checked:
    if len(source) > MAX_SOURCE_CHARS:
        raise ScriptRejected(
            ScriptInvalid(
                [ScriptError(1, 1, f"a script may be at most {MAX_SOURCE_CHARS} characters")]
            )
        )
    try:
        return check_script(source)
    except ScriptInvalid as invalid:
        raise ScriptRejected(invalid) from None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- editing ------------------------------------------------------------------------------


@unit_of_work
def create_version(session: Db, source: str, *, author_id: uuid.UUID | None) -> ExerciseVersion:
    """Store `source` as the next draft version of its exercise (made on first upload).
    Recordings of the previous version carry over for say segments that still exist."""
    checked = check_source(source)
    script = checked.script
    exercise = session.scalar(select(Exercise).where(Exercise.slug == script.slug))
    if exercise is None:
        exercise = Exercise(slug=script.slug)
        session.add(exercise)
        session.flush()  # a racing first upload fails here -> 409
    previous = session.scalar(
        select(ExerciseVersion)
        .where(ExerciseVersion.exercise_id == exercise.id)
        .order_by(ExerciseVersion.number.desc())
        .limit(1)
        .options(selectinload(ExerciseVersion.recordings))
    )
    version = ExerciseVersion(
        exercise_id=exercise.id,
        number=(previous.number + 1) if previous else 1,
        status=VersionStatus.DRAFT,
        source=source,
        source_sha256=sha256_text(source),
        author_id=author_id,
        **catalog_fields(script),
    )
    session.add(version)
    session.flush()  # two simultaneous uploads cannot both take number n -> 409
    if previous is not None:
        say_ids = {s.id for s in script.segments if isinstance(s, Say)}
        for old in previous.recordings:
            if old.segment_id in say_ids:
                session.add(
                    Recording(
                        version_id=version.id,
                        segment_id=old.segment_id,
                        key=old.key,
                        sha256=old.sha256,
                        bytes=old.bytes,
                        duration_ms=old.duration_ms,
                        filename=old.filename,
                        uploaded_by=old.uploaded_by,
                    )
                )
        session.flush()
    return version


def catalog_fields(script: Script) -> dict[str, object]:
    pattern = script.breath_pattern
    return {
        "title": script.title,
        "kind": script.kind,
        "summary": script.summary,
        "language": script.language,
        "lengths": sorted(script.lengths),
        "breath_pattern": asdict(pattern) if pattern else None,
    }


def find_exercise(session: Db, slug: str) -> Exercise:
    exercise = session.scalar(select(Exercise).where(Exercise.slug == slug))
    if exercise is None:
        raise NotFound(f"There is no exercise '{slug}'.")
    return exercise


def list_versions(session: Db, slug: str) -> Select[tuple[ExerciseVersion]]:
    exercise = find_exercise(session, slug)
    return (
        select(ExerciseVersion)
        .where(ExerciseVersion.exercise_id == exercise.id)
        .order_by(ExerciseVersion.number.desc())
        .options(
            selectinload(ExerciseVersion.recordings),
            selectinload(ExerciseVersion.author),
            selectinload(ExerciseVersion.publisher),
        )
    )


def find_version(session: Db, slug: str, number: int) -> ExerciseVersion:
    version = session.scalar(
        select(ExerciseVersion)
        .join(Exercise, ExerciseVersion.exercise_id == Exercise.id)
        .where(Exercise.slug == slug, ExerciseVersion.number == number)
    )
    if version is None:
        raise NotFound(f"Exercise '{slug}' has no version {number}.")
    return version


def latest_version(session: Db, exercise: Exercise) -> ExerciseVersion | None:
    return session.scalar(
        select(ExerciseVersion)
        .where(ExerciseVersion.exercise_id == exercise.id)
        .order_by(ExerciseVersion.number.desc())
        .limit(1)
    )


@unit_of_work
def add_recording(
    session: Db,
    storage: Storage,
    version: ExerciseVersion,
    segment_id: str,
    upload: Path,
    *,
    filename: str | None,
    uploaded_by: uuid.UUID | None,
) -> tuple[Recording, bool]:
    """Store an uploaded narration for one say segment. Returns the recording and whether it
    is new (False when it replaced an earlier upload)."""
    if version.status in (VersionStatus.PUBLISHED, VersionStatus.RENDERING):
        raise Conflict(
            f"Version {version.number} is {version.status.value}; "
            "upload recordings to a new draft version instead."
        )
    script = check_source(version.source).script
    if not any(isinstance(s, Say) and s.id == segment_id for s in script.segments):
        raise NotFound(f"Version {version.number} has no say segment with the id '{segment_id}'.")
    try:
        duration_ms = probe_duration_ms(upload)
    except DecodeError as error:
        raise NotAudio(f"The upload is not audio we can decode ({error}).") from None
    stored = storage.put_file(
        upload,
        suffix=recording_suffix(filename),
        content_type="application/octet-stream",
    )
    recording = session.scalar(
        select(Recording).where(
            Recording.version_id == version.id, Recording.segment_id == segment_id
        )
    )
    created = recording is None
    if recording is None:
        recording = Recording(version_id=version.id, segment_id=segment_id)
        session.add(recording)
    recording.key = stored.key
    recording.sha256 = stored.sha256
    recording.bytes = stored.bytes
    recording.duration_ms = duration_ms
    recording.filename = (filename or "")[:255] or None
    recording.uploaded_by = uploaded_by
    recording.created_at = utcnow()
    if version.status == VersionStatus.RENDERED:
        version.status = VersionStatus.DRAFT  # its audio no longer matches: render again
    session.flush()
    return recording, created


def recording_suffix(filename: str | None) -> str:
    """A safe file suffix for a stored recording: the upload's own (".wav"), else ".audio"."""
    suffix = re.sub(r"[^a-z0-9]", "", Path(filename or "").suffix.lower())[:8]
    return f".{suffix}" if suffix else ".audio"


@unit_of_work(keep_loaded=True)
def publish(
    session: Db, version: ExerciseVersion, *, published_by: uuid.UUID | None = None
) -> ExerciseVersion:
    """Make a rendered version the one the catalog serves, in one transaction."""
    if version.status == VersionStatus.PUBLISHED:
        return version
    if version.status != VersionStatus.RENDERED:
        raise Conflict(
            f"Version {version.number} is {version.status.value}; only a rendered version "
            "can be published. Render it first."
        )
    now = utcnow()
    exercise = version.exercise
    session.execute(
        update(ExerciseVersion)
        .where(
            ExerciseVersion.exercise_id == exercise.id,
            ExerciseVersion.status == VersionStatus.PUBLISHED,
        )
        .values(status=VersionStatus.RENDERED)
    )
    version.status = VersionStatus.PUBLISHED
    version.published_at = now
    version.published_by = published_by
    exercise.published_version_id = version.id
    exercise.title = version.title
    exercise.kind = version.kind
    exercise.summary = version.summary
    exercise.language = version.language
    exercise.lengths = list(version.lengths)
    exercise.shortest_minutes = min(version.lengths)
    exercise.first_published_at = exercise.first_published_at or now
    session.flush()
    session.info[CATALOG_CHANGED] = True
    return version


# --- the catalog ----------------------------------------------------------------------------


def catalog_query(
    *,
    kind: str | None = None,
    q: str | None = None,
    max_minutes: int | None = None,
    language: str | None = None,
) -> Select[tuple[Exercise]]:
    query = select(Exercise).where(Exercise.published_version_id.is_not(None))
    if kind:
        query = query.where(Exercise.kind == kind)
    if language:
        query = query.where(func.lower(Exercise.language) == language.lower())
    if max_minutes is not None:
        query = query.where(Exercise.shortest_minutes <= max_minutes)
    if q:
        pattern = (
            "%" + q.lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        )
        query = query.where(
            or_(
                func.lower(Exercise.title).like(pattern, escape="\\"),
                func.lower(Exercise.summary).like(pattern, escape="\\"),
                func.lower(Exercise.slug).like(pattern, escape="\\"),
            )
        )
    return query.order_by(Exercise.title, Exercise.id)


def visible_version(
    session: Db, slug: str, *, number: int | None = None, drafts: bool = False
) -> ExerciseVersion:
    """The version a caller sees: the published one; editors may ask for any `number`
    (or, with no published version, see the latest). Everyone else gets 404 for drafts."""
    exercise = session.scalar(
        select(Exercise)
        .where(Exercise.slug == slug)
        .options(
            joinedload(Exercise.published_version)
            .selectinload(ExerciseVersion.variants)
            .selectinload(Variant.renditions)
        )
    )
    if exercise is None:
        raise NotFound(f"There is no exercise '{slug}'.")
    if exercise.published_version is not None:
        # Callers read version.exercise: hand it this object, or (the identity map being
        # weak) it may be queried again once `exercise` goes out of scope.
        set_committed_value(exercise.published_version, "exercise", exercise)
    if number is not None and drafts:
        return find_version(session, slug, number)
    if exercise.published_version is not None and (
        number is None or number == exercise.published_version.number
    ):
        return exercise.published_version
    if drafts and number is None:
        latest = latest_version(session, exercise)
        if latest is not None:
            return latest
    if number is not None:
        raise NotFound(f"Exercise '{slug}' has no published version {number}.")
    raise NotFound(f"There is no exercise '{slug}'.")


def find_variant(version: ExerciseVersion, minutes: int) -> Variant:
    for variant in version.variants:
        if variant.length_minutes == minutes:
            return variant
    lengths = ", ".join(str(v.length_minutes) for v in version.variants) or "none rendered yet"
    raise NotFound(
        f"'{version.exercise.slug}' has no {minutes}-minute variant (lengths: {lengths})."
    )


def find_rendition(variant: Variant, fmt: str) -> Rendition:
    for rendition in variant.renditions:
        if rendition.format == fmt:
            return rendition
    formats = ", ".join(r.format for r in variant.renditions)
    raise NotFound(f"There is no '{fmt}' audio for this variant (formats: {formats}).")


def media_type(rendition: Rendition) -> str:
    """`audio/mp4; codecs="mp4a.40.2"`: the MIME type with its codecs parameter."""
    codecs = CODECS.get(rendition.format)
    return f'{rendition.mime}; codecs="{codecs}"' if codecs else rendition.mime
