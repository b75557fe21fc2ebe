"""Benchmark the practice log on PostgreSQL: one million practices across ten thousand clients.

    .venv/bin/python bench/practices.py

It creates a scratch database `interlude_bench` next to INTERLUDE_BENCH_DATABASE_URL
(default postgresql+psycopg://root@127.0.0.1:5432/postgres), builds the schema by running the
migrations, bulk-loads the practices with COPY, then measures through the Flask test client:
p50/p95 of GET /me/stats and of the first page of GET /me/practices for one client (200
requests each after a warm-up), the plans PostgreSQL uses for their queries, and one
500-item sync against 500 single PUTs. The scratch database is dropped at the end.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import flask_migrate
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, make_url

# The project root first: bench/api.py would otherwise shadow the `api` package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.fernet import Fernet

from api import create_app
from api.config import Config
from api.extensions import db
from api.models import Exercise, ExerciseVersion, Role, User, VersionStatus
from api.registry import app_services
from api.services import accounts
from api.services.stats import practice_day

CLIENTS = 10_000
PER_CLIENT = 100
REQUESTS = 200
WARM_UP = 30
BATCH = 500
TARGET_P95_MS = 20.0
SCRATCH = "interlude_bench"
ZONES = ["Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC"]
KINDS = ["mindfulness", "breathing", "self-compassion", "body-scan", "grounding", "sleep"]


def main() -> None:
    base = make_url(
        os.environ.get(
            "INTERLUDE_BENCH_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres"
        )
    )
    if not base.drivername.startswith("postgresql"):
        sys.exit("INTERLUDE_BENCH_DATABASE_URL must name a PostgreSQL server")
    with scratch_database(base) as url, tempfile.TemporaryDirectory() as instance:
        app = create_app(bench_config(url, Path(instance)))
        with app.app_context():
            flask_migrate.upgrade()
            print(f"PostgreSQL: {db.session.execute(text('SHOW server_version')).scalar()}")
            exercises = add_exercises(10)
            started = time.perf_counter()
            users = load_clients(CLIENTS)
            load_practices(users, exercises)
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            loaded = time.perf_counter() - started
            count = db.session.execute(text("SELECT count(*) FROM practices")).scalar()
            print(f"loaded {count:,} practices for {CLIENTS:,} clients in {loaded:.1f} s (COPY)")
            token = sign_in(users[0][0])
            db.session.remove()
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()
        print()
        print(f"latency through the Flask test client, {REQUESTS} requests after {WARM_UP} warm-up")
        for label, path in (
            ("GET /me/stats", "/api/v1/me/stats"),
            ("GET /me/practices (first page)", "/api/v1/me/practices"),
        ):
            timings = measure(lambda path=path: client.get(path, headers=headers))
            p50, p95 = percentile(timings, 50), percentile(timings, 95)
            verdict = "ok" if p95 <= TARGET_P95_MS else "OVER TARGET"
            print(
                f"  {label:32} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   "
                f"(target p95 <= {TARGET_P95_MS:.0f} ms: {verdict})"
            )
        print()
        for label, path in (
            ("GET /me/stats", "/api/v1/me/stats"),
            ("GET /me/practices", "/api/v1/me/practices"),
        ):
            explain(app, client, headers, label, path)
        compare_sync_with_puts(app, client, exercises)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def bench_config(url: URL, instance: Path) -> Config:
    config = Config()
    config.INSTANCE_DIR = instance
    config.SQLALCHEMY_DATABASE_URI = url.render_as_string(hide_password=False)
    config.STORAGE_URL = (instance / "media").as_uri()
    config.JOB_QUEUE = "inline"
    config.LOG_LEVEL = "WARNING"
    config.ARGON2_TIME_COST, config.ARGON2_MEMORY_KIB = 1, 1024
    config.SECRET_KEY = "bench"
    config.DATA_KEYS = [Fernet.generate_key().decode()]  # notes are encrypted at rest
    return config


@contextmanager
def scratch_database(base: URL, name: str = SCRATCH) -> Iterator[URL]:
    """A database `name` made afresh beside `base`'s, dropped afterwards."""
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield base.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def add_exercises(count: int) -> list[tuple[int, str, list[int]]]:
    now = datetime.now(UTC)
    made = []
    for n in range(count):
        slug, lengths, kind = f"exercise-{n}", [3, 5, 10], KINDS[n % len(KINDS)]
        exercise = Exercise(slug=slug)
        version = ExerciseVersion(
            exercise=exercise,
            number=1,
            status=VersionStatus.PUBLISHED,
            source="",
            source_sha256="0" * 64,
            title=slug,
            kind=kind,
            language="en",
            lengths=lengths,
            published_at=now,
        )
        db.session.add_all([exercise, version])
        db.session.flush()
        exercise.published_version_id = version.id
        exercise.title, exercise.kind, exercise.language = slug, kind, "en"
        exercise.lengths, exercise.shortest_minutes = lengths, 3
        exercise.first_published_at = now
        made.append((exercise.id, slug, lengths))
    db.session.commit()
    return made


def copy_rows(table: str, columns: list[str], rows: Any) -> None:
    raw = db.session.connection().connection.driver_connection
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def load_clients(count: int) -> list[tuple[uuid.UUID, str]]:
    password_hash = accounts.Passwords(1, 1024).hash("bench password 123")
    now = datetime.now(UTC)
    users = [(uuid.uuid4(), random.choice(ZONES)) for _ in range(count)]
    copy_rows(
        "users",
        [
            *("id", "email", "password_hash", "role", "display_name", "timezone"),
            *("day_starts_at", "created_at", "password_changed_at"),
        ],
        (
            (
                uid,
                f"client{n}@bench.example",
                password_hash,
                "client",
                None,
                zone,
                "03:00",
                now,
                now,
            )
            for n, (uid, zone) in enumerate(users)
        ),
    )
    return users


def load_practices(
    users: list[tuple[uuid.UUID, str]], exercises: list[tuple[int, str, list[int]]]
) -> None:
    now = datetime.now(UTC)
    day_start = clock_time(3, 0)
    zones = {name: ZoneInfo(name) for name in ZONES}
    rand = random.Random(5)

    def rows() -> Iterator[tuple[Any, ...]]:
        for user_id, zone in users:
            for _ in range(PER_CLIENT):
                exercise_id, _slug, lengths = rand.choice(exercises)
                started = now - timedelta(seconds=rand.randrange(300 * 86_400))
                before = rand.randrange(11) if rand.random() < 0.7 else None
                after = rand.randrange(11) if before is not None else None
                yield (
                    user_id,
                    uuid.UUID(int=rand.getrandbits(128), version=4),
                    exercise_id,
                    rand.choice(lengths),
                    started,
                    practice_day(started, zones[zone], day_start),
                    rand.randrange(60, 1200),
                    rand.random() < 0.9,
                    before,
                    after,
                    None,
                    False,
                    started + timedelta(minutes=rand.randrange(1, 600)),
                    f"{rand.getrandbits(256):064x}",
                )

    copy_rows(
        "practices",
        [
            *("user_id", "id", "exercise_id", "length_minutes", "started_at", "local_day"),
            *("duration_seconds", "completed", "mood_before", "mood_after", "note"),
            *("share_note", "received_at", "body_sha256"),
        ],
        rows(),
    )


def sign_in(user_id: uuid.UUID) -> str:
    user = db.session.get(User, user_id)
    assert user is not None and user.role == Role.CLIENT
    issued = accounts.issue_tokens(db.session, user, accounts.TokenPolicy(access_seconds=86_400))
    db.session.commit()
    return issued.access_token


def measure(request: Callable[[], Any]) -> list[float]:
    for _ in range(WARM_UP):
        assert request().status_code == 200
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = request()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return timings


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def explain(app: Any, client: Any, headers: dict[str, str], label: str, path: str) -> None:
    """Capture the practice queries one request runs, then EXPLAIN ANALYZE each."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "practices" in statement:
            captured.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        assert client.get(path, headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    with app.app_context(), engine.connect() as connection:
        for statement, parameters in captured:
            print(f"EXPLAIN (ANALYZE, BUFFERS) for {label}:")
            print("  " + " ".join(statement.split())[:300])
            plan = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
            ).scalars()
            for line in plan:
                print("    " + line)
            print()


def compare_sync_with_puts(app: Any, client: Any, exercises: list[tuple[int, str, list[int]]]):
    with app.app_context():
        tokens = []
        for n in range(2):
            user = accounts.create_user(
                db.session,
                app_services(app).passwords,
                email=f"writer{n}@bench.example",
                password="bench password 123",
                role=Role.CLIENT,
            )
            tokens.append(accounts.issue_tokens(db.session, user, accounts.TokenPolicy()))
        db.session.commit()
        access = [{"Authorization": f"Bearer {t.access_token}"} for t in tokens]
        db.session.remove()
    now = datetime.now(UTC)

    def body(n: int) -> dict[str, Any]:
        _id, slug, lengths = exercises[n % len(exercises)]
        return {
            "exercise": slug,
            "length_minutes": lengths[n % len(lengths)],
            "started_at": (now - timedelta(hours=n)).isoformat(),
            "duration_seconds": 300,
            "completed": True,
            "mood_before": 4,
            "mood_after": 6,
        }

    items = [{**body(n), "id": str(uuid.uuid4())} for n in range(BATCH)]
    started = time.perf_counter()
    response = client.post(
        "/api/v1/me/practices/sync", json={"practices": items}, headers=access[0]
    )
    sync_seconds = time.perf_counter() - started
    assert response.status_code == 200
    assert {r["status"] for r in response.json["results"]} == {"created"}

    started = time.perf_counter()
    for n in range(BATCH):
        reply = client.put(f"/api/v1/me/practices/{uuid.uuid4()}", json=body(n), headers=access[1])
        assert reply.status_code == 201
    puts_seconds = time.perf_counter() - started

    started = time.perf_counter()
    replay = client.post("/api/v1/me/practices/sync", json={"practices": items}, headers=access[0])
    replay_seconds = time.perf_counter() - started
    assert {r["status"] for r in replay.json["results"]} == {"duplicate"}

    print(f"recording {BATCH} practices")
    print(f"  one sync of {BATCH} items     {sync_seconds * 1000:8.1f} ms")
    print(f"  the same sync replayed    {replay_seconds * 1000:8.1f} ms   (all duplicates)")
    print(
        f"  {BATCH} single PUTs           {puts_seconds * 1000:8.1f} ms   "
        f"({puts_seconds / sync_seconds:.1f}x the sync)"
    )


if __name__ == "__main__":
    main()
