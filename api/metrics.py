"""`/metrics` in the Prometheus text format, with prometheus-client.

Under gunicorn every worker is its own process: `infra/gunicorn.conf.py` sets
PROMETHEUS_MULTIPROC_DIR before the workers start, each worker writes its numbers to files
there, and a scrape (answered by whichever worker) adds them all up. Without it (`flask run`,
the tests) the numbers are this process's own.

Not public: served only when INTERLUDE_METRICS_TOKEN is set, to a request bearing
`Authorization: Bearer <that token>`; anything else gets the same 404 as an unknown path.
Labels are route templates (`/api/v1/me/practices/<uuid:practice_id>`), never paths, so no
id, code or address lands in a metric.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from api.extensions import db
from api.models import Job

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "interlude_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "interlude_http_request_duration_seconds",
    "Time from the request's arrival in the app to its answer.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
PRACTICES = Counter(
    "interlude_practices_recorded_total",
    "Practices sent by clients, by outcome: created, duplicate, conflict, invalid.",
    ["outcome"],
)
SYNC_BATCH = Histogram(
    "interlude_sync_batch_size",
    "Practices per POST /me/practices/sync.",
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500),
)
JOB_DURATION = Histogram(
    "interlude_job_duration_seconds",
    "Jobs run by this server's processes, by kind and final state.",
    ["kind", "state"],
    buckets=(0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800),
)
REMINDERS = Counter(
    "interlude_reminders_total",
    "Reminder sends finished by `flask reminders send|run`, by outcome (sent, gone, failed, …).",
    ["outcome"],
)
POOL_CHECKED_OUT = Gauge(
    "interlude_db_pool_checked_out",
    "Database connections in use by requests and jobs, summed over live workers.",
    multiprocess_mode="livesum",
)
POOL_OPEN = Gauge(
    "interlude_db_connections_open",
    "Database connections open (in use or idle in the pool), summed over live workers.",
    multiprocess_mode="livesum",
)


class JobStates(Collector):
    """Jobs by kind and state, read from the database at scrape time (RQ workers run them
    in other processes, and the database is where their state is)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "interlude_jobs", "Jobs in the database, by kind and state.", labels=["kind", "state"]
        )
        counts = db.session.execute(
            select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status)
        )
        for kind, state, count in counts:
            family.add_metric([kind, str(state)], count)
        yield family


def count_practice_outcomes(outcomes: Sequence[Any]) -> None:
    """Count what became of each practice a client sent (by PUT or in a sync)."""
    for outcome in outcomes:
        PRACTICES.labels(outcome.status).inc()


def count_sync_batch(size: int) -> None:
    SYNC_BATCH.observe(size)


def count_reminders(outcomes: Mapping[str, int]) -> None:
    """Count a sender run's outcomes. The sender is a process of its own: with the web
    server's PROMETHEUS_MULTIPROC_DIR in its environment its counts join the scrape."""
    for outcome, count in outcomes.items():
        REMINDERS.labels(outcome).inc(count)


def job_finished(kind: str, state: str, seconds: float) -> None:
    JOB_DURATION.labels(kind, state).observe(seconds)


def init_metrics(app: Flask) -> None:
    """Time every request, watch the database pool, serve /metrics behind its token."""

    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count_request(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
            labels = (request.method, rule, str(response.status_code))
            REQUESTS.labels(*labels).inc()
            LATENCY.labels(*labels).observe(time.perf_counter() - started)
        return response

    with app.app_context():
        _watch_pool(db.engine)
    app.add_url_rule("/metrics", "metrics", _serve_metrics)


def _serve_metrics() -> Response:
    token = current_app.config["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        abort(404)
    registry = _registry()
    registry.register(JobStates())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def _registry() -> CollectorRegistry:
    """A fresh registry per scrape: every worker's files added up, or this process's own."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY, PRACTICES, SYNC_BATCH, JOB_DURATION):
            registry.register(collector)
        registry.register(_PoolGauges())
    return registry


class _PoolGauges(Collector):
    def collect(self) -> Iterator[Any]:
        yield from POOL_CHECKED_OUT.collect()
        yield from POOL_OPEN.collect()


def _watch_pool(engine: Engine) -> None:
    if getattr(engine, "_interlude_metrics", False):
        return  # one app per engine in production; tests may build the app twice
    engine._interlude_metrics = True  # type: ignore[attr-defined]
    event.listen(engine, "connect", lambda *_: POOL_OPEN.inc())
    event.listen(engine, "close", lambda *_: POOL_OPEN.dec())
    event.listen(engine, "close_detached", lambda *_: POOL_OPEN.dec())
    event.listen(engine, "checkout", lambda *_: POOL_CHECKED_OUT.inc())
    event.listen(engine, "checkin", lambda *_: POOL_CHECKED_OUT.dec())


__all__ = ["count_practice_outcomes", "count_sync_batch", "init_metrics", "job_finished"]
