"""The built-in library: bring the scripts in `content/` into the catalog, rendering only
what changed (script text, recordings or render settings) and publishing the result."""

from __future__ import annotations

import enum
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from api.models import Exercise, ExerciseVersion, VersionStatus
from api.services import Db, content, rendering
from api.services.errors import ServiceError
from api.services.jobs import JobFailed, claim_job, fail_job, finish_job
from api.services.rendering import RenderSettings
from api.storage.base import Storage


class SyncAction(enum.StrEnum):
    UNCHANGED = "unchanged"
    PUBLISHED = "published"  # was rendered already; only needed publishing
    RENDERED = "rendered"  # rendered, then published
    FAILED = "failed"


@dataclass(frozen=True)
class SyncOutcome:
    path: Path
    action: SyncAction
    slug: str = ""
    version: int | None = None
    message: str = ""


def library_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.is_file())


def target_version(session: Db, source: str, settings: RenderSettings) -> ExerciseVersion:
    """The version `source` should be served from: the latest one when it holds this text and
    is rendered with these settings (or can still be rendered), else a new draft."""
    slug = content.check_source(source).script.slug
    exercise = session.scalar(select(Exercise).where(Exercise.slug == slug))
    latest = content.latest_version(session, exercise) if exercise else None
    if latest is None or latest.source_sha256 != content.sha256_text(source):
        return content.create_version(session, source, author_id=None)
    stale = latest.render_fingerprint != rendering.render_fingerprint(latest, settings)
    if stale and latest.status == VersionStatus.PUBLISHED:
        # A published version's audio never changes under clients: re-render as a new one.
        return content.create_version(session, source, author_id=None)
    return latest


def sync_file(
    session: Db,
    storage: Storage,
    settings: RenderSettings,
    path: Path,
    *,
    progress: Callable[[float], None] | None = None,
) -> SyncOutcome:
    try:
        version = target_version(session, path.read_text(encoding="utf-8"), settings)
        slug, number = version.exercise.slug, version.number
        session.commit()
    except content.ScriptRejected as rejected:
        session.rollback()
        return SyncOutcome(path, SyncAction.FAILED, message=rejected.message)
    fresh = version.render_fingerprint == rendering.render_fingerprint(version, settings)
    if fresh and version.status == VersionStatus.PUBLISHED:
        return SyncOutcome(path, SyncAction.UNCHANGED, slug, number)
    action = SyncAction.PUBLISHED
    if not (fresh and version.status == VersionStatus.RENDERED):
        _release_a_stopped_sync(session, version)
        try:
            job_id = rendering.start_render(
                session, version, requested_by=None, owner=_this_process()
            ).id
        except ServiceError as refused:  # rendering elsewhere just now, say
            session.rollback()
            return SyncOutcome(path, SyncAction.FAILED, slug, number, refused.message)
        session.commit()
        job = claim_job(session, job_id)
        session.commit()
        assert job is not None  # just queued by us, and only we know its id
        try:
            rendering.run_render_job(session, storage, job, settings=settings, progress=progress)
        except JobFailed as failed:
            session.rollback()
            fail_job(session, job_id, failed.message)
            session.commit()
            return SyncOutcome(path, SyncAction.FAILED, slug, number, failed.message)
        finish_job(session, job_id)
        action = SyncAction.RENDERED
    content.publish(session, session.get(ExerciseVersion, version.id) or version)
    return SyncOutcome(path, action, slug, number)


def _this_process() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _release_a_stopped_sync(session: Db, version: ExerciseVersion) -> None:
    """A sync stopped in the middle of a render (Ctrl-C, a kill, a closed terminal) leaves its
    version rendering, and its job running for no one. When that sync ran on this machine and
    its process is gone, its job is failed here, so this sync renders the version again at
    once instead of waiting for the job to be taken for abandoned (`jobs.STALE_AFTER`)."""
    job = rendering.active_render_job(session, version.id)
    owner = job.payload.get("owner") if job is not None else None
    if job is None or not owner or owner.get("host") != socket.gethostname():
        return
    try:
        os.kill(int(owner["pid"]), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        fail_job(session, job.id, "The content sync rendering it stopped before it finished.")
        session.commit()
    except (PermissionError, ValueError, KeyError):
        return  # another user's process, or no pid: leave it to the staleness rule
