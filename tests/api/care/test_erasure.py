"""Export and erasure, round trip: GET /me/export holds everything about a person; DELETE /me
(with their password) leaves nothing of them in any table.

What deliberately stays: prescriptions a therapist wrote stay in the therapist's records with
client_id NULL; when a therapist erases their account, their clients' access logs keep the
entries with therapist_id NULL but the therapist's name as it was, and the prescriptions they
wrote stay with therapist_id NULL. Runs on SQLite and, with INTERLUDE_TEST_DATABASE_URL, on
PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import Role
from tests.conftest import PASSWORD

API = "/api/v1"

CLIENT_EMAIL = "maya.erasable@example.org"
CLIENT_NAME = "Maya Erasable-Lindqvist"
NOTE_SHARED = "The tightness in my chest eased after the third round."
NOTE_PRIVATE = "Thought about my sister the whole time."
NOTE_DELETED = "Cried a little, felt lighter."
AGENDA_SHARED = "Ask whether the evening practice can be shorter."
AGENDA_PRIVATE = "The argument with my brother, maybe."


def dump(app) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as plain values."""
    with app.app_context():
        db.session.remove()
        with db.engine.connect() as connection:
            return {
                table.name: [dict(row._mapping) for row in connection.execute(select(table)).all()]
                for table in db.metadata.sorted_tables
            }


def comparable(tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    return {
        name: sorted(json.dumps(row, default=str, sort_keys=True) for row in rows)
        for name, rows in tables.items()
    }


def traces(tables, person_id: str, needles: list[str]) -> list[str]:
    """Where any of the person's identifiers or texts appear: their id as a UUID, its string
    and hex forms (how SQLite stores it), and each given text."""
    as_uuid = uuid.UUID(person_id)
    texts = [str(as_uuid), as_uuid.hex, *needles]
    found = []
    for table, rows in tables.items():
        for row in rows:
            for column, value in row.items():
                if isinstance(value, uuid.UUID) and value == as_uuid:
                    found.append(f"{table}.{column} = {value} (the id)")
                    continue
                text = (
                    json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)
                ).lower()
                for needle in texts:
                    if needle.lower() in text:
                        found.append(f"{table}.{column} contains {needle!r}")
    return found


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post(f"{API}/auth/token", json={"email": email, "password": password})


def practice(exercise: str, *, hours_ago: int, **fields: Any) -> dict[str, Any]:
    started = (datetime.now(UTC) - timedelta(hours=hours_ago)).replace(microsecond=0)
    return {
        "exercise": exercise,
        "started_at": started.isoformat(),
        "duration_seconds": 300,
        "completed": True,
        **fields,
    }


@pytest.fixture
def people(make_user):
    return {
        "client": make_user(
            Role.CLIENT, email=CLIENT_EMAIL, display_name=CLIENT_NAME, timezone="Pacific/Auckland"
        ),
        "therapist": make_user(Role.THERAPIST, display_name="Dr. Keep Records"),
        "bystander": make_user(Role.CLIENT, display_name="Bystander"),
    }


def test_export_holds_everything_and_erasure_leaves_no_trace_but_the_therapists_prescriptions(
    app, client, people, link, exercises
):
    me, therapist, bystander = people["client"], people["therapist"], people["bystander"]
    mine, theirs = me.headers, therapist.headers

    # --- a life in the app ----------------------------------------------------------------
    link(me, share_mood=True, share_notes=True, by=therapist)
    today = date.today()
    prescribed = []
    for body in (
        {
            "exercise": "box-breathing",
            "length_minutes": 5,
            "schedule": {"days": ["mon", "wed", "fri"]},
            "start_date": (today - timedelta(days=14)).isoformat(),
            "note": "Before work, if you can.",
        },
        {
            "exercise": "body-scan",
            "schedule": {"per_week": 2},
            "start_date": (today - timedelta(days=3)).isoformat(),
            "time_of_day": "21:00",
        },
    ):
        response = client.post(f"{API}/clients/{me.id}/prescriptions", json=body, headers=theirs)
        assert response.status_code == 201, response.json
        prescribed.append(response.json["id"])

    logged = {
        "named": practice(
            "box-breathing",
            hours_ago=30,
            length_minutes=5,
            prescription_id=prescribed[0],
            mood_before=3,
            mood_after=7,
            note=NOTE_SHARED,
            share_note=True,
        ),
        "private": practice(
            "body-scan", hours_ago=20, mood_before=5, mood_after=6, note=NOTE_PRIVATE
        ),
        "plain": practice("box-breathing", hours_ago=4),
        "deleted": practice("body-scan", hours_ago=2, mood_before=2, note=NOTE_DELETED),
    }
    ids = {name: str(uuid.uuid4()) for name in logged}
    for name, body in logged.items():
        response = client.put(f"{API}/me/practices/{ids[name]}", json=body, headers=mine)
        assert response.status_code == 201, response.json
    # A deleted practice stays as a tombstone until the account goes.
    assert client.delete(f"{API}/me/practices/{ids['deleted']}", headers=mine).status_code == 204
    bystanders = str(uuid.uuid4())
    response = client.put(
        f"{API}/me/practices/{bystanders}",
        json=practice("box-breathing", hours_ago=1, note="Bystander's own note."),
        headers=bystander.headers,
    )
    assert response.status_code == 201

    agenda = {AGENDA_SHARED: True, AGENDA_PRIVATE: False}
    for text, shared in agenda.items():
        response = client.post(
            f"{API}/me/agenda", json={"text": text, "shared": shared}, headers=mine
        )
        assert response.status_code == 201, response.json

    reads = ["", "/practices", "/adherence", "/prescriptions", "/agenda"]
    for suffix in reads:
        assert client.get(f"{API}/clients/{me.id}{suffix}", headers=theirs).status_code == 200
    tokens = sign_in(client, me.email).json  # a second session, with a refresh token

    # --- the export -------------------------------------------------------------------------
    export = client.get(f"{API}/me/export", headers=mine)
    assert export.status_code == 200
    body = export.json
    assert body["account"] == {
        "id": me.id,
        "email": CLIENT_EMAIL,
        "display_name": CLIENT_NAME,
        "role": "client",
        "timezone": "Pacific/Auckland",
        "day_starts_at": "03:00",
        "created_at": body["account"]["created_at"],
    }
    by_id = {p["id"]: p for p in body["practices"]}
    assert set(by_id) == {ids["named"], ids["private"], ids["plain"]}  # not the deleted one
    named = by_id[ids["named"]]
    assert (named["exercise"], named["prescription_id"], named["length_minutes"]) == (
        "box-breathing",
        prescribed[0],
        5,
    )
    assert (named["mood_before"], named["mood_after"]) == (3, 7)
    assert (named["note"], named["share_note"]) == (NOTE_SHARED, True)
    assert (by_id[ids["private"]]["note"], by_id[ids["private"]]["share_note"]) == (
        NOTE_PRIVATE,
        False,
    )
    assert by_id[ids["plain"]]["mood_before"] is None and by_id[ids["plain"]]["note"] is None
    assert [
        (
            entry["therapist_id"],
            entry["therapist_name"],
            entry["client_id"],
            entry["share_mood"],
            entry["share_notes"],
            entry["revoked_at"],
        )
        for entry in body["links"]
    ] == [(therapist.id, "Dr. Keep Records", me.id, True, True, None)]
    assert sorted(
        (p["id"], p["therapist_id"], p["client_id"], p["exercise"], p["note"])
        for p in body["prescriptions"]
    ) == sorted(
        [
            (prescribed[0], therapist.id, me.id, "box-breathing", "Before work, if you can."),
            (prescribed[1], therapist.id, me.id, "body-scan", None),
        ]
    )
    schedules = {p["id"]: (p["schedule"], p["time_of_day"]) for p in body["prescriptions"]}
    assert schedules[prescribed[1]] == ({"per_week": 2}, "21:00")
    assert {(e["therapist_id"], e["therapist_name"]) for e in body["access_log"]} == {
        (therapist.id, "Dr. Keep Records")
    }
    assert Counter(e["what"] for e in body["access_log"]) == Counter(
        {"summary": 1, "practices": 1, "adherence": 1, "prescriptions": 1, "agenda": 1}
    )
    assert body["invitations"] == []  # clients make none
    assert {(i["text"], i["shared"]) for i in body["agenda"]} == set(agenda.items())
    # Nobody else's data is in it.
    assert "Bystander" not in export.get_data(as_text=True)

    # --- a wrong password changes nothing -----------------------------------------------------
    before = comparable(dump(app))
    wrong = client.delete(f"{API}/me", json={"password": "not my password at all"}, headers=mine)
    assert wrong.status_code == 422
    assert wrong.json["errors"] == {"json": {"password": [wrong.json["message"]]}}  # at its field
    assert comparable(dump(app)) == before
    assert client.get(f"{API}/me", headers=mine).status_code == 200

    # --- erasure ------------------------------------------------------------------------------
    erased = client.delete(f"{API}/me", json={"password": PASSWORD}, headers=mine)
    assert erased.status_code == 204

    tables = dump(app)
    texts = [
        CLIENT_EMAIL,
        CLIENT_NAME,
        NOTE_SHARED,
        NOTE_PRIVATE,
        NOTE_DELETED,
        AGENDA_SHARED,
        AGENDA_PRIVATE,
    ]
    found = traces(tables, me.id, texts)
    assert found == [], "the erased client is still in the database:\n" + "\n".join(found)
    # What stays, on purpose: the therapist's prescriptions, without the client.
    kept = {str(row["id"]): row for row in tables["prescriptions"]}
    assert set(kept) == set(prescribed)
    for row in kept.values():
        assert row["client_id"] is None
        assert str(row["therapist_id"]) == therapist.id
    assert kept[prescribed[0]]["note"] == "Before work, if you can."
    # The invitation the client accepted is the therapist's record; it no longer says by whom.
    assert [row["used_by"] for row in tables["invitations"]] == [None]
    # Other people's data is untouched.
    assert [str(row["id"]) for row in tables["practices"]] == [bystanders]
    assert {therapist.id, bystander.id} <= {str(row["id"]) for row in tables["users"]}

    # --- the therapist goes on, without the client ------------------------------------------
    assert sign_in(client, therapist.email).status_code == 200
    assert client.get(f"{API}/clients", headers=theirs).json == []
    for suffix in reads:
        assert client.get(f"{API}/clients/{me.id}{suffix}", headers=theirs).status_code == 404
    for prescription in prescribed:
        response = client.patch(
            f"{API}/prescriptions/{prescription}", json={"note": "x"}, headers=theirs
        )
        assert response.status_code == 404
    own = client.get(f"{API}/me/export", headers=theirs).json
    assert sorted((p["id"], p["client_id"]) for p in own["prescriptions"]) == sorted(
        (p, None) for p in prescribed
    )
    assert own["links"] == []
    assert [i["used_at"] is not None for i in own["invitations"]] == [True]
    leftover = json.dumps(own)
    for secret in (me.id, CLIENT_EMAIL, CLIENT_NAME):
        assert secret not in leftover

    # --- and the client is gone ---------------------------------------------------------------
    assert sign_in(client, CLIENT_EMAIL).status_code == 401
    assert client.get(f"{API}/me", headers=mine).status_code == 401
    second = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get(f"{API}/me", headers=second).status_code == 401
    refreshed = client.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    assert client.delete(f"{API}/me", json={"password": PASSWORD}, headers=mine).status_code == 401


def test_erasing_a_client_who_revoked_a_link_also_leaves_no_trace(app, client, people, link):
    """Revoked links, ended prescriptions and old access-log entries go too."""
    me, therapist = people["client"], people["therapist"]
    link(me, by=therapist)
    assert client.get(f"{API}/clients/{me.id}", headers=therapist.headers).status_code == 200
    assert (
        client.delete(f"{API}/me/therapists/{therapist.id}", headers=me.headers).status_code == 204
    )
    link(me, by=therapist)  # linked again: two links for the pair, one revoked
    assert (
        client.delete(f"{API}/me", json={"password": PASSWORD}, headers=me.headers).status_code
        == 204
    )
    found = traces(dump(app), me.id, [CLIENT_EMAIL, CLIENT_NAME])
    assert found == [], "\n".join(found)


def test_a_therapist_erasing_their_account_removes_links_and_invitations_while_clients_keep_their_access_log_with_therapist_id_null_and_name_kept(  # noqa: E501
    app, client, people, link, invite, make_user, exercises
):
    me, therapist = people["client"], people["therapist"]
    other = make_user(Role.CLIENT, display_name="Second Client")
    for person in (me, other):
        link(person, by=therapist)
    unused_code = invite(therapist)
    response = client.post(
        f"{API}/clients/{me.id}/prescriptions",
        json={
            "exercise": "box-breathing",
            "schedule": {"per_week": 3},
            "start_date": date.today().isoformat(),
        },
        headers=therapist.headers,
    )
    assert response.status_code == 201
    prescription = response.json["id"]
    assert client.get(f"{API}/clients", headers=therapist.headers).status_code == 200
    assert (
        client.get(f"{API}/clients/{me.id}/practices", headers=therapist.headers).status_code == 200
    )

    gone = client.delete(f"{API}/me", json={"password": PASSWORD}, headers=therapist.headers)
    assert gone.status_code == 204

    tables = dump(app)
    assert tables["care_links"] == []
    assert tables["invitations"] == []
    # The therapist's id and email are nowhere; their name stays only in the access log.
    found = traces(tables, therapist.id, [therapist.email])
    assert found == [], "\n".join(found)
    assert {row["therapist_name"] for row in tables["access_log"]} == {"Dr. Keep Records"}
    assert {row["therapist_id"] for row in tables["access_log"]} == {None}

    log = client.get(f"{API}/me/access-log", headers=me.headers)
    assert log.status_code == 200
    assert [entry["therapist"] for entry in log.json] == [
        {"id": None, "display_name": "Dr. Keep Records"}
    ] * 2  # the list, then the practices
    assert [e["what"] for e in log.json] == ["practices", "summary"]
    assert [
        e["therapist"] for e in client.get(f"{API}/me/access-log", headers=other.headers).json
    ] == [{"id": None, "display_name": "Dr. Keep Records"}]
    assert client.get(f"{API}/me/therapists", headers=me.headers).json == []
    mine = client.get(f"{API}/me/prescriptions", headers=me.headers).json
    assert [(p["id"], p["therapist"], p["client_id"]) for p in mine] == [
        (prescription, None, me.id)
    ]
    assert client.get(f"{API}/me/plan", headers=me.headers).status_code == 200
    # The code they handed out is dead, and they cannot sign in.
    accepted = client.post(
        f"{API}/invitations/{unused_code}/accept",
        json={"share_mood": True, "share_notes": True},
        headers=other.headers,
    )
    assert accepted.status_code == 404
    assert sign_in(client, therapist.email).status_code == 401
    assert client.get(f"{API}/me", headers=therapist.headers).status_code == 401
