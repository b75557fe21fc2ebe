"""What the editor's screens read beyond the versions themselves: every exercise with its
latest version, a version's say segments with their recordings, and removing a recording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from api.models import Exercise, ExerciseVersion, Job, Recording, VersionStatus
from api.services import Db
from api.services.content import ScriptRejected, check_source
from api.services.errors import Conflict, NotFound
from api.services.rendering import active_render_job
from api.services.transaction import unit_of_work
from audio_scripts import Say


@dataclass(frozen=True)
class ScriptSummary:
    slug: str
    title: str
    kind: str
    latest_version: int
    status: VersionStatus
    published_version: int | None
    updated_at: datetime


def script_summaries(session: Db) -> list[ScriptSummary]:
    """Every exercise (drafts too), by title, with its latest version and the published one."""
    latest = (
        select(ExerciseVersion.exercise_id, func.max(ExerciseVersion.number).label("number"))
        .group_by(ExerciseVersion.exercise_id)
        .subquery()
    )
    rows = session.execute(
        select(Exercise, ExerciseVersion)
        .join(latest, latest.c.exercise_id == Exercise.id)
        .join(
            ExerciseVersion,
            (ExerciseVersion.exercise_id == Exercise.id)
            & (ExerciseVersion.number == latest.c.number),
        )
        .options(selectinload(Exercise.published_version))
        .order_by(func.lower(ExerciseVersion.title), Exercise.slug)
    ).all()
    return [
        ScriptSummary(
            slug=exercise.slug,
            title=version.title,
            kind=version.kind,
            latest_version=version.number,
            status=version.status,
            published_version=(
                exercise.published_version.number if exercise.published_version else None
            ),
            updated_at=version.created_at,
        )
        for exercise, version in rows
    ]


@dataclass(frozen=True)
class SaySegment:
    id: str
    text: str
    line: int
    recording: Recording | None


def say_segments(version: ExerciseVersion) -> list[SaySegment]:
    """The version's say segments in order, each with its uploaded recording, if any."""
    try:
        script = check_source(version.source).script
    except ScriptRejected:
        return []  # a version stored before a rule tightened: no segments to record
    by_segment = {r.segment_id: r for r in version.recordings}
    return [
        SaySegment(s.id, s.text, s.line, by_segment.get(s.id))
        for s in script.segments
        if isinstance(s, Say)
    ]


def render_job(session: Db, version: ExerciseVersion) -> Job | None:
    """The job rendering this version now, so a screen opened mid-render can follow it."""
    if version.status != VersionStatus.RENDERING:
        return None
    return active_render_job(session, version.id)


def find_recording(version: ExerciseVersion, segment_id: str) -> Recording:
    for recording in version.recordings:
        if recording.segment_id == segment_id:
            return recording
    raise NotFound(f"Version {version.number} has no recording for the segment '{segment_id}'.")


@unit_of_work
def remove_recording(session: Db, version: ExerciseVersion, segment_id: str) -> None:
    """Go back to the synthetic voice for one segment. The stored file stays: it is content
    addressed and other versions may use it."""
    if version.status in (VersionStatus.PUBLISHED, VersionStatus.RENDERING):
        raise Conflict(
            f"Version {version.number} is {version.status.value}; "
            "change recordings on a new draft version instead."
        )
    session.delete(find_recording(version, segment_id))
    if version.status == VersionStatus.RENDERED:
        version.status = VersionStatus.DRAFT  # its audio no longer matches: render again
    session.flush()
