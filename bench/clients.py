"""Benchmark the therapist's client list, GET /clients, on PostgreSQL.

    .venv/bin/python bench/clients.py [--requests 100] [--explain] [--profile [--sort tottime]]

It creates a scratch database `interlude_bench_clients` next to INTERLUDE_BENCH_DATABASE_URL
(default postgresql+psycopg://root@127.0.0.1:5432/postgres), builds the schema by running the
migrations and loads: one therapist with CLIENTS linked clients (sharing mood and notes, linked
a year ago, a third also sharing their history), each with PER_CLIENT practices over the last
300 days (most rated before and after, some with a note, encrypted as the app stores it) and
two prescriptions; and BACKGROUND other clients with 100 practices each (COPY), so that the
tables have the size of a service in use. Then, through the Flask test client, the p50/p95
of GET /clients?page_size=100 (after a warm-up), the statements one request sends with the
time spent in each, and with --explain their plans (EXPLAIN ANALYZE). --profile prints the
functions where the request spends its time (cProfile). The scratch database is dropped at
the end.

Figures are those of this machine at this moment; compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import flask_migrate
from sqlalchemy import event, insert, text, update
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
# The project root first: bench/api.py would otherwise shadow the `api` package.
sys.path.insert(0, str(ROOT))

from api import create_app  # noqa: E402
from api.extensions import db  # noqa: E402
from api.models import CareLink, Practice, Role, User  # noqa: E402
from api.registry import app_services  # noqa: E402
from api.services import accounts, care  # noqa: E402
from api.services.stats import practice_day  # noqa: E402

CLIENTS = 30
PER_CLIENT = 300
BACKGROUND = 2_000
WARM_UP = 20
SCRATCH = "interlude_bench_clients"
ZONE = "Europe/Berlin"
PATH = "/api/v1/clients?page_size=100"


def bench_practices() -> ModuleType:
    """bench/practices.py (its config, exercises and COPY helpers), loaded by path."""
    spec = importlib.util.spec_from_file_location("bench_practices", ROOT / "bench/practices.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def person(app: Any, role: Role, email: str) -> User:
    return accounts.create_user(
        db.session,
        app_services(app).passwords,
        email=email,
        password="bench password long enough",
        role=role,
        timezone=ZONE,
        display_name=email.split("@")[0],
    )


def seed_therapist(app: Any, exercises: list[tuple[int, str, list[int]]]) -> str:
    """The therapist, their clients with practices and prescriptions; their access token."""
    rand = random.Random(7)
    now = datetime.now(UTC)
    zone, day_start = ZoneInfo(ZONE), clock_time(3, 0)
    therapist = person(app, Role.THERAPIST, "therapist@bench.example")
    for n in range(CLIENTS):
        client = person(app, Role.CLIENT, f"linked{n}@bench.example")
        _, code = care.create_invitation(db.session, therapist)
        link = care.accept_invitation(
            db.session, client, code, share_mood=True, share_notes=True, share_history=n % 3 == 0
        )
        db.session.execute(
            update(CareLink).where(CareLink.id == link.id).values(created_at=now - timedelta(365))
        )
        for days, schedule in ((60, {"days": ["mon", "wed", "fri"]}), (20, {"per_week": 3})):
            care.create_prescription(
                db.session,
                link,
                {
                    "exercise": exercises[days % len(exercises)][1],
                    "schedule": schedule,
                    "start_date": date.today() - timedelta(days=days),
                },
            )
        rows = []
        for _ in range(PER_CLIENT):
            exercise_id, _slug, lengths = rand.choice(exercises)
            started = now - timedelta(seconds=rand.randrange(300 * 86_400))
            rated = rand.random() < 0.8
            rows.append(
                {
                    "user_id": client.id,
                    "id": uuid.uuid4(),
                    "exercise_id": exercise_id,
                    "length_minutes": rand.choice(lengths),
                    "started_at": started,
                    "local_day": practice_day(started, zone, day_start),
                    "duration_seconds": rand.randrange(60, 1200),
                    "completed": True,
                    "mood_before": rand.randrange(11) if rated else None,
                    "mood_after": rand.randrange(11) if rated else None,
                    "note": "Felt the breath slow down." if rand.random() < 0.3 else None,
                    "share_note": rand.random() < 0.5,
                    "received_at": started,
                    "body_sha256": f"{rand.getrandbits(256):064x}",
                }
            )
        db.session.execute(insert(Practice), rows)  # through the ORM type: notes encrypted
    issued = accounts.issue_tokens(
        db.session, therapist, accounts.TokenPolicy(access_seconds=86_400)
    )
    db.session.commit()
    return issued.access_token


@contextmanager
def timed_statements(engine: Any) -> Iterator[list[tuple[str, Any, float]]]:
    """(statement, parameters, ms) of each statement sent in the block."""
    timed: list[tuple[str, Any, float]] = []
    started: list[float] = []

    def before(_conn: Any, _cursor: Any, _statement: str, *_: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        timed.append((statement, parameters, (time.perf_counter() - started.pop()) * 1000))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield timed
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (tottime...)")
    parser.add_argument("--match", help="a regular expression: only the functions it matches")
    args = parser.parse_args()
    base = make_url(
        os.environ.get(
            "INTERLUDE_BENCH_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres"
        )
    )
    if not base.drivername.startswith("postgresql"):
        sys.exit("INTERLUDE_BENCH_DATABASE_URL must name a PostgreSQL server")
    helpers = bench_practices()
    with helpers.scratch_database(base, SCRATCH) as url, tempfile.TemporaryDirectory() as instance:
        config = helpers.bench_config(url, Path(instance))
        app = create_app(config)
        with app.app_context():
            flask_migrate.upgrade()
            exercises = helpers.add_exercises(10)
            helpers.load_practices(helpers.load_clients(BACKGROUND), exercises)
            token = seed_therapist(app, exercises)
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            count = db.session.execute(text("SELECT count(*) FROM practices")).scalar()
            engine = db.engine
            db.session.remove()
        print(
            f"{CLIENTS} linked clients x {PER_CLIENT} practices, "
            f"{count:,} practices in all; GET {PATH} through the Flask test client"
        )
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()

        def request() -> None:
            response = client.get(PATH, headers=headers)
            assert response.status_code == 200 and len(response.json) == CLIENTS

        for _ in range(WARM_UP):
            request()
        timings, cpu, in_database = [], [], []
        for _ in range(args.requests):
            with timed_statements(engine) as timed:
                started, started_cpu = time.perf_counter(), time.process_time()
                request()
                cpu.append((time.process_time() - started_cpu) * 1000)
                timings.append((time.perf_counter() - started) * 1000)
            in_database.append(sum(ms for *_, ms in timed))
        p50, p95 = helpers.percentile(timings, 50), helpers.percentile(timings, 95)
        print(f"  {args.requests} requests: p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
        # Less sensitive to other load on the machine than the wall clock: the CPU time of
        # this process (the app: Flask, SQLAlchemy, the services) and the time spent waiting
        # for statements (the database's work, and the round trips), medians per request.
        print(
            f"  per request (median): {statistics.median(cpu):.1f} ms of CPU in the app, "
            f"{statistics.median(in_database):.1f} ms in statements"
        )

        with timed_statements(engine) as timed:
            started = time.perf_counter()
            request()
            total = (time.perf_counter() - started) * 1000
        in_sql = sum(ms for *_, ms in timed)
        print(
            f"  one request: {total:.1f} ms, {len(timed)} statements taking {in_sql:.1f} ms "
            f"(the rest, {total - in_sql:.1f} ms, in Python)"
        )
        for statement, _parameters, ms in timed:
            print(f"    {ms:6.2f} ms  {' '.join(statement.split())[:110]}")

        if args.explain:
            with app.app_context(), engine.connect() as connection:
                for statement, parameters, _ms in timed:
                    if not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    print(f"\nEXPLAIN ANALYZE {' '.join(statement.split())[:200]}")
                    plan = connection.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
                    ).scalars()
                    for line in plan:
                        print("    " + line)
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(20):
                request()
            profile.disable()
            out = io.StringIO()
            restrictions = [args.match] if args.match else []
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(*restrictions, 35)
            print(out.getvalue())
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
