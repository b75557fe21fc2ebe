"""Real `flask reminders send` processes on the test database, against the fake push service:
two at once never send a reminder twice; one killed mid-request never sends it again; the
log names hosts and subscription ids, never an endpoint's secret path."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from api.config import TEST_DATA_KEY
from api.extensions import db
from api.models import ReminderSend, SendStatus
from api.services import push, push_send
from tests.conftest import project_root
from tests.push_service import HANG

DEVICES_PER_PERSON = 10


@pytest.fixture
def due_now(client, make_user, link, therapist, exercises, push_ready):
    """Two people, each with two prescriptions due two minutes ago and ten devices: forty
    reminders. (The real clock: these run in other processes.)"""
    now = datetime.now(UTC)
    if (now - timedelta(minutes=2)).time() < datetime.min.time().replace(hour=3, minute=1):
        pytest.skip("too close to the start of the day (03:00) to be due today")
    at = (now - timedelta(minutes=2)).strftime("%H:%M")
    people = []
    for _ in range(2):
        person = make_user()
        link(person)
        client.patch(
            "/api/v1/me/reminders",
            json={"quiet_hours": {"start": "03:00", "end": "03:01"}},
            headers=person.headers,
        )
        for slug in exercises:
            body = {
                "exercise": slug,
                "schedule": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
                "start_date": now.date().isoformat(),
                "time_of_day": at,
            }
            response = client.post(
                f"/api/v1/clients/{person.id}/prescriptions", json=body, headers=therapist.headers
            )
            assert response.status_code == 201, response.json
        people.append(person)
    return people


def add_devices(client, push_ready, people, answers=None):
    devices = []
    for person in people:
        for _ in range(DEVICES_PER_PERSON):
            device = push_ready.new_device(answers)
            response = client.post(
                "/api/v1/me/push-subscriptions", json=device.subscription(), headers=person.headers
            )
            assert response.status_code == 201
            devices.append(device)
    return devices


def process_env(app, push_ready, vapid_pair) -> dict[str, str]:
    env = {
        **os.environ,
        "INTERLUDE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "INTERLUDE_INSTANCE_DIR": app.instance_path,
        "INTERLUDE_VAPID_PRIVATE_KEY": vapid_pair[0],
        "INTERLUDE_VAPID_SUBJECT": "mailto:reminders@example.org",
        "INTERLUDE_PUSH_HOSTS": push_ready.host,
        "INTERLUDE_LOG_LEVEL": "INFO",
        # the test app's key: on PostgreSQL a process refuses to start without one
        "INTERLUDE_DATA_KEYS": TEST_DATA_KEY,
    }
    env.pop("INTERLUDE_TEST_DATABASE_URL", None)
    return env


def sender(app, push_ready, vapid_pair, *args: str) -> subprocess.Popen:
    env = process_env(app, push_ready, vapid_pair)
    command = [sys.executable, "-m", "flask", "--app", "api", "reminders", "send", *args]
    return subprocess.Popen(
        command,
        cwd=project_root(),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_senders_at_once_send_each_reminder_once(app, client, due_now, push_ready, vapid_pair):
    people = due_now
    devices = add_devices(client, push_ready, people)
    processes = [sender(app, push_ready, vapid_pair, "--concurrency", "4") for _ in range(2)]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert push_ready.refusals == []
    assert [len(push_ready.delivered_to(d)) for d in devices] == [2] * len(devices)
    assert len(push_ready.deliveries) == 40
    log = "".join(outputs)
    assert sum(int(n) for n in re.findall(r"(\d+) sent\b", log)) == 40
    assert push_ready.host in log
    assert not any(device.token in log for device in devices)  # the endpoint's secret part


def test_a_sender_killed_during_its_requests_never_sends_them_again(
    app, client, due_now, push_ready, vapid_pair
):
    people = due_now
    devices = add_devices(client, push_ready, people[:1], answers=[HANG, HANG])
    process = sender(app, push_ready, vapid_pair, "--concurrency", "20")
    deadline = time.monotonic() + 60
    while push_ready.requests < 2 * len(devices) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    with app.app_context():
        statuses = set(db.session.scalars(select(ReminderSend.status)).all())
        assert statuses == {SendStatus.SENDING}
        later = datetime.now(UTC) + push_send.SendOptions().lease + timedelta(minutes=1)
        report = push_send.send_due(
            db.session,
            db.engine,
            push.PushSettings.from_config(app.config),
            clock=lambda: later,
        )
        db.session.remove()
    assert report.outcomes == {}  # at most once: nothing is sent again
    assert push_ready.deliveries == []


def test_run_sends_every_minute_until_stopped(app, client, due_now, push_ready, vapid_pair):
    people = due_now
    devices = add_devices(client, push_ready, people[:1])
    runner = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "api", "reminders", "run", "--every", "5"],
        cwd=project_root(),
        env=process_env(app, push_ready, vapid_pair),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(push_ready.deliveries) < 2 * len(devices) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(push_ready.deliveries) == 2 * len(devices)
        time.sleep(6)  # another round (every 5 s) finds nothing more to send
        assert len(push_ready.deliveries) == 2 * len(devices)
    finally:
        runner.send_signal(signal.SIGTERM)
        output = runner.communicate(timeout=30)[0]
    assert "20 sent" in output
    assert output.rstrip().endswith("stopped") and runner.returncode == 0
