"""Background jobs as database rows: create, claim, report progress, finish, fail, retry.

A job's state lives only in the database, so any web worker answers `GET /jobs/{id}` and a
job can run in a thread, in this process or in an RQ worker elsewhere. Every function takes a
session and leaves committing to the caller, except `report_progress`, which writes in its own
short transaction (a render runs for minutes; SQLite must not hold its write lock that long).

Crashed workers: a job whose process died stays "running" (or "queued" for a thread pool that
went away). Nothing sweeps them at start-up; instead a job that has been running or queued
for longer than `STALE_AFTER` counts as abandoned: `retry_job` accepts it and a new render of
the same version is allowed.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from api.models import Job, JobStatus
from api.models.base import utcnow
from api.services import Db
from api.services.errors import Conflict, NotFound

Clock = Callable[[], datetime]
SessionFactory = Callable[[], Session]

# Longer than any render of the built-in library takes (a 30-minute variant renders in a few
# minutes), short enough that an editor is not kept waiting for a lost job for long.
STALE_AFTER = timedelta(minutes=30)
PROGRESS_INTERVAL_SECONDS = 0.5
PROGRESS_STEP = 0.05


class JobFailed(Exception):
    """Raised by a job handler with a message for people; the job fails with exactly it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def create_job(
    session: Db, kind: str, payload: dict[str, Any], *, created_by: uuid.UUID | None = None
) -> Job:
    job = Job(
        kind=kind,
        payload=payload,
        created_by=created_by,
        status=JobStatus.QUEUED,
        progress=0.0,
        attempts=0,
        created_at=utcnow(),
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Db, job_id: uuid.UUID | str) -> Job:
    try:
        job = session.get(Job, _as_uuid(job_id))
    except ValueError:  # not a UUID: no job has that id
        job = None
    if job is None:
        raise NotFound("There is no such job.")
    return job


def claim_job(session: Db, job_id: uuid.UUID | str, *, clock: Clock = utcnow) -> Job | None:
    """Move a queued job to running; None when another worker got it first or it is gone.

    A single conditional UPDATE, so two workers given the same job never both run it.
    """
    job_id = _as_uuid(job_id)
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            attempts=Job.attempts + 1,
            started_at=clock(),
            finished_at=None,
            progress=0.0,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(Job, job_id, populate_existing=True)


def report_progress(
    session_factory: SessionFactory, job_id: uuid.UUID | str, fraction: float
) -> None:
    """Record progress 0–1 of a running job in its own short transaction. Progress only moves
    forward, and a job that has meanwhile finished or failed is left alone."""
    fraction = min(1.0, max(0.0, float(fraction)))
    with session_factory() as session, session.begin():
        session.execute(
            update(Job)
            .where(
                Job.id == _as_uuid(job_id),
                Job.status == JobStatus.RUNNING,
                Job.progress < fraction,
            )
            .values(progress=fraction)
            .execution_options(synchronize_session=False)
        )


class ProgressReporter:
    """A progress callback for a job that writes at most every half second or every 5%
    (and always on reaching 1.0), so a render's many small steps cost a few writes."""

    def __init__(
        self,
        session_factory: SessionFactory,
        job_id: uuid.UUID | str,
        *,
        interval: float = PROGRESS_INTERVAL_SECONDS,
        step: float = PROGRESS_STEP,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session_factory = session_factory
        self.job_id = _as_uuid(job_id)
        self.interval = interval
        self.step = step
        self.monotonic = monotonic
        self.written = 0.0
        self._written_at = monotonic()
        self._lock = threading.Lock()

    def __call__(self, fraction: float) -> None:
        with self._lock:
            now = self.monotonic()
            if fraction <= self.written:
                return
            due = (
                fraction >= 1.0
                or fraction - self.written >= self.step
                or now - self._written_at >= self.interval
            )
            if not due:
                return
            self.written, self._written_at = fraction, now
        report_progress(self.session_factory, self.job_id, fraction)


def finish_job(session: Db, job_id: uuid.UUID | str, *, clock: Clock = utcnow) -> Job:
    job = get_job(session, job_id)
    job.status = JobStatus.SUCCEEDED
    job.progress = 1.0
    job.error = None
    job.finished_at = clock()
    session.flush()
    return job


def fail_job(session: Db, job_id: uuid.UUID | str, message: str, *, clock: Clock = utcnow) -> Job:
    """Mark a job failed with a message for people (log any traceback; never store it)."""
    job = get_job(session, job_id)
    job.status = JobStatus.FAILED
    job.error = message
    job.finished_at = clock()
    session.flush()
    return job


def is_abandoned(job: Job, *, now: datetime | None = None) -> bool:
    """Queued or running for longer than STALE_AFTER: its worker is taken to have died."""
    now = now or utcnow()
    if job.status == JobStatus.RUNNING:
        return job.started_at is None or now - job.started_at > STALE_AFTER
    if job.status == JobStatus.QUEUED:
        return now - job.created_at > STALE_AFTER
    return False


def retry_job(session: Db, job_id: uuid.UUID | str, *, clock: Clock = utcnow) -> Job:
    """Put a failed (or abandoned) job back in the queue; the caller commits and submits it.

    A job that is queued, running or succeeded is not retried (409), except one abandoned by a
    crashed worker (see `is_abandoned`). A re-submitted job that somehow still sits in a queue
    runs only once: whichever worker claims it first.
    """
    job = get_job(session, job_id)
    if job.status != JobStatus.FAILED and not is_abandoned(job, now=clock()):
        if job.status == JobStatus.SUCCEEDED:
            raise Conflict("This job has already succeeded.")
        raise Conflict(
            f"This job is still {job.status.value}; it can be retried once it has failed "
            f"or after {int(STALE_AFTER.total_seconds() // 60)} minutes without finishing."
        )
    job.status = JobStatus.QUEUED
    job.progress = 0.0
    job.error = None
    job.created_at = clock()  # when it was last queued: the abandonment clock restarts
    job.started_at = None
    job.finished_at = None
    session.flush()
    return job


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
