"""PUT /me/practices/{id}: every practice is stored exactly once, and ids are per person."""

from __future__ import annotations

from datetime import timedelta

from api.models import Role
from tests.api.practices.conftest import new_id, put, stored_rows


def test_first_put_records_the_practice_with_the_fields_the_pwa_reads(
    client, client_user, body, clock
):
    practice_id = new_id()
    response = put(client, client_user, practice_id, body(started_at="2026-11-21T11:30:00+01:00"))
    assert response.status_code == 201
    assert response.json == {
        "id": practice_id,
        "exercise": "box-breathing",
        "length_minutes": 5,
        "prescription_id": None,
        "started_at": "2026-11-21T10:30:00+00:00",
        "received_at": clock.now.isoformat(),
        "duration_seconds": 300,
        "completed": True,
        "mood_before": 4,
        "mood_after": 7,
        "note": "Calmer afterwards.",
        "share_note": False,
    }


def test_identical_replay_answers_200_with_the_first_body(app, client, client_user, body, clock):
    practice_id, practice = new_id(), body()
    first = put(client, client_user, practice_id, practice)
    clock.now += timedelta(hours=3)  # the phone comes back online later
    replay = put(client, client_user, practice_id, practice)
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json == first.json  # received_at is still the first receipt
    assert len(stored_rows(app)) == 1


def test_replay_spelling_the_same_instant_differently_is_a_duplicate(client, client_user, body):
    practice_id = new_id()
    put(client, client_user, practice_id, body(started_at="2026-11-21T12:30:00+01:00"))
    replay = put(client, client_user, practice_id, body(started_at="2026-11-21T11:30:00Z"))
    assert replay.status_code == 200


def test_replay_of_an_old_practice_stays_a_duplicate_after_a_year(client, client_user, body, clock):
    practice_id, practice = new_id(), body()
    assert put(client, client_user, practice_id, practice).status_code == 201
    clock.now += timedelta(days=400)
    assert put(client, client_user, practice_id, practice).status_code == 200


def test_same_id_with_a_different_body_is_a_conflict(app, client, client_user, body):
    practice_id = new_id()
    put(client, client_user, practice_id, body(mood_after=7))
    response = put(client, client_user, practice_id, body(mood_after=8))
    assert response.status_code == 422
    assert "different details" in response.json["message"]
    assert "id" in response.json["errors"]["json"]
    assert [row.mood_after for row in stored_rows(app)] == [7]


def test_another_persons_identical_uuid_is_a_separate_practice(
    app, client, client_user, make_user, body
):
    other = make_user(Role.CLIENT)
    practice_id = new_id()
    assert put(client, client_user, practice_id, body(mood_after=7)).status_code == 201
    theirs = put(client, other, practice_id, body(mood_after=2))
    assert theirs.status_code == 201
    assert theirs.json["mood_after"] == 2
    assert len(stored_rows(app, client_user.id)) == len(stored_rows(app, other.id)) == 1


def test_another_persons_practice_is_not_visible(client, client_user, make_user, body):
    other = make_user(Role.CLIENT)
    practice_id = new_id()
    put(client, client_user, practice_id, body())
    url = f"/api/v1/me/practices/{practice_id}"
    assert client.get(url, headers=other.headers).status_code == 404
    assert client.delete(url, headers=other.headers).status_code == 404


def test_body_id_must_match_the_path(client, client_user, body):
    response = put(client, client_user, new_id(), {**body(), "id": new_id()})
    assert response.status_code == 422


def test_body_may_repeat_the_path_id(client, client_user, body):
    practice_id = new_id()
    assert put(client, client_user, practice_id, {**body(), "id": practice_id}).status_code == 201


def test_a_malformed_path_id_is_404(client, client_user, body):
    assert put(client, client_user, "not-a-uuid", body()).status_code == 404


def test_share_note_defaults_to_false_and_optional_fields_to_null(client, client_user, body):
    minimal = body(length_minutes=..., mood_before=..., mood_after=..., note=..., share_note=...)
    response = put(client, client_user, new_id(), minimal)
    assert response.status_code == 201
    assert response.json["share_note"] is False
    assert response.json["mood_before"] is None and response.json["note"] is None


def test_only_clients_keep_a_practice_log(client, make_user, body):
    editor = make_user(Role.EDITOR)
    assert put(client, editor, new_id(), body()).status_code == 403


def test_signing_in_is_required(client, body):
    assert client.put(f"/api/v1/me/practices/{new_id()}", json=body()).status_code == 401
