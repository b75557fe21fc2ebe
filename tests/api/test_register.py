"""POST /auth/register: anyone may create a client account."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from api.extensions import db
from api.models import User

URL = "/api/v1/auth/register"
GOOD = {
    "email": "Robin@Example.org",
    "password": "a long enough secret",
    "timezone": "Europe/Paris",
}


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_register_creates_a_client_and_returns_the_profile(client, app):
    response = client.post(URL, json={**GOOD, "display_name": "Robin"})
    assert response.status_code == 201
    body = response.json
    assert body["email"] == "robin@example.org"
    assert body["role"] == "client"
    assert body["display_name"] == "Robin"
    assert body["timezone"] == "Europe/Paris"
    assert body["day_starts_at"] == "03:00"
    assert "password" not in body
    with app.app_context():
        stored = db.session.scalar(select(User))
        assert stored.password_hash.startswith("$argon2id$")
        assert "a long enough secret" not in stored.password_hash


def test_register_cannot_choose_a_role(client, app):
    response = client.post(URL, json={**GOOD, "role": "admin"})
    assert response.status_code == 422
    assert "role" in response.json["errors"]["json"]
    assert "role" in response.json["message"]
    assert count_users(app) == 0


def test_email_already_registered_in_any_case_is_409(client):
    assert client.post(URL, json=GOOD).status_code == 201
    response = client.post(URL, json={**GOOD, "email": "ROBIN@example.ORG"})
    assert response.status_code == 409
    assert response.json["code"] == 409
    assert "already exists" in response.json["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "x" * 11}, "password"),
        ({"password": "x" * 1025}, "password"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 101}, "display_name"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_bad_registration_is_422_naming_the_field_and_stores_nothing(client, app, change, field):
    response = client.post(URL, json={**GOOD, **change})
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert count_users(app) == 0


def test_timezone_message_says_what_is_wrong(client):
    response = client.post(URL, json={**GOOD, "timezone": "Mars/Base"})
    assert "timezone 'Mars/Base' is not an IANA zone" in response.json["message"]


@pytest.mark.parametrize("missing", ["email", "password", "timezone"])
def test_required_fields(client, missing):
    body = {k: v for k, v in GOOD.items() if k != missing}
    response = client.post(URL, json=body)
    assert response.status_code == 422
    assert missing in response.json["errors"]["json"]


def test_password_of_exactly_twelve_and_1024_characters_is_accepted(client):
    assert client.post(URL, json={**GOOD, "password": "x" * 12}).status_code == 201
    other = {**GOOD, "email": "other@example.org", "password": "y" * 1024}
    assert client.post(URL, json=other).status_code == 201


def test_malformed_json_is_400(client, app):
    response = client.post(URL, data='{"email": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json["status"] == "Bad Request"
    assert "JSON" in response.json["message"]
    assert count_users(app) == 0


def test_wrong_content_type_is_415(client, app):
    response = client.post(
        URL, data="email=a@b.org", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert "application/json" in response.json["message"]
    assert count_users(app) == 0


def test_a_json_array_body_is_422(client):
    response = client.post(URL, json=[GOOD])
    assert response.status_code == 422


def test_simultaneous_registrations_of_one_email_give_one_201_and_409s(app):
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def register() -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(URL, json=GOOD).status_code)

    threads = [threading.Thread(target=register) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409, 409, 409, 409, 409]
    assert count_users(app) == 1
