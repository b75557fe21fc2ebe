"""Crashes under a sync storm: several phones' outboxes flushing through gunicorn while a worker
is SIGKILLed, or while the whole server is killed and started again. Each phone behaves as
the app's outbox does: an item leaves the queue only on its per-item answer (created or
duplicate); a network error or a 5xx keeps it for the next flush. Afterwards every practice
that got a 2xx is stored exactly once, nothing acknowledged is lost, and the server (the
replacement worker, or the restarted server) serves at once. Bounded: about 10 s each."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psutil
import pytest
import requests
from sqlalchemy import select

from api.extensions import db
from api.models import Practice, Role
from tests.live import LiveServer

PHONES = 6
BATCH = 5
STORM_SECONDS = 6.0
FAULT_AFTER_SECONDS = 2.0
DRAIN_SECONDS = 30.0


@dataclass
class Phone:
    """One client's outbox, flushed in a loop by its own thread."""

    base: str
    token: str
    sent: set[str] = field(default_factory=set)
    acknowledged: set[str] = field(default_factory=set)
    queue: dict[str, dict] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)

    def enqueue(self, count: int) -> None:
        started = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        for _ in range(count):
            practice_id = str(uuid.uuid4())
            self.sent.add(practice_id)
            self.queue[practice_id] = {
                "id": practice_id,
                "exercise": "box-breathing",
                "started_at": started,
                "duration_seconds": 120,
                "completed": True,
                "note": "steadier after",
            }

    def flush(self) -> bool:
        """One sync of (up to 100 of) the queue; whether the server answered it."""
        items = list(self.queue.values())[:100]
        try:
            answer = requests.post(
                f"{self.base}/api/v1/me/practices/sync",
                json={"practices": items},
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=15,
            )
        except requests.RequestException as error:
            self.statuses[type(error).__name__] += 1
            return False
        self.statuses[str(answer.status_code)] += 1
        if answer.status_code != 200:
            return False
        for result in answer.json()["results"]:
            assert result["status"] in ("created", "duplicate"), result
            self.acknowledged.add(result["id"])
            self.queue.pop(result["id"], None)
        return True

    def storm(self, until: float) -> None:
        while time.monotonic() < until:
            self.enqueue(BATCH)
            if not self.flush():
                time.sleep(0.2)  # as the app's outbox does, it waits before trying again


def run_storm(server: LiveServer, people, fault) -> list[Phone]:
    phones = [Phone(server.url, person.token) for person in people]
    until = time.monotonic() + STORM_SECONDS
    threads = [threading.Thread(target=phone.storm, args=(until,)) for phone in phones]
    for thread in threads:
        thread.start()
    time.sleep(FAULT_AFTER_SECONDS)
    fault()
    for thread in threads:
        thread.join(STORM_SECONDS + 30)
    drain_deadline = time.monotonic() + DRAIN_SECONDS
    while any(phone.queue for phone in phones) and time.monotonic() < drain_deadline:
        for phone in phones:
            if phone.queue and not phone.flush():
                time.sleep(0.05)
    return phones


def check_every_acknowledged_practice_is_stored_once(app, phones: list[Phone]) -> None:
    assert all(not phone.queue for phone in phones), "some practices were never acknowledged"
    statuses = sum((phone.statuses for phone in phones), Counter())
    assert not [status for status in statuses if status.startswith("5") and status != "503"], (
        statuses
    )
    acknowledged = {uuid.UUID(pid) for phone in phones for pid in phone.acknowledged}
    sent = {uuid.UUID(pid) for phone in phones for pid in phone.sent}
    assert acknowledged == sent
    with app.app_context():
        stored = Counter(db.session.scalars(select(Practice.id)))
        db.session.remove()
    assert set(stored) == sent  # nothing lost, nothing invented
    assert max(stored.values()) == 1  # each exactly once


def worker_pids(server: LiveServer) -> set[int]:
    assert server.process is not None
    return {child.pid for child in psutil.Process(server.process.pid).children()}


def serves_within(server: LiveServer, seconds: float) -> float:
    """Seconds until /readyz answers 200 (fails past `seconds`)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if requests.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.05)
    pytest.fail(f"the server did not serve within {seconds} s:\n{server.log_tail()}")


@pytest.fixture
def people(make_user, make_exercise):
    make_exercise("box-breathing")
    return [make_user(Role.CLIENT) for _ in range(PHONES)]


def test_a_worker_killed_mid_storm_loses_nothing_and_is_replaced_at_once(
    app, make_live_server, people
):
    server = make_live_server(workers=2, threads=4)
    original = worker_pids(server)
    killed: list[int] = []

    def kill_a_worker() -> None:
        victim = sorted(original)[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)

    phones = run_storm(server, people, kill_a_worker)

    check_every_acknowledged_practice_is_stored_once(app, phones)
    assert killed and killed[0] not in worker_pids(server)
    assert len(worker_pids(server)) == 2  # the master started a replacement
    assert serves_within(server, 5) < 5


def test_the_whole_server_killed_and_started_again_mid_storm_loses_nothing(
    app, make_live_server, people
):
    server = make_live_server(workers=2, threads=4)

    def kill_and_restart() -> None:
        server.stop(kill=True)  # SIGKILL to the master and every worker at once
        time.sleep(0.5)
        server.start()

    phones = run_storm(server, people, kill_and_restart)

    check_every_acknowledged_practice_is_stored_once(app, phones)
    statuses = sum((phone.statuses for phone in phones), Counter())
    assert statuses["ConnectionError"] > 0  # the phones really saw it go
    assert serves_within(server, 5) < 5
