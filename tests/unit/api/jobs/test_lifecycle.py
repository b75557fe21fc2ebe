"""A job's life in the database: queued, claimed once, progressing, finished or failed, retried."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from api.extensions import db
from api.models import Job, JobStatus
from api.models.base import utcnow
from api.services import jobs
from api.services.errors import Conflict, NotFound


@pytest.fixture
def sessions(app: Flask) -> Iterator[sessionmaker[Session]]:
    with app.app_context():
        yield sessionmaker(bind=db.engine)


def new_job(sessions: sessionmaker[Session]) -> uuid.UUID:
    with sessions() as session:
        job = jobs.create_job(session, "render", {"version_id": 1})
        session.commit()
        return job.id


def load(sessions: sessionmaker[Session], job_id: uuid.UUID) -> Job:
    with sessions(expire_on_commit=False) as session:
        return jobs.get_job(session, job_id)


def test_a_new_job_is_queued_with_no_progress(sessions):
    job = load(sessions, new_job(sessions))
    assert (job.status, job.progress, job.attempts, job.error) == (JobStatus.QUEUED, 0.0, 0, None)
    assert job.kind == "render" and job.payload == {"version_id": 1}


def test_claiming_a_job_makes_it_running_and_counts_the_attempt(sessions):
    job_id = new_job(sessions)
    with sessions() as session:
        claimed = jobs.claim_job(session, job_id)
        session.commit()
        assert claimed is not None
    job = load(sessions, job_id)
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)
    assert job.started_at is not None


def test_a_job_is_claimed_only_once(sessions):
    job_id = new_job(sessions)
    for expected in (True, False):
        with sessions() as session:
            assert (jobs.claim_job(session, job_id) is not None) is expected
            session.commit()
    assert load(sessions, job_id).attempts == 1


def test_workers_racing_for_a_job_claim_it_once(sessions, app):
    job_id = new_job(sessions)
    start = threading.Barrier(4)
    won: list[bool] = []

    def race() -> None:
        with app.app_context(), sessions() as session:
            start.wait()
            won.append(jobs.claim_job(session, job_id) is not None)
            session.commit()

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False, False, False, True]
    assert load(sessions, job_id).attempts == 1


def test_a_missing_job_cannot_be_claimed(sessions):
    with sessions() as session:
        assert jobs.claim_job(session, uuid.uuid4()) is None


def test_an_unknown_job_is_not_found(sessions):
    with sessions() as session, pytest.raises(NotFound):
        jobs.get_job(session, "not-a-job-id")


def claimed(sessions: sessionmaker[Session]) -> uuid.UUID:
    job_id = new_job(sessions)
    with sessions() as session:
        jobs.claim_job(session, job_id)
        session.commit()
    return job_id


def test_progress_is_recorded_and_only_moves_forward(sessions):
    job_id = claimed(sessions)
    jobs.report_progress(sessions, job_id, 0.4)
    jobs.report_progress(sessions, job_id, 0.3)
    assert load(sessions, job_id).progress == pytest.approx(0.4)


def test_progress_of_a_finished_job_is_left_alone(sessions):
    job_id = claimed(sessions)
    with sessions() as session:
        jobs.fail_job(session, job_id, "it broke")
        session.commit()
    jobs.report_progress(sessions, job_id, 0.9)
    assert load(sessions, job_id).progress == 0.0


def test_progress_reporter_writes_every_five_percent_or_half_second(sessions):
    job_id = claimed(sessions)
    now = [100.0]
    reporter = jobs.ProgressReporter(sessions, job_id, monotonic=lambda: now[0])
    reporter(0.01)
    reporter(0.03)
    assert load(sessions, job_id).progress == 0.0  # too soon and too small a step
    reporter(0.06)
    assert load(sessions, job_id).progress == pytest.approx(0.06)
    reporter(0.07)
    now[0] += 0.6
    reporter(0.08)
    assert load(sessions, job_id).progress == pytest.approx(0.08)
    reporter(1.0)
    assert load(sessions, job_id).progress == 1.0


def test_a_finished_job_has_succeeded_with_full_progress(sessions):
    job_id = claimed(sessions)
    with sessions() as session:
        jobs.finish_job(session, job_id)
        session.commit()
    job = load(sessions, job_id)
    assert (job.status, job.progress, job.error) == (JobStatus.SUCCEEDED, 1.0, None)
    assert job.finished_at is not None


def test_a_failed_job_keeps_its_message(sessions):
    job_id = claimed(sessions)
    with sessions() as session:
        jobs.fail_job(session, job_id, "storage unreachable: connection refused")
        session.commit()
    job = load(sessions, job_id)
    assert (job.status, job.error) == (JobStatus.FAILED, "storage unreachable: connection refused")


def test_a_failed_job_can_be_retried_and_claimed_again(sessions):
    job_id = claimed(sessions)
    with sessions() as session:
        jobs.fail_job(session, job_id, "it broke")
        session.commit()
    with sessions() as session:
        job = jobs.retry_job(session, job_id)
        session.commit()
        assert (job.status, job.error, job.progress) == (JobStatus.QUEUED, None, 0.0)
    with sessions() as session:
        assert jobs.claim_job(session, job_id) is not None
        session.commit()
    assert load(sessions, job_id).attempts == 2


def test_a_running_job_is_retried_only_once_abandoned(sessions):
    job_id = claimed(sessions)
    with sessions() as session, pytest.raises(Conflict, match="still running"):
        jobs.retry_job(session, job_id)
    later = utcnow() + jobs.STALE_AFTER + timedelta(minutes=1)
    with sessions() as session:
        job = jobs.retry_job(session, job_id, clock=lambda: later)
        session.commit()
        assert job.status == JobStatus.QUEUED


def test_a_succeeded_job_is_not_retried(sessions):
    job_id = claimed(sessions)
    with sessions() as session:
        jobs.finish_job(session, job_id)
        session.commit()
    with sessions() as session, pytest.raises(Conflict, match="already succeeded"):
        jobs.retry_job(session, job_id)
