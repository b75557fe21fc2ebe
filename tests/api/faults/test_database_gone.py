"""PostgreSQL faults under traffic, through gunicorn: every connection of the app terminated
(`pg_terminate_backend`), then the database refusing connections for a while. Requests in
flight fail with 503 in the error shape, never 500; /readyz says 503 while the database is
gone and /healthz still 200; the next requests succeed without a restart.

The server runs on a database of its own (`<test database>_faults`, made and dropped here) so
that it can be closed to connections without closing the test's own. PostgreSQL only."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from api import create_app
from api.config import TestConfig
from api.extensions import db
from api.models import Exercise, ExerciseVersion, Role, VersionStatus
from api.models.base import utcnow
from api.registry import app_services
from api.services import accounts
from tests.live import LiveServer

APP_NAME = "interlude-fault-test"
TRAFFIC_THREADS = 4
TRAFFIC_SECONDS = 5.0


@pytest.fixture
def admin_engine(app) -> Iterator[Engine]:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not url.drivername.startswith("postgresql"):
        pytest.skip("pg_terminate_backend is PostgreSQL's (set INTERLUDE_TEST_DATABASE_URL)")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def faults_db(app, admin_engine, tmp_path) -> Iterator[tuple[str, str]]:
    """(database name, URL) of a fresh, migrated database holding one client and one exercise;
    returns the client's access token through `faults_db.token`."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"{url.database}_faults"
    with admin_engine.connect() as admin:
        admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.execute(text(f'CREATE DATABASE "{name}"'))
    faults_url = url.set(database=name).render_as_string(hide_password=False)
    yield name, faults_url
    with admin_engine.connect() as admin:
        admin.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def seed(faults_url: str, instance: Path) -> str:
    """Migrate the faults database, add an exercise and a client; the client's token."""
    config = TestConfig(instance_dir=instance)
    config.SQLALCHEMY_DATABASE_URI = faults_url
    seeded = create_app(config)
    with seeded.app_context():
        flask_migrate.upgrade()
        exercise = Exercise(slug="box-breathing")
        version = ExerciseVersion(
            exercise=exercise,
            number=1,
            status=VersionStatus.PUBLISHED,
            source="slug: box-breathing\n",
            source_sha256="0" * 64,
            title="Box breathing",
            kind="breathing",
            language="en",
            lengths=[3, 5],
            published_at=utcnow(),
        )
        db.session.add_all([exercise, version])
        db.session.flush()
        exercise.published_version_id = version.id
        exercise.first_published_at = utcnow()
        user = accounts.create_user(
            db.session,
            app_services(seeded).passwords,
            email="steady@example.org",
            password="a long enough password",
            role=Role.CLIENT,
            timezone="UTC",
            display_name="Steady",
        )
        token = accounts.issue_tokens(db.session, user, accounts.TokenPolicy()).access_token
        db.session.commit()
        db.engine.dispose()
    return token


@pytest.fixture
def server(faults_db, tmp_path) -> Iterator[tuple[LiveServer, str]]:
    _, faults_url = faults_db
    token = seed(faults_url, tmp_path)
    live = LiveServer(
        database_url=faults_url,
        instance_dir=tmp_path,
        storage_url=(tmp_path / "media").as_uri(),
        log_path=tmp_path / "server.log",
        workers=2,
        threads=4,
        env={"PGAPPNAME": APP_NAME},  # libpq names the app's connections, to find them
    )
    yield live.start(), token
    live.stop()


def terminate_app_connections(admin_engine: Engine) -> int:
    with admin_engine.connect() as admin:
        return len(
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": APP_NAME},
            ).all()
        )


def traffic(base: str, token: str, until: float, seen: Counter[str], bodies: list) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    started = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    while time.monotonic() < until:
        practice = {
            "exercise": "box-breathing",
            "started_at": started,
            "duration_seconds": 180,
            "completed": True,
            "note": "fine",
        }
        for method, path, body in (
            ("PUT", f"/api/v1/me/practices/{uuid.uuid4()}", practice),
            ("GET", "/api/v1/me/practices", None),
            ("GET", "/api/v1/me/stats", None),
        ):
            try:
                answer = requests.request(
                    method, base + path, json=body, headers=headers, timeout=20
                )
            except requests.RequestException as error:
                seen[type(error).__name__] += 1
                continue
            seen[str(answer.status_code)] += 1
            if answer.status_code >= 500:
                bodies.append({"status": answer.status_code, "text": answer.text[:500]})


def test_connections_terminated_under_traffic_fail_as_503_and_the_next_requests_succeed(
    server, admin_engine
):
    live, token = server
    seen: Counter[str] = Counter()
    bodies: list[dict] = []
    until = time.monotonic() + TRAFFIC_SECONDS
    threads = [
        threading.Thread(target=traffic, args=(live.url, token, until, seen, bodies))
        for _ in range(TRAFFIC_THREADS)
    ]
    for thread in threads:
        thread.start()
    terminated = 0
    for _ in range(3):
        time.sleep(1.2)
        terminated += terminate_app_connections(admin_engine)
    for thread in threads:
        thread.join(60)

    assert terminated > 0  # the app's connections were found and ended
    assert set(seen) <= {"200", "201", "503"}, (seen, bodies, live.log_tail())
    for body in bodies:  # each 503 in the one error shape
        answer = json.loads(body["text"])
        assert answer["code"] == 503 and answer["message"], body
    me = requests.get(
        f"{live.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert me.status_code == 200


def test_readyz_is_503_while_the_database_refuses_connections_and_200_once_it_is_back(
    server, admin_engine, faults_db
):
    live, token = server
    name, _ = faults_db
    headers = {"Authorization": f"Bearer {token}"}
    with admin_engine.connect() as admin:
        admin.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
    terminate_app_connections(admin_engine)

    ready = requests.get(f"{live.url}/readyz", timeout=20)
    me = requests.get(f"{live.url}/api/v1/me", headers=headers, timeout=20)
    alive = requests.get(f"{live.url}/healthz", timeout=20)

    assert ready.status_code == 503
    assert me.status_code == 503
    assert me.json()["message"] == "The service is briefly unavailable; please retry."
    assert alive.status_code == 200  # the process is up: no restart wanted

    with admin_engine.connect() as admin:
        admin.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

    assert requests.get(f"{live.url}/readyz", timeout=20).status_code == 200
    assert requests.get(f"{live.url}/api/v1/me", headers=headers, timeout=20).status_code == 200
