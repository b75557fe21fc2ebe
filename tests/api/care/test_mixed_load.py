"""A small clinic's concurrent load through a real server (gunicorn with the project's config):
therapists reading their clients (the session summary and agenda too) while the clients record
practices, jot agenda items and export. No request may fail with a 5xx, and every read a
therapist got is in that client's access log (the log is a promise to the client). This is the
test that would have caught SQLite's 503s when the transaction mode was chosen by HTTP verb
and the reads wrote the log."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from api.extensions import db
from api.models import AccessLogEntry, Role

SECONDS = 10.0
THERAPIST_THREADS = 8
CLIENTS = 4


@pytest.fixture
def clinic(app, client, make_user, link, therapist, exercises):
    """One therapist linked to four clients, each with a prescription and a few practices."""
    people = [make_user(Role.CLIENT) for _ in range(CLIENTS)]
    for person in people:
        link(person, share_mood=True, share_notes=True)
        response = client.post(
            f"/api/v1/clients/{person.id}/prescriptions",
            json={
                "exercise": "box-breathing",
                "schedule": {"per_week": 3},
                "start_date": (date.today() - timedelta(days=14)).isoformat(),
            },
            headers=therapist.headers,
        )
        assert response.status_code == 201, response.json
    return therapist, people


def therapist_reads(client_ids: list[str]) -> list[tuple[str, str, list[str]]]:
    """(path, what it logs, for whom) for each read a therapist can make."""
    reads = [
        ("/api/v1/clients", "summary", client_ids),
        ("/api/v1/me/export", "export", client_ids),
    ]
    for cid in client_ids:
        reads += [
            (f"/api/v1/clients/{cid}", "summary", [cid]),
            (f"/api/v1/clients/{cid}/practices", "practices", [cid]),
            (f"/api/v1/clients/{cid}/adherence?weeks=4", "adherence", [cid]),
            (f"/api/v1/clients/{cid}/prescriptions", "prescriptions", [cid]),
            (f"/api/v1/clients/{cid}/agenda", "agenda", [cid]),
            (f"/api/v1/clients/{cid}/summary", "session summary", [cid]),
        ]
    return reads


def practice_body() -> dict[str, object]:
    started = datetime.now(UTC) - timedelta(minutes=random.randint(5, 600))
    return {
        "exercise": "box-breathing",
        "length_minutes": 5,
        "started_at": started.isoformat(),
        "duration_seconds": 300,
        "completed": True,
        "mood_before": 4,
        "mood_after": 6,
    }


class Load:
    def __init__(self, base: str) -> None:
        self.base = base
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self.logged: Counter[tuple[str, str]] = Counter()  # (client id, what) -> reads served
        self.deadline = time.monotonic() + SECONDS

    def record(self, method: str, path: str, response: requests.Response) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 300 and len(self.failures) < 10:
                self.failures.append(f"{method} {path}: {response.status_code} {response.text}")

    def therapist(self, headers: dict[str, str], reads: list[tuple[str, str, list[str]]]) -> None:
        with requests.Session() as http:
            while time.monotonic() < self.deadline:
                path, what, seen = random.choice(reads)
                response = http.get(self.base + path, headers=headers, timeout=60)
                self.record("GET", path, response)
                if response.status_code == 200:
                    with self.lock:
                        self.logged.update((cid, what) for cid in seen)

    def client(self, headers: dict[str, str]) -> None:
        with requests.Session() as http:
            while time.monotonic() < self.deadline:
                if random.random() < 0.2:
                    path = "/api/v1/me/export"
                    self.record(
                        "GET", path, http.get(self.base + path, headers=headers, timeout=60)
                    )
                    continue
                if random.random() < 0.2:
                    path = "/api/v1/me/agenda"
                    item = {"text": "Something to bring", "shared": random.random() < 0.5}
                    self.record(
                        "POST",
                        path,
                        http.post(self.base + path, json=item, headers=headers, timeout=60),
                    )
                    continue
                path = f"/api/v1/me/practices/{uuid.uuid4()}"
                response = http.put(
                    self.base + path, json=practice_body(), headers=headers, timeout=60
                )
                self.record("PUT", path, response)


def test_therapist_reads_and_client_writes_together_never_fail_and_every_read_is_logged(
    app, clinic, live_server
):
    therapist, people = clinic
    reads = therapist_reads([person.id for person in people])
    load = Load(live_server.url)
    threads = [
        threading.Thread(target=load.therapist, args=(therapist.headers, reads))
        for _ in range(THERAPIST_THREADS)
    ] + [threading.Thread(target=load.client, args=(person.headers,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    total = sum(load.statuses.values())
    print(f"\n{total} requests in {SECONDS:.0f} s: {dict(sorted(load.statuses.items()))}")
    with app.app_context():
        rows = db.session.execute(
            select(AccessLogEntry.client_id, AccessLogEntry.what, func.count()).group_by(
                AccessLogEntry.client_id, AccessLogEntry.what
            )
        )
        in_log = Counter({(str(cid), what): n for cid, what, n in rows})
    served = sum(load.logged.values())
    print(f"therapist reads served (per client): {served}; in the access logs: {in_log.total()}")
    assert total > 50, "the load did not run"
    assert all(status < 500 for status in load.statuses), load.failures
    assert set(load.statuses) <= {200, 201}, load.failures
    assert in_log == load.logged, live_server.log_tail()
