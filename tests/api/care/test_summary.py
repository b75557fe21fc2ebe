"""The session summary: what a therapist reads before the next session, built only from
what the client shares, and logged like every read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.models import Role

WRITTEN = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)  # a Wednesday: link and prescription
TODAY = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # two weeks on
PRIVATE_NOTE = "Nobody else needs to know about the phone call."
SHARED_NOTE = "Slept through the night after this one."


def practise(client, person, day: int, exercise="box-breathing", **more):
    body = {
        "exercise": exercise,
        "started_at": f"2026-11-{day:02d}T08:00:00Z",
        "duration_seconds": 300,
        "completed": True,
        **more,
    }
    response = client.put(f"/api/v1/me/practices/{uuid.uuid4()}", json=body, headers=person.headers)
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def story(client, clock, make_user, therapist, link, exercises):
    """A client linked on Wednesday 4 November with box breathing prescribed Mon/Wed/Fri, who
    then practised over two weeks with moods and notes; the summary is read on the 18th."""

    def make(*, share_mood=True, share_notes=True):
        clock.now = WRITTEN
        person = make_user(Role.CLIENT)
        link(person, share_mood=share_mood, share_notes=share_notes)
        response = client.post(
            f"/api/v1/clients/{person.id}/prescriptions",
            json={"exercise": "box-breathing", "schedule": {"days": ["mon", "wed", "fri"]},
                  "start_date": "2026-11-04"},
            headers=therapist.headers,
        )  # fmt: skip
        assert response.status_code == 201, response.json
        clock.now = TODAY
        practise(client, person, 6, mood_before=3, mood_after=6, note=SHARED_NOTE, share_note=True)
        practise(client, person, 9, mood_before=4, mood_after=5, note=PRIVATE_NOTE)
        practise(client, person, 11, mood_before=2, mood_after=6)
        practise(client, person, 12, "body-scan", length_minutes=10, duration_seconds=600,
                 mood_before=5, mood_after=5)  # fmt: skip
        for text, shared in (("Ask about the night waking", True), ("Only mine", False)):
            added = client.post(
                "/api/v1/me/agenda", json={"text": text, "shared": shared}, headers=person.headers
            )
            assert added.status_code == 201
        return person

    return make


def summary(client, therapist, person, query=""):
    response = client.get(f"/api/v1/clients/{person.id}/summary{query}", headers=therapist.headers)
    assert response.status_code == 200, response.json
    return response.json


def test_the_default_range_is_the_last_fourteen_days(client, therapist, story):
    body = summary(client, therapist, story())
    assert (body["from"], body["to"]) == ("2026-11-05", "2026-11-18")


def test_done_against_expected_per_prescription(client, therapist, story):
    body = summary(client, therapist, story(), "?from=2026-11-04&to=2026-11-18")
    # Due: Wed 4, Fri 6, Mon 9, Wed 11, Fri 13, Mon 16, Wed 18 = 7; done on 6, 9 and 11.
    [row] = body["prescriptions"]
    assert (row["exercise"], row["expected"], row["done"]) == ("box-breathing", 7, 3)
    assert (body["expected"], body["done"], body["practices"]) == (7, 3, 4)
    assert row["schedule"] == {"days": ["mon", "wed", "fri"]}


def test_mood_change_and_what_helped_most(client, therapist, story):
    body = summary(client, therapist, story(), "?from=2026-11-04&to=2026-11-18")
    # Changes +3, +1, +4 (box breathing) and 0 (body scan): mean 2.0.
    assert body["mood"] == {"n": 4, "avg_before": 3.5, "avg_after": 5.5, "avg_change": 2.0}
    assert [(e["exercise"], e["avg_change"]) for e in body["helped_most"]] == [
        ("box-breathing", pytest.approx(8 / 3, abs=0.01)),
        ("body-scan", 0.0),
    ]


def test_only_shared_notes_and_open_shared_agenda_items(client, therapist, story):
    response = client.get(
        f"/api/v1/clients/{story().id}/summary?from=2026-11-04", headers=therapist.headers
    )
    body = response.json
    assert [n["note"] for n in body["notes"]] == [SHARED_NOTE]
    assert [i["text"] for i in body["agenda"]] == ["Ask about the night waking"]
    text = response.get_data(as_text=True)
    assert PRIVATE_NOTE not in text and "Only mine" not in text


def test_nothing_of_mood_or_notes_when_the_client_shares_neither(client, therapist, story):
    person = story(share_mood=False, share_notes=False)
    response = client.get(f"/api/v1/clients/{person.id}/summary", headers=therapist.headers)
    body = response.json
    assert (body["mood"], body["helped_most"], body["notes"]) == (None, None, None)
    text = response.get_data(as_text=True)
    assert "mood_before" not in text and SHARED_NOTE not in text and PRIVATE_NOTE not in text
    assert body["done"] == 3  # adherence is not a choice the client makes


def test_a_done_agenda_item_is_left_out(client, therapist, story):
    person = story()
    items = client.get("/api/v1/me/agenda", headers=person.headers).json
    shared = next(i for i in items if i["shared"])
    client.patch(f"/api/v1/me/agenda/{shared['id']}", json={"done": True}, headers=person.headers)
    assert summary(client, therapist, person)["agenda"] == []


def test_the_next_default_starts_on_the_day_of_the_last_summary_read(
    client, clock, therapist, story
):
    person = story()
    summary(client, therapist, person)  # read on Wednesday 18th
    assert summary(client, therapist, person)["from"] == "2026-11-05"  # same day: unchanged
    clock.now = TODAY + timedelta(days=7)
    body = summary(client, therapist, person)
    assert (body["from"], body["to"]) == ("2026-11-18", "2026-11-25")


def test_each_read_is_in_the_clients_access_log(client, therapist, story):
    person = story()
    summary(client, therapist, person)
    log = client.get("/api/v1/me/access-log", headers=person.headers).json
    assert log[0]["what"] == "session summary"


def test_practices_from_before_the_link_do_not_count_without_history(
    client, clock, therapist, story
):
    person = story()
    practise(client, person, 2, mood_before=1, mood_after=9)  # before the link on the 4th
    body = summary(client, therapist, person, "?from=2026-11-01&to=2026-11-18")
    assert body["practices"] == 4 and body["mood"]["n"] == 4


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?from=2026-11-18&to=2026-11-01", "from"),
        ("?from=2024-01-01&to=2026-11-18", "from"),
        ("?from=yesterday", "from"),
        ("?to=1999-12-31", "to"),
    ],
)
def test_a_bad_range_is_refused_with_a_message(client, therapist, story, query, field):
    person = story()
    response = client.get(f"/api/v1/clients/{person.id}/summary{query}", headers=therapist.headers)
    assert response.status_code == 422, response.json
    assert field in str(response.json["errors"]) or field in response.json["message"]


def test_another_therapist_gets_404_and_nothing_is_logged(client, make_user, story):
    person = story()
    stranger = make_user(Role.THERAPIST)
    response = client.get(f"/api/v1/clients/{person.id}/summary", headers=stranger.headers)
    assert response.status_code == 404
    log = client.get("/api/v1/me/access-log", headers=person.headers).json
    assert all(e["what"] != "session summary" for e in log)


def test_the_clients_list_shows_a_mood_trend_only_when_mood_is_shared(client, therapist, story):
    sharing = story()
    private = story(share_mood=False)
    listed = {c["id"]: c for c in client.get("/api/v1/clients", headers=therapist.headers).json}
    assert [
        (m["day"], m["mood_before"], m["mood_after"]) for m in listed[sharing.id]["recent_moods"]
    ] == [
        ("2026-11-06", 3, 6),
        ("2026-11-09", 4, 5),
        ("2026-11-11", 2, 6),
        ("2026-11-12", 5, 5),
    ]
    assert listed[private.id]["recent_moods"] is None


def test_the_adherence_weeks_carry_their_days_for_a_heatmap(client, therapist, story):
    person = story()
    table = client.get(
        f"/api/v1/clients/{person.id}/adherence?weeks=3", headers=therapist.headers
    ).json
    [row] = table["prescriptions"]
    first, second, _third = row["weeks"]
    assert [d["date"] for d in first["days"]][:3] == ["2026-11-02", "2026-11-03", "2026-11-04"]
    # Written on Wednesday 4th: Monday 2nd is before it; Mon/Wed/Fri are due from then on.
    assert [(d["active"], d["due"], d["done"]) for d in first["days"]] == [
        (False, False, 0), (False, False, 0), (True, True, 0), (True, False, 0),
        (True, True, 1), (True, False, 0), (True, False, 0),
    ]  # fmt: skip
    assert [d["done"] for d in second["days"]] == [1, 0, 1, 0, 0, 0, 0]
    assert (second["expected"], second["done"]) == (3, 2)
