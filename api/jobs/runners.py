"""Where jobs run, chosen by INTERLUDE_JOB_QUEUE:

- `inline`: in `submit` itself, before it returns (the test suite);
- `thread` (the default): a small thread pool in the web process — `make run` needs nothing
  else, but a job queued when the process stops is lost until it counts as abandoned;
- `redis://host:port/db`: RQ on Redis, queue "interlude", run by workers started with

      rq worker interlude --url redis://host:port/db --worker-class rq.worker.SimpleWorker

  SimpleWorker runs jobs in the worker process itself, so the app and the Piper voice load
  once per worker rather than once per job (RQ's default worker forks for every job).
  The workers need the same INTERLUDE_* settings (database, storage) as the web app.

Every runner only passes a job id along; the job's state is in the database.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, Protocol

from flask import Flask, has_app_context

from api.extensions import db
from api.jobs.execute import abandon_job, execute_job
from api.services.errors import Unavailable

log = logging.getLogger("interlude.jobs")

QUEUE_NAME = "interlude"
WORKER_FUNCTION = "api.jobs.worker.run_job"
DEFAULT_THREADS = 2
# RQ kills a job that runs longer; the 30-minute abandonment rule (services.jobs) then applies.
RQ_JOB_TIMEOUT_SECONDS = 30 * 60
RQ_FAILURE_TTL_SECONDS = 7 * 24 * 3600


class QueueUnreachable(Unavailable):
    """The job queue could not take the job; the job (and what it was for) is failed first,
    so nothing waits for it, and asking again later may succeed."""


class JobRunner(Protocol):
    def submit(self, job_id: uuid.UUID) -> None:
        """Run the (committed, queued) job some time soon. Raises QueueUnreachable when
        the queue cannot take it (the job is failed first)."""

    def submit_later(self, job_id: uuid.UUID, delay_seconds: float) -> None:
        """Run the (committed, queued) job once `delay_seconds` have passed (a mail's retry)."""

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking jobs; with `wait`, let the running ones finish."""


class InlineRunner:
    """Runs each job to the end inside `submit`, in a fresh app context (its own session).
    The caller's session is committed first (it should have nothing pending by then)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def submit(self, job_id: uuid.UUID) -> None:
        if has_app_context():
            # The caller committed the job, but reading `job.id` afterwards began a new
            # transaction; on SQLite that one holds the write lock the job needs, so end it.
            db.session.commit()
        with self.app.app_context():
            execute_job(job_id)

    def submit_later(self, job_id: uuid.UUID, delay_seconds: float) -> None:
        # Nothing waits in the test suite: a test (or `flask mail send-due`) runs what is due.
        log.info("job %s: left queued for a later `flask mail send-due`", job_id)

    def shutdown(self, *, wait: bool = True) -> None:
        pass


class ThreadRunner:
    """A pool of worker threads in this process; each job runs in its own app context.

    The threads start with the first job, so a gunicorn master that builds the app before
    forking hands each worker an idle pool.
    """

    def __init__(self, app: Flask, *, workers: int = DEFAULT_THREADS) -> None:
        self.app = app
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="interlude-job")

    def submit(self, job_id: uuid.UUID) -> None:
        try:
            self._pool.submit(self._run, job_id)
        except RuntimeError as exc:  # the pool has been shut down (the process is stopping)
            with self.app.app_context():
                abandon_job(job_id, f"the server was stopping ({exc}) — the job can be retried")

    def submit_later(self, job_id: uuid.UUID, delay_seconds: float) -> None:
        # A timer thread; lost if the process stops, when `flask mail send-due` picks it up.
        timer = threading.Timer(delay_seconds, self.submit, args=(job_id,))
        timer.daemon = True
        timer.start()

    def _run(self, job_id: uuid.UUID) -> None:
        try:
            with self.app.app_context():
                execute_job(job_id)
        except Exception:  # never let a job take a worker thread down with it
            log.exception("job %s: the runner could not run it", job_id)

    def shutdown(self, *, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)


class RQRunner:
    """Enqueues `api.jobs.worker.run_job(job_id)` on an RQ queue in Redis."""

    def __init__(self, app: Flask, url: str, *, queue_name: str = QUEUE_NAME) -> None:
        from redis import Redis
        from rq import Queue

        self.app = app
        self.connection = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)
        self.queue: Any = Queue(queue_name, connection=self.connection)

    def submit(self, job_id: uuid.UUID) -> None:
        from redis.exceptions import RedisError

        try:
            self.queue.enqueue(
                WORKER_FUNCTION,
                str(job_id),
                job_timeout=RQ_JOB_TIMEOUT_SECONDS,
                result_ttl=0,  # the outcome is in the database
                failure_ttl=RQ_FAILURE_TTL_SECONDS,
                description=f"interlude job {job_id}",
            )
        except RedisError as exc:
            log.warning("job %s: the job queue is unreachable: %s", job_id, exc)
            if has_app_context():
                # End the caller's (empty) transaction: on SQLite it holds the write lock
                # that failing the job needs (as in InlineRunner.submit).
                db.session.commit()
            with self.app.app_context():
                abandon_job(job_id, f"job queue unreachable: {exc} — the job can be retried")
            raise QueueUnreachable(
                "The job queue cannot be reached just now, so the job did not start; it is "
                "marked failed and can be started again in a minute or two."
            ) from None

    def submit_later(self, job_id: uuid.UUID, delay_seconds: float) -> None:
        from redis.exceptions import RedisError

        # Needs workers started with --with-scheduler (RQ's scheduler moves it to the queue).
        try:
            self.queue.enqueue_in(
                timedelta(seconds=delay_seconds),
                WORKER_FUNCTION,
                str(job_id),
                job_timeout=RQ_JOB_TIMEOUT_SECONDS,
                result_ttl=0,
                failure_ttl=RQ_FAILURE_TTL_SECONDS,
                description=f"interlude job {job_id}",
            )
        except RedisError as exc:  # the mail stays pending: `flask mail send-due` finds it
            log.warning("job %s: the job queue is unreachable: %s", job_id, exc)

    def shutdown(self, *, wait: bool = True) -> None:
        self.connection.close()


def make_runner(app: Flask) -> JobRunner:
    """The runner that JOB_QUEUE names: "inline", "thread" (JOB_THREADS workers, default 2)
    or a redis:// URL (queue JOB_QUEUE_NAME, default "interlude")."""
    queue = str(app.config.get("JOB_QUEUE") or "thread").strip()
    if queue == "inline":
        return InlineRunner(app)
    if queue == "thread":
        return ThreadRunner(app, workers=int(app.config.get("JOB_THREADS") or DEFAULT_THREADS))
    if queue.startswith(("redis://", "rediss://", "unix://")):
        return RQRunner(app, queue, queue_name=str(app.config.get("JOB_QUEUE_NAME") or QUEUE_NAME))
    raise ValueError(
        f"INTERLUDE_JOB_QUEUE is {queue!r}: use 'thread', 'inline' or a redis://host:port/db URL"
    )
