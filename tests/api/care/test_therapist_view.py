"""What a therapist sees of a linked client: only what the client chose, and each look is
written in the client's access log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from api.models import Role

LINKED_AT = "2026-11-18T12:00:00+00:00"  # the clock when the `linked` fixture links


def record(client, person, **overrides):
    """A practice; by default it starts the moment the link was made (so the therapist sees it)."""
    body = {
        "exercise": "box-breathing",
        "started_at": LINKED_AT,
        "duration_seconds": 300,
        "completed": True,
        "mood_before": 3,
        "mood_after": 6,
        "note": "Felt calmer after.",
        "share_note": True,
        **overrides,
    }
    response = client.put(f"/api/v1/me/practices/{uuid.uuid4()}", json=body, headers=person.headers)
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture(autouse=True)
def _frozen(clock):
    """Every test here runs at noon UTC on Wednesday 2026-11-18 (`clock`)."""


def client_practices(client, linked):
    response = client.get(
        f"/api/v1/clients/{linked.client.id}/practices", headers=linked.therapist.headers
    )
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_clients_lists_linked_clients_with_last_practice(client, linked, exercises):
    record(client, linked.client)
    response = client.get("/api/v1/clients", headers=linked.therapist.headers)
    assert response.status_code == 200
    (one,) = response.json
    assert one["id"] == linked.client.id
    assert one["last_practice_at"].startswith("2026-11-18T12:00:00")
    assert one["adherence_7d"] == {"expected": 0, "done": 0}
    assert "email" not in one


def test_seven_day_adherence_counts_this_therapists_prescriptions(client, linked, exercises):
    client.post(
        f"/api/v1/clients/{linked.client.id}/prescriptions",
        json={"exercise": "box-breathing", "schedule": {"days": ["mon", "wed", "fri"]},
              "start_date": "2026-11-01"},
        headers=linked.therapist.headers,
    )  # fmt: skip
    record(client, linked.client)  # Wednesday 18th
    body = client.get(f"/api/v1/clients/{linked.client.id}", headers=linked.therapist.headers)
    # Dated from the 1st but written on Wednesday 18th: of Fri 13, Mon 16 and Wed 18 in the
    # 7 days ending today, only Wednesday is due (nothing before could have counted).
    assert body.json["adherence_7d"] == {"expected": 1, "done": 1}


def test_mood_and_notes_shared(client, make_user, therapist, link, exercises):
    person = make_user(Role.CLIENT)
    link(person, share_mood=True, share_notes=True)
    record(client, person, share_note=False, note="Private.", started_at="2026-11-18T12:03:00Z")
    record(client, person)
    items = client.get(f"/api/v1/clients/{person.id}/practices", headers=therapist.headers).json[
        "items"
    ]
    assert [(i["mood_before"], i["mood_after"], i["note"]) for i in items] == [
        (3, 6, None),  # the client kept this note to themselves
        (3, 6, "Felt calmer after."),
    ]


def test_nothing_personal_when_nothing_is_shared(client, make_user, therapist, link, exercises):
    person = make_user(Role.CLIENT)
    link(person, share_mood=False, share_notes=False)
    record(client, person)
    (item,) = client.get(f"/api/v1/clients/{person.id}/practices", headers=therapist.headers).json[
        "items"
    ]
    assert (item["mood_before"], item["mood_after"], item["note"]) == (None, None, None)
    assert item["share_note"] is False
    assert item["duration_seconds"] == 300


def test_mood_without_notes(client, linked, exercises):
    record(client, linked.client)
    (item,) = client_practices(client, linked)
    assert (item["mood_before"], item["note"]) == (3, None)


def test_changing_sharing_applies_at_once(client, linked, exercises):
    record(client, linked.client)
    client.patch(
        f"/api/v1/me/therapists/{linked.therapist.id}",
        json={"share_mood": False},
        headers=linked.client.headers,
    )
    (item,) = client_practices(client, linked)
    assert item["mood_before"] is None


def test_every_look_is_in_the_clients_access_log(client, linked, exercises):
    client.get("/api/v1/clients", headers=linked.therapist.headers)
    client_practices(client, linked)
    client.get(f"/api/v1/clients/{linked.client.id}/adherence", headers=linked.therapist.headers)
    log = client.get("/api/v1/me/access-log", headers=linked.client.headers)
    assert log.status_code == 200
    assert [(e["what"], e["therapist"]["display_name"]) for e in log.json] == [
        ("adherence", "Dr. Rivera"),
        ("practices", "Dr. Rivera"),
        ("summary", "Dr. Rivera"),
    ]
    assert all(e["therapist"]["id"] == linked.therapist.id for e in log.json)


def test_a_failed_look_at_someone_else_is_not_logged_for_them(client, linked, make_user):
    stranger = make_user(Role.CLIENT)
    client.get(f"/api/v1/clients/{stranger.id}/practices", headers=linked.therapist.headers)
    assert client.get("/api/v1/me/access-log", headers=stranger.headers).json == []


def test_another_therapist_sees_nothing(client, linked, make_user, exercises):
    record(client, linked.client)
    other = make_user(Role.THERAPIST)
    assert client.get("/api/v1/clients", headers=other.headers).json == []
    for path in ("", "/practices", "/adherence", "/prescriptions"):
        response = client.get(f"/api/v1/clients/{linked.client.id}{path}", headers=other.headers)
        assert response.status_code == 404


def test_the_export_holds_the_clients_data(client, linked, exercises):
    record(client, linked.client)
    client.get("/api/v1/clients", headers=linked.therapist.headers)
    export = client.get("/api/v1/me/export", headers=linked.client.headers)
    assert export.status_code == 200
    body = export.json
    assert body["account"]["email"] == linked.client.email
    assert [p["note"] for p in body["practices"]] == ["Felt calmer after."]
    assert [link["therapist_name"] for link in body["links"]] == ["Dr. Rivera"]
    assert [link["share_history"] for link in body["links"]] == [False]
    assert [e["what"] for e in body["access_log"]] == ["summary"]
    assert export.headers["Cache-Control"] == "no-store"


def test_a_therapists_export_is_logged_for_their_clients(client, linked):
    client.get("/api/v1/me/export", headers=linked.therapist.headers)
    log = client.get("/api/v1/me/access-log", headers=linked.client.headers).json
    assert [e["what"] for e in log] == ["export"]


# The export writes each section with the API's schema of the same thing: a field added to one
# of those lands in the export too, so it must be added here, knowingly.
EXPORT_FIELDS = {
    "account": {"id", "email", "display_name", "role", "timezone", "day_starts_at", "created_at"},
    "practices": {
        "id", "exercise", "length_minutes", "prescription_id", "started_at", "received_at",
        "day", "duration_seconds", "completed", "mood_before", "mood_after", "note",
        "share_note",
    },
    "links": {
        "therapist_id", "therapist_name", "client_id", "client_name", "share_mood",
        "share_notes", "share_history", "created_at", "revoked_at",
    },
    "prescriptions": {
        "id", "therapist_id", "client_id", "exercise", "length_minutes", "schedule",
        "time_of_day", "start_date", "end_date", "note", "created_at", "ended_at",
        "ended_reason",
    },
    "access_log": {"therapist_id", "therapist_name", "what", "at"},
    "invitations": {"created_at", "expires_at", "used_at"},
    "agenda": {"id", "text", "shared", "practice_id", "created_at", "updated_at", "done_at"},
    # a device's subscription without its auth secret (tests/api/push checks the values)
    "push_subscriptions": {
        "id", "endpoint", "expiration_time", "created_at", "p256dh", "updated_at"
    },
    "reminders": {"enabled", "quiet_hours", "daily_time", "name_exercise"},
}  # fmt: skip


def test_each_section_of_the_export_holds_exactly_its_fields(client, linked, exercises):
    record(client, linked.client, length_minutes=5)
    prescribed = client.post(
        f"/api/v1/clients/{linked.client.id}/prescriptions",
        json={"exercise": "box-breathing", "schedule": {"per_week": 2}, "start_date": "2026-11-16"},
        headers=linked.therapist.headers,
    )
    assert prescribed.status_code == 201, prescribed.json
    added = client.post(
        "/api/v1/me/agenda",
        json={"text": "Ask about evenings", "shared": True},
        headers=linked.client.headers,
    )
    assert added.status_code == 201, added.json
    client.get("/api/v1/clients", headers=linked.therapist.headers)
    mine = client.get("/api/v1/me/export", headers=linked.client.headers).json
    theirs = client.get("/api/v1/me/export", headers=linked.therapist.headers).json

    assert set(mine) == {"format", *EXPORT_FIELDS}
    assert mine["format"] == 1
    assert set(mine["account"]) == EXPORT_FIELDS["account"]
    assert set(mine["reminders"]) == EXPORT_FIELDS["reminders"]
    for export in (mine, theirs):
        for section in (
            "practices",
            "links",
            "prescriptions",
            "access_log",
            "invitations",
            "agenda",
        ):
            for item in export[section]:
                assert set(item) == EXPORT_FIELDS[section], section
    counted = ("practices", "links", "prescriptions", "access_log")
    assert [len(mine[section]) for section in counted] == [1, 1, 1, 1]
    assert len(theirs["invitations"]) == 1
    assert [i["text"] for i in mine["agenda"]] == ["Ask about evenings"]
    assert theirs["agenda"] == []  # a client's agenda is theirs, shared or not
    [practice] = mine["practices"]
    assert (practice["day"], practice["started_at"]) == ("2026-11-18", LINKED_AT)
    assert (mine["account"]["role"], mine["account"]["day_starts_at"]) == ("client", "03:00")
    [prescription] = theirs["prescriptions"]
    assert (prescription["start_date"], prescription["therapist_id"]) == (
        "2026-11-16",
        linked.therapist.id,
    )
    assert theirs["invitations"][0]["used_at"] == LINKED_AT


def test_a_revoked_link_stays_in_the_therapists_export_without_the_clients_name(client, linked):
    def links(person):
        export = client.get("/api/v1/me/export", headers=person.headers).json
        return [(e["client_id"], e["client_name"], e["revoked_at"]) for e in export["links"]]

    me = linked.client.id
    assert links(linked.therapist) == [(me, "Client Person", None)]
    ended = client.delete(
        f"/api/v1/me/therapists/{linked.therapist.id}", headers=linked.client.headers
    )
    assert ended.status_code == 204
    assert links(linked.therapist) == [(me, None, LINKED_AT)]
    assert links(linked.client) == [(me, "Client Person", LINKED_AT)]


def test_a_therapist_who_erases_their_account_ends_their_prescriptions(client, linked, exercises):
    client.post(
        f"/api/v1/clients/{linked.client.id}/prescriptions",
        json={"exercise": "box-breathing", "schedule": {"per_week": 3},
              "start_date": "2026-11-01"},
        headers=linked.therapist.headers,
    )  # fmt: skip
    erased = client.delete(
        "/api/v1/me", json={"password": linked.therapist.password},
        headers=linked.therapist.headers,
    )  # fmt: skip
    assert erased.status_code == 204
    (prescription,) = client.get("/api/v1/me/prescriptions", headers=linked.client.headers).json
    assert (prescription["status"], prescription["end_date"]) == ("ended", "2026-11-18")
    assert prescription["therapist"] is None
    plan = client.get("/api/v1/me/plan?date=2026-11-19", headers=linked.client.headers).json
    assert plan["items"] == []


# --- the window: what a therapist sees of the time before the link (issue 10, item 7) -------
# The `linked` fixture links at noon on the 18th without share_history. Practices recorded
# after that (a phone syncing late) may have started earlier.


def started(client, linked):
    return [item["started_at"][:16] for item in client_practices(client, linked)]


def share(client, linked, **sharing):
    response = client.patch(
        f"/api/v1/me/therapists/{linked.therapist.id}", json=sharing, headers=linked.client.headers
    )
    assert response.status_code == 200, response.json
    return response.json


def test_a_new_therapist_sees_only_practices_from_the_moment_of_the_link(client, linked, exercises):
    record(client, linked.client, started_at="2026-11-17T09:00:00Z")  # the day before
    record(client, linked.client, started_at="2026-11-18T11:59:59Z")  # a second before
    record(client, linked.client)  # the moment of the link
    assert started(client, linked) == ["2026-11-18T12:00"]
    (me,) = client.get("/api/v1/me/therapists", headers=linked.client.headers).json
    assert me["share_history"] is False


def test_with_share_history_the_therapist_sees_earlier_practices_too(
    client, make_user, therapist, link, exercises
):
    person = make_user(Role.CLIENT)
    made = link(person, share_history=True)
    assert made["share_history"] is True
    record(client, person, started_at="2026-11-17T09:00:00Z")
    items = client.get(f"/api/v1/clients/{person.id}/practices", headers=therapist.headers).json
    assert [i["started_at"][:10] for i in items["items"]] == ["2026-11-17"]


def test_sharing_history_later_reveals_earlier_practices_and_unsharing_hides_them(
    client, linked, exercises
):
    record(client, linked.client, started_at="2026-11-17T09:00:00Z")
    record(client, linked.client)
    assert share(client, linked, share_history=True)["share_history"] is True
    assert started(client, linked) == ["2026-11-18T12:00", "2026-11-17T09:00"]
    share(client, linked, share_history=False)
    assert started(client, linked) == ["2026-11-18T12:00"]


def test_mood_and_notes_sharing_apply_to_earlier_practices_as_well(client, linked, exercises):
    record(client, linked.client, started_at="2026-11-17T09:00:00Z")
    share(client, linked, share_history=True, share_notes=True)
    (item,) = client_practices(client, linked)
    assert (item["mood_after"], item["note"]) == (6, "Felt calmer after.")
    share(client, linked, share_mood=False, share_notes=False)
    (item,) = client_practices(client, linked)
    assert (item["mood_after"], item["note"]) == (None, None)


def test_the_last_practice_is_the_last_one_the_therapist_may_see(client, linked, exercises):
    record(client, linked.client, started_at="2026-11-17T09:00:00Z")
    summary = client.get(f"/api/v1/clients/{linked.client.id}", headers=linked.therapist.headers)
    assert summary.json["last_practice_at"] is None
    assert summary.json["share_history"] is False
    (listed,) = client.get("/api/v1/clients", headers=linked.therapist.headers).json
    assert listed["last_practice_at"] is None
    share(client, linked, share_history=True)
    summary = client.get(f"/api/v1/clients/{linked.client.id}", headers=linked.therapist.headers)
    assert summary.json["last_practice_at"].startswith("2026-11-17T09:00")


def test_after_linking_again_adherence_counts_only_what_the_new_link_shows(
    client, clock, therapist, client_user, link, exercises
):
    """Linked on Monday the 16th, a prescription, a practice; the client ends the link and
    links again on Wednesday without sharing history: the Monday practice stays hidden."""
    clock.now = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    link(client_user)
    client.post(
        f"/api/v1/clients/{client_user.id}/prescriptions",
        json={"exercise": "box-breathing", "schedule": {"per_week": 3}, "start_date": "2026-11-16"},
        headers=therapist.headers,
    )
    clock.now = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    record(client, client_user, started_at="2026-11-16T09:00:00Z")
    client.delete(f"/api/v1/me/therapists/{therapist.id}", headers=client_user.headers)
    clock.now = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    link(client_user)

    def done():
        adherence = client.get(
            f"/api/v1/clients/{client_user.id}/adherence?weeks=1", headers=therapist.headers
        ).json
        summary = client.get(f"/api/v1/clients/{client_user.id}", headers=therapist.headers).json
        return [w["done"] for w in adherence["prescriptions"][0]["weeks"]], summary["adherence_7d"]

    assert done() == ([0], {"expected": 1, "done": 0})
    client.patch(
        f"/api/v1/me/therapists/{therapist.id}",
        json={"share_history": True},
        headers=client_user.headers,
    )
    assert done() == ([1], {"expected": 1, "done": 1})


def mood_trend(client, therapist, person) -> list[tuple[str, int, int]]:
    listed = {c["id"]: c for c in client.get("/api/v1/clients", headers=therapist.headers).json}
    points = listed[person.id]["recent_moods"]
    return [(m["day"], m["mood_before"], m["mood_after"]) for m in points]


def test_the_mood_trend_is_the_last_ten_rated_practices_the_therapist_may_see(
    client, clock, linked, exercises
):
    clock.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    person = linked.client
    record(client, person, started_at="2026-11-17T10:00:00Z")  # before the link: not seen
    for day in range(19, 31):  # twelve rated practices, one a day
        record(client, person, started_at=f"2026-11-{day}T10:00:00Z", mood_before=day % 10)
    gone = record(client, person, started_at="2026-11-30T11:00:00Z", mood_before=9)
    assert (
        client.delete(f"/api/v1/me/practices/{gone['id']}", headers=person.headers).status_code
        == 204
    )
    record(client, person, started_at="2026-11-30T11:30:00Z", mood_after=None)  # half rated
    assert mood_trend(client, linked.therapist, person) == [
        (f"2026-11-{day}", day % 10, 6) for day in range(21, 31)
    ]


def test_the_mood_trend_holds_the_last_30_days_and_earlier_practices_with_history(
    client, clock, make_user, therapist, link, exercises
):
    person = make_user(Role.CLIENT)
    link(person, share_history=True)
    clock.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    record(client, person, started_at="2026-10-31T10:00:00Z", mood_before=1)  # 31 days ago
    record(client, person, started_at="2026-11-17T10:00:00Z", mood_before=2)  # before the link
    record(client, person, started_at="2026-11-20T10:00:00Z", mood_before=3)
    assert mood_trend(client, therapist, person) == [("2026-11-17", 2, 6), ("2026-11-20", 3, 6)]
