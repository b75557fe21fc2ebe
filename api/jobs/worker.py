"""The function RQ workers run: `run_job(job_id)`, in an app built once per worker process.

Start workers with (see api.jobs.runners for why SimpleWorker):

    rq worker interlude --url redis://127.0.0.1:6379/0 --worker-class rq.worker.SimpleWorker
"""

from __future__ import annotations

import threading

from flask import Flask

from api.jobs.execute import execute_job

_app: Flask | None = None
_app_lock = threading.Lock()


def worker_app() -> Flask:
    """The app jobs run in: built from the environment on first use, then reused."""
    global _app
    with _app_lock:
        if _app is None:
            from api import create_app

            _app = create_app()
        return _app


def use_app(app: Flask | None) -> None:
    """Run jobs in `app` instead of one built from the environment (tests, embedding)."""
    global _app
    with _app_lock:
        _app = app


def run_job(job_id: str) -> str | None:
    """Run one Interlude job; returns its final status, or None if it was not queued."""
    with worker_app().app_context():
        status = execute_job(job_id)
    return status.value if status is not None else None
