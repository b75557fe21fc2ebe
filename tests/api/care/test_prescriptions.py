"""Therapists prescribe practices on schedules; clients see them and their plan."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from api.models import Role
from tests.api.care.conftest import Pair


@pytest.fixture
def fixed_today(clock):
    """The server clock at noon UTC on Wednesday 2026-11-18."""
    return date(2026, 11, 18)


def prescribe(client, linked, **body):
    payload = {
        "exercise": "box-breathing",
        "schedule": {"days": ["mon", "wed", "fri"]},
        "start_date": "2026-11-16",
        **body,
    }
    return client.post(
        f"/api/v1/clients/{linked.client.id}/prescriptions",
        json=payload,
        headers=linked.therapist.headers,
    )


def test_a_prescription_is_created_and_listed_for_both(client, linked, exercises):
    response = prescribe(client, linked, length_minutes=5, time_of_day="08:30", note="Mornings.")
    assert response.status_code == 201
    body = response.json
    assert body["schedule"] == {"days": ["mon", "wed", "fri"]}
    assert body["status"] == "active"
    assert body["therapist"]["display_name"] == "Dr. Rivera"
    assert body["time_of_day"] == "08:30"
    mine = client.get("/api/v1/me/prescriptions", headers=linked.client.headers).json
    assert [p["id"] for p in mine] == [body["id"]]
    theirs = client.get(
        f"/api/v1/clients/{linked.client.id}/prescriptions", headers=linked.therapist.headers
    ).json
    assert [p["id"] for p in theirs] == [body["id"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"schedule": {"days": []}}, "schedule"),
        ({"schedule": {"days": ["someday"]}}, "schedule"),
        ({"schedule": {"per_week": 0}}, "schedule"),
        ({"schedule": {"per_week": 22}}, "schedule"),
        ({"schedule": {"per_week": 2, "days": ["mon"]}}, "schedule"),
        ({"schedule": {}}, "schedule"),
        ({"end_date": "2026-11-01"}, "end_date"),
        ({"time_of_day": "8am"}, "time_of_day"),
        ({"time_of_day": "24:00"}, "time_of_day"),
        ({"length_minutes": 7}, "length_minutes"),
        ({"note": "x" * 1001}, "note"),
        ({"start_date": "someday"}, "start_date"),
        ({"unknown": True}, "unknown"),
    ],
)
def test_bad_prescriptions_are_422_naming_the_field(client, linked, exercises, change, field):
    response = prescribe(client, linked, **change)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]


def test_an_unknown_exercise_is_404(client, linked, exercises):
    assert prescribe(client, linked, exercise="no-such-thing").status_code == 404


def test_an_unlinked_client_is_404(client, exercises, therapist, make_user):
    stranger = make_user(Role.CLIENT)
    response = client.post(
        f"/api/v1/clients/{stranger.id}/prescriptions",
        json={"exercise": "box-breathing", "schedule": {"per_week": 2}, "start_date": "2026-11-16"},
        headers=therapist.headers,
    )
    assert response.status_code == 404


def test_the_therapist_changes_and_ends_a_prescription(client, linked, exercises, fixed_today):
    created = prescribe(client, linked).json
    url = f"/api/v1/prescriptions/{created['id']}"
    changed = client.patch(
        url, json={"schedule": {"per_week": 2}}, headers=linked.therapist.headers
    )
    assert changed.status_code == 200
    assert changed.json["schedule"] == {"per_week": 2}
    assert client.delete(url, headers=linked.therapist.headers).status_code == 204
    mine = client.get("/api/v1/me/prescriptions", headers=linked.client.headers).json
    assert mine[0]["status"] == "ended"
    assert mine[0]["end_date"] == "2026-11-18"  # due no more after today; history kept
    again = client.patch(url, json={"note": "x"}, headers=linked.therapist.headers)
    assert again.status_code == 409


def test_another_therapist_cannot_touch_a_prescription(client, linked, exercises, make_user):
    created = prescribe(client, linked).json
    other = make_user(Role.THERAPIST)
    url = f"/api/v1/prescriptions/{created['id']}"
    assert client.patch(url, json={"note": "x"}, headers=other.headers).status_code == 404
    assert client.delete(url, headers=other.headers).status_code == 404


def test_revoking_the_link_ends_that_therapists_prescriptions(
    client, linked, exercises, fixed_today, clock
):
    created = prescribe(client, linked).json
    clock.now = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # two days later, in the morning
    client.delete(f"/api/v1/me/therapists/{linked.therapist.id}", headers=linked.client.headers)
    mine = client.get("/api/v1/me/prescriptions", headers=linked.client.headers).json
    assert mine[0]["id"] == created["id"]
    assert mine[0]["status"] == "ended"
    # It ends at the moment of the revocation, on the client's day (UTC here), kept as history.
    assert datetime.fromisoformat(mine[0]["ended_at"]) == clock.now
    assert mine[0]["end_date"] == "2026-11-20"
    assert mine[0]["start_date"] == "2026-11-16"
    response = client.patch(
        f"/api/v1/prescriptions/{created['id']}", json={"note": "x"},
        headers=linked.therapist.headers,
    )  # fmt: skip
    assert response.status_code == 404


def record(client, person, started_at, exercise="box-breathing", prescription_id=None):
    body = {
        "exercise": exercise,
        "started_at": started_at,
        "duration_seconds": 300,
        "completed": True,
    }
    if prescription_id:
        body["prescription_id"] = prescription_id
    response = client.put(f"/api/v1/me/practices/{uuid.uuid4()}", json=body, headers=person.headers)
    assert response.status_code == 201, response.json
    return response.json


def test_a_practice_may_name_the_clients_own_prescription_only(
    client, linked, exercises, make_user, fixed_today
):
    created = prescribe(client, linked).json
    record(client, linked.client, "2026-11-18T09:00:00+00:00", prescription_id=created["id"])
    other = make_user(Role.CLIENT)
    response = client.put(
        f"/api/v1/me/practices/{uuid.uuid4()}",
        json={
            "exercise": "box-breathing",
            "started_at": "2026-11-18T09:00:00+00:00",
            "duration_seconds": 300,
            "completed": True,
            "prescription_id": created["id"],
        },
        headers=other.headers,
    )
    assert response.status_code == 422
    assert "prescription_id" in response.json["errors"]["json"]


def test_the_plan_shows_what_is_due_and_done(client, linked, exercises, fixed_today):
    daily = prescribe(client, linked, time_of_day="20:00").json  # mon/wed/fri
    weekly = prescribe(
        client, linked, exercise="body-scan", schedule={"per_week": 1}, time_of_day="07:00"
    ).json
    plan = client.get("/api/v1/me/plan", headers=linked.client.headers).json
    assert plan["date"] == "2026-11-18"
    assert [(i["prescription_id"], i["done"]) for i in plan["items"]] == [
        (weekly["id"], False),
        (daily["id"], False),
    ]
    record(client, linked.client, "2026-11-18T12:00:00+00:00")  # box breathing, as prescribed
    plan = client.get("/api/v1/me/plan?date=2026-11-18", headers=linked.client.headers).json
    assert [i["done"] for i in plan["items"]] == [False, True]
    thursday = client.get("/api/v1/me/plan?date=2026-11-19", headers=linked.client.headers).json
    assert [i["prescription_id"] for i in thursday["items"]] == [weekly["id"]]


def test_plan_items_carry_what_the_today_screen_shows(client, linked, exercises, fixed_today):
    prescribe(client, linked, note="Before bed is a good time.")
    (item,) = client.get("/api/v1/me/plan", headers=linked.client.headers).json["items"]
    assert item["title"] == "Box Breathing"
    assert item["note"] == "Before bed is a good time."
    assert item["therapist"] == {"id": linked.therapist.id, "display_name": "Dr. Rivera"}


def test_a_bad_plan_date_is_422(client, linked):
    response = client.get("/api/v1/me/plan?date=tomorrow", headers=linked.client.headers)
    assert response.status_code == 422


def test_adherence_counts_per_week(client, clock, exercises, therapist, client_user, link):
    clock.now = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)  # linked and prescribed on Monday 9th
    link(client_user)
    linked = Pair(therapist, client_user)
    prescribe(client, linked, start_date="2026-11-09")  # mon/wed/fri from Monday 9th
    clock.now = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    record(client, linked.client, "2026-11-09T10:00:00+00:00")
    record(client, linked.client, "2026-11-13T10:00:00+00:00")
    record(client, linked.client, "2026-11-18T10:00:00+00:00")
    response = client.get(
        f"/api/v1/clients/{linked.client.id}/adherence?weeks=3", headers=linked.therapist.headers
    )
    assert response.status_code == 200
    body = response.json
    assert body["weeks"] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    (row,) = body["prescriptions"]
    assert [(w["expected"], w["done"]) for w in row["weeks"]] == [(0, 0), (3, 2), (3, 1)]


# Which practices count (issue 10, item 9): a 3-minute practice recorded before a 5-minute
# prescription was written marked it done.


def plan_done(client, person, day="2026-11-18"):
    plan = client.get(f"/api/v1/me/plan?date={day}", headers=person.headers).json
    return [item["done"] for item in plan["items"]]


def test_a_practice_from_before_the_prescription_was_written_does_not_do_it(
    client, linked, exercises, fixed_today
):
    record(client, linked.client, "2026-11-18T09:00:00+00:00")  # this morning
    created = prescribe(client, linked, length_minutes=5).json  # written at noon, for today
    assert plan_done(client, linked.client) == [False]
    record(client, linked.client, "2026-11-18T11:59:00+00:00", prescription_id=created["id"])
    assert plan_done(client, linked.client) == [False]  # naming it does not change that
    record(client, linked.client, "2026-11-18T12:00:00+00:00")
    assert plan_done(client, linked.client) == [True]


@pytest.mark.parametrize(
    ("seconds", "done"), [(180, False), (239, False), (240, True), (300, True)]
)
def test_a_practice_counts_for_a_length_when_it_lasted_80_percent_of_it(
    client, fixed_today, linked, exercises, seconds, done
):
    created = prescribe(client, linked, length_minutes=5).json
    body = {
        "exercise": "box-breathing",
        "length_minutes": 3,
        "prescription_id": created["id"],
        "started_at": "2026-11-18T12:00:00+00:00",
        "duration_seconds": seconds,
        "completed": True,
    }
    put = client.put(
        f"/api/v1/me/practices/{uuid.uuid4()}", json=body, headers=linked.client.headers
    )
    assert put.status_code == 201
    assert plan_done(client, linked.client) == [done]
    adherence = client.get(
        f"/api/v1/clients/{linked.client.id}/adherence?weeks=1", headers=linked.therapist.headers
    ).json
    assert adherence["prescriptions"][0]["weeks"][0]["done"] == int(done)


def test_a_backdated_prescription_expects_nothing_before_it_was_written(
    client, fixed_today, linked, exercises
):
    prescribe(client, linked, start_date="2026-11-09")  # mon/wed/fri, written Wednesday 18th
    response = client.get(
        f"/api/v1/clients/{linked.client.id}/adherence?weeks=2", headers=linked.therapist.headers
    )
    (row,) = response.json["prescriptions"]
    assert [(w["expected"], w["done"]) for w in row["weeks"]] == [(0, 0), (2, 0)]  # Wed, Fri


def test_the_rule_is_in_the_spec(client):
    spec = client.get("/api/openapi.json").json
    plan = spec["paths"]["/api/v1/me/plan"]["get"]["description"]
    adherence = spec["paths"]["/api/v1/clients/{client_id}/adherence"]["get"]["description"]
    for text in (plan, adherence):
        assert "80 %" in text and "written" in text


@pytest.mark.parametrize("weeks", ["0", "53", "many"])
def test_bad_week_counts_are_422(client, linked, weeks):
    response = client.get(
        f"/api/v1/clients/{linked.client.id}/adherence?weeks={weeks}",
        headers=linked.therapist.headers,
    )
    assert response.status_code == 422
