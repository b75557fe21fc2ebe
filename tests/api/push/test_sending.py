"""Sending reminders to a fake push service on loopback that checks VAPID and decrypts what
it gets: once per prescription, client day and device, whatever happens to the senders."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from api.extensions import db
from api.models import PushSubscription, ReminderSend, SendStatus
from api.services import push, push_send
from api.services.reminders import find_due
from tests.push_service import HANG

WRITTEN = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)  # a Wednesday; London is on GMT
DUE = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
FAST = push_send.SendOptions(concurrency=4, read_timeout=1.0, backoff=0.01)


@pytest.fixture
def person(make_user, link):
    someone = make_user(timezone="Europe/London", display_name="Sam")
    link(someone)
    return someone


@pytest.fixture
def prescribe(client, therapist, clock, exercises):
    def make(person, **body) -> str:
        clock.now = WRITTEN
        payload = {
            "exercise": "box-breathing",
            "schedule": {"days": ["mon", "wed", "fri"]},
            "start_date": "2026-11-16",
            "time_of_day": "09:00",
            **body,
        }
        response = client.post(
            f"/api/v1/clients/{person.id}/prescriptions", json=payload, headers=therapist.headers
        )
        assert response.status_code == 201, response.json
        return response.json["id"]

    return make


@pytest.fixture
def subscribe(client, push_ready):
    def make(person, answers=None):
        device = push_ready.new_device(answers)
        response = client.post(
            "/api/v1/me/push-subscriptions", json=device.subscription(), headers=person.headers
        )
        assert response.status_code == 201, response.json
        return device

    return make


@pytest.fixture
def send(app, clock):
    def run(at=DUE + timedelta(minutes=5), options=FAST):
        clock.now = at
        with app.app_context():
            settings = push.PushSettings.from_config(app.config)
            try:
                return push_send.send_due(
                    db.session, db.engine, settings, clock=clock, options=options
                )
            finally:
                db.session.remove()

    return run


def record_practice(client, clock, person, started_at: datetime) -> None:
    clock.now = started_at + timedelta(minutes=10)
    practice = {
        "exercise": "box-breathing",
        "started_at": started_at.isoformat(),
        "duration_seconds": 300,
        "completed": True,
    }
    response = client.put(
        f"/api/v1/me/practices/{uuid.uuid4()}", json=practice, headers=person.headers
    )
    assert response.status_code == 201, response.json


def rows(app):
    with app.app_context():
        found = db.session.scalars(select(ReminderSend).order_by(ReminderSend.id)).all()
        db.session.remove()
        return found


def test_a_due_reminder_arrives_encrypted_once_and_says_nothing_personal(
    person, prescribe, subscribe, send, push_ready
):
    prescription = prescribe(person, note="Breathe through the worry about work.")
    device = subscribe(person)
    assert send().outcomes == {"sent": 1}
    assert send().outcomes == {}  # a second run: already sent
    assert push_ready.refusals == []
    (delivery,) = push_ready.delivered_to(device)
    assert delivery.payload == {
        "title": "Interlude",
        "body": "A moment for your practice, whenever it suits you.",
        "url": f"/#/play/box-breathing/?p={prescription}",
        "tag": f"reminder-{prescription}-2026-11-18",
    }
    assert 60 <= delivery.ttl <= 3600
    assert delivery.headers["Topic"] and len(delivery.headers["Topic"]) <= 32


def test_the_exercise_is_named_only_when_the_person_allows_it(
    client, person, prescribe, subscribe, send, push_ready
):
    prescribe(person)
    device = subscribe(person)
    client.patch("/api/v1/me/reminders", json={"name_exercise": True}, headers=person.headers)
    send()
    (delivery,) = push_ready.delivered_to(device)
    assert delivery.payload["body"].startswith("A moment for Box")


def test_nothing_is_sent_before_it_is_due_or_long_after(person, prescribe, subscribe, send):
    prescribe(person)
    subscribe(person)
    assert send(at=DUE - timedelta(minutes=1)).outcomes == {}
    assert send(at=DUE + timedelta(minutes=61)).outcomes == {}


def test_a_day_already_practised_is_not_reminded(client, clock, person, prescribe, subscribe, send):
    prescribe(person)
    subscribe(person)
    record_practice(client, clock, person, datetime(2026, 11, 18, 8, 0, tzinfo=UTC))
    assert send().outcomes == {}


def test_not_on_a_day_without_the_prescription_nor_when_turned_off(
    client, person, prescribe, subscribe, send
):
    prescribe(person, schedule={"days": ["tue"]})
    subscribe(person)
    assert send().outcomes == {}
    prescribe(person)
    client.patch("/api/v1/me/reminders", json={"enabled": False}, headers=person.headers)
    assert send().outcomes == {}


def test_per_week_without_a_time_uses_the_daily_time(client, person, prescribe, subscribe, send):
    prescribe(person, schedule={"per_week": 3}, time_of_day=None)
    subscribe(person)
    client.patch("/api/v1/me/reminders", json={"daily_time": "18:30"}, headers=person.headers)
    assert send().outcomes == {}
    assert send(at=datetime(2026, 11, 18, 18, 31, tzinfo=UTC)).outcomes == {"sent": 1}


def test_each_device_gets_one(person, prescribe, subscribe, send, push_ready):
    prescribe(person)
    devices = [subscribe(person) for _ in range(3)]
    assert send().outcomes == {"sent": 3}
    assert [len(push_ready.delivered_to(d)) for d in devices] == [1, 1, 1]


@pytest.mark.parametrize("answer", [404, 410])
def test_a_gone_subscription_is_deleted(app, person, prescribe, subscribe, send, answer):
    prescribe(person)
    subscribe(person, answers=[answer])
    assert send().outcomes == {"gone": 1}
    with app.app_context():
        assert db.session.scalars(select(PushSubscription)).all() == []


def test_429_and_5xx_are_retried_within_the_run(
    app, person, prescribe, subscribe, send, push_ready
):
    prescribe(person)
    device = subscribe(person, answers=[429, 503])
    assert send().outcomes == {"sent": 1}
    assert len(push_ready.delivered_to(device)) == 1
    assert rows(app)[0].attempts == 1 and rows(app)[0].answer == 201


def test_still_failing_is_left_for_the_next_run(
    app, person, prescribe, subscribe, send, push_ready
):
    prescribe(person)
    device = subscribe(person, answers=[500, 500, 500])
    assert send().outcomes == {"retry": 1}
    assert rows(app)[0].status == SendStatus.RETRY
    assert send().outcomes == {"sent": 1}
    assert len(push_ready.delivered_to(device)) == 1


def test_a_hanging_push_service_times_out_and_stalls_no_one(
    app, person, prescribe, subscribe, send, push_ready
):
    prescribe(person)
    hanging = subscribe(person, answers=[HANG])
    others = [subscribe(person) for _ in range(5)]
    options = push_send.SendOptions(concurrency=2, read_timeout=0.5, backoff=0.01)
    assert send(options=options).outcomes == {"sent": 5, "failed": 1}
    assert all(len(push_ready.delivered_to(d)) == 1 for d in others)
    # It may have arrived: a timed-out send is not made again.
    assert send(options=options).outcomes == {}
    assert push_ready.delivered_to(hanging) == []


def test_a_sender_killed_after_recording_is_finished_by_a_later_run(
    app, person, prescribe, subscribe, send, push_ready, clock
):
    prescribe(person)
    device = subscribe(person)
    at = DUE + timedelta(minutes=5)
    with app.app_context():  # the first half of a run, then the process died
        due = find_due(db.session, at)
        push_send.claim_due(db.session, uuid.uuid4(), due, at, FAST)
        db.session.remove()
    assert rows(app)[0].status == SendStatus.CLAIMED
    # Another run meanwhile leaves it alone: its owner might still be alive.
    assert send(at=at + timedelta(minutes=1)).outcomes == {}
    assert push_ready.requests == 0
    # Once the claim is older than the lease, the next run sends it, once.
    assert send(at=at + FAST.lease + timedelta(seconds=1)).outcomes == {"sent": 1}
    assert send(at=at + FAST.lease + timedelta(minutes=2)).outcomes == {}
    assert len(push_ready.delivered_to(device)) == 1


def test_a_sender_killed_during_the_request_never_sends_it_again(
    app, person, prescribe, subscribe, send, push_ready
):
    prescribe(person)
    subscribe(person)
    send()  # sent; now pretend the process died after marking it sending
    with app.app_context():
        (row,) = db.session.scalars(select(ReminderSend)).all()
        row.status = SendStatus.SENDING
        db.session.commit()
        db.session.remove()
    later = DUE + timedelta(minutes=5) + FAST.lease + timedelta(minutes=1)
    assert send(at=later).outcomes == {}
    assert push_ready.requests == 1  # at most once


def test_ended_prescriptions_and_revoked_links_remind_no_one(
    client, person, therapist, prescribe, subscribe, send
):
    prescribe(person)
    subscribe(person)
    links = client.get("/api/v1/me/therapists", headers=person.headers).json
    revoked = client.delete(
        f"/api/v1/me/therapists/{links[0]['therapist']['id']}", headers=person.headers
    )
    assert revoked.status_code == 204
    assert send().outcomes == {}


def test_without_keys_send_says_what_to_set(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", "")
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code != 0
    assert "INTERLUDE_VAPID_PRIVATE_KEY" in result.output


def test_shards_split_the_people_between_senders(make_user, link, prescribe, subscribe, send):
    people = [make_user(timezone="Europe/London") for _ in range(6)]
    for person in people:
        link(person)
        prescribe(person)
        subscribe(person)
    shares = [
        send(options=push_send.SendOptions(concurrency=2, shard=(k, 3))).outcomes["sent"]
        for k in range(3)
    ]
    assert sum(shares) == 6
    assert send().outcomes == {}


def test_a_bad_shard_is_a_usage_error(runner, push_ready):
    result = runner.invoke(args=["reminders", "send", "--shard", "4/3"])
    assert result.exit_code == 2
    assert "1 <= K <= N" in result.output


def test_a_reminder_in_quiet_hours_waits_for_their_end(person, prescribe, subscribe, send):
    prescribe(person, time_of_day="07:00")  # London is on UTC in November
    subscribe(person)
    assert send(at=datetime(2026, 11, 18, 7, 5, tzinfo=UTC)).outcomes == {}
    assert send(at=datetime(2026, 11, 18, 8, 1, tzinfo=UTC)).outcomes == {"sent": 1}


def test_a_weekly_count_already_met_reminds_no_more_that_week(
    client, clock, person, prescribe, subscribe, send
):
    prescribe(person, schedule={"per_week": 1}, start_date="2026-11-16")
    subscribe(person)
    record_practice(client, clock, person, datetime(2026, 11, 18, 7, 30, tzinfo=UTC))
    assert send(at=datetime(2026, 11, 19, 9, 5, tzinfo=UTC)).outcomes == {}


def test_the_sender_command_counts_its_outcomes_for_metrics(
    app, person, prescribe, subscribe, push_ready, clock
):
    def sent() -> float:
        return REGISTRY.get_sample_value("interlude_reminders_total", {"outcome": "sent"}) or 0.0

    prescribe(person)
    subscribe(person)
    before = sent()
    clock.now = DUE + timedelta(minutes=5)
    result = app.test_cli_runner().invoke(args=["reminders", "send", "--concurrency", "2"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    assert sent() == before + 1
