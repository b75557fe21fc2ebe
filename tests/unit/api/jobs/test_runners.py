"""Runners take a job id and run the job to the end: inline, in a thread pool, or via RQ."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask

from api.extensions import db
from api.jobs import (
    HANDLERS,
    Handler,
    InlineRunner,
    JobContext,
    QueueUnreachable,
    RQRunner,
    ThreadRunner,
    execute_job,
    make_runner,
)
from api.jobs import worker as rq_worker
from api.models import ExerciseVersion, Job, JobStatus, VersionStatus
from api.services import jobs, rendering

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, flushed by the test


def start_render(app: Flask, version_id: int, kind: str | None = None) -> uuid.UUID:
    with app.app_context():
        version = db.session.get(ExerciseVersion, version_id)
        assert version is not None
        job = rendering.start_render(db.session, version, requested_by=None)
        if kind is not None:
            job.kind = kind
        db.session.commit()
        return job.id


def job_and_version(app: Flask, job_id: uuid.UUID, version_id: int) -> tuple[Job, ExerciseVersion]:
    with app.app_context():
        job = db.session.get(Job, job_id)
        version = db.session.get(ExerciseVersion, version_id)
        assert job is not None and version is not None
        len(version.variants)  # load them while the session is open
        db.session.remove()
        return job, version


def wait_for(app: Flask, job_id: uuid.UUID, *, seconds: float = 120) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(Job, job_id)
            assert job is not None
            if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
                db.session.expunge(job)
                return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish within {seconds} s")


def assert_rendered(app: Flask, job_id: uuid.UUID, version_id: int) -> None:
    job, version = job_and_version(app, job_id, version_id)
    assert (job.status, job.progress, job.error) == (JobStatus.SUCCEEDED, 1.0, None)
    assert version.status == VersionStatus.RENDERED
    assert [v.length_minutes for v in version.variants] == [1]


@pytest.mark.parametrize(
    ("queue", "runner_type"),
    [("inline", InlineRunner), ("thread", ThreadRunner), (REDIS_URL, RQRunner)],
)
def test_the_runner_follows_the_job_queue_setting(app, monkeypatch, queue, runner_type):
    monkeypatch.setitem(app.config, "JOB_QUEUE", queue)
    runner = make_runner(app)
    assert isinstance(runner, runner_type)
    runner.shutdown()


def test_an_unknown_job_queue_setting_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_QUEUE", "celery")
    with pytest.raises(ValueError, match="INTERLUDE_JOB_QUEUE is 'celery'"):
        make_runner(app)


@pytest.mark.slow
def test_the_inline_runner_renders_a_version_before_returning(job_app, make_version):
    version_id = make_version()
    job_id = start_render(job_app, version_id)
    InlineRunner(job_app).submit(job_id)
    assert_rendered(job_app, job_id, version_id)


@pytest.mark.slow
def test_the_inline_runner_works_inside_the_request_that_queued_the_job(job_app, make_version):
    version_id = make_version()
    # As a view does it: start, commit, submit, then read the job back for the response.
    with job_app.test_request_context("/api/v1/render", method="POST"):
        version = db.session.get(ExerciseVersion, version_id)
        assert version is not None
        job = rendering.start_render(db.session, version, requested_by=None)
        db.session.commit()
        InlineRunner(job_app).submit(job.id)
        db.session.refresh(job)
        assert job.status == JobStatus.SUCCEEDED
        db.session.remove()
    assert_rendered(job_app, job.id, version_id)


@pytest.fixture
def thread_runner(job_app: Flask) -> Iterator[ThreadRunner]:
    runner = ThreadRunner(job_app, workers=2)
    yield runner
    runner.shutdown(wait=True)


@pytest.mark.slow
def test_the_thread_runner_renders_a_version_in_the_background(
    job_app, make_version, thread_runner
):
    version_id = make_version()
    job_id = start_render(job_app, version_id)
    thread_runner.submit(job_id)
    wait_for(job_app, job_id)
    assert_rendered(job_app, job_id, version_id)


def test_a_job_of_an_unknown_kind_fails_and_the_runner_carries_on(
    job_app, make_version, thread_runner, monkeypatch
):
    ran: list[uuid.UUID] = []
    monkeypatch.setitem(HANDLERS, "noop", Handler(run=lambda context: ran.append(context.job.id)))
    strange = start_render(job_app, make_version("strange"), kind="mystery")
    fine = start_render(job_app, make_version("fine"), kind="noop")
    thread_runner.submit(strange)
    thread_runner.submit(fine)
    failed = wait_for(job_app, strange)
    assert failed.status == JobStatus.FAILED
    assert failed.error == "there is no handler for jobs of kind 'mystery'"
    assert wait_for(job_app, fine).status == JobStatus.SUCCEEDED
    assert ran == [fine]


def test_a_crashing_handler_fails_its_job_with_a_message_not_a_traceback(
    job_app, make_version, monkeypatch
):
    def crash(context: JobContext) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(HANDLERS, "crash", Handler(run=crash))
    job_id = start_render(job_app, make_version(), kind="crash")
    InlineRunner(job_app).submit(job_id)
    job = wait_for(job_app, job_id)
    assert job.status == JobStatus.FAILED
    assert job.error is not None
    assert job.error.startswith("unexpected error (ZeroDivisionError)")
    assert "Traceback" not in job.error


def test_a_job_that_is_not_queued_is_not_run_again(job_app, make_version, monkeypatch):
    ran: list[uuid.UUID] = []
    monkeypatch.setitem(HANDLERS, "noop", Handler(run=lambda context: ran.append(context.job.id)))
    job_id = start_render(job_app, make_version(), kind="noop")
    with job_app.app_context():
        assert execute_job(job_id) == JobStatus.SUCCEEDED
        assert execute_job(job_id) is None
    assert len(ran) == 1


def test_an_unreachable_job_queue_fails_the_render_it_was_given(job_app, make_version):
    version_id = make_version()
    job_id = start_render(job_app, version_id)
    with pytest.raises(QueueUnreachable, match="job queue cannot be reached"):
        RQRunner(job_app, "redis://127.0.0.1:1/0").submit(job_id)
    job, version = job_and_version(job_app, job_id, version_id)
    assert job.status == JobStatus.FAILED
    assert job.error is not None and job.error.startswith("job queue unreachable:")
    assert (version.status, version.error) == (VersionStatus.FAILED, job.error)


@pytest.fixture
def redis_queue() -> Iterator[str]:
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379, so the RQ path cannot be tested")
    connection.flushdb()
    yield f"interlude-test-{uuid.uuid4().hex[:8]}"
    connection.flushdb()
    connection.close()


@pytest.fixture
def worker_app(job_app: Flask) -> Iterator[Flask]:
    rq_worker.use_app(job_app)
    yield job_app
    rq_worker.use_app(None)


@pytest.mark.slow
def test_the_rq_runner_renders_a_version_in_an_rq_worker(
    worker_app, make_version, redis_queue: str
):
    from rq import SimpleWorker

    version_id = make_version()
    job_id = start_render(worker_app, version_id)
    runner = RQRunner(worker_app, REDIS_URL, queue_name=redis_queue)
    runner.submit(job_id)
    with worker_app.app_context():
        assert jobs.get_job(db.session, job_id).status == JobStatus.QUEUED
        db.session.remove()
    worker = SimpleWorker([runner.queue], connection=runner.connection)
    assert worker.work(burst=True)
    runner.shutdown()
    assert_rendered(worker_app, job_id, version_id)
