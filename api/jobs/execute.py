"""Running one job: claim it, dispatch it to the handler for its kind, finish or fail it.

Whatever a handler raises fails the job (with the handler's `JobFailed` message, or a generic
one while the traceback goes to the log); nothing a job does can stop the runner.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session, sessionmaker

from api import metrics
from api.extensions import db
from api.jobs.mail import run_mail_job
from api.models import Job, JobStatus
from api.registry import AppServices, app_services
from api.services import rendering
from api.services.jobs import (
    JobFailed,
    ProgressReporter,
    SessionFactory,
    claim_job,
    fail_job,
    finish_job,
)
from api.services.mail_queue import MAIL_JOB

log = logging.getLogger("interlude.jobs")


@dataclass(frozen=True)
class JobContext:
    """What a handler gets: its own session (not Flask-SQLAlchemy's scoped one), a factory for
    short side transactions, a throttled progress callback, and the app's config and services."""

    job: Job
    session: Session
    session_factory: SessionFactory
    progress: Callable[[float], None]
    config: Mapping[str, Any]
    services: AppServices


@dataclass(frozen=True)
class Handler:
    """`run` does the job and is responsible for its domain state, including on failure;
    `abandon` sets that state when the job fails before or outside `run` (for example, the
    queue was unreachable when it was submitted). The caller commits after `abandon`."""

    run: Callable[[JobContext], None]
    abandon: Callable[[Session, Job, str], None] | None = None


def _run_render(context: JobContext) -> None:
    try:
        settings = rendering.RenderSettings.from_config(context.config)
    except ValueError as exc:
        raise JobFailed(f"the render settings are not valid: {exc}") from None
    rendering.run_render_job(
        context.session,
        context.services.storage,
        context.job,
        settings=settings,
        progress=context.progress,
    )


HANDLERS: dict[str, Handler] = {
    rendering.RENDER_JOB: Handler(run=_run_render, abandon=rendering.fail_render_job),
    MAIL_JOB: Handler(run=run_mail_job),
}


def _session_factory() -> sessionmaker[Session]:
    # Plain sessions on the app's engine: independent of the request's scoped session, so an
    # inline job in a request and its progress writes never share a transaction with it.
    return sessionmaker(bind=db.engine)


def execute_job(job_id: uuid.UUID | str) -> JobStatus | None:
    """Run a queued job to the end, inside the current app context. Returns its final status,
    or None when it was not queued (another worker claimed it, or it is gone). Never raises
    for a job's failure."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    factory = _session_factory()
    with factory() as session:
        job = claim_job(session, job_id)
        if job is None:
            session.rollback()
            log.info("job %s was not queued; another worker has it or it is gone", job_id)
            return None
        job_id, kind = job.id, job.kind
        session.commit()
        handler = HANDLERS.get(kind)
        started = time.perf_counter()
        try:
            if handler is None:
                raise JobFailed(f"there is no handler for jobs of kind {kind!r}")
            handler.run(
                JobContext(
                    job=job,
                    session=session,
                    session_factory=factory,
                    progress=ProgressReporter(factory, job_id),
                    config=app.config,
                    services=app_services(app),
                )
            )
        except Exception as exc:
            session.rollback()
            message = _failure_message(exc, job_id, kind)
            _record_failure(session, job_id, message, handler)
            metrics.job_finished(kind, JobStatus.FAILED, time.perf_counter() - started)
            return JobStatus.FAILED
        finish_job(session, job_id)
        session.commit()
        metrics.job_finished(kind, JobStatus.SUCCEEDED, time.perf_counter() - started)
        log.info("job %s (%s) succeeded", job_id, kind)
        return JobStatus.SUCCEEDED


def abandon_job(job_id: uuid.UUID | str, message: str) -> None:
    """Fail a job that could not be run at all (inside the current app context)."""
    with _session_factory()() as session:
        job = session.get(Job, job_id if isinstance(job_id, uuid.UUID) else uuid.UUID(job_id))
        if job is None or job.status != JobStatus.QUEUED:
            return
        _record_failure(session, job.id, message, HANDLERS.get(job.kind))


def _failure_message(exc: Exception, job_id: uuid.UUID, kind: str) -> str:
    if isinstance(exc, JobFailed):
        log.warning("job %s (%s) failed: %s", job_id, kind, exc.message)
        return exc.message
    log.exception("job %s (%s) failed unexpectedly", job_id, kind)
    return (
        f"unexpected error ({type(exc).__name__}); the server log has the details "
        "— the job can be retried"
    )


def _record_failure(
    session: Session, job_id: uuid.UUID, message: str, handler: Handler | None
) -> None:
    try:
        job = fail_job(session, job_id, message)
        if handler is not None and handler.abandon is not None:
            handler.abandon(session, job, message)
        session.commit()
    except Exception:  # the database itself is down: the job stays running until abandoned
        session.rollback()
        log.exception("job %s: could not record its failure (%s)", job_id, message)


__all__ = ["HANDLERS", "Handler", "JobContext", "abandon_job", "execute_job"]
