"""Each rule a practice must meet has its own clear 422, naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.practices.conftest import new_id, put, stored_rows


def refused_field(response) -> set[str]:
    assert response.status_code == 422, response.json
    assert response.json["message"]
    return set(response.json["errors"]["json"])


def test_started_at_five_minutes_ahead_is_allowed_for_clock_drift(client, client_user, body, clock):
    started = (clock.now + timedelta(minutes=5)).isoformat()
    assert put(client, client_user, new_id(), body(started_at=started)).status_code == 201


def test_started_at_further_in_the_future_is_refused(client, client_user, body, clock):
    started = (clock.now + timedelta(minutes=5, seconds=1)).isoformat()
    response = put(client, client_user, new_id(), body(started_at=started))
    assert refused_field(response) == {"started_at"}
    assert "future" in response.json["message"]


def test_started_at_365_days_ago_is_allowed(client, client_user, body, clock):
    started = (clock.now - timedelta(days=365)).isoformat()
    assert put(client, client_user, new_id(), body(started_at=started)).status_code == 201


def test_started_at_more_than_365_days_ago_is_refused(client, client_user, body, clock):
    started = (clock.now - timedelta(days=365, seconds=1)).isoformat()
    response = put(client, client_user, new_id(), body(started_at=started))
    assert refused_field(response) == {"started_at"}
    assert "365 days" in response.json["message"]


@pytest.mark.parametrize("started_at", ["2026-11-21T10:00:00", "2026-11-21", "yesterday", 17])
def test_started_at_needs_an_offset(client, client_user, body, started_at):
    response = put(client, client_user, new_id(), body(started_at=started_at))
    assert refused_field(response) == {"started_at"}


def test_a_naive_started_at_is_explained(client, client_user, body):
    response = put(client, client_user, new_id(), body(started_at="2026-11-21T10:00:00"))
    assert "offset" in response.json["message"]


@pytest.mark.parametrize("seconds", [0, -5, 86401, 2.5, "300", None])
def test_duration_is_whole_seconds_from_1_to_86400(client, client_user, body, seconds):
    response = put(client, client_user, new_id(), body(duration_seconds=seconds))
    assert refused_field(response) == {"duration_seconds"}


@pytest.mark.parametrize("seconds", [1, 86400])
def test_duration_limits_are_inclusive(client, client_user, body, seconds):
    assert put(client, client_user, new_id(), body(duration_seconds=seconds)).status_code == 201


@pytest.mark.parametrize("field", ["mood_before", "mood_after"])
@pytest.mark.parametrize("mood", [11, -1, "5", 5.5, True])
def test_moods_are_whole_numbers_from_0_to_10(client, client_user, body, field, mood):
    response = put(client, client_user, new_id(), body(**{field: mood}))
    assert refused_field(response) == {field}


@pytest.mark.parametrize("mood", [0, 10, None])
def test_moods_at_the_limits_or_left_out_are_accepted(client, client_user, body, mood):
    response = put(client, client_user, new_id(), body(mood_before=mood, mood_after=mood))
    assert response.status_code == 201


def test_a_note_of_2000_characters_is_accepted(client, client_user, body):
    assert put(client, client_user, new_id(), body(note="a" * 2000)).status_code == 201


def test_a_note_over_2000_characters_is_refused(client, client_user, body):
    response = put(client, client_user, new_id(), body(note="a" * 2001))
    assert refused_field(response) == {"note"}
    assert "2000" in response.json["message"]


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_completed_is_a_required_boolean(client, client_user, body, value):
    response = put(client, client_user, new_id(), body(completed=value))
    assert refused_field(response) == {"completed"}


def test_completed_cannot_be_left_out(client, client_user, body):
    response = put(client, client_user, new_id(), body(completed=...))
    assert refused_field(response) == {"completed"}


def test_an_unknown_exercise_is_refused(client, client_user, body):
    response = put(client, client_user, new_id(), body(exercise="no-such-thing"))
    assert refused_field(response) == {"exercise"}
    assert "no-such-thing" in response.json["message"]


def test_a_never_published_exercise_is_refused_like_an_unknown_one(
    client, client_user, body, make_exercise
):
    make_exercise("secret-draft", published=False)
    response = put(client, client_user, new_id(), body(exercise="secret-draft"))
    assert refused_field(response) == {"exercise"}
    assert response.json["message"] == "Please fix: exercise: There is no exercise 'secret-draft'."


def test_a_withdrawn_exercise_that_was_once_published_is_accepted(
    app, client, client_user, body, exercise
):
    from sqlalchemy import update

    from api.extensions import db
    from api.models import Exercise

    with app.app_context():
        db.session.execute(update(Exercise).values(published_version_id=None))
        db.session.commit()
    assert put(client, client_user, new_id(), body()).status_code == 201


def test_a_length_the_exercise_does_not_offer_is_refused(client, client_user, body):
    response = put(client, client_user, new_id(), body(length_minutes=7))
    assert refused_field(response) == {"length_minutes"}
    assert "3, 5, 10" in response.json["message"]


def test_an_unknown_field_is_refused_by_name(client, client_user, body):
    response = put(client, client_user, new_id(), body(mood_during=5))
    assert refused_field(response) == {"mood_during"}


def test_an_unknown_prescription_is_refused(client, client_user, body):
    response = put(client, client_user, new_id(), body(prescription_id=new_id()))
    assert refused_field(response) == {"prescription_id"}


def test_a_malformed_prescription_id_is_refused(client, client_user, body):
    response = put(client, client_user, new_id(), body(prescription_id="rx-1"))
    assert refused_field(response) == {"prescription_id"}


def test_every_broken_rule_is_named_at_once(client, client_user, body, clock):
    late = (clock.now + timedelta(days=1)).isoformat()
    response = put(client, client_user, new_id(), body(exercise="nope", started_at=late))
    assert refused_field(response) == {"exercise", "started_at"}


def test_refused_practices_store_nothing(app, client, client_user, body):
    put(client, client_user, new_id(), body(mood_after=11))
    put(client, client_user, new_id(), body(exercise="nope"))
    assert stored_rows(app) == []


def test_a_body_that_is_not_json_is_415(client, client_user):
    response = client.put(
        f"/api/v1/me/practices/{new_id()}",
        data="exercise=box-breathing",
        headers={**client_user.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
